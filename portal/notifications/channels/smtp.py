"""Django's SMTP backend with a connection that notes how far the message got.

A failure before the message's final "." went out (connect, TLS, login, MAIL, RCPT, the DATA
command itself) means the server has nothing: safe to send again. Once the whole message is
out, the server may deliver it whether or not its answer reaches us (RFC 5321, section 4.1.1.4:
the reply to the end of data is the server taking responsibility); without that answer a retry
could deliver it twice. After a 2xx answer the message is delivered, whatever happens while
saying goodbye (QUIT).
"""

from __future__ import annotations

import functools
import smtplib
from dataclasses import dataclass

from django.core.mail.backends.smtp import EmailBackend


@dataclass
class Progress:
    message_sent: bool = False  # every byte of the message and its final "." handed to the socket
    reply_code: int | None = None  # the server's answer to the message

    @property
    def accepted(self) -> bool:
        return self.reply_code is not None and 200 <= self.reply_code < 300

    @property
    def refused(self) -> bool:
        return self.reply_code is not None and 400 <= self.reply_code < 600

    @property
    def in_doubt(self) -> bool:
        """The server has the whole message and we do not know what it did with it."""
        return self.message_sent and not self.accepted and not self.refused


class _Watched:
    """For smtplib.SMTP and SMTP_SSL: the send after the server's 354 is the message."""

    def __init__(self, *args, progress: Progress, **kwargs) -> None:
        self.progress = progress
        self._in_data = False
        self._last_code: int | None = None
        super().__init__(*args, **kwargs)

    def getreply(self):
        code, text = super().getreply()
        self._last_code = code
        return code, text

    def send(self, s) -> None:
        message = self._in_data and self._last_code == 354
        super().send(s)
        if message:
            self.progress.message_sent = True

    def data(self, msg):
        self._in_data = True
        try:
            code, text = super().data(msg)
        finally:
            self._in_data = False
        if self.progress.message_sent:
            self.progress.reply_code = code
        return code, text


class _WatchedSMTP(_Watched, smtplib.SMTP):
    pass


class _WatchedSMTPSSL(_Watched, smtplib.SMTP_SSL):
    pass


class WatchedEmailBackend(EmailBackend):
    """Sends like Django's SMTP backend; ``progress`` tells how far the last message got."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.progress = Progress()

    @property
    def connection_class(self):
        watched = _WatchedSMTPSSL if self.use_ssl else _WatchedSMTP
        return functools.partial(watched, progress=self.progress)
