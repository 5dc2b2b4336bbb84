from django import template

from portal.reports.services.tables import completed_link, inbox_link

register = template.Library()


@register.simple_tag
def inbox_url(site_id, assignee="", bucket="", age=""):
    return inbox_link(site_id=site_id, assignee=assignee, bucket=bucket, age=age)


@register.simple_tag
def completed_url(filters, site_id, assignee="", status="done", on_time=""):
    extra = {"status": status}
    if on_time != "":
        extra["on_time"] = on_time
    return completed_link(filters, site_id=site_id, assignee=assignee, **extra)


@register.filter
def get_band(aging, band):
    return (aging or {}).get(band, 0)
