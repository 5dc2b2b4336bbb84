"""A send whose outcome is unknown is never retried by itself: when the far side has the whole
message and its answer is lost (the SMTP server answers the message late, a receiver reads the
request and answers after the timeout or drops the connection), the delivery ends "outcome
unknown" after one attempt and waits for a person's Replay. What fails before anything could be
taken (refused, TLS, MAIL or RCPT refused) is still retried; a failure after the server's 250
(saying goodbye) is a success. Real servers on loopback; sends run in-process."""

from __future__ import annotations

import datetime as dt
import ssl
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.contrib.auth.models import User

from portal.notifications.models import Channel, Delivery
from portal.notifications.services import ledger
from portal.notifications.services.runs import scan_run_inline, scan_run_start
from portal.notifications.services.send import delivery_send
from portal.sites.models import Profile
from tests.integration.notifications.conftest import T0, make_rule
from tests.integration.notifications.servers import Mailbox, Reply, free_port

pytestmark = pytest.mark.django_db
PEOPLE = [f"person{n}@portal.test" for n in range(1, 6)]


def planned(tasks, *, people=PEOPLE[:1], broadcast_channels=()) -> list[Delivery]:
    make_rule(assignees=False, fixed_addresses=list(people),
              broadcast_channels=list(broadcast_channels))  # fmt: skip
    tasks.add("riyadh", title="Call back the buyer", due=T0 - timedelta(days=1))
    scan_run_inline(run=scan_run_start(trigger="test"))
    return list(Delivery.objects.order_by("pk"))


def fresh(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


def assert_left_for_a_person(delivery: Delivery, clocks) -> None:
    """Outcome unknown after one attempt, and nothing sends it again by itself: not the sweeper,
    not a worker handed it later, however long we wait."""
    delivery = fresh(delivery)
    assert (delivery.status, delivery.attempts) == ("unknown", 1)
    assert delivery.replayable and delivery.sent_at is None
    clocks.advance(days=2)
    assert ledger.ledger_sweep() == {"released": 0, "unknown": 0, "enqueued": 0}
    assert delivery_send(delivery_id=delivery.pk) == "not claimed"
    assert fresh(delivery).status == "unknown"


@pytest.fixture
def late_mail(mailbox, settings):
    """The SMTP server takes the whole message and answers it after EMAIL_TIMEOUT."""
    settings.EMAIL_TIMEOUT = 2
    mailbox.answer_data_after = settings.EMAIL_TIMEOUT + 3
    return mailbox


# --- email ---------------------------------------------------------------------------------------


def test_an_email_answered_late_arrives_once_and_ends_outcome_unknown(
    tasks, sites, email_channel, late_mail, clocks
):
    [delivery] = planned(tasks)

    assert delivery_send(delivery_id=delivery.pk) == "unknown"

    late_mail.wait_for(1)
    assert len(late_mail.to(PEOPLE[0])) == 1
    error = fresh(delivery).last_error
    assert "received the whole message but did not confirm it" in error
    assert "may have been delivered" in error
    assert_left_for_a_person(delivery, clocks)
    assert len(late_mail.to(PEOPLE[0])) == 1


def test_five_deliveries_answered_late_are_five_emails(
    tasks, sites, email_channel, late_mail, clocks
):
    deliveries = planned(tasks, people=PEOPLE)
    assert len(deliveries) == 5

    assert [delivery_send(delivery_id=d.pk) for d in deliveries] == ["unknown"] * 5
    clocks.advance(days=2)
    ledger.ledger_sweep()
    assert [delivery_send(delivery_id=d.pk) for d in deliveries] == ["not claimed"] * 5

    assert len(late_mail.wait_for(5)) == 5
    assert sorted(a for m in late_mail.mails for a in m.rcpt_tos) == PEOPLE
    assert {(d.status, d.attempts) for d in Delivery.objects.all()} == {("unknown", 1)}


def test_an_unknown_outcome_is_shown_to_admins_with_replay_and_replay_sends_it_again(
    client, tasks, sites, email_channel, late_mail
):
    [delivery] = planned(tasks)
    delivery_send(delivery_id=delivery.pk)
    admin = User.objects.create_user("ada", password="x-Very-Long-Pass-1")
    Profile.objects.create(user=admin, role=Profile.Role.ADMIN)
    client.force_login(admin)

    page = client.get("/notifications/deliveries/", {"status": "unknown"}).content.decode()
    assert "outcome unknown" in page and "may have been delivered" in page
    assert f'action="/notifications/deliveries/{delivery.pk}/replay/"' in page

    late_mail.wait_for(1)
    late_mail.answer_data_after = 0
    assert client.post(f"/notifications/deliveries/{delivery.pk}/replay/").status_code == 302
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(late_mail.to(PEOPLE[0])) == 2  # the person asked for the second copy


def test_a_goodbye_answered_late_after_the_250_is_a_success(
    tasks, sites, email_channel, mailbox, settings
):
    settings.EMAIL_TIMEOUT = 2
    mailbox.answer_quit_after = settings.EMAIL_TIMEOUT + 3
    [delivery] = planned(tasks)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(mailbox.to(PEOPLE[0])) == 1


def test_a_garbled_goodbye_after_the_250_is_a_success(tasks, sites, email_channel, mailbox):
    mailbox.quit_reply = "221 " + "x" * 9000  # longer than smtplib reads: it raises
    [delivery] = planned(tasks)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert fresh(delivery).last_error == ""
    assert len(mailbox.to(PEOPLE[0])) == 1


def test_a_sender_refused_for_now_is_retried(tasks, sites, email_channel, mailbox, settings):
    settings.DEFAULT_FROM_EMAIL = "busy@portal.test"

    async def refuse_mail(server, session, envelope, address, mail_options):
        return "451 4.3.2 Not now"

    mailbox.controller.handler.handle_MAIL = refuse_mail
    [delivery] = planned(tasks)
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert "451" in fresh(delivery).last_error and not mailbox.mails


def _self_signed(tmp_path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_a_tls_failure_before_the_message_is_retried(
    tasks, sites, email_channel, settings, tmp_path
):
    """STARTTLS with a certificate nobody trusts: the handshake fails before MAIL."""
    box = Mailbox(tls_context=_self_signed(tmp_path)).start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = True, 5
        [delivery] = planned(tasks)
        assert delivery_send(delivery_id=delivery.pk) == "retry"
        assert "SSLCertVerificationError" in fresh(delivery).last_error and not box.mails
    finally:
        box.stop()


# --- signed webhooks -----------------------------------------------------------------------------


@pytest.fixture
def hook(receiver):
    config = {"url": receiver.url + "/hook", "secret": "s"}
    return Channel.objects.create(name="CRM hook", kind="webhook", config=config)


def test_a_webhook_answered_after_the_timeout_is_posted_once_and_ends_outcome_unknown(
    tasks, sites, email_channel, hook, receiver, clocks, settings
):
    settings.NOTIFY_HTTP_TIMEOUT = 1
    receiver.script("/hook", Reply(200, "ok", hang=True))
    delivery = planned(tasks, people=[], broadcast_channels=[hook])[0]

    assert delivery_send(delivery_id=delivery.pk) == "unknown"

    assert "no answer within 1 s" in fresh(delivery).last_error
    assert_left_for_a_person(delivery, clocks)
    [post] = receiver.wait_for("/hook")
    assert post.json["delivery"] == delivery.key


def test_a_webhook_connection_reset_after_the_request_ends_outcome_unknown(
    tasks, sites, email_channel, hook, receiver, clocks, settings
):
    settings.NOTIFY_HTTP_TIMEOUT = 30  # the reset comes first, however busy the machine
    receiver.script("/hook", Reply(reset=True))
    delivery = planned(tasks, people=[], broadcast_channels=[hook])[0]

    assert delivery_send(delivery_id=delivery.pk) == "unknown"

    assert "connection broke before an answer" in fresh(delivery).last_error
    assert_left_for_a_person(delivery, clocks)
    assert len(receiver.wait_for("/hook")) == 1


def test_a_webhook_nobody_listens_to_is_retried(tasks, sites, email_channel, hook):
    Channel.objects.filter(pk=hook.pk).update(
        config={"url": f"http://127.0.0.1:{free_port()}/hook"}
    )
    delivery = planned(tasks, people=[], broadcast_channels=[hook])[0]
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert "could not connect (connection refused)" in fresh(delivery).last_error


# --- Slack ---------------------------------------------------------------------------------------


SLACK = {  # mode: (config, where the post goes)
    "incoming webhook": ({"mode": "webhook", "url": "/slack/hook"}, "/slack/hook"),
    "bot": ({"mode": "bot", "token": "xoxb-t", "channel": "#sales"}, "/slack/api/chat.postMessage"),
}
LOST = {
    "late answer": (Reply(200, "ok", hang=True), 1),  # (what the receiver does, the timeout)
    "reset": (Reply(reset=True), 30),  # the reset comes first, however busy the machine
}


def slack_channel(receiver, mode: str) -> tuple[Channel, str]:
    config, route = SLACK[mode]
    if "url" in config:
        config = {**config, "url": receiver.url + config["url"]}
    return Channel.objects.create(name=f"Slack {mode}", kind="slack", config=config), route


@pytest.mark.parametrize("mode", list(SLACK))
@pytest.mark.parametrize("lost", list(LOST))
def test_a_slack_post_whose_answer_is_lost_is_posted_once_and_ends_outcome_unknown(
    tasks, sites, email_channel, receiver, clocks, settings, mode, lost
):
    channel, route = slack_channel(receiver, mode)
    reply, settings.NOTIFY_HTTP_TIMEOUT = LOST[lost]
    receiver.script(route, reply)
    delivery = planned(tasks, people=[], broadcast_channels=[channel])[0]

    assert delivery_send(delivery_id=delivery.pk) == "unknown"

    assert_left_for_a_person(delivery, clocks)
    assert len(receiver.wait_for(route)) == 1


def test_slack_unreachable_before_posting_is_retried(tasks, sites, email_channel):
    config = {"mode": "webhook", "url": f"http://127.0.0.1:{free_port()}/slack/hook"}
    channel = Channel.objects.create(name="Slack", kind="slack", config=config)
    delivery = planned(tasks, people=[], broadcast_channels=[channel])[0]
    assert delivery_send(delivery_id=delivery.pk) == "retry"
    assert "Could not reach Slack" in fresh(delivery).last_error
