from django.conf import settings
from django.contrib.auth import views as auth_views

from portal.sites.access import profile_for


class LoginView(auth_views.LoginView):
    """After login the page speaks the person's own language (Profile.language)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        language = profile_for(form.get_user()).language
        if language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
            )
        return response
