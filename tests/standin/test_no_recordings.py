"""The stand-in answers from its own behaviour, never from the recordings."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import requests

from standin.testing import StandinProcess

PACKAGE = Path(__file__).resolve().parents[2] / "standin"
# The recordings are in the repository, one directory beside the stand-in's own package.
CONTRACT = PACKAGE.parent / "contract"


MARKERS = ("recordings", "replay.json", "webhook_deliveries", "CONTRACT_DIR", "contract/")


def _code_strings(path: Path) -> list[str]:
    """String literals of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _harness(relative: Path) -> bool:
    """A replay harness (a `replay` package, or a CRM's `replay.py`): it reads the recordings."""
    return "replay" in relative.parts or relative.stem == "replay"


def test_no_server_module_names_the_recordings_in_its_code():
    offenders = {
        str(path.relative_to(PACKAGE)): text
        for path in PACKAGE.rglob("*.py")
        if not _harness(path.relative_to(PACKAGE))
        for text in _code_strings(path)
        if any(marker in text for marker in MARKERS)
    }
    assert offenders == {}


def test_the_scan_would_notice_a_module_that_opens_the_recordings(tmp_path):
    module = tmp_path / "sneaky.py"
    module.write_text('"""Doc about recordings."""\nDATA = open("contract/recordings/x")\n')
    assert any(m in t for t in _code_strings(module) for m in MARKERS)


def test_the_audit_hook_catches_an_open_of_a_recording_in_the_repository(tmp_path):
    (recording,) = (CONTRACT / "recordings").glob("026_*.json")
    log = tmp_path / "audit.log"
    code = (
        f"from standin.audit import install; install({str(CONTRACT)!r}, {str(log)!r}); "
        "from pathlib import Path; "
        f"Path('contract/recordings/{recording.name}').read_text()"  # relative, from the root
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=PACKAGE.parent, capture_output=True
    )
    assert f"forbidden open: {recording.resolve()}" in log.read_text()


def test_a_busy_stand_in_opens_nothing_under_the_repositorys_contract():
    config = {"name": "s", "seed_size": 20}
    with StandinProcess(config, forbid_reads=str(CONTRACT)) as proc:
        url = proc.sites["s"].url
        session = requests.Session()
        session.post(f"{url}/api/method/login", data={"usr": "Administrator", "pwd": "admin"})
        for name in ("home_tasks", "filter_tasks", "main_page_buckets"):
            assert session.get(f"{url}/api/method/crm.api.mobile_api.{name}").ok
        proc.stop()
        assert not proc.audit_log.exists() or proc.audit_log.read_text() == ""


ESPOCRM_BUSY = """
import requests
from standin.audit import install
install({contract!r}, {log!r})
from standin.espocrm import EspoCrmSite
with EspoCrmSite() as site:
    site.add_api_user("api")
    auth = {{"X-Api-Key": site.api_key_for("api")[0]}}
    for path in ("/api/v1/App/user", "/api/v1/Task", "/api/v1/Webhook"):
        assert requests.get(site.url + path, headers=auth, timeout=5).ok, path
    site.insert(name="x", assigned_user="api", webhooks_fire=True)
    site.send_webhooks()
    site.retry_now()
"""


def test_a_busy_espocrm_stand_in_opens_nothing_under_the_repositorys_contract(tmp_path):
    """The EspoCRM site runs in-process (its harness reads the recordings in the same
    process), so it is checked in a process of its own: it reads only its appdata.json."""
    log = tmp_path / "audit.log"
    code = ESPOCRM_BUSY.format(contract=str(CONTRACT), log=str(log))
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=PACKAGE.parent, capture_output=True
    )
    assert not log.exists() or log.read_text() == ""
