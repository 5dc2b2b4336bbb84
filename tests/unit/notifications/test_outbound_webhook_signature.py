"""The generic webhook's signature, as a receiver checks it (the code the README shows)."""

import hashlib
import hmac
import time

from portal.notifications.channels.webhook import encode, signature, verify


def receiver_verifies(secret: str, headers: dict, body: bytes) -> bool:
    """The receiver side, standard library only, as documented for the README."""
    timestamp = headers["X-Portal-Timestamp"]
    expected = (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    fresh = abs(time.time() - int(timestamp)) <= 300
    return fresh and hmac.compare_digest(expected, headers["X-Portal-Signature"])


def test_the_signature_covers_timestamp_and_body():
    body = encode({"type": "task.reminder", "tasks": [{"title": "اتصال مع أحمد"}]})
    now = str(int(time.time()))
    headers = {"X-Portal-Timestamp": now, "X-Portal-Signature": signature("s3cret", now, body)}
    assert receiver_verifies("s3cret", headers, body)
    assert verify("s3cret", timestamp=now, body=body, header=headers["X-Portal-Signature"])
    assert not receiver_verifies("other", headers, body)
    assert not receiver_verifies("s3cret", headers, body + b" ")
    later = str(int(now) + 1)
    assert not receiver_verifies("s3cret", {**headers, "X-Portal-Timestamp": later}, body)


def test_old_timestamps_are_refused():
    body = encode({"a": 1})
    old = str(int(time.time()) - 3600)
    assert not verify("s", timestamp=old, body=body, header=signature("s", old, body))


def test_the_body_is_compact_utf8_json_with_sorted_keys():
    assert encode({"b": 1, "a": "ع"}) == '{"a":"ع","b":1}'.encode()
