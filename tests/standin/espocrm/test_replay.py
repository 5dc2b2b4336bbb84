"""The EspoCRM stand-in against its recordings and webhook deliveries, and proof that the
harness notices a delivery that differs."""

from __future__ import annotations

import json
import shutil

from standin.espocrm import replay

RECORDINGS = replay.default_dir()


def test_every_recording_and_every_delivery_reproduces():
    report = replay.replay()
    assert not report.failed, [m.line() for ms in report.failed.values() for m in ms][:5]
    assert report.total == 174
    assert (len(report.reproduced), len(report.fixtures), len(report.pending)) == (174, 0, 0)
    assert (report.deliveries, report.deliveries_total) == (20, 20)
    assert report.ok
    assert report.figure == (
        "espocrm: reproduced 174 of 174 recordings (0 applied as fixtures, 0 pending), "
        "20 of 20 deliveries"
    )
    # D001-D020 came in 9 runs of the job; the 3 forced retries of 2 webhooks' events
    assert (report.job_runs, report.retried) == (9, 6)


def _copy_with(tmp_path, name: str, change) -> replay.Report:
    copy = tmp_path / "recordings"
    shutil.copytree(RECORDINGS, copy)
    (path,) = (copy / "deliveries").glob(f"{name}_*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return replay.replay(copy)


def test_a_body_escaped_otherwise_than_php_does_is_a_mismatch(tmp_path):
    def unescape(data):
        assert "\\/" in data["raw_body"]
        data["raw_body"] = data["raw_body"].replace("\\/", "/")

    report = _copy_with(tmp_path, "D019", unescape)
    assert list(report.failed) == ["D019_Task_create_200.json"]
    assert report.failed["D019_Task_create_200.json"][0].path.startswith("raw body at byte")
    assert report.deliveries == 19 and not report.ok


def test_a_receiver_that_had_not_answered_410_leaves_the_status_webhook_in_the_list(tmp_path):
    def answer_200(data):
        assert data["answered_status"] == 410
        data["answered_status"] = 200

    report = _copy_with(tmp_path, "D015", answer_200)
    assert "151_webhook_list_after_410.json" in report.failed
    assert not report.ok


def test_headers_in_another_order_are_a_mismatch(tmp_path):
    def swap(data):
        data["headers"][0], data["headers"][1] = data["headers"][1], data["headers"][0]

    report = _copy_with(tmp_path, "D003", swap)
    [problem] = report.failed["D003_Task_update_200.json"]
    assert problem.path == "header names"
