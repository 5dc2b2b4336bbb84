"""The demo's mail: the portal sends through SMTP to the mail catcher runstack starts, and an
admin reads what arrived on /ops/mail/, escaped (a message is untrusted), newest first."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives

from portal.ops.stack import free_port
from portal.sites.models import Profile
from tests.integration.sites.conftest import make_user

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def catcher(tmp_path):
    port = free_port("127.0.0.1")
    folder = tmp_path / "mail"
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.ops.mailcatcher", "--port", str(port),
         "--folder", str(folder)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert "mailcatcher: SMTP on" in process.stdout.readline()
    yield port, folder, process
    if process.poll() is None:
        process.kill()
        process.wait()


def _send(settings, port, *, subject, to, text, html=None):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    assert message.send() == 1


def test_an_admin_reads_the_caught_mail_escaped_and_newest_first(
    catcher, settings, client, django_user_model
):
    port, folder, process = catcher
    settings.DATA_DIR = folder.parent
    _send(settings, port, subject="Overdue: 2 tasks", to="Mona <mona@demo.local>",
          text="Call the landlord about unit 12\nSend the lease")  # fmt: skip
    time.sleep(0.01)  # names sort by arrival time
    _send(settings, port, subject='<img src=x onerror="alert(1)"> ليلى',
          to="layla@demo.local", text="<script>alert(2)</script>",
          html="<b>bold</b><script>alert(3)</script>")  # fmt: skip
    assert len(list(folder.glob("*.eml"))) == 2

    client.force_login(make_user(django_user_model, "ada", Profile.Role.ADMIN))
    page = client.get("/ops/mail/").content.decode()
    assert page.index("ليلى") < page.index("Overdue: 2 tasks")  # the newest first
    assert "Mona &lt;mona@demo.local&gt;" in page and "Call the landlord about unit 12" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page  # the text part, escaped
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "alert(3)" not in page  # the HTML part is not shown when there is a text part

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def test_a_member_may_not_read_the_caught_mail(client, django_user_model):
    client.force_login(make_user(django_user_model, "mo", Profile.Role.MEMBER))
    assert client.get("/ops/mail/").status_code == 403


def test_the_catcher_refuses_a_message_over_its_size_limit(catcher):
    from portal.ops.mailcatcher import SIZE_LIMIT

    port, folder, _process = catcher
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPException):
            smtp.sendmail("a@x", ["b@x"], b"Subject: big\r\n\r\n" + b"x" * (SIZE_LIMIT + 10))
    assert not list(folder.glob("*.eml"))


def test_the_catcher_keeps_the_newest_messages_only(tmp_path):
    from portal.ops.mailcatcher import FolderHandler

    handler = FolderHandler(tmp_path, keep=3)
    for number in range(5):
        handler.store(f"Subject: {number}\r\n\r\nbody".encode())
    from portal.ops.mailbox import mail_list

    assert [m.subject for m in mail_list(folder=tmp_path)] == ["4", "3", "2"]


def test_a_message_with_only_html_shows_its_source_as_text():
    from portal.ops.mailbox import mail_parse

    raw = b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p onclick=x>hi</p>"
    mail = mail_parse(raw)
    assert mail.body_is_html and mail.body == "<p onclick=x>hi</p>"


def test_the_mail_page_reads_in_arabic(client, django_user_model):
    client.force_login(make_user(django_user_model, "ada", Profile.Role.ADMIN))
    client.cookies["django_language"] = "ar"
    body = client.get("/ops/mail/").content.decode()
    assert 'dir="rtl"' in body and "البريد الملتقَط" in body and "لم يُلتقَط أي بريد بعد" in body
    assert "Caught mail" not in body
