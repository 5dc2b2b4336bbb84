"""The report as tables (for CSV and the page), chart series, and drill-down links."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.reports.services.figures import BANDS, Filters, Report

OPEN_STATUSES = ("open", "in_progress")


def inbox_link(*, site_id: int, assignee: str = "", bucket: str = "", age: str = "") -> str:
    """The inbox's filter page showing exactly the tasks behind a number."""
    params: list[tuple[str, str]] = [("site", str(site_id))]
    params += [("status", status) for status in OPEN_STATUSES]
    if assignee:
        params.append(("assignee", assignee))
    if bucket:
        params.append(("bucket", bucket))
    if age:
        params.append(("age", age))
    return reverse("tasks_ui:search") + "?" + urlencode(params)


def completed_link(filters: Filters, *, site_id: int, assignee: str = "", **extra) -> str:
    params = {"site": site_id, "since": filters.since, "until": filters.until, **extra}
    if assignee:
        params["assignee"] = assignee
    elif filters.team:
        params["team"] = filters.team.pk
    return reverse("reports:completed") + "?" + urlencode(params)


def _pct(value) -> str:
    return "" if value is None else f"{value}"


def sites_table(report: Report, filters: Filters):
    bands = [_("Overdue %(band)s days") % {"band": band} for band in BANDS]
    header = [_("Site"), _("Open"), _("Overdue"), *bands, _("Completed"), _("Completed on time"),
              _("Completed with a due date"), _("Cancelled"), _("Reminders sent"),
              _("Escalations")]  # fmt: skip
    rows = [
        [r.site.name, r.open, r.overdue, *[r.aging.get(b, 0) for b in BANDS], r.done,
         r.done_on_time, r.done_with_due, r.cancelled, r.reminders_sent, r.escalations]
        for r in report.sites
    ]  # fmt: skip
    return header, rows


def people_table(report: Report, filters: Filters):
    header = [_("Site"), _("Site user"), _("Name"), _("Open"), _("Overdue"), _("Completed"),
              _("Completed on time"), _("Completed with a due date")]  # fmt: skip
    rows = [
        [", ".join(site.name for site in p.sites), person_id_text(p), p.name, p.open, p.overdue,
         p.done, p.done_on_time, p.done_with_due]
        for p in report.people
    ]  # fmt: skip
    return header, rows


def person_id_text(person) -> str:
    """The site user ids behind a person's row, each once."""
    if person.unassigned:
        return _("unassigned")
    return " ".join(dict.fromkeys(a.site_user_id for a in person.accounts))


def trend_table(report: Report, filters: Filters):
    return [_("Day"), _("Overdue")], [[str(day), "" if n is None else n] for day, n in report.trend]


def worst_table(report: Report, filters: Filters):
    names = {row.site.pk: row.site.name for row in report.sites}
    header = [_("Site"), _("Task"), _("Title"), _("Days overdue"), _("Priority"), _("Assignees")]
    rows = [
        [names.get(t["site_id"], ""), t["id"], t["title"], t["days"], t["priority"],
         " ".join(t.get("assignees") or [])]
        for t in report.worst
    ]  # fmt: skip
    return header, rows


EXPORTS = {"sites": sites_table, "people": people_table, "trend": trend_table, "worst": worst_table}


def chart_data(report: Report) -> dict:
    """Series for report.js; labels are translated here so the charts read in the page's
    language."""
    people = report.people[:15]
    return {
        "trend": {
            "labels": [day.isoformat() for day, _ in report.trend],
            "values": [value for _, value in report.trend],
            "label": _("Overdue tasks"),
        },
        "aging": {
            "labels": [row.site.name for row in report.sites],
            "series": [
                {
                    "label": _("%(band)s days") % {"band": band},
                    "values": [row.aging.get(band, 0) for row in report.sites],
                }
                for band in BANDS
            ],  # fmt: skip
        },
        "workload": {
            "labels": [_("unassigned") if p.unassigned else p.label for p in people],
            "series": [
                {"label": _("Open"), "values": [p.open for p in people]},
                {"label": _("Overdue"), "values": [p.overdue for p in people]},
            ],
        },
    }
