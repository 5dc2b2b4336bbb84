"""Reading the messages the demo's mail catcher kept (``portal/ops/mailcatcher.py``).

A message is untrusted input (a site's task title travels in it): it is parsed here into plain
text fields, bounded, and the page shows them escaped; its HTML is never rendered.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings

from portal.ops.mailcatcher import SUFFIX

SHOWN = 50  # the newest messages the page lists
READ_LIMIT = 256 * 1024  # bytes read of one message (its text part comes first)
BODY_LIMIT = 20_000  # characters shown of one body
HEADER_LIMIT = 300


@dataclass(frozen=True)
class CaughtMail:
    subject: str
    to: str
    sender: str
    date: datetime | None
    body: str
    body_is_html: bool  # no text part: the HTML source is shown as text
    truncated: bool


def mail_folder() -> Path:
    return settings.DATA_DIR / "mail"


def mail_list(*, folder: Path | None = None, limit: int = SHOWN) -> list[CaughtMail]:
    """The newest messages first."""
    folder = folder or mail_folder()
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob(f"*{SUFFIX}"), reverse=True)[:limit]
    found = []
    for path in paths:
        try:
            with path.open("rb") as handle:
                raw = handle.read(READ_LIMIT + 1)
        except FileNotFoundError:  # the catcher dropped it as the oldest meanwhile
            continue
        found.append(mail_parse(raw[:READ_LIMIT], cut=len(raw) > READ_LIMIT))
    return found


def mail_parse(raw: bytes, *, cut: bool = False) -> CaughtMail:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body, is_html = _body(message)
    truncated = cut or len(body) > BODY_LIMIT
    return CaughtMail(
        subject=_header(message, "subject"),
        to=_header(message, "to"),
        sender=_header(message, "from"),
        date=_date(message),
        body=body[:BODY_LIMIT],
        body_is_html=is_html,
        truncated=truncated,
    )


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = str(message.get(name, ""))
    except (ValueError, TypeError, IndexError):  # a header the parser cannot decode: as sent
        value = next((str(v) for k, v in message.raw_items() if k.lower() == name), "")
    return " ".join(value.split())[:HEADER_LIMIT]


def _date(message: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message.get("date", "")))
    except (ValueError, TypeError, IndexError):
        return None


def _body(message: EmailMessage) -> tuple[str, bool]:
    for kind, is_html in (("plain", False), ("html", True)):
        try:
            part = message.get_body(preferencelist=(kind,))
            if part is not None:
                return str(part.get_content()), is_html
        except (LookupError, ValueError, TypeError):  # an unknown charset, a broken part
            continue
    payload = message.get_payload(decode=True)
    return (payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""), False
