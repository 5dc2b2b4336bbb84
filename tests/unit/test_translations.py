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
