"""The contract (how real Frappe sites behave, and the recordings that prove it) lives in the
repository as `contract/`, so a clone alone runs every test. It is a copy of `../shared/contract`,
where the recordings are made: when that directory stands beside the checkout, the copy must
be identical to it; when it does not, the repository's copy is the contract and is checked on
its own (complete and readable), which is not a skip.
"""

from __future__ import annotations

import json
from pathlib import Path

from standin.frappe.replay.recordings import default_dir
from tests.unit.frappe.recordings import recordings_dir

REPO = Path(__file__).resolve().parents[2]
COPY = REPO / "contract"
SHARED = REPO.parent / "shared" / "contract"
RECOPY = "rm -rf contract && cp -a ../shared/contract contract"


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def differences(shared: Path, copy: Path) -> list[str]:
    """Every file that is not the same in both trees, saying how it differs."""
    theirs, ours = _files(shared), _files(copy)
    found = []
    for name in sorted(theirs.keys() | ours.keys()):
        if name not in ours:
            found.append(f"missing in the repository copy: {name}")
        elif name not in theirs:
            found.append(f"only in the repository copy: {name}")
        elif theirs[name] != ours[name]:
            found.append(f"differs: {name}")
    return found


def test_the_repository_copy_is_the_shared_contract_or_stands_alone():
    if SHARED.is_dir():
        found = differences(SHARED, COPY)
        assert found == [], (
            f"contract/ is out of step with {SHARED}:\n  "
            + "\n  ".join(found)
            + f"\nRe-copy it from the repository root: {RECOPY}"
        )
        return
    # No ../shared beside this checkout: the repository's copy is the contract.
    for part in ("README.md", "recordings/INDEX.md", "recordings/replay.json",
                 "recordings/webhook_deliveries.jsonl", "djangocrm/README.md",
                 "espocrm/README.md"):  # fmt: skip
        assert (COPY / part).is_file(), f"contract/{part} is missing"
    unreadable = []
    for path in sorted((COPY / "recordings").glob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            unreadable.append(f"{path.name}: {error}")
    assert unreadable == []


def test_every_reader_of_the_recordings_reads_the_repository_copy():
    assert recordings_dir() == COPY / "recordings"
    assert default_dir() == COPY / "recordings"


def test_the_comparison_names_a_changed_a_missing_and_an_extra_file(tmp_path):
    shared, copy = tmp_path / "shared", tmp_path / "copy"
    for root in (shared, copy):
        (root / "recordings").mkdir(parents=True)
        (root / "README.md").write_text("same")
    (shared / "recordings" / "001_a.json").write_text('{"status": 200}')
    (copy / "recordings" / "001_a.json").write_text('{"status": 417}')
    (shared / "recordings" / "002_b.json").write_text("{}")
    (copy / "recordings" / "003_c.json").write_text("{}")
    assert differences(shared, copy) == [
        "differs: recordings/001_a.json",
        "missing in the repository copy: recordings/002_b.json",
        "only in the repository copy: recordings/003_c.json",
    ]
    assert differences(shared, shared) == []
