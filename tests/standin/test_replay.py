"""The harness figure, and proof that the harness can fail."""

from __future__ import annotations

import json
import shutil

from standin.frappe.replay.recordings import default_dir, load
from standin.frappe.replay.runner import replay

RECORDINGS = default_dir()


def _expected_counts(part: int) -> tuple[int, int, int]:
    """(reproducible, fixtures, pending) from replay.json itself."""
    _, recs = load(RECORDINGS)
    active = [r for r in recs if r.rule["part"] <= part]
    fixtures = sum(r.rule["kind"] == "fixture" for r in active)
    excluded = sum(r.rule["kind"] == "exclude" for r in active)
    return len(active) - fixtures - excluded, fixtures, len(recs) - len(active)


TOTAL = len(load(RECORDINGS)[1])


def test_every_file_but_the_fixtures_and_the_exclusion_is_reproduced():
    report = replay(RECORDINGS)
    print(report.figure)
    reproducible, fixtures, pending = _expected_counts(2)
    assert pending == 0
    assert report.failed == {}
    assert report.figure == (
        f"reproduced {reproducible} of {TOTAL} recordings "
        f"({fixtures} applied as fixtures, 0 pending)"
    )
    _, recs = load(RECORDINGS)
    assert [f for f, _ in report.excluded] == [r.file for r in recs if r.rule["kind"] == "exclude"]
    assert report.audit == ""


def test_part_1_alone_leaves_the_oauth_and_webhook_files_pending():
    report = replay(RECORDINGS, part=1)
    print(report.figure)
    reproducible, fixtures, pending = _expected_counts(1)
    assert report.failed == {}
    assert report.figure == (
        f"reproduced {reproducible} of {TOTAL} recordings "
        f"({fixtures} applied as fixtures, {pending} pending)"
    )


def test_a_webhook_delivery_that_differs_from_the_recorded_one_is_a_mismatch(tmp_path):
    copy = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, copy)
    path = copy / "webhook_deliveries.jsonl"
    lines = path.read_text().splitlines()
    third = json.loads(lines[2])
    third["body_raw"] = third["body_raw"].replace('"Done"', '"Canceled"')
    lines[2] = json.dumps(third)
    path.write_text("\n".join(lines) + "\n")

    report = replay(copy, only="198")

    assert list(report.failed) == ["198_w2_trigger_update_status.json"]
    assert [p.path for p in report.failed["198_w2_trigger_update_status.json"]] == [
        "webhook delivery 3 body"
    ]


def test_changing_one_expected_message_gives_exactly_that_mismatch(tmp_path):
    copy = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, copy)
    path = copy / "016_create_task_invalid_status.json"
    data = json.loads(path.read_text())
    body = data["response"]["body"]
    body["exception"] = body["exception"].replace('"Open"', '"Opened"')
    path.write_text(json.dumps(data))

    report = replay(copy)

    assert list(report.failed) == ["016_create_task_invalid_status.json"]
    [problem] = report.failed["016_create_task_invalid_status.json"]
    assert problem.path == "$.exception"
    assert '"Opened"' in problem.expected and '"Open"' in problem.got


def test_the_documented_flavour_does_not_pass_for_a_deployed_site():
    report = replay(RECORDINGS, part=1, flavour="documented")
    assert len(report.failed) > 50
    # Sessions and keys are the same in both flavours; tasks are not.
    assert "004_login_admin.json" in report.reproduced
    assert "016_create_task_invalid_status.json" in report.failed
