"""The row built in Python escapes everything a site or a person wrote, like a template."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from portal.sites.backends.frappe import Assignee, Task
from portal.tasks_ui.selectors.rows import Person, Row
from portal.tasks_ui.templatetags.task_rows import task_row

HOSTILE = "\"><script>alert('x')</script><b>"


def make_row(**kw):
    task = Task(
        id=7,
        title=HOSTILE,
        description=None,
        status="<i>late</i>",
        portal_status="open",
        priority='High"',
        task_type="call",
        start_date=None,
        due_date=datetime(2026, 11, 23, 17, 0, tzinfo=ZoneInfo("Asia/Riyadh")),
        assignees=(Assignee(user_id="a@x"),),
        modified=None,
        creation=None,
        owner=None,
        time_zone="Asia/Riyadh",
    )
    fields = dict(
        site_id=3,
        site_name="<Riyadh & Co>",
        task=task,
        bucket="overdue",
        people=(Person(user_id='a"@x', name="<سارة>"),),
        can_write=True,
    )
    fields.update(kw)
    return Row(**fields)


def test_every_value_is_escaped():
    with translation.override("en"):
        html = task_row({"here": '/?q="x"', "csrf_token": "t"}, make_row())
    assert "<script>" not in html and "<b>" not in html and "<i>late" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;Riyadh &amp; Co&gt;" in html and "&lt;سارة&gt;" in html
    assert 'value="/?q=&quot;x&quot;"' in html
    assert 'hx-confirm="Delete “&quot;&gt;&lt;script&gt;' in html
    assert html.startswith('<tr id="task-3-7" class="" data-site="&lt;Riyadh &amp; Co&gt;"')


def test_a_read_only_row_offers_no_controls_and_says_why():
    row = make_row(can_write=False, read_only_reason="Read only: <no role>")
    html = task_row({}, row)
    assert 'name="row"' not in html and "<form" not in html
    assert 'title="Read only: &lt;no role&gt;"' in html
