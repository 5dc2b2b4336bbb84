"""Email through Django's configured backend (SMTP when EMAIL_HOST is set): text and HTML.

SMTP reply codes decide: 5xx is permanent, 4xx is "try again later" (RFC 5321, section 4.2.1).
A refused recipient fails that delivery only; a refused login or sender breaks the channel.
"""

from __future__ import annotations

import smtplib
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from portal.notifications.channels import Message, Transport, TransportError


def _permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


def _reply(code: int | None, text: bytes | str | None) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return f"{code} {' '.join((text or '').split())}".strip()[:300]


class EmailTransport(Transport):
    def notify(self, message: Message) -> None:
        if not message.recipient:
            raise TransportError(
                "No email address to send to.", permanent=True, breaks_channel=False
            )
        from_email = self.config.get("from_email") or settings.DEFAULT_FROM_EMAIL
        to = formataddr((message.recipient_name, message.recipient))
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text,
            from_email=from_email,
            to=[to],
            headers=message.headers,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            raise TransportError(
                f"The mail server refused {message.recipient}: {_reply(code, text)}",
                permanent=_permanent(code),
                breaks_channel=False,
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(
                f"The mail server refused the login: {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=True,
            ) from None
        except smtplib.SMTPSenderRefused as exc:
            raise TransportError(
                f"The mail server refused the sender {from_email}: "
                f"{_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_permanent(exc.smtp_code),
            ) from None
        except smtplib.SMTPResponseException as exc:  # DATA refused and the like
            raise TransportError(
                f"The mail server answered {_reply(exc.smtp_code, exc.smtp_error)}",
                permanent=_permanent(exc.smtp_code),
                breaks_channel=False,
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            # Connection refused, dropped or timed out: try again later.
            host = getattr(settings, "EMAIL_HOST", None) or "the mail server"
            raise TransportError(
                f"Could not talk to {host}: {type(exc).__name__}: {str(exc)[:200]}"
            ) from None
