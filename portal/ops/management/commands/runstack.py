"""`manage.py runstack`: the whole portal on one machine, the README's run command.

Brings up gunicorn (web + static files), a Celery worker and Celery beat and, with --demo, the
stand-in sites with demo data (their tasks kept across restarts in PORTAL_DATA_DIR/standin/) and
a mail catcher the portal sends its email to over SMTP (unless EMAIL_HOST is set); waits for
/healthz; registers and connects the demo sites; once every service's start-up output is done,
prints the sites, the caught mail page, the URL and the logins, last; stops everything cleanly
on Ctrl-C or SIGTERM (exit 0) or when any service dies (exit 1).
"""

import json
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.urls import reverse

from portal.ops.demo import demo_prepare
from portal.ops.mailbox import mail_folder
from portal.ops.stack import (
    Service,
    Stack,
    free_port,
    metrics_dir_prepare,
    run_until_signal,
    summary_lines,
)

# Access log on, secrets in URLs redacted (portal/ops/gunicorn_conf.py).
GUNICORN_CONFIG = "python:portal.ops.gunicorn_conf"
WEB_WORKERS = 2


def gunicorn_argv(
    *, host: str, port: int, workers: int = WEB_WORKERS, python: str = sys.executable
) -> list[str]:
    """The web server's command as the stack runs it; the benchmarks start the very same one,
    so they measure whatever worker class and pool this says."""
    return [python, "-m", "gunicorn", "portal.wsgi", "-c", GUNICORN_CONFIG,
            "--bind", f"{host}:{port}", "--workers", str(workers),
            "--timeout", "60"]  # fmt: skip


class Command(BaseCommand):
    help = "Run web, worker and beat (and, with --demo, stand-in sites) together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="migrate and load demo data first")
        parser.add_argument("--no-standin", action="store_true", help="no stand-in demo sites")
        parser.add_argument("--standin-port-base", type=int, default=8101)
        parser.add_argument("--web-workers", type=int, default=WEB_WORKERS)

    def handle(self, *args, host, port, demo, no_standin, standin_port_base, web_workers, **_):
        if demo:
            call_command("migrate", interactive=False, verbosity=0)
        base_url = f"http://{host}:{port}"
        python = sys.executable
        # Children inherit our environment; they must agree with us on the public URL.
        public_url = settings.PORTAL_BASE_URL if port == 8000 else base_url
        # Web and worker processes add up their counters for /metrics through this folder.
        metrics_dir = metrics_dir_prepare(
            Path(settings.PROMETHEUS_MULTIPROC_DIR or settings.DATA_DIR / "metrics")
        )
        env = {"PORTAL_BASE_URL": public_url, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        services = []
        # The demo's reminders go out through SMTP, as in production, to a catcher whose page
        # shows them; a configured EMAIL_HOST is used as it is.
        mail_url = None
        if demo and not settings.EMAIL_HOST:
            mail_host = "127.0.0.1"  # loopback whatever --host says: the messages are private
            mail_port = free_port(mail_host)
            env.update(EMAIL_HOST=mail_host, EMAIL_PORT=str(mail_port))
            services.append(
                Service(
                    "mail",
                    [
                        python,
                        "-m",
                        "portal.ops.mailcatcher",
                        "--host",
                        mail_host,
                        "--port",
                        str(mail_port),
                        "--folder",
                        str(mail_folder()),
                    ],
                    ready_marker="mailcatcher: SMTP on",
                )  # fmt: skip
            )
            mail_url = f"{base_url}{reverse('ops:mail')}"
        services += [
            Service(
                "web", gunicorn_argv(host=host, port=port, workers=web_workers, python=python), env
            ),
            Service(
                "worker",
                [python, "-m", "celery", "-A", "portal", "worker", "--loglevel", "INFO",
                 "--concurrency", "2", "--hostname", "worker@%h"],
                env, ready_marker=" ready.",
            ),
            Service(
                "beat", [python, "-m", "celery", "-A", "portal", "beat", "--loglevel", "INFO"], env,
                ready_marker="beat: Starting",
            ),
        ]  # fmt: skip
        ready_file = settings.DATA_DIR / "standin-ready.json"
        # The Django-CRM demo site, on the port after the two Frappe ones.
        djangocrm_ready = settings.DATA_DIR / "standin-djangocrm-ready.json"
        espocrm_ready = settings.DATA_DIR / "standin-espocrm-ready.json"  # and EspoCRM's
        with_standin = demo and not no_standin
        # The demo sites keep their tasks here across restarts, as the portal keeps its history.
        state_dir = settings.DATA_DIR / "standin"
        if with_standin:
            ready_file.unlink(missing_ok=True)
            djangocrm_ready.unlink(missing_ok=True)
            espocrm_ready.unlink(missing_ok=True)
            services.append(
                Service(
                    "espocrm",
                    [
                        python,
                        "-m",
                        "standin.espocrm",
                        "--demo",
                        "--port",
                        str(standin_port_base + 3),
                        "--ready-file",
                        str(espocrm_ready),
                        "--state-file",
                        str(state_dir / "espocrm.json"),
                    ],
                    ready_marker=" at http://",
                )  # fmt: skip
            )
            services.append(
                Service(
                    "djangocrm",
                    [
                        python,
                        "-m",
                        "standin.djangocrm",
                        "--demo",
                        "--port",
                        str(standin_port_base + 2),
                        "--ready-file",
                        str(djangocrm_ready),
                        "--state-file",
                        str(state_dir / "djangocrm.json"),
                    ],
                    ready_marker=" at http://",
                )  # fmt: skip
            )
            services.append(
                Service(
                    "standin",
                    [
                        python,
                        "-m",
                        "standin",
                        "--demo",
                        "--port-base",
                        str(standin_port_base),
                        "--redirect-uri",
                        f"{public_url}/sites/oauth/callback/",
                        "--ready-file",
                        str(ready_file),
                        "--state-file",
                        str(state_dir / "frappe.json"),
                    ],
                    ready_marker="control API for all sites",
                )  # fmt: skip
            )
        stack = Stack(services, out=self.stdout._out)

        def prepare_and_announce():
            logins, sites = [], []
            if demo:
                if with_standin and not _wait_for(ready_file, timeout=60):
                    stack.say("stack", "the stand-in sites did not start; demo without sites")
                    with_sites = None
                else:
                    with_sites = standin_port_base if with_standin else None
                djangocrm = espocrm = None
                if with_sites and _wait_for(djangocrm_ready, timeout=30):
                    djangocrm = json.loads(djangocrm_ready.read_text())
                if with_sites and _wait_for(espocrm_ready, timeout=30):
                    espocrm = json.loads(espocrm_ready.read_text())
                logins = demo_prepare(
                    standin_port_base=with_sites, djangocrm=djangocrm, espocrm=espocrm
                )
                if with_sites:
                    for name, site in json.loads(ready_file.read_text())["sites"].items():
                        sites.append(f"stand-in site {name} at {site['url']}")
                for kind, ready in (("Django-CRM", djangocrm), ("EspoCRM", espocrm)):
                    if ready:
                        sites.append(f"stand-in {kind} site {ready['name']} at {ready['url']}")
            # The services' start-up output first, then what a newcomer needs, logins last.
            stack.wait_settled()
            stack.announce(
                summary_lines(url=f"{base_url}/", sites=sites, mail_url=mail_url, logins=logins)
            )

        code = run_until_signal(
            stack, on_ready=prepare_and_announce, health_url=f"{base_url}/healthz"
        )
        if code:
            sys.exit(code)


def _wait_for(path, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return True
        time.sleep(0.2)
    return False
