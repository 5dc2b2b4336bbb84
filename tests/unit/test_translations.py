"""The Arabic catalogue is complete and its compiled file is up to date."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "portal" / "locale" / "ar" / "LC_MESSAGES"


def test_every_string_has_an_arabic_translation():
    import polib

    po = polib.pofile(str(CATALOGUE / "django.po"))
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    assert missing == []


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(CATALOGUE / "django.po")],
        check=True,
    )
    assert compiled.read_bytes() == (CATALOGUE / "django.mo").read_bytes(), (
        "run: manage.py compilemessages -l ar --ignore .venv"
    )


def test_every_string_in_the_code_is_in_a_catalogue(tmp_path):
    """makemessages run on a copy of the code finds no msgid the catalogues lack: a string added
    without `make messages` would show in English on Arabic pages."""
    import shutil
    import sys

    import polib

    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "portal", copy / "portal", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ar", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "PYTHONPATH": str(copy)},
    )
    missing = []
    for fresh in copy.rglob("locale/ar/LC_MESSAGES/django.po"):
        kept = ROOT / fresh.relative_to(copy)
        known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(kept)) if e.translated()}
        missing += [
            f"{fresh.relative_to(copy)}: {e.msgid[:60]!r}"
            for e in polib.pofile(str(fresh))
            if not e.obsolete and (e.msgctxt, e.msgid) not in known
        ]
    assert missing == [], "run: make messages, then translate the new entries"
