"""The Django-CRM stand-in against its recordings, and a few behaviours directly."""

from __future__ import annotations

import requests

from standin.djangocrm import DjangoCrmSite, replay

ADMIN, USER = "admin@lab.test", "user@lab.test"


def test_every_recording_reproduces_with_no_fixture_and_none_pending():
    report = replay.replay()
    assert report.total == 148
    assert not report.failed, [m.line() for ms in report.failed.values() for m in ms][:5]
    assert (len(report.reproduced), len(report.fixtures), len(report.pending)) == (148, 0, 0)


def _sign_in(site: DjangoCrmSite, email: str) -> dict:
    requests.post(f"{site.url}/api/auth/magic-link/request/", json={"email": email}, timeout=5)
    body = {"email": email, "code": site.last_code(email)}
    return requests.post(
        f"{site.url}/api/auth/magic-link/verify-code/", json=body, timeout=5
    ).json()


def test_a_refresh_token_works_once():
    with DjangoCrmSite(users=[ADMIN], admins=[ADMIN]) as site:
        first = _sign_in(site, ADMIN)["refresh_token"]
        url = f"{site.url}/api/auth/refresh-token/"
        rotated = requests.post(url, json={"refresh": first}, timeout=5)
        assert rotated.status_code == 200 and set(rotated.json()) == {"access", "refresh"}
        again = requests.post(url, json={"refresh": first}, timeout=5)
        assert (again.status_code, again.json()) == (401, {"error": "Invalid or expired token"})


def test_a_user_sees_created_or_assigned_tasks_and_pages_by_next_offset():
    with DjangoCrmSite(users=[ADMIN, USER], admins=[ADMIN]) as site:
        mine = site.insert(title="Mine", assignees=[USER])
        site.insert(title="Not mine", created_by=ADMIN)
        auth = {"Authorization": f"Bearer {site.token_for(USER)}"}
        listed = requests.get(f"{site.url}/api/tasks/", headers=auth, timeout=5).json()
        assert [r["id"] for r in listed["tasks"]] == [mine]
        admin = {"Authorization": f"Bearer {site.token_for(ADMIN)}"}
        pages = [
            requests.get(f"{site.url}/api/tasks/", params={"limit": 1, "offset": o},
                         headers=admin, timeout=5).json()["offset"]
            for o in (0, 1, 5)
        ]  # fmt: skip
        assert pages == [1, None, 0]
