"""The pages read in words: a task's further fields under labels, site words in the reader's
language with the site's own on hover, one name per person, the title refused past the site's
limit (never cut), and the audit log's actions and changes as sentences."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.utils import translation

from portal.sites.audit import audit_action_label, audit_changes_words
from portal.sites.backends.base import Features
from portal.tasks_ui.forms import TaskForm
from portal.tasks_ui.labels import site_word
from portal.tasks_ui.selectors.rows import person_name
from portal.tasks_ui.task_fields import extra_fields, field_label
from portal.tasks_ui.templatetags.task_rows import task_row
from tests.unit.tasks_ui.test_rows_and_forms import VOCABULARY
from tests.unit.tasks_ui.test_task_rows import make_row

# What a real Frappe CRM site answers beside the portal's own fields (contract recordings).
FRAPPE_EXTRA = {
    "has_reminder": 0,
    "meeting_attendees": [],
    "modified_by": "sales1@lab.local",
    "reference_doctype": "CRM Lead",
    "docstatus": 0,
    "idx": 0,
    "doctype": "CRM Task",
}


def names(ident: str) -> str:
    return person_name(ident, {"sales1@lab.local": "Sales One"})


def test_a_tasks_further_fields_have_labels_and_read_in_words():
    with translation.override("en"):
        shown = dict(extra_fields(FRAPPE_EXTRA, names))
    assert shown == {
        "Reminder set on the site": "no",
        "Meeting attendees": "—",
        "Last changed by": "Sales One",
        "Linked to": "Lead",
    }


def test_the_same_fields_read_in_arabic():
    with translation.override("ar"):
        shown = dict(extra_fields(FRAPPE_EXTRA, names))
    assert shown["تذكير مضبوط على الموقع"] == "لا"
    assert shown["مرتبطة بـ"] == "عميل محتمل"


def test_a_field_no_table_names_reads_as_words_never_its_raw_name():
    assert field_label("next_step_due") == "Next step due"
    assert field_label("parentName") == "Linked record"
    assert field_label("dateStartDate") == "Date start date"


def test_a_person_reads_by_the_name_the_portal_knows_else_by_id():
    known = {"sales1@lab.local": "Sales One"}
    assert person_name("SALES1@lab.local", known) == "Sales One"
    assert person_name("u-17", known, email="sales1@lab.local") == "Sales One"
    assert person_name("sales2@lab.local", known) == "sales2@lab.local"


@pytest.mark.parametrize(
    ("word", "arabic"),
    [("High", "عالية"), ("urgent", "عاجلة"), ("In Progress", "قيد التنفيذ"),
     ("Deferred", "مؤجلة"), ("property showing", "معاينة عقار")],
)  # fmt: skip
def test_site_words_are_translated_and_english_keeps_the_sites_spelling(word, arabic):
    with translation.override("ar"):
        assert site_word(word) == arabic
    with translation.override("en"):
        assert site_word(word) == word
    assert site_word("Chiamata") == "Chiamata"  # a word no table holds, as the site wrote it


def test_an_arabic_row_shows_the_priority_in_arabic_with_the_sites_word_on_hover():
    row = make_row()
    row = replace(row, task=replace(row.task, priority="High", status="Todo"))
    with translation.override("ar"):
        html = task_row({"here": "/", "csrf_token": "t"}, row)
    assert '<span title="High">عالية</span>' in html
    assert '(<span title="Todo">للتنفيذ</span>)' in html
    assert 'data-label="الأولوية"' in html and 'class="danger"' in html


def form_with_limit(limit: int, title: str) -> TaskForm:
    form = TaskForm(
        {"task_type": "call", "status": "Todo", "priority": "Medium", "title": title},
        vocabulary=VOCABULARY,
        people=[],
    )
    form._limit_title(Features(title_max_length=limit))
    return form


def test_a_title_past_the_sites_limit_is_refused_with_its_length_never_cut():
    form = form_with_limit(140, "x" * 141)
    assert not form.is_valid()
    [message] = form.errors["title"]
    assert "141" in message and "140" in message and "nothing was cut" in message
    assert "maxlength" not in str(form["title"])
    assert 'data-max-chars="140"' in str(form["title"])
    assert form_with_limit(140, "x" * 140).is_valid()
    assert form_with_limit(255, "x" * 200).is_valid()


def test_the_audit_log_reads_in_words():
    with translation.override("en"):
        assert audit_action_label("task_create") == "Created the task"
        assert audit_action_label("something_new") == "Something new"
        words = audit_changes_words(
            {"status": "done", "assignees": ["sales1@x", "sales2@x"], "active": True,
             "site answered": {"status": "Todo"}, "due_date": None}
        )  # fmt: skip
    assert words == [
        ("Status", "Done"),
        ("Assigned to", "sales1@x, sales2@x"),
        ("Active", "yes"),
        ("The site answered", "Status: Todo"),
        ("Due", "—"),
    ]
    with translation.override("ar"):
        assert audit_action_label("task_status") == "غيّر الحالة"
        assert audit_changes_words({"status": "in_progress"}) == [("الحالة", "قيد التنفيذ")]
