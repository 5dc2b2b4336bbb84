from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal.sites.access import profile_for


@login_required
@require_POST
def language_switch(request):
    """Django's set_language (cookie + redirect), and the choice remembered on the profile so
    it follows the person to other browsers and into their reminder emails."""
    language = request.POST.get("language", "")
    if language in dict(settings.LANGUAGES):
        profile = profile_for(request.user)
        profile.language = language
        profile.save(update_fields=["language"])
    return set_language(request)
