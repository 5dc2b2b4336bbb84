"""The connection doctor: what the probe found about a site, as checks a person can act on.

Runs when an admin adds or edits a site (without credentials: reachability and OAuth), after a
connection is made (with it: flavour, vocabularies, roles, time zone), and from the site page.
What it learns (flavour, vocabularies, zone) is stored on the site for every later client.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal import clock
from portal.sites.backends.base import Features, TaskBackend
from portal.sites.backends.types import Capabilities
from portal.sites.models import Site
from portal.sites.services.clients import site_features

REACHABLE_AT = "reachable_at"  # in Site.capabilities: when `reachable` was last observed


@dataclass(frozen=True)
class Check:
    """Stored on the site in English (source strings); ``shown`` gives it in the reader's
    language, so a check made by one admin reads right for the next, in Arabic or English."""

    key: str
    ok: bool | None  # None: not checked (needs a credential)
    label: str
    detail: str = ""
    fix: str = ""
    fix_params: dict[str, str] = field(default_factory=dict)

    def shown(self) -> Check:
        fix = _(self.fix) if self.fix else ""
        if fix and self.fix_params:
            fix = fix % self.fix_params
        detail = self.detail
        if self.key == "flavour" and detail:
            detail = str(dict(Site.Flavour.choices).get(detail, detail))
        return replace(self, label=_(self.label), detail=detail, fix=fix)


def _checks(site: Site, found: Capabilities, *, with_credential: bool) -> list[Check]:
    features = site_features(site)
    checks = [
        Check(
            "reachable",
            found.reachable,
            gettext_noop("Site reachable"),
            site.base_url,
            ""
            if found.reachable
            else gettext_noop(
                "Check the URL: scheme (https://), host and port, exactly as it opens in a "
                "browser. The portal must be able to reach it from its own network."
            ),
        ),
    ]
    sign_in = [
        Check(
            "oauth",
            bool(found.oauth) if found.reachable else None,
            gettext_noop("OAuth2 provider"),
            (found.oauth or {}).get("issuer", ""),
            ""
            if found.oauth
            else gettext_noop(
                "No OAuth discovery answered: this may not be a Frappe site, or it is older "
                "than Frappe 14. People can still use API keys."
            ),
        ),
        Check(
            "redirect_uri",
            None,
            gettext_noop("Redirect URI"),
            Site.redirect_uri(),
            gettext_noop(
                "In the site's OAuth Client (%(client)s), list this redirect URI exactly, byte "
                "for byte: Frappe compares it literally."
            ),
            {"client": site.client_id},
        ),
        Check(
            "allowed_roles",
            None,
            gettext_noop("Who may connect"),
            "",
            gettext_noop(
                "In the site's OAuth Client (%(client)s), Allowed Roles lists the roles that may "
                "connect. Frappe 15 allows only Desk User by default: a site user without it "
                "(a Website User) gets “Invalid client_id parameter value.” on the site and "
                "never comes back. Add the roles of everyone who will connect."
            ),
            {"client": site.client_id},
        ),
    ]
    if features.oauth_sign_in:
        checks += sign_in
    if not with_credential:
        return checks
    checks.append(
        Check(
            "credential",
            found.credential_valid,
            gettext_noop("Credential accepted"),
            found.user_id or "",
            gettext_noop("Connect again, or replace the API key.")
            if found.credential_valid is False
            else "",
        )
    )
    if not found.credential_valid:
        # The probe stopped here (site out of reach, credential refused): what follows was not
        # checked, and a "missing" task API or time zone would be a false alarm.
        return checks
    if features.flavours:
        checks.append(
            Check(
                "flavour",
                found.flavour is not None,
                gettext_noop("Task API"),
                found.flavour or "",  # the key: shown() names it in the reader's language
                ""
                if found.flavour
                else gettext_noop(
                    "Install the crm app on the site; without its mobile API the portal uses "
                    "Frappe's generic API."
                ),
            )
        )
    vocabulary = found.vocabulary
    checks.append(
        Check(
            "vocabulary",
            vocabulary is not None,
            gettext_noop("Task options"),
            "; ".join(
                [
                    ", ".join(vocabulary.statuses),
                    ", ".join(vocabulary.priorities),
                    ", ".join(vocabulary.task_types),
                ]
            )
            if vocabulary
            else "",
            ""
            if vocabulary
            else gettext_noop("The site is older than Frappe 15: options cannot be read."),
        )
    )
    checks.append(
        Check(
            "crm_role",
            found.can_read_list,
            gettext_noop("CRM role"),
            ", ".join(found.roles),
            ""
            if found.can_read_list is not False
            else gettext_noop(
                "Give this site user a CRM role (Sales User or Sales Manager) in the site's "
                "User settings: without it tasks cannot be listed for reminders, nor changed."
            ),
        )
    )
    checks.append(_time_zone_check(site, found, features))
    return checks


def _time_zone_check(site: Site, found: Capabilities, features: Features) -> Check:
    zone = found.time_zone or site.time_zone or ""
    if zone and found.contradicting_offsets:
        # The site's own times disprove the zone entered for it.
        return Check(
            "time_zone",
            False,
            gettext_noop("Time zone"),
            zone,
            gettext_noop(
                "The site writes its times at %(offsets)s, which %(zone)s never had at those "
                "moments: enter the zone of the organisation's settings on the site's settings "
                "page, or due dates turn overdue at the wrong midnight."
            ),
            {"offsets": ", ".join(found.contradicting_offsets), "zone": zone},
        )
    if zone:
        return Check("time_zone", True, gettext_noop("Time zone"), zone, "")
    return Check(
        "time_zone",
        False,
        gettext_noop("Time zone"),
        "",
        gettext_noop(
            "This account cannot read the site's time zone (System Settings need System "
            "Manager): enter the zone on the site's settings page."
        )
        if features.tells_time_zone
        else gettext_noop(
            "This kind of site never says its organisation's time zone, and due dates turn "
            "overdue at its midnight: enter the zone of the organisation's settings on the "
            "site's settings page."
        ),
    )


def doctor_run(*, site: Site, backend: TaskBackend, with_credential: bool) -> list[Check]:
    found = backend.probe()
    checks = _checks(site, found, with_credential=with_credential)
    capabilities = dict(site.capabilities or {})
    capabilities["checks"] = [asdict(check) for check in checks]
    capabilities["findings"] = list(found.findings)
    capabilities["reachable"] = found.reachable
    now = clock.now()
    capabilities[REACHABLE_AT] = now.isoformat()
    if with_credential and found.credential_valid:
        if found.vocabulary is not None:
            capabilities["vocabulary"] = {
                "statuses": list(found.vocabulary.statuses),
                "priorities": list(found.vocabulary.priorities),
                "task_types": list(found.vocabulary.task_types),
            }
        capabilities["can_read_list"] = found.can_read_list
        if found.flavour:
            site.flavour = found.flavour
        if found.time_zone and not site.time_zone:
            site.time_zone = found.time_zone
    site.capabilities = capabilities
    site.probed_at = now
    site.save(update_fields=["capabilities", "probed_at", "flavour", "time_zone", "updated_at"])
    return [check.shown() for check in checks]


def doctor_checks(site: Site) -> list[Check]:
    return [Check(**check).shown() for check in (site.capabilities or {}).get("checks", [])]
