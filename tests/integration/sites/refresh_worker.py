"""Run as a separate process by test_single_flight_refresh: N threads use one connection at
once and print how each call went, as JSON on the last line."""

import json
import os
import sys
import threading

import django


def main(connection_id: int, threads: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.db import connection as db

    from portal.sites.backends.frappe import SiteError
    from portal.sites.models import Connection
    from portal.sites.services.clients import client_for_connection

    results: list[str] = []
    barrier = threading.Barrier(threads)

    def call() -> None:
        try:
            conn = Connection.objects.select_related("site").get(pk=connection_id)
            client = client_for_connection(conn)
            barrier.wait(timeout=30)
            results.append("ok:" + client.logged_user())
        except SiteError as error:
            results.append("error:" + error.message)
        finally:
            db.close()

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
