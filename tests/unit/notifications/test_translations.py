"""The reminders app's own Arabic catalogue is complete and compiled (reminders, their pages and
the admin pages speak Arabic to Arabic readers)."""

import subprocess
from pathlib import Path

import polib
import pytest

CATALOGUE = Path(__file__).resolve().parents[3] / "portal/notifications/locale/ar/LC_MESSAGES"


def test_every_string_has_an_arabic_translation():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert [e.msgid for e in po if not e.translated() and not e.obsolete] == []
    assert len(po) > 100


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po")], check=True
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), (
        "run: cd portal/notifications && ../../manage.py compilemessages -l ar"
    )


@pytest.mark.parametrize(
    ("english", "arabic"),
    [
        ("Overdue tasks need attention", "مهام متأخرة تحتاج إلى اهتمامك"),
        ("Mark done", "علّمها منجزة"),
    ],
)
def test_reminder_strings_are_arabic_under_arabic(english, arabic):
    from django.utils import translation

    with translation.override("ar"):
        assert translation.gettext(english) == arabic
