"""Connecting a portal user's own account on a site: OAuth2 authorization code with PKCE S256.

The state and code verifier stay in the user's portal session between the redirect and the
callback, so a callback only completes for the session that started it. Every way a callback
can fail becomes a ConnectFailed with a message a person can act on, never a 500.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal import clock
from portal.sites.audit import audit_record
from portal.sites.backends import backend_class
from portal.sites.backends.errors import SiteError, ValidationFailed
from portal.sites.models import Connection, Site
from portal.sites.outgoing import http_from_settings
from portal.sites.services.clients import site_settings
from portal.sites.services.people import site_user_seen
from portal.sites.services.token_store import token_expiry

SESSION_KEY = "sites_oauth_pending"
PENDING_SECONDS = 15 * 60
# A sign-in at the site takes a minute or two. A connect older than this that never came back
# most likely ended on a page of the site, such as Frappe's raw JSON 400 for a user without
# one of the OAuth Client's Allowed Roles: the person is told on their next page here.
UNFINISHED_AFTER_SECONDS = 3 * 60


class ConnectFailed(Exception):
    def __init__(self, message: str, *, site: Site | None = None, fix: str = "") -> None:
        self.message, self.site, self.fix = message, site, fix
        super().__init__(message)


def connection_begin(*, session, site: Site) -> str:
    """Returns the site's authorize URL and remembers state and verifier in the session."""
    url, state, verifier = backend_class(site.backend).oauth_begin(
        site_settings(site), redirect_uri=Site.redirect_uri(), http=http_from_settings()
    )
    now = _now()
    pending = {
        key: value
        for key, value in session.get(SESSION_KEY, {}).items()
        if now - value["at"] < PENDING_SECONDS
    }
    pending[state] = {"site": site.pk, "verifier": verifier, "at": now}
    session[SESSION_KEY] = pending
    return url


def _now() -> float:
    return clock.now().timestamp()


def _take_pending(session, state: str) -> dict | None:
    """The attempt this callback ends. Earlier attempts at the same site end with it: the
    person came back from that site, so they are not connects that never returned."""
    pending = session.get(SESSION_KEY, {})
    entry = pending.pop(state, None) if state else None
    if entry:
        pending = {key: value for key, value in pending.items() if value["site"] != entry["site"]}
    session[SESSION_KEY] = pending
    if entry and _now() - entry["at"] > PENDING_SECONDS:
        return None
    return entry


def connections_unfinished(*, session) -> list[int]:
    """Ids of the sites where a connect started in this session never came back (older than
    UNFINISHED_AFTER_SECONDS), each reported once. The attempt is kept, so a person who was
    only slow at the site still completes it."""
    pending = session.get(SESSION_KEY) or {}
    now = _now()
    site_ids: list[int] = []
    for entry in pending.values():
        if entry.get("noticed") or now - entry["at"] < UNFINISHED_AFTER_SECONDS:
            continue
        entry["noticed"] = True
        if entry["site"] not in site_ids:
            site_ids.append(entry["site"])
    if site_ids:
        session[SESSION_KEY] = pending
    return site_ids


def connection_complete(
    *, session, user, state: str, code: str, error: str, error_description: str, site_lookup
) -> Connection:
    """Finishes the callback. `site_lookup(site_id)` must apply the caller's access rules."""
    if error == "access_denied" and not state:
        # Frappe's consent page links "Deny" to redirect_uri?error=access_denied, without the
        # state, so the attempt cannot be matched; it is simply over.
        raise ConnectFailed(_("You declined access on the site."))
    entry = _take_pending(session, state)
    if entry is None:
        raise ConnectFailed(
            _("This sign-in link is not from your current session or has expired."),
            fix=_("Start connecting again from the sites page."),
        )
    site = site_lookup(entry["site"])
    if error:
        if error == "access_denied":
            raise ConnectFailed(_("You declined access on the site."), site=site)
        raise ConnectFailed(
            _("The site refused the sign-in: %(error)s")
            % {"error": (error_description or error)[:200]},
            site=site,
            fix=_("Check that the site's OAuth Client lists this redirect URI exactly: %(uri)s")
            % {"uri": Site.redirect_uri()},
        )
    if not code:
        raise ConnectFailed(_("The site sent no authorization code."), site=site)
    http = http_from_settings()
    try:
        token, site_user_id = backend_class(site.backend).oauth_finish(
            site_settings(site),
            code=code[:500],
            verifier=entry["verifier"],
            redirect_uri=Site.redirect_uri(),
            http=http,
        )
    except ValidationFailed as exc:
        raise ConnectFailed(
            _("The site refused the authorization code (%(why)s).") % {"why": exc.message},
            site=site,
            fix=_(
                "A code works once and only with this session's verifier; if it keeps failing, "
                "check that the site's OAuth Client lists this redirect URI exactly: %(uri)s"
            )
            % {"uri": Site.redirect_uri()},
        ) from None
    except SiteError as exc:
        raise ConnectFailed(exc.message, site=site) from None
    connection, _created = Connection.objects.update_or_create(
        user=user,
        site=site,
        defaults={
            "site_user_id": site_user_id[:140],
            "token": token,
            "token_expires_at": token_expiry(token),
            "status": Connection.Status.CONNECTED,
            "last_error": "",
        },
    )
    site_user_seen(site=site, user_id=site_user_id, email=getattr(user, "email", "") or "")
    audit_record(
        user=user,
        site=site,
        action="connect",
        credential=f"oauth:{site_user_id}",
        changes={"site_user_id": site_user_id},
    )
    return connection


def connection_disconnect(*, connection: Connection, user) -> str:
    """Revokes the refresh token at the site (with client_id) and deletes the tokens. Returns a
    warning when the site could not be told (the tokens are deleted here regardless)."""
    site = connection.site
    warning = ""
    if connection.token:
        try:
            backend_class(site.backend).person_token_revoke(
                site_settings(site), connection.token, http=http_from_settings()
            )
        except SiteError as exc:
            warning = exc.message
    site_user_id = connection.site_user_id
    connection.delete()
    audit_record(
        user=user,
        site=site,
        action="disconnect",
        credential=f"oauth:{site_user_id}",
        ok=not warning,
        error=warning,
    )
    return warning


def connection_by_password(*, user, site: Site, site_user: str, password: str) -> Connection:
    """Connects `user` as `site_user` with the site user's password (OAuth password grant):
    for demos and scripts. People connect through connection_begin/complete instead and never
    give the portal a password."""
    token = backend_class(site.backend).oauth_password(
        site_settings(site), username=site_user, password=password, http=http_from_settings()
    )
    site_user_seen(site=site, user_id=site_user, email=site_user if "@" in site_user else "")
    connection, _ = Connection.objects.update_or_create(
        user=user,
        site=site,
        defaults={
            "site_user_id": site_user,
            "token": token,
            "token_expires_at": token_expiry(token),
            "status": Connection.Status.CONNECTED,
            "last_error": "",
        },
    )
    return connection


def _connection_store(*, user, site: Site, token: dict, site_user_id: str, how: str) -> Connection:
    connection, _created = Connection.objects.update_or_create(
        user=user,
        site=site,
        defaults={
            "site_user_id": site_user_id[:140],
            "token": token,
            "token_expires_at": token_expiry(token),
            "status": Connection.Status.CONNECTED,
            "last_error": "",
        },
    )
    site_user_seen(site=site, user_id=site_user_id, email=getattr(user, "email", "") or "")
    audit_record(
        user=user,
        site=site,
        action="connect",
        credential=f"{how}:{site_user_id}",
        changes={"site_user_id": site_user_id},
    )
    return connection


def connection_by_site_login(*, user, site: Site, username: str, password: str) -> Connection:
    """Connects with the person's user name and password on the site, exchanged once for the
    site's own token: the password is sent to the site and kept nowhere."""
    username = username.strip()
    if not username or not password or len(username) > 150 or len(password) > 500:
        raise ConnectFailed(_("Enter your user name and password on the site."), site=site)
    try:
        stored, site_user_id = backend_class(site.backend).password_connect(
            site_settings(site), username=username, password=password, http=http_from_settings()
        )
    except SiteError as exc:
        raise ConnectFailed(
            _("The site did not accept this user name and password: %(why)s")
            % {"why": exc.message},
            site=site,
            fix=_("Use the user name and password you sign in to the site with."),
        ) from None
    return _connection_store(
        user=user, site=site, token=stored, site_user_id=site_user_id, how="password"
    )


def connection_by_token(*, user, site: Site, token: str) -> Connection:
    """Connects with a token the person made on the site (checked there first)."""
    token = token.strip()
    if not token or len(token) > 500:
        raise ConnectFailed(_("Paste the token the site showed you."), site=site)
    try:
        stored, site_user_id = backend_class(site.backend).token_connect(
            site_settings(site), token=token, http=http_from_settings()
        )
    except SiteError as exc:
        raise ConnectFailed(
            _("The site did not accept this token: %(why)s") % {"why": exc.message},
            site=site,
            fix=_("Make a new token on the site (with the tasks scopes) and paste it here."),
        ) from None
    return _connection_store(
        user=user, site=site, token=stored, site_user_id=site_user_id, how="token"
    )


def connection_code_request(*, user, site: Site, email: str) -> None:
    """Asks the site to email a sign-in code to the person's address on the site."""
    email = email.strip()
    if not email or "@" not in email or len(email) > 254:
        raise ConnectFailed(_("Enter the email address of your account on the site."), site=site)
    try:
        backend_class(site.backend).code_request(
            site_settings(site), email=email, http=http_from_settings()
        )
    except SiteError as exc:
        raise ConnectFailed(exc.message, site=site) from None
    audit_record(user=user, site=site, action="connect_code_sent", changes={"email": email})


def connection_by_code(*, user, site: Site, email: str, code: str) -> Connection:
    """Exchanges the emailed code for the person's tokens (refreshed as they expire)."""
    email, code = email.strip(), code.strip()
    if not email or not code or len(code) > 200:
        raise ConnectFailed(_("Enter your email address and the code the site sent."), site=site)
    try:
        stored, site_user_id = backend_class(site.backend).code_connect(
            site_settings(site), email=email, code=code, http=http_from_settings()
        )
    except SiteError as exc:
        raise ConnectFailed(
            _("The site did not accept this code: %(why)s") % {"why": exc.message},
            site=site,
            fix=_("Codes work once and expire: ask for a new one."),
        ) from None
    return _connection_store(
        user=user, site=site, token=stored, site_user_id=site_user_id, how="code"
    )
