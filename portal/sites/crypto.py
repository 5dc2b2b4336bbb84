"""Secrets at rest: OAuth token sets, API secrets and webhook secrets are Fernet-encrypted.

Keys come from PORTAL_ENCRYPTION_KEYS (comma-separated Fernet keys). The first key encrypts;
every key decrypts (cryptography's MultiFernet), so a key can be rotated without downtime:
1. put a new key first, keep the old ones after it, restart;
2. run `manage.py rotate_encryption_keys` to re-encrypt every stored secret with the new key;
3. drop the old keys and restart.
"""

from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with any configured key."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PORTAL_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted: is its key missing from PORTAL_ENCRYPTION_KEYS?"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypts with the first key (no-op in meaning; the ciphertext changes)."""
    return fernet().rotate(token.encode()).decode()


def _looks_encrypted(value: object) -> bool:
    # Fernet tokens are url-safe base64 of a version byte 0x80 and a timestamp: "gAAAAA...".
    return isinstance(value, str) and value.startswith("gAAAAA")


class _SerializedEncrypted:
    """dumpdata and other serializers get the ciphertext, never the secret; loaddata gives it
    back as ciphertext, which to_python decrypts."""

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))


class EncryptedTextField(_SerializedEncrypted, models.TextField):
    """A text column stored encrypted. Empty strings stay empty (meaning "not set")."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def to_python(self, value):
        if _looks_encrypted(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


class EncryptedJSONField(_SerializedEncrypted, models.TextField):
    """A JSON document (a token set, say) stored encrypted as one text column."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return json.loads(decrypt(value))

    def to_python(self, value):
        if value is None or isinstance(value, dict | list):
            return value
        if _looks_encrypted(value):
            value = decrypt(value)
        return json.loads(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, separators=(",", ":")))


def encrypted_fields():
    """Every (model, [field names]) with encrypted columns, for rotation."""
    from django.apps import apps

    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField | EncryptedJSONField)
        ]
        if names:
            yield model, names
