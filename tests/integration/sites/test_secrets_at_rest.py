"""Token sets and secrets are encrypted at rest, and key rotation keeps them readable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from portal.sites.crypto import SecretUnreadable
from portal.sites.models import Connection, Site

pytestmark = pytest.mark.django_db

TOKEN = {"access_token": "acc-6f1e2d9c", "refresh_token": "ref-77ab01", "expires_in": 3600}


@pytest.fixture
def stored(django_user_model):
    user = django_user_model.objects.create_user("alice")
    site = Site.objects.create(
        name="Riyadh", base_url="http://127.0.0.1:9/", client_id="abc", webhook_secret="hook-s3cret"
    )
    return Connection.objects.create(user=user, site=site, site_user_id="alice@x", token=TOKEN)


def raw_column(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def test_tokens_and_secrets_never_reach_the_database_in_clear(stored):
    raw_token = raw_column("sites_connection", "token")
    raw_secret = raw_column("sites_site", "webhook_secret")
    assert "acc-6f1e2d9c" not in raw_token and "ref-77ab01" not in raw_token
    assert "hook-s3cret" not in raw_secret
    assert Connection.objects.get().token == TOKEN
    assert Site.objects.get().webhook_secret == "hook-s3cret"


def test_rotation_re_encrypts_with_the_new_key_and_keeps_values_readable(stored, settings):
    old_key = settings.PORTAL_ENCRYPTION_KEYS[0]
    before = raw_column("sites_connection", "token")
    new_key = Fernet.generate_key().decode()
    settings.PORTAL_ENCRYPTION_KEYS = [new_key, old_key]
    assert Connection.objects.get().token == TOKEN  # readable with the old key still listed
    call_command("rotate_encryption_keys", verbosity=0)
    after = raw_column("sites_connection", "token")
    assert after != before
    settings.PORTAL_ENCRYPTION_KEYS = [new_key]  # old key dropped
    assert Connection.objects.get().token == TOKEN
    assert Site.objects.get().webhook_secret == "hook-s3cret"


def test_a_missing_key_is_a_clear_error_not_garbage(stored, settings):
    settings.PORTAL_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(SecretUnreadable, match="PORTAL_ENCRYPTION_KEYS"):
        Connection.objects.get()


def test_dumpdata_keeps_secrets_encrypted_and_loaddata_reads_them_back(stored, tmp_path):
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "sites", output=str(dump), verbosity=0)
    text = dump.read_text()
    assert "acc-6f1e2d9c" not in text and "hook-s3cret" not in text
    Connection.objects.all().delete()
    Site.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    assert Connection.objects.get().token == TOKEN
    assert Site.objects.get().webhook_secret == "hook-s3cret"
