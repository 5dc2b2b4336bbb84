"""The Webhook the setup page asks a site admin to create, entered on a stand-in site exactly as
the page shows it, delivering to the portal over HTTP: every title a person may type arrives,
is verified and parsed. The body the page used to suggest breaks on a double quote, as it did
on a real site (contract/README.md, "Learned on a second real site")."""

from __future__ import annotations

from html.parser import HTMLParser
from time import monotonic, sleep

import pytest

from portal.notifications.models import InboundWebhook
from portal.sites.backends.frappe.webhooks import SIGNATURE_HEADER, parse_delivery, verify_signature
from portal.sites.models import Profile
from portal.sites.services.clients import client_for_service

pytestmark = pytest.mark.django_db(transaction=True)

HARD_TITLES = [
    'Call "Ali" back',
    "C:\\temp\\new",
    "first line\nsecond line",
    "اتصل بالعميل غدًا",
    "Ship it 🚀 <b> & 'now'",
    None,  # a task without a title
]
# What this page suggested before: a value in quotes is not escaped by Frappe's Jinja.
OLD_BODY = (
    '{"event": "on_update", "name": "{{ doc.name }}", "status": "{{ doc.status }}", '
    '"title": "{{ doc.title }}"}'
)


class SetupPage(HTMLParser):
    """The rows of the page's tables (label, then the value in <code> when there is one) and the
    text of its <code> elements with an id, entities decoded as a browser shows them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.codes: dict[str, str] = {}
        self._table = self._row = self._cell = self._code = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id") or "", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = {"text": "", "code": None}
        elif tag == "code":
            self._code = {"id": attrs.get("id"), "text": ""}

    def handle_endtag(self, tag):
        if tag == "code" and self._code is not None:
            if self._code["id"]:
                self.codes[self._code["id"]] = self._code["text"]
            if self._cell is not None and self._cell["code"] is None:
                self._cell["code"] = self._code["text"]
            self._code = None
        elif tag in ("th", "td") and self._cell is not None:
            cell = self._cell["code"] if self._cell["code"] is not None else self._cell["text"]
            self._row.append(cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._code is not None:
            self._code["text"] += data
        if self._cell is not None:
            self._cell["text"] += data


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_user("ada", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=user, role=Profile.Role.ADMIN)
    client.force_login(user)
    return client


@pytest.fixture
def riyadh(sites, live_server, settings):
    settings.PORTAL_BASE_URL = live_server.url  # the Request URL the page shows
    return sites["riyadh"]


def webhook_from_page(admin_client, site, structure: str) -> tuple[dict, str]:
    """Generates a secret on the setup page and reads the Webhook to create from that page:
    the stand-in's configuration for it, and the secret."""
    page = SetupPage(admin_client.post(f"/notifications/sites/{site.pk}/webhook/").text)
    form = dict(page.tables["webhook-config"])
    assert form["DocType"] == "CRM Task" and form["Request Method"] == "POST"
    assert form["Enable Security"] == "checked" and form["Headers"] == "none"
    secret = form["Webhook Secret"]
    hook = {"name": structure, "url": form["Request URL"], "events": [form["Doc Event"]],
            "secret": secret}  # fmt: skip
    if structure == "form":
        assert form["Request Structure"] == "Form URL-Encoded"
        rows = page.tables["webhook-data"][1:]  # under the Fieldname / Key header
        hook.update(structure="form", fields=[{"fieldname": f, "key": k} for f, k in rows])
    else:
        hook.update(structure="json", template=page.codes["webhook-json-body"])
    return hook, secret


def save_tasks_with_titles(notify_standin, tasks, site) -> list[str]:
    """Tasks with each title, then saved through the portal's client: one on_update each."""
    ids = [tasks.add("riyadh", title=title) for title in HARD_TITLES]
    client = client_for_service(site)
    for task_id in ids:
        client.update_status(task_id, "Done")
    return ids


def deliveries_of(handle, count: int) -> list[dict]:
    deadline = monotonic() + 30
    while len(handle.control.webhook_deliveries()) < count and monotonic() < deadline:
        sleep(0.1)
    return handle.control.webhook_deliveries()


@pytest.mark.parametrize("structure", ["form", "json"])
def test_the_webhook_the_page_suggests_delivers_every_title_verified_and_parsed(
    admin_client, riyadh, notify_standin, tasks, structure
):
    handle = notify_standin.sites["riyadh"]
    hook, secret = webhook_from_page(admin_client, riyadh, structure)
    handle.control.add_webhooks([hook], replace=True)
    ids = save_tasks_with_titles(notify_standin, tasks, riyadh)

    deliveries = deliveries_of(handle, len(ids))
    assert [(str(d["name"]), d["ok"], d["status"]) for d in deliveries] == [
        (task_id, True, 200) for task_id in ids
    ]  # the portal answered 200: the signature verified and the body parsed
    titles = []
    for delivery in deliveries:
        raw = delivery["body"].encode()
        assert verify_signature(secret, raw, delivery["headers"][SIGNATURE_HEADER])
        titles.append(parse_delivery(raw).title)
    assert titles == HARD_TITLES
    assert sorted(InboundWebhook.objects.values_list("task_id", flat=True)) == sorted(ids)


def test_the_body_the_page_used_to_suggest_breaks_on_a_quote_as_on_a_real_site(
    admin_client, riyadh, notify_standin, tasks
):
    handle = notify_standin.sites["riyadh"]
    hook, _secret = webhook_from_page(admin_client, riyadh, "json")
    handle.control.add_webhooks([{**hook, "template": OLD_BODY}], replace=True)
    ids = save_tasks_with_titles(notify_standin, tasks, riyadh)

    outcome = {str(d["name"]): d for d in deliveries_of(handle, len(ids))}
    quoted, backslashed, two_lines, arabic, emoji, untitled = ids
    for broken in (quoted, two_lines):
        assert not outcome[broken]["ok"] and outcome[broken]["status"] is None
        assert outcome[broken]["error"].startswith("JSONDecodeError: ")
    received = set(InboundWebhook.objects.values_list("task_id", flat=True))
    assert received == {backslashed, arabic, emoji, untitled}  # the others never left the site
    assert parse_delivery(outcome[untitled]["body"].encode()).title == "None"
    assert parse_delivery(outcome[backslashed]["body"].encode()).title == "C:\temp\new"
