"""The client is the only place in the portal that knows Frappe URLs and response keys."""

from __future__ import annotations

import re

from .recordings import REPO

FRAPPE_ONLY = [
    "/api/method",
    "/api/resource",
    "/api/v2/doctype",
    "crm.api.mobile_api",
    "frappe.integrations.oauth2",
    "frappe.client.",
    "frappe.auth.",
    "_server_messages",
    "exc_type",
    "_assign",
    "assigned_to_list",
    "page_size",
    "has_next",
    "limit_page_length",
    "main_page_buckets",
]
# Words that are also Django's own API: flagged only when used as a quoted key.
PLAIN_WORDS = {"has_next", "page_size"}
CLIENT = REPO / "portal" / "sites" / "backends" / "frappe"


def offenders(root=REPO / "portal") -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if (
            not path.is_file()
            or CLIENT in path.parents
            or path.suffix not in (".py", ".html", ".txt", ".js")
        ):
            continue
        text = path.read_text(errors="replace")
        for marker in FRAPPE_ONLY:
            pattern = re.escape(marker)
            if marker.startswith("_"):  # a key, not part of a name (``is_assigned_to``)
                pattern = r"(?<!\w)" + pattern + r"\b"
            if marker in PLAIN_WORDS:  # Django's Paginator has page.has_next too: only keys
                pattern = r"[\"']" + pattern + r"[\"']"
            if re.search(pattern, text):
                found.append(f"{path.relative_to(root)}: {marker}")
    return found


def test_no_frappe_urls_or_response_keys_outside_the_client():
    assert offenders() == []


def test_the_scan_would_notice_a_leak(tmp_path):
    leak = tmp_path / "views.py"
    leak.write_text(
        'URL = "/api/method/crm.api.mobile_api.main_page_buckets"\nbody["_server_messages"]\n'
    )
    assert {o.split(": ")[1] for o in offenders(tmp_path)} == {
        "/api/method",
        "crm.api.mobile_api",
        "main_page_buckets",
        "_server_messages",
    }


def test_the_client_itself_holds_them():
    text = "".join(p.read_text() for p in CLIENT.rglob("*.py"))
    assert all(marker in text for marker in ("/api/method/", "_server_messages", "_assign"))
