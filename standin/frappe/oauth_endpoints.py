"""`frappe.integrations.oauth2.*` endpoints (see oauth.py for the state).

Error shapes as recorded: authorize/approve answer `{"description", "status_code",
"error"}` [154]; get_token answers `{"error"[, "error_description"]}` with 400
[124, 125, 145]; Frappe's own errors (unknown client 404 [123], wrong password
401 [122], unknown refresh token 404 [140]) keep Frappe's error body.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from standin.frappe import errors
from standin.frappe.httpio import Request, redirect
from standin.frappe.oauth_pages import consent_page
from standin.httpio import Response, json_response

PREFIX = "/api/method/frappe.integrations.oauth2."
GRANTS = ("authorization_code", "password", "refresh_token")
KNOWN_GRANTS = ("client_credentials", "implicit")  # refused as unauthorized_client [125]
_KEEP_ENCODED = set("%&+=#? ") | {chr(c) for c in range(32)} | {chr(127)}


class OAuthError(Exception):
    def __init__(self, error: str, description: str = "", status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status

    def authorize_body(self) -> Response:
        body = {"description": self.description, "status_code": self.status, "error": self.error}
        return json_response(body, self.status)

    def token_body(self) -> Response:
        body = {"error": self.error}
        if self.description:
            body["error_description"] = self.description
        return json_response(body, 400)


def request_url(req: Request) -> str:
    """werkzeug's request.url: percent-escapes decoded where harmless [142]."""
    query = re.sub(
        r"%([0-9A-Fa-f]{2})",
        lambda m: (
            m.group(0)
            if chr(int(m.group(1), 16)) in _KEEP_ENCODED or int(m.group(1), 16) > 127
            else chr(int(m.group(1), 16))
        ),
        req.query_string,
    )
    return req.base_url + req.raw_path + (f"?{query}" if query else "")


def _scopes(client: dict, requested: str | None) -> list[str]:
    allowed = client["scopes"].split()
    wanted = (requested or "").split() or allowed
    if any(s not in allowed for s in wanted):
        raise OAuthError("invalid_scope")
    return wanted


def _validate(site, args: dict, user) -> tuple[dict, str, list[str]]:
    """oauthlib's validate_authorization_request, in its order. Frappe's validate_client_id
    also refuses a user with none of the client's Allowed Roles, with the same answer as an
    unknown client."""
    client_id = args.get("client_id")
    if not client_id:
        raise OAuthError("invalid_request", "Missing client_id parameter.")
    client = site.oauth.client(client_id)
    if client is None or not set(client["allowed_roles"]) & set(user.all_roles()):
        raise OAuthError("invalid_request", "Invalid client_id parameter value.")
    redirect_uri = args.get("redirect_uri")
    if redirect_uri:
        if redirect_uri not in client["redirect_uris"]:  # one byte off is refused [154]
            raise OAuthError("invalid_request", "Mismatching redirect URI.")
    elif client["default_redirect_uri"]:
        redirect_uri = client["default_redirect_uri"]
    else:
        raise OAuthError("invalid_request", "Missing redirect URI.")
    if not args.get("response_type"):
        raise OAuthError("invalid_request", "Missing response_type parameter.")
    if args["response_type"] != "code":
        raise OAuthError("unsupported_response_type")
    method = args.get("code_challenge_method")
    if args.get("code_challenge") and method not in (None, "", "S256", "plain"):
        raise OAuthError("invalid_request", "Transform algorithm not supported.")
    return client, redirect_uri, _scopes(client, args.get("scope"))


def _login_first(req: Request) -> Response:
    """A guest goes to the login page, which comes back here [142]."""
    return redirect("/login?" + urlencode({"redirect-to": request_url(req)}))


def _authorization_step(step):
    """authorize and approve alike: a guest logs in first, then the request is
    validated; errors are JSON [154]."""

    def endpoint(site, req: Request) -> Response:
        if req.user is None:
            return _login_first(req)
        try:
            client, redirect_uri, scopes = _validate(site, req.args, req.user)
        except OAuthError as exc:
            return exc.authorize_body()
        return step(site, req, client, redirect_uri, scopes)

    return endpoint


@_authorization_step
def authorize(site, req: Request, client: dict, redirect_uri: str, scopes: list) -> Response:
    params = [(k, str(v)) for k, v in req.args.items() if k not in ("cmd", "data")]
    success = PREFIX + "approve?" + urlencode(params, quote_via=quote)
    if client["skip_authorization"]:
        return redirect(success)  # [143]
    return consent_page(
        site, client, req.user, scopes, params, f"{redirect_uri}?error=access_denied"
    )


@_authorization_step
def approve(site, req: Request, client: dict, redirect_uri: str, scopes: list) -> Response:
    args = req.args
    code = site.oauth.new_code(
        client["client_id"],
        req.user.name,
        redirect_uri,
        " ".join(scopes),
        args.get("code_challenge") or None,
        (args.get("code_challenge_method") or "plain") if args.get("code_challenge") else None,
        args.get("nonce") or None,
    )
    params = {"code": code}
    if args.get("state"):
        params["state"] = args["state"]
    joiner = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + joiner + urlencode(params))  # [144]


def _token_answer(site, token, *, with_id: bool, nonce: str | None = None) -> Response:
    body = {
        "access_token": token.access_token,
        "expires_in": site.config.access_token_ttl,
        "token_type": "Bearer",
        "scope": token.scope,
        "refresh_token": token.refresh_token,
    }
    if with_id and "openid" in token.scope.split():
        body["id_token"] = site.oauth.id_token(token, nonce)
    return json_response(body)


def _client_or_404(site, client_id):
    client = site.oauth.client(client_id)
    if client is None:
        raise errors.not_found("OAuth Client", client_id)  # [123, 156]
    return client


def get_token(site, req: Request) -> Response:
    form = req.form  # form-encoded only: a JSON body has no grant_type [124]
    grant = form.get("grant_type")
    try:
        if grant not in GRANTS:
            raise OAuthError(
                "unauthorized_client" if grant in KNOWN_GRANTS else "unsupported_grant_type"
            )
        return {"password": _password, "authorization_code": _code, "refresh_token": _refresh}[
            grant
        ](site, form)
    except OAuthError as exc:
        return exc.token_body()


def _password(site, form: dict) -> Response:
    client = _client_or_404(site, form.get("client_id"))
    for param in ("username", "password"):
        if not form.get(param):
            raise OAuthError("invalid_request", f"Request is missing {param} parameter.")
    user = site.users.authenticate(form["username"], form["password"])
    if user is None:
        raise errors.invalid_login()  # 401 like a login [122]
    scope = " ".join(_scopes(client, form.get("scope")))
    return _token_answer(
        site, site.oauth.issue(client["client_id"], user.name, scope), with_id=False
    )


def _code(site, form: dict) -> Response:
    if not form.get("code"):
        raise OAuthError("invalid_request", "Missing code parameter.")
    client = _client_or_404(site, form.get("client_id"))
    found = site.oauth.take_code(form["code"], client["client_id"], form.get("code_verifier"))
    if found is None:
        raise OAuthError("invalid_grant")  # [145, 149, 153]
    if form.get("redirect_uri") != found.redirect_uri:
        raise OAuthError("invalid_request", "Mismatching redirect URI.")
    site.oauth.spend_code(found)
    token = site.oauth.issue(client["client_id"], found.user, found.scope)
    return _token_answer(site, token, with_id=True, nonce=found.nonce)


def _refresh(site, form: dict) -> Response:
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise OAuthError("invalid_request", "Missing refresh token parameter.")
    if form.get("client_id"):
        _client_or_404(site, form["client_id"])
    old = site.oauth.active_refresh(refresh_token)
    if old is None:
        # Frappe's get_doc message echoes the token: clients must redact it [140, 167].
        raise errors.not_found(
            "OAuth Bearer Token", {"refresh_token": refresh_token, "status": "Active"}
        )
    if form.get("client_id") and form["client_id"] != old.client_id:
        raise OAuthError("invalid_grant")
    # A new record; the old refresh and access tokens stay Active [135, 136].
    return _token_answer(site, site.oauth.issue(old.client_id, old.user, old.scope), with_id=False)


def revoke_token(site, req: Request) -> Response:
    if req.header("authorization"):
        return json_response({}, 401)  # client authentication fails [170]
    form = req.form
    if not form.get("token"):
        return json_response({}, 400)
    _client_or_404(site, form.get("client_id"))  # "OAuth Client None not found" [156]
    token = form["token"]
    record = (
        site.oauth.by_refresh.get(token)
        if form.get("token_type_hint") != ("access_token")
        else None
    )
    if record is not None:
        site.oauth.revoke(record)  # the refresh token and its access token [166-168]
        return json_response({})
    if site.oauth.by_access(token) is not None:
        return json_response({}, 401)  # an access token cannot be revoked [170, 171]
    return json_response({})


def introspect_token(site, req: Request) -> Response:
    args = req.args
    hint = args.get("token_type_hint")
    token = args.get("token") or ""
    oauth = site.oauth
    record = oauth.by_refresh.get(token) if hint == "refresh_token" else oauth.by_access(token)
    client = oauth.client(record.client_id) if record else None
    if record is None or client is None:
        return json_response({"active": False})
    body = {
        "client_id": client["client_id"],
        "trusted_client": int(client["skip_authorization"]),
        "active": record.status == "Active",
        "exp": round(record.expires_at.timestamp()),
        "scope": record.scope,
    }
    user = site.users.get(record.user)
    if "openid" in record.scope.split() and user is not None:
        body.update(oauth.userinfo(user))
    return json_response(body)  # [133]


def openid_profile(site, req: Request) -> Response:
    return json_response(site.oauth.userinfo(req.user))  # [130]


def openid_configuration(site, req: Request) -> Response:
    base = site.host_name  # site_config host_name [114, 211]
    return json_response(
        {
            "issuer": base,
            "authorization_endpoint": base + PREFIX + "authorize",
            "token_endpoint": base + PREFIX + "get_token",
            "userinfo_endpoint": base + PREFIX + "openid_profile",
            "revocation_endpoint": base + PREFIX + "revoke_token",
            "introspection_endpoint": base + PREFIX + "introspect_token",
            "response_types_supported": [
                "code",
                "token",
                "code id_token",
                "code token id_token",
                "id_token",
                "id_token token",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["HS256"],
        }
    )


METHODS = {
    "authorize": (authorize, True),
    "approve": (approve, True),
    "get_token": (get_token, True),
    "revoke_token": (revoke_token, True),
    "introspect_token": (introspect_token, True),
    "openid_profile": (openid_profile, False),
    "openid_configuration": (openid_configuration, True),
}
