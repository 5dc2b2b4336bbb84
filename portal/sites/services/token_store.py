"""The client's TokenStore for a portal Connection: tokens live encrypted in the database and a
refresh holds a row lock, so one connection refreshes once even across processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from portal.sites.models import Connection


def token_expiry(token: dict[str, Any]) -> datetime | None:
    expires_at = token.get("expires_at")
    if isinstance(expires_at, int | float):
        return datetime.fromtimestamp(expires_at, tz=UTC)
    return None


class ConnectionTokenStore:
    def __init__(self, connection_id: int) -> None:
        self.connection_id = connection_id

    def load(self) -> dict[str, Any] | None:
        row = Connection.objects.only("token").filter(pk=self.connection_id).first()
        return row.token if row else None

    def save(self, token: dict[str, Any]) -> None:
        Connection.objects.filter(pk=self.connection_id).update(
            token=token,
            token_expires_at=token_expiry(token),
            status=Connection.Status.CONNECTED,
            last_error="",
        )

    @contextmanager
    def locked(self) -> Iterator[dict[str, Any] | None]:
        """SELECT ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction mode
        (settings) takes the database write lock, which serialises refreshes just as well."""
        with transaction.atomic():
            row = (
                Connection.objects.select_for_update()
                .only("token")
                .filter(pk=self.connection_id)
                .first()
            )
            yield row.token if row else None
