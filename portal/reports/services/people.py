"""Who a site user is across sites, for the report's one row per person.

A person with accounts on several sites is one row: site users are matched by their portal
account (the person connected that account, or the site user's email is the portal account's),
and site users nobody in the portal owns by their email, ignoring case. A site user with
neither (an EspoCRM id never connected, Frappe's ``Administrator``) stays a row of its site.
Tasks nobody holds are one "unassigned" row, whichever sites they are on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models.functions import Lower

from portal.sites.models import Connection, SiteUser

UNASSIGNED = "unassigned"
CHUNK = 500


@dataclass(frozen=True)
class Who:
    key: str  # "user:<pk>", "email:<address>", "site:<site id>:<user id>" or "unassigned"
    name: str  # the portal account's name, or "" (the site's name for it is used then)


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def people_identify(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Who]:
    """(site id, site user id) → who that is; "" as the user id stands for nobody."""
    pairs = set(pairs)
    by_site: dict[int, set[str]] = defaultdict(set)
    for site_id, user_id in pairs:
        if user_id:
            by_site[site_id].add(user_id)
    connected: dict[tuple[int, str], int] = {}
    emails: dict[tuple[int, str], str] = {}
    for site_id, user_ids in by_site.items():
        ids = sorted(user_ids)
        for part in _chunks(ids):
            for user_pk, user_id in Connection.objects.filter(
                site_id=site_id, site_user_id__in=part
            ).values_list("user_id", "site_user_id"):
                connected[(site_id, user_id)] = user_pk
            for user_id, email in SiteUser.objects.filter(
                site_id=site_id, user_id__in=part
            ).values_list("user_id", "email"):
                if email:
                    emails[(site_id, user_id)] = email.strip().lower()
        for user_id in ids:
            if "@" in user_id:
                emails.setdefault((site_id, user_id), user_id.strip().lower())
    accounts = _accounts_by_email(set(emails.values()))
    names = dict(
        (pk, (first + " " + last).strip())
        for pk, first, last in User.objects.filter(
            pk__in=set(connected.values()) | set(accounts.values())
        ).values_list("pk", "first_name", "last_name")
    )
    found: dict[tuple[int, str], Who] = {}
    for site_id, user_id in pairs:
        if not user_id:
            found[(site_id, user_id)] = Who(UNASSIGNED, "")
            continue
        email = emails.get((site_id, user_id), "")
        account = connected.get((site_id, user_id)) or accounts.get(email)
        if account is not None:
            found[(site_id, user_id)] = Who(f"user:{account}", names.get(account, ""))
        elif email:
            found[(site_id, user_id)] = Who(f"email:{email}", "")
        else:
            found[(site_id, user_id)] = Who(f"site:{site_id}:{user_id}", "")
    return found


def _accounts_by_email(emails: set[str]) -> dict[str, int]:
    """Lower-cased email → the one active portal account with it (an address two accounts
    share names neither)."""
    owners: dict[str, set[int]] = defaultdict(set)
    for part in _chunks(sorted(emails)):
        for pk, email in (
            User.objects.filter(is_active=True)
            .annotate(address=Lower("email"))
            .filter(address__in=part)
            .values_list("pk", "address")
        ):
            owners[email].add(pk)
    return {email: next(iter(pks)) for email, pks in owners.items() if len(pks) == 1}
