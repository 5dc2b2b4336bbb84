"""`manage.py rotate_encryption_keys`: re-encrypt every stored secret with the first key of
PORTAL_ENCRYPTION_KEYS (see portal/sites/crypto.py for the whole rotation procedure)."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from portal.sites.crypto import encrypted_fields, rotate


class Command(BaseCommand):
    help = "Re-encrypt stored secrets with the first key of PORTAL_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        total = 0
        for model, names in encrypted_fields():
            table = model._meta.db_table
            columns = [model._meta.get_field(name).column for name in names]
            with transaction.atomic():
                # Raw rows: rotate the ciphertext itself, never holding plaintext longer.
                with connection.cursor() as cursor:
                    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                    pk = connection.ops.quote_name(model._meta.pk.column)
                    cursor.execute(f"SELECT {pk}, {quoted} FROM {table}")  # noqa: S608
                    rows = cursor.fetchall()
                    for row in rows:
                        values = [rotate(v) if v else v for v in row[1:]]
                        assignments = ", ".join(
                            f"{connection.ops.quote_name(c)} = %s" for c in columns
                        )
                        cursor.execute(
                            f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                            [*values, row[0]],
                        )
                        total += 1
        self.stdout.write(f"re-encrypted {total} rows")
