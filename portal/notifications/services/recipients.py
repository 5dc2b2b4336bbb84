"""Who a task's reminder goes to: assignees (site user → email), the lead of each assignee's team,
with each person's language and time zone, looked up once per plan.

An assignee whose site account is connected to exactly one portal user is that portal user: the
reminder goes to their portal address, in their language and zone, so their overdue tasks of
every site land in one digest even when each site knows them by another email."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model

from portal.notifications.models import OptOut
from portal.sites.models import Connection, Profile, Site, SiteUser, Team


@dataclass(frozen=True)
class Person:
    address: str  # lower-cased email: the recipient key
    name: str
    language: str
    time_zone: str


def zone_or(name: str | None, fallback: str) -> str:
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                ZoneInfo(candidate)
                return candidate
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


class Directory:
    """Site users, portal profiles and team leads of the sites being planned, in memory."""

    def __init__(self, *, site_ids: list[int], default_language: str = "en") -> None:
        self.default_language = default_language
        self.sites = {s.pk: s for s in Site.objects.filter(pk__in=site_ids)}
        self.site_users: dict[tuple[int, str], SiteUser] = {}
        self.site_users_by_email: dict[tuple[int, str], SiteUser] = {}
        for su in SiteUser.objects.filter(site_id__in=site_ids):
            self.site_users[(su.site_id, su.user_id)] = su
            if su.email:
                self.site_users_by_email[(su.site_id, su.email.lower())] = su
        self.profiles: dict[str, tuple[str, str]] = {}  # email → (language, zone)
        for profile in Profile.objects.select_related("user").exclude(user__email=""):
            self.profiles[profile.user.email.lower()] = (profile.language, profile.time_zone)
        # site user pk → the leads (portal users) of the teams it belongs to
        self.leads_of_member: dict[int, list[Person]] = defaultdict(list)
        user_model = get_user_model()
        leads = {
            u.pk: u for u in user_model.objects.filter(led_teams__isnull=False, is_active=True)
        }
        memberships = Team.members.through.objects.filter(
            siteuser__site_id__in=site_ids, team__lead__isnull=False
        ).values_list("siteuser_id", "team__lead_id")
        member_sites = {su.pk: su.site_id for su in self.site_users.values()}
        # site → the leads of the teams that work on it: who takes a task nobody is assigned
        self.leads_of_site: dict[int, list[Person]] = defaultdict(list)
        for member_id, lead_id in memberships:
            lead = leads.get(lead_id)
            if lead is not None and lead.email:
                person = self._portal_person(lead.email, lead.get_full_name() or lead.username)
                if person not in self.leads_of_member[member_id]:
                    self.leads_of_member[member_id].append(person)
                site_leads = self.leads_of_site[member_sites[member_id]]
                if person not in site_leads:
                    site_leads.append(person)
        self.connected = self._connected_people(site_ids)
        self.aliases: dict[str, set[str]] = defaultdict(set)  # portal address → site addresses
        self.opted_out = set(OptOut.objects.values_list("address", flat=True))

    def _connected_people(self, site_ids: list[int]) -> dict[tuple[int, str], Person]:
        """(site, site user id) → the one active portal user connected as that site user. Two
        portal users sharing a site account stay the site user: neither is the right person."""
        owners: dict[tuple[int, str], list] = defaultdict(list)
        rows = Connection.objects.filter(site_id__in=site_ids, user__is_active=True)
        for connection in rows.select_related("user"):
            owners[(connection.site_id, connection.site_user_id)].append(connection.user)
        return {
            key: self._portal_person(users[0].email, users[0].get_full_name() or users[0].username)
            for key, users in owners.items()
            if len(users) == 1 and users[0].email
        }

    def _portal_person(self, email: str, name: str) -> Person:
        language, zone = self.profiles.get(email.lower(), (self.default_language, "UTC"))
        return Person(email.lower(), name, language or self.default_language, zone_or(zone, "UTC"))

    def _site_user(self, site_id: int, entry: list[str]) -> SiteUser | None:
        user_id, email = entry[0], entry[1]
        found = self.site_users.get((site_id, user_id)) if user_id else None
        if found is None and email:
            found = self.site_users_by_email.get((site_id, email.lower()))
        if found is None and email and not user_id:
            found = self.site_users.get((site_id, email))  # a user id is usually the email
        return found

    def assignee(self, site_id: int, entry: list[str]) -> Person | None:
        """entry: [user_id, email, full name] as watched tasks store them."""
        user_id, email, name = (list(entry) + ["", "", ""])[:3]
        site_user = self._site_user(site_id, [user_id, email])
        address = (site_user.email if site_user and site_user.email else "") or email
        portal_person = self.connected.get((site_id, site_user.user_id if site_user else user_id))
        if portal_person is not None:
            # An opt-out made under the site's address still holds for the same person.
            for alias in (address, user_id):
                if alias and "@" in alias:
                    self.aliases[portal_person.address].add(alias.lower())
            return portal_person
        if not address and "@" in user_id:
            address = user_id  # Frappe user ids are emails for every user created by email
        if not address:
            return None
        site = self.sites.get(site_id)
        profile_language, profile_zone = self.profiles.get(address.lower(), ("", ""))
        language = (site_user.language if site_user else "") or profile_language
        zone = (site_user.time_zone if site_user else "") or profile_zone
        return Person(
            address=address.lower(),
            name=(site_user.full_name if site_user else "") or name or address,
            language=language or self.default_language,
            time_zone=zone_or(zone, site.time_zone if site else "UTC"),
        )

    def leads(self, site_id: int, entries: list[list[str]]) -> list[Person]:
        found: list[Person] = []
        for entry in entries:
            site_user = self._site_user(site_id, entry)
            if site_user is None:
                continue
            for person in self.leads_of_member.get(site_user.pk, []):
                if person not in found:
                    found.append(person)
        return found

    def site_leads(self, site_id: int) -> list[Person]:
        """The leads of every team with a member on this site, for tasks without an assignee."""
        return list(self.leads_of_site.get(site_id, []))

    def fixed(self, address: str, *, language: str, time_zone: str) -> Person:
        language_, zone = self.profiles.get(address.lower(), (language, time_zone))
        return Person(address.lower(), address, language_ or language, zone_or(zone, time_zone))

    def opted_out_of(self, address: str) -> bool:
        known = {address.lower(), *self.aliases.get(address.lower(), ())}
        return not known.isdisjoint(self.opted_out)
