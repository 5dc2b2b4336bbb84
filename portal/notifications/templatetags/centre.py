"""The header's bell: the signed-in person's unread notifications, refreshed by htmx."""

from django import template

from portal.notifications.services.centre import notifications_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": notifications_unread_count(user=user) if user else 0}
