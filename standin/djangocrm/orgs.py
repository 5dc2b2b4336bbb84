"""Sign-in, organisations and their members, tokens and the small CRM records tasks link
to (accounts, contacts, teams), and the two feeds [130, 131]."""

from __future__ import annotations

from standin.djangocrm import auth, render
from standin.djangocrm.auth import Credential
from standin.djangocrm.state import Account, Contact, State, Team, new_id

SENT = {"message": "If this email is valid, you will receive a sign-in link."}
BAD_TOKEN = {"error": "Invalid or expired token"}


def request_sign_in(state: State, body: dict) -> tuple[int, dict]:
    """The same answer whoever asks, so the endpoint tells nothing about who exists [003]."""
    email = str(body.get("email") or "").strip().lower()
    if email:
        auth.issue_sign_in(state, email)
    return 200, SENT


def _signed_in(state: State, email: str) -> tuple[dict, list]:
    user = state.user(email)  # the first sign-in creates the user [005]
    user.last_login = state.now()
    memberships = state.orgs_of(user)
    # With exactly one org the token is bound to it [020, 146]; otherwise org-less [005].
    profile = memberships[0] if len(memberships) == 1 else None
    access, refresh = auth.pair(state, user, profile)
    answer = {"access_token": access, "refresh_token": refresh, "user": render.me(state, user)}
    return answer, [profile] if profile else []


def verify_link(state: State, body: dict) -> tuple[int, dict]:
    email = state.magic_links.pop(str(body.get("token") or ""), None)
    if email is None:
        return 400, {"error": "Invalid or expired link"}
    answer, bound = _signed_in(state, email)
    if bound:
        answer["current_org"] = render.current_org(bound[0].org)
    return 200, answer


def verify_code(state: State, body: dict) -> tuple[int, dict]:
    email = str(body.get("email") or "").strip().lower()
    code = state.codes.get(email)
    if code is None or str(body.get("code")) != code:
        return 400, {"error": "Invalid or expired code"}
    del state.codes[email]
    state.magic_links = {t: e for t, e in state.magic_links.items() if e != email}
    answer, bound = _signed_in(state, email)
    # The code answer also lists the orgs, with the role in each [020].
    answer["organizations"] = [{**render.current_org(p.org), "role": p.role}
                               for p in state.orgs_of(state.users[email])]  # fmt: skip
    if bound:
        answer["current_org"] = render.current_org(bound[0].org)
    return 200, answer


def refresh(state: State, body: dict) -> tuple[int, dict]:
    if not body.get("refresh"):
        return 400, {"error": "Refresh token is required"}
    claims = auth.use_refresh(state, str(body["refresh"]))
    user = auth.user_for_claims(state, claims) if claims else None
    if user is None:
        return 401, BAD_TOKEN
    access, new = auth.pair(state, user, auth.profile_for_claims(state, claims))
    return 200, {"access": access, "refresh": new}  # not the sign-in key names [011]


def logout(state: State, body: dict) -> tuple[int, dict]:
    auth.use_refresh(state, str(body.get("refresh") or ""))
    return 200, {"detail": "Signed out."}


def switch_org(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    org = state.orgs.get(str(body.get("org_id") or ""))
    profile = state.profile_of(cred.user, org) if org else None
    if profile is None:
        return 403, {"error": "User does not have access to this organization"}
    if body.get("refresh"):
        auth.use_refresh(state, str(body["refresh"]))
    access, new = auth.pair(state, cred.user, profile)
    return 200, {
        "access_token": access,
        "refresh_token": new,
        "current_org": render.current_org(org),
        "profile": {"id": profile.id, "role": profile.role, "is_organization_admin": True
                    if profile.is_admin else False},
    }  # fmt: skip


def create_org(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    org = state.add_org(str(body.get("name") or ""), body.get("timezone") or "UTC", cred.user)
    # 200 on the wire with "status": 201 in the body [009].
    return 200, {"error": False, "message": "New Org is Created.",
                 "org": {"id": org.id, "name": org.name, "timezone": org.time_zone},
                 "status": 201}  # fmt: skip


def org_settings(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    org = cred.org
    if body.get("timezone"):
        org.time_zone = body["timezone"]
    if body.get("name"):
        org.name = body["name"]
    return 200, render.org_settings(state, org)


def invite(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    user = state.user(str(body.get("email") or "").strip().lower())
    state.add_profile(user, cred.org, body.get("role") or "USER", state.today(cred.org))
    return 201, {"error": False, "message": "User Created Successfully"}


def create_pat(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    pat = auth.new_pat(state, cred.profile, str(body.get("name") or ""), body.get("scopes") or [])
    return 201, {
        "error": False,
        "id": pat.id,
        "name": pat.name,
        "token_prefix": pat.token[:13],
        "scopes": pat.scopes,
        "expires_at": None,
        "last_used_at": None,
        "created_at": render.instant(pat.created_at, cred.org.zone),
        "revoked_at": None,
        "token": pat.token,  # shown once, at creation [026]
    }


def api_key(state: State, cred: Credential) -> tuple[int, dict]:
    return 200, {"error": False, "api_key": cred.org.api_key}


def create_account(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    a = Account(new_id(), cred.org, str(body.get("name") or ""), cred.user, state.now())
    state.accounts[a.id] = a
    return 200, {"error": False, "message": "Account Created Successfully", "id": a.id}


def create_contact(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    c = Contact(
        new_id(),
        cred.org,
        str(body.get("first_name") or ""),
        str(body.get("last_name") or ""),
        body.get("email"),
        cred.user,
        state.now(),
    )
    state.contacts[c.id] = c
    return 200, {"error": False, "message": "Contact created Successfuly", "id": c.id}


def create_team(state: State, cred: Credential, body: dict) -> tuple[int, dict]:
    members = [p for p in body.get("users") or [] if p in state.profiles]
    t = Team(new_id(), cred.org, str(body.get("name") or ""), str(body.get("description") or ""),
             members, cred.user, state.now())  # fmt: skip
    state.teams[t.id] = t
    return 200, {"error": False, "message": "Team Created Successfully"}  # no id [032]


def activities(state: State, cred: Credential) -> tuple[int, dict]:
    """The ten newest audit rows of the org [130]."""
    rows = sorted((a for a in state.activities if a.org is cred.org), key=lambda a: a.at,
                  reverse=True)[:10]  # fmt: skip
    words = {"CREATE": "Created", "UPDATE": "Updated", "DELETE": "Deleted"}
    return 200, {"error": False, "count": len(rows), "activities": [
        {"id": a.id, "user": render.user_ref(a.user), "action": a.action,
         "action_display": words[a.action], "entity_type": "Task", "entity_id": a.task_id,
         "entity_name": a.task_title, "description": "",
         "timestamp": render.instant(a.at, cred.org.zone),
         "humanized_time": _humanized(state, a.at)}
        for a in rows]}  # fmt: skip


def _humanized(state: State, at) -> str:
    minutes = int((state.now() - at).total_seconds() // 60)
    return f"{minutes}\u00a0minutes ago" if minutes != 1 else "1\u00a0minute ago"


def notifications(state: State, cred: Credential) -> tuple[int, dict]:
    """Task changes make no in-app notification [131]."""
    return 200, {"count": 0, "unread_count": 0, "results": []}
