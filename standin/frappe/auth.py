"""Who is calling: an Authorization header, else the `sid` cookie, else Guest.

As in Frappe's validate_auth, a header that does not check out is a 401 for
every endpoint, guest ones included: that is why a Basic header sent to
`get_token` fails (NOTES.md; [184, 185, 131]). Schemes are case-insensitive
[132]. A cookie whose session has ended is simply Guest [080].
"""

from __future__ import annotations

import base64
import binascii

from standin.frappe import errors
from standin.frappe.httpio import Request


def authenticate(site, req: Request) -> None:
    """Set `req.user` and `req.auth_kind`, or raise a 401."""
    header = (req.header("authorization") or "").strip()
    parts = header.split(None, 1)
    if len(parts) == 2 and parts[0].lower() in ("token", "basic", "bearer"):
        scheme, credential = parts[0].lower(), parts[1].strip()
        user = None
        if scheme == "bearer":
            user = site.oauth.user_for_access_token(credential)
        else:
            if scheme == "basic":
                try:
                    credential = base64.b64decode(credential, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    credential = ""
            key, _, secret = credential.partition(":")
            user = site.users.by_api_key(key, secret) if key and secret else None
        if user is None:
            raise errors.authentication_error()
        req.user, req.auth_kind = user, scheme
        return
    sid = req.cookies.get("sid")
    user = site.users.session_user(sid) if sid and sid != "Guest" else None
    if user is not None:
        req.user, req.auth_kind, req.sid = user, "session", sid
    else:
        req.user, req.auth_kind = None, "guest"
