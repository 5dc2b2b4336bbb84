"""Email through Django's configured backend (SMTP when EMAIL_HOST is set): text and HTML.

SMTP reply codes decide: 5xx is permanent, 4xx is "try again later" (RFC 5321, section 4.2.1).
A refused recipient fails that delivery only; a refused login or sender breaks the channel.
A failure before the message went out is retried; once the server has the whole message, a lost
answer is "outcome unknown" (it may have been delivered) and a failure after its 250 is a
success (see channels/smtp.py).
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend

from portal.notifications.channels import Message, Transport, TransportError
from portal.notifications.channels.smtp import WatchedEmailBackend


def _permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


def _reply(code: int | None, text: bytes | str | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join((text or '').split())}".strip()[:300]


def _connection():
    """The configured backend; Django's own SMTP backend is swapped for the watched one so a
    failure can be placed before or after the message went out."""
    backend = get_connection(fail_silently=False)
    if type(backend) is DjangoSMTPBackend:
        return WatchedEmailBackend(fail_silently=False)
    return backend


def _host() -> str:
    return getattr(settings, "EMAIL_HOST", None) or "the mail server"


class EmailTransport(Transport):
    def notify(self, message: Message) -> None:
        if not message.recipient:
            raise TransportError(
                "No email address to send to.", permanent=True, breaks_channel=False
            )
        from_email = self.config.get("from_email") or settings.DEFAULT_FROM_EMAIL
        to = formataddr((message.recipient_name, message.recipient))
        connection = _connection()
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=from_email,
            to=[to],
            headers=message.headers,
            connection=connection,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send(fail_silently=False)
        except Exception as exc:
            progress = getattr(connection, "progress", None)
            if progress is not None and progress.accepted:
                return  # the server took responsibility; only saying goodbye (QUIT) failed
            if progress is not None and progress.in_doubt:
                raise TransportError(
                    f"{_host()} received the whole message but did not confirm it "
                    f"({type(exc).__name__}: {str(exc)[:200]}): it may have been delivered. "
                    "Replay it only if it did not arrive.",
                    maybe_delivered=True,
                ) from None
            if isinstance(exc, smtplib.SMTPException | OSError):
                raise self.refusal(exc, message=message, from_email=from_email) from None
            raise

    @staticmethod
    def refusal(exc: Exception, *, message: Message, from_email: str) -> TransportError:
        """What a failure before the server had the message means (nothing was delivered)."""
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return TransportError(
                f"The mail server refused {message.recipient}: {_reply(code, text)}",
                permanent=_permanent(code),
                breaks_channel=False,
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return TransportError(
                f"The mail server refused the login: {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=True,
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return TransportError(
                f"The mail server refused the sender {from_email}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_permanent(exc.smtp_code),
            )
        if isinstance(exc, smtplib.SMTPResponseException):  # DATA refused and the like
            return TransportError(
                f"The mail server answered {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_permanent(exc.smtp_code),
                breaks_channel=False,
            )
        # Connection refused, dropped or timed out, TLS failed: try again later.
        return TransportError(
            f"Could not talk to {_host()}: {type(exc).__name__}: {str(exc)[:200]}"
        )
