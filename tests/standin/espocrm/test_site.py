"""The EspoCRM stand-in's behaviours the recordings show, checked directly."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from standin.espocrm import EspoCrmSite


def _site():
    site = EspoCrmSite()
    site.__enter__()
    uid = site.add_api_user("api")
    return site, uid, {"X-Api-Key": site.api_key_for("api")[0]}


def test_a_where_sent_as_a_json_string_is_ignored_and_maxsize_201_is_403():
    site, uid, auth = _site()
    try:
        site.insert(name="a", assigned_user="api", status="Started")
        site.insert(name="b", assigned_user="api")
        where = json.dumps([{"type": "equals", "attribute": "status", "value": "Started"}])
        url = f"{site.url}/api/v1/Task"
        listed = requests.get(url, params={"where": where}, headers=auth, timeout=5).json()
        assert listed["total"] == 2
        big = requests.get(url, params={"maxSize": 201}, headers=auth, timeout=5)
        assert big.status_code == 403 and big.content == b""
        assert big.headers["X-Status-Reason"].startswith("Max size should not exceed 200")
    finally:
        site.__exit__(None, None, None)


def test_an_all_day_task_ends_at_midnight_of_the_next_day():
    site, uid, auth = _site()
    try:
        body = {"name": "x", "assignedUserId": uid, "dateEndDate": "2026-12-05"}
        made = requests.post(f"{site.url}/api/v1/Task", json=body, headers=auth, timeout=5)
        assert made.json()["dateEnd"] == "2026-12-06 00:00:00"
    finally:
        site.__exit__(None, None, None)


def test_a_delivery_is_php_json_and_its_signature_verifies():
    got = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args):
            return

        def do_POST(self):
            got.append((self.headers, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    site, uid, auth = _site()
    try:
        target = f"http://127.0.0.1:{httpd.server_address[1]}/h"
        body = {"event": "Task.create", "url": target}
        hook = requests.post(f"{site.url}/api/v1/Webhook", headers=auth, json=body, timeout=5)
        hook = hook.json()
        site.insert(name="Zahlung über 5€ / x", assigned_user="api", webhooks_fire=True)
        site.send_webhooks()
        headers, raw = got[0]
        assert b"\\u00fc" in raw and b"\\/" in raw
        digest = hmac.new(hook["secretKey"].encode(), raw, hashlib.sha256).hexdigest()
        assert base64.b64decode(headers["Signature"]).decode() == f"{hook['id']}:{digest}"
    finally:
        site.__exit__(None, None, None)
        httpd.shutdown()
