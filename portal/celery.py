"""The Celery app: configured from Django settings (CELERY_ namespace), tasks autodiscovered
from every installed app's tasks.py, beat schedule in one place below."""

import os
import uuid
from time import monotonic

from celery import Celery, signals
from celery.schedules import crontab
from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


class _AtomicFilesystemChannel(filesystem.Channel):
    """kombu's filesystem channel, except that a message is written under a name no consumer
    looks at and then renamed into place. kombu creates the file where consumers look and fills
    it afterwards: a worker listing the folder in between reads an empty message and stops with
    a JSONDecodeError (https://github.com/celery/kombu/issues/1551), which polling often makes
    likely. A rename within one folder is atomic."""

    def _put(self, queue, payload, **kwargs):
        # The name kombu gives it: milliseconds first, so consumers take messages in order.
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4().hex}")
        try:
            with open(temporary, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class FilesystemTransport(filesystem.Transport):
    Channel = _AtomicFilesystemChannel


# The embedded broker's URL, "filesystem://" (settings.py), means this transport in every process
# that loads the app: web, worker and beat alike write messages the same way.
TRANSPORT_ALIASES["filesystem"] = "portal.celery:FilesystemTransport"


app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _carry_request_ids() -> None:
    """A task's log lines carry the id of the request that queued it (portal/ops/request_id.py):
    in its message headers when published, set again around the run in the worker."""
    from portal.ops import request_id

    signals.before_task_publish.connect(request_id.task_publishing, weak=False)
    signals.task_prerun.connect(request_id.task_starting, weak=False)
    signals.task_postrun.connect(request_id.task_finished, weak=False)


_carry_request_ids()


@app.on_after_finalize.connect
def _schedule_periodic_tasks(sender: Celery, **kwargs) -> None:
    from django.conf import settings

    # Names say what and when; every entry runs a task that loads by id and calls a service.
    sender.add_periodic_task(
        settings.HEARTBEAT_INTERVAL_SECONDS,
        sender.signature("portal.ops.tasks.heartbeat"),
        name=f"every-{settings.HEARTBEAT_INTERVAL_SECONDS}s-heartbeat",
    )
    # Overdue reminders (portal/notifications): scan every site, sweep the ledger, keep it small.
    sender.add_periodic_task(
        settings.NOTIFY_SCAN_INTERVAL_MINUTES * 60,
        sender.signature("portal.notifications.tasks.scan_all", queue=settings.NOTIFY_QUEUE),
        name=f"every-{settings.NOTIFY_SCAN_INTERVAL_MINUTES}-min-scan-overdue",
    )
    sender.add_periodic_task(
        settings.NOTIFY_SWEEP_INTERVAL_SECONDS,
        sender.signature("portal.notifications.tasks.sweep", queue=settings.NOTIFY_QUEUE),
        name=f"every-{settings.NOTIFY_SWEEP_INTERVAL_SECONDS}s-sweep-deliveries",
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=37),
        sender.signature("portal.notifications.tasks.purge", queue=settings.NOTIFY_QUEUE),
        name="daily-0337-purge-old-deliveries",
    )
    sender.add_periodic_task(
        settings.HEALTH_REFRESH_MINUTES * 60,
        sender.signature("portal.sites.tasks.refresh_health_all"),
        name=f"every-{settings.HEALTH_REFRESH_MINUTES}-min-site-health",
    )
    sender.add_periodic_task(
        crontab(hour=settings.REPORT_SNAPSHOT_HOUR, minute=45),
        sender.signature("portal.reports.tasks.snapshot_all"),
        name=f"daily-{settings.REPORT_SNAPSHOT_HOUR:02d}45-report-snapshots",
    )
    sender.add_periodic_task(
        crontab(
            day_of_week=settings.REPORT_DIGEST_WEEKDAY,
            hour=settings.REPORT_DIGEST_HOUR,
            minute=0,
        ),
        sender.signature("portal.reports.tasks.digest_all"),
        name=f"weekly-{settings.REPORT_DIGEST_WEEKDAY}-{settings.REPORT_DIGEST_HOUR:02d}00-lead-digest",
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=17),
        sender.signature("portal.sites.tasks.purge_audit"),
        name="daily-0317-purge-old-audit-entries",
    )
    # Bulk jobs (portal/tasks_ui): rows of killed workers and lost messages, then retention.
    sender.add_periodic_task(
        60,
        sender.signature("portal.tasks_ui.tasks.bulk_sweep", queue=settings.INBOX_BULK_QUEUE),
        name="every-60s-sweep-bulk-jobs",
    )
    sender.add_periodic_task(
        crontab(hour=3, minute=27),
        sender.signature("portal.tasks_ui.tasks.bulk_purge", queue=settings.INBOX_BULK_QUEUE),
        name="daily-0327-purge-old-bulk-jobs",
    )
