"""Django settings, all read from the environment through portal.env (strict: bad values stop
start-up with the variable's name). With no environment at all the portal runs on SQLite and an
embedded Celery broker under PORTAL_DATA_DIR; DATABASE_URL and REDIS_URL switch to PostgreSQL and
Redis. Every variable is documented in `.env.example`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

PORTAL_ENV = env.choice("PORTAL_ENV", ("development", "production"), "development")
PRODUCTION = PORTAL_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    # Django's debug pages show settings, code and every URL pattern to whoever causes an error.
    raise ImproperlyConfigured("DEBUG: must be false in production (PORTAL_ENV=production)")

DATA_DIR = Path(env.str("PORTAL_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _development_secret(filename: str, make) -> str:
    """Development only: a secret generated once and kept under PORTAL_DATA_DIR, so a bare
    checkout runs with no configuration and restarts keep sessions and encrypted tokens."""
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.required("SECRET_KEY", "production needs a stable, secret signing key")
else:
    SECRET_KEY = env.str("SECRET_KEY") or _development_secret(
        "secret_key", lambda: secrets.token_urlsafe(50)
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: must be set in production (the portal's host names, comma-separated)"
    )
if PRODUCTION and "*" in ALLOWED_HOSTS:
    # "*" takes any Host header, and Django builds absolute links from it.
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: '*' is refused in production; list the portal's host names instead"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
PORTAL_BASE_URL = env.url("PORTAL_BASE_URL", ("http", "https"), "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    # Request, response and latency figures per view for /metrics (portal/ops/metrics_view.py).
    "django_prometheus",
    "portal.ops",
    "portal.sites",
    "portal.tasks_ui",
    "portal.notifications",
    "portal.reports",
    "portal.live",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.api",
]

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request id (portal/ops/request_id.py).
    "portal.ops.request_id.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every time a page prints is on the signed-in person's clock (portal/sites/reading.py).
    "portal.sites.middleware.ReaderTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Times and counts what the middleware above it does; before NotFoundPages, which answers
    # unknown URLs without calling further in, so that their 404s are counted too.
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # The portal's 404 page in every mode, DEBUG included (inside CSP, so it gets the policy).
    "portal.errors.NotFoundPages",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.sites.context_processors.navigation",
            ],
        },
    }
]

# --- Database: SQLite under PORTAL_DATA_DIR unless DATABASE_URL says otherwise ---------------
_database_url = env.url("DATABASE_URL", ("postgres", "postgresql", "sqlite"))
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url)}
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL: {error}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "portal.sqlite3",
            # Worker, beat and web share the file: wait for a lock instead of failing at once.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
if env.bool("PORTAL_GREEN_WEB", False):
    # gevent web workers (portal/ops/gunicorn_conf.py): each request is a greenlet of its own,
    # so a kept connection would never be used again; close each at the end of its request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # Wait for SQLite's lock cooperatively (portal/sqlite_green/base.py).
        DATABASES["default"]["ENGINE"] = "portal.sqlite_green"
        DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 0.05
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not pytest's in-memory default, so worker processes started by tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-portal.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Redis (broker and cache) or the embedded fallbacks ---------------------------------------
REDIS_URL = env.url("REDIS_URL", ("redis", "rediss"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # The file cache is shared by web, worker and beat processes, unlike locmem.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
            # Django's default (300 entries, then a third culled at random) would drop circuit
            # states and which sites are big once a few inbox pages have been cached.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# --- Celery (read by portal/celery.py with the CELERY_ namespace) ------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers an unacknowledged message only after this many seconds; our own
        # sweepers requeue stuck work sooner (see ../shared/NOTES.md).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    }
else:
    # Embedded broker: kombu's filesystem transport needs no server and, unlike the SQLAlchemy
    # transport, answers remote control (`celery inspect ping`). It never redelivers a message a
    # killed worker had taken, which is why delivery state lives in our database.
    _broker_dir = DATA_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    # portal/celery.py points "filesystem" at kombu's transport with one fix (atomic writes).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # The worker lists the folder, and when it finds nothing it sleeps this long before
        # listing again. kombu's default (1 s) also runs after every message the worker could
        # not take yet (prefetch 1), which held a worker to about 2 messages a second; 0.05 s
        # gives 10+ while an idle worker's listing costs well under 1 % of a core
        # (bench/broker.py measures both).
        # https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
        "polling_interval": env.float("CELERY_BROKER_POLLING_INTERVAL", 0.05, minimum=0.01),
    }
CELERY_BROKER_IS_EMBEDDED = not REDIS_URL
# JSON only: pickle would let anyone who can write to the broker run code in the worker.
# https://docs.celeryq.dev/en/stable/userguide/security.html#serializers
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "UTC"
# Explicit limits: a hung Frappe site must not pin a worker forever.
# https://docs.celeryq.dev/en/stable/userguide/workers.html#time-limits
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT: must be greater than CELERY_TASK_SOFT_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT} <= {CELERY_TASK_SOFT_TIME_LIMIT})"
    )
# One message at a time per worker process: long site scans should not starve short sends.
# https://docs.celeryq.dev/en/stable/userguide/optimizing.html#prefetch-limits
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", 30, minimum=1)
# Bulk jobs of the task pages (portal/tasks_ui/services/bulk_run.py): their Celery queue; how
# long a worker's claim on a row lasts before the sweeper (every minute) hands the row to
# another worker, which reads the task on the site before changing anything; days kept.
INBOX_BULK_QUEUE = env.str("INBOX_BULK_QUEUE", "celery")
INBOX_BULK_CLAIM_SECONDS = env.int("INBOX_BULK_CLAIM_SECONDS", 300, minimum=10)
INBOX_BULK_RETENTION_DAYS = env.int("INBOX_BULK_RETENTION_DAYS", 30, minimum=1)
# /healthz tells anyone only "ok" or "failing"; its detail (database, broker, the worker's name
# and heartbeat) needs an admin session or this token as "Authorization: Bearer <token>".
HEALTHZ_TOKEN = env.secret("HEALTHZ_TOKEN", min_length=16)

# --- Auth, sessions, security -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses logins for a username + address that failed too often (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# A refused CSRF check gets the portal's 403 page, not Django's technical one.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline scripts or styles anywhere: htmx is configured (base.html) not to inject its
# indicator styles nor to evaluate attributes, so 'self' is enough.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy (see docker-compose.yml), trust its scheme header.
    if env.bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Language: English and Arabic (right to left) -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
# Arabic date and number formats that Django leaves out (portal/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
# The zone of pages for a person whose profile names none, and of the portal's own schedules.
TIME_ZONE = env.str("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static files: whitenoise serves them from gunicorn, no separate web server needed ----------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Email ---------------------------------------------------------------------------------
EMAIL_HOST = env.str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 20, minimum=1)
else:
    # No mail server configured: print mails to the console log, so a bare machine runs.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# --- CRM sites of every kind: how the portal's one HTTP client may reach them -------------------
SITE_CONNECT_TIMEOUT = env.float("SITE_CONNECT_TIMEOUT", 5.0, minimum=0.1)
SITE_READ_TIMEOUT = env.float("SITE_READ_TIMEOUT", 20.0, minimum=0.1)
# CRM sites often sit on a private network; loopback and plain http only for stand-ins.
SITE_ALLOW_PRIVATE_NETWORKS = env.bool("SITE_ALLOW_PRIVATE_NETWORKS", True)
SITE_ALLOW_LOOPBACK = env.bool("SITE_ALLOW_LOOPBACK", not PRODUCTION)
SITE_ALLOW_INSECURE_HTTP = env.bool("SITE_ALLOW_INSECURE_HTTP", not PRODUCTION)
SITE_USER_AGENT = env.str("SITE_USER_AGENT", "crm-task-portal/0.2")

# --- Portal clock: tests and demos may set the portal's "now" for every process ------------------
PORTAL_CLOCK_FILE = env.str("PORTAL_CLOCK_FILE")

# --- Logging: never log secrets. oauthlib logs tokens at DEBUG, so it is capped at INFO; every
# line is redacted of URL secrets (django.request logs the paths of signed links, for example)
# and carries the id of the request or task it belongs to. LOG_FORMAT=json writes one JSON
# object per line for a log collector (portal/ops/log_format.py).
LOG_LEVEL = env.choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOG_FORMAT = env.choice("LOG_FORMAT", ("text", "json"), "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "portal.ops.log_redaction.RedactSecrets"},
        "request_id": {"()": "portal.ops.request_id.RequestIdFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"},
        "json": {"()": "portal.ops.log_format.RedactedJsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers for these (DEBUG console, runserver's request lines) would
        # print unredacted paths and query strings: everything goes through "console" instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "oauthlib": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}

# --- Metrics for Prometheus at /metrics (README, "Operations: metrics and logs") ---------------
# Who may read them: this bearer token, or callers from these networks (not through a proxy).
METRICS_TOKEN = env.secret("METRICS_TOKEN", min_length=16)
METRICS_ALLOWED_NETWORKS = env.networks("METRICS_ALLOWED_IPS", ["127.0.0.1/32", "::1/128"])
# Where each web and worker process writes its counters for /metrics to add up (prometheus_client's
# multiprocess mode; portal/metrics.py). Unset: each process serves only its own.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# --- Secrets at rest: Fernet keys, the first encrypts, all decrypt (see portal/sites/crypto.py) --
if PRODUCTION:
    _encryption_keys = env.list("PORTAL_ENCRYPTION_KEYS", [])
    if not _encryption_keys:
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS: must be set in production (generate one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
else:
    _encryption_keys = env.list("PORTAL_ENCRYPTION_KEYS", []) or [
        _development_secret("encryption_key", lambda: Fernet.generate_key().decode())
    ]
for _key in _encryption_keys:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            "PORTAL_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes (Fernet)"
        ) from None
PORTAL_ENCRYPTION_KEYS = _encryption_keys

# --- Audit ----------------------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", 365, minimum=1)
# How often the health badge of every site is refreshed in the background.
HEALTH_REFRESH_MINUTES = env.int("HEALTH_REFRESH_MINUTES", 10, minimum=1)

# --- Reads from sites ---------------------------------------------------------------------
# Seconds a site's answer may be served again from the cache (0 turns the cache off). The
# portal's own writes and inbound webhooks clear a site's entries at once.
SITE_CACHE_SECONDS = env.int("SITE_CACHE_SECONDS", 20, minimum=0)

# --- Reports ------------------------------------------------------------------------------------
# Daily report snapshots run at this UTC hour (minute 45).
REPORT_SNAPSHOT_HOUR = env.int("REPORT_SNAPSHOT_HOUR", 23, minimum=0)
# The weekly digest to team leads: day (mon..sun), UTC hour, and how many days it covers.
REPORT_DIGEST_WEEKDAY = env.choice(
    "REPORT_DIGEST_WEEKDAY", ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "mon"
)
REPORT_DIGEST_HOUR = env.int("REPORT_DIGEST_HOUR", 7, minimum=0)
REPORT_DIGEST_DAYS = env.int("REPORT_DIGEST_DAYS", 7, minimum=1)
if REPORT_SNAPSHOT_HOUR > 23 or REPORT_DIGEST_HOUR > 23:
    raise ImproperlyConfigured("REPORT_SNAPSHOT_HOUR, REPORT_DIGEST_HOUR: hours are 0 to 23")

# --- Notifications ----------------------------------------------------------------------------
# Overdue reminders (portal/notifications): scans, the delivery ledger, channels, inbound webhooks.
NOTIFY_SCAN_INTERVAL_MINUTES = env.int("NOTIFY_SCAN_INTERVAL_MINUTES", 15, minimum=1)
NOTIFY_SWEEP_INTERVAL_SECONDS = env.int("NOTIFY_SWEEP_INTERVAL_SECONDS", 30, minimum=1)
# The Celery queue of scans and sends (a deployment may give them a worker of their own).
NOTIFY_QUEUE = env.str("NOTIFY_QUEUE", "celery")
# A site's scan may take this long (soft limit of its task); a run plans without a site whose
# scan has not finished by then.
NOTIFY_SITE_SCAN_TIMEOUT = env.int("NOTIFY_SITE_SCAN_TIMEOUT", 90, minimum=5)
NOTIFY_SCAN_CONCURRENCY = env.int("NOTIFY_SCAN_CONCURRENCY", 8, minimum=1)
# A worker's claim on a delivery lasts this long; the sweeper acts on expired claims.
NOTIFY_CLAIM_SECONDS = env.int("NOTIFY_CLAIM_SECONDS", 300, minimum=10)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", 8, minimum=1)
NOTIFY_RETRY_BASE_SECONDS = env.int("NOTIFY_RETRY_BASE_SECONDS", 30, minimum=1)
NOTIFY_RETRY_CAP_SECONDS = env.int("NOTIFY_RETRY_CAP_SECONDS", 3600, minimum=1)
NOTIFY_RETENTION_DAYS = env.int("NOTIFY_RETENTION_DAYS", 90, minimum=1)
NOTIFY_ACTION_LINK_HOURS = env.int("NOTIFY_ACTION_LINK_HOURS", 168, minimum=1)
NOTIFY_UNSUBSCRIBE_LINK_DAYS = env.int("NOTIFY_UNSUBSCRIBE_LINK_DAYS", 365, minimum=1)
NOTIFY_INBOUND_MAX_BYTES = env.int("NOTIFY_INBOUND_MAX_BYTES", 65536, minimum=1024)
# People with a portal account who chose nothing on "My reminders" also get every reminder in
# the portal's notification centre (false: only through the rule's channel).
NOTIFY_CENTRE_BY_DEFAULT = env.bool("NOTIFY_CENTRE_BY_DEFAULT", True)
# Outbound Slack, webhook and Apprise posts: timeout, and which addresses they may reach.
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", 10.0, minimum=0.1)
NOTIFY_ALLOW_PRIVATE_NETWORKS = env.bool("NOTIFY_ALLOW_PRIVATE_NETWORKS", not PRODUCTION)
NOTIFY_ALLOW_LOOPBACK = env.bool("NOTIFY_ALLOW_LOOPBACK", not PRODUCTION)
NOTIFY_ALLOW_INSECURE_HTTP = env.bool("NOTIFY_ALLOW_INSECURE_HTTP", not PRODUCTION)
SLACK_API_BASE_URL = env.url("SLACK_API_BASE_URL", ("http", "https"), "https://slack.com/api/")
# slack_sdk logs request URLs and headers (bot tokens, webhook URLs) at DEBUG.
LOGGING["loggers"]["slack_sdk"] = {"level": "WARNING"}

# --- Task inbox -----------------------------------------------------------------------------------
# Pages across sites ask every site at once from a thread pool. A site slower than
# INBOX_SITE_TIMEOUT seconds is shown as an error card while the others render; no page waits
# longer than INBOX_PAGE_BUDGET seconds in all (a late site's answer still fills the cache).
INBOX_SITE_TIMEOUT = env.float("INBOX_SITE_TIMEOUT", 8.0, minimum=0.1)
INBOX_PAGE_BUDGET = env.float("INBOX_PAGE_BUDGET", 12.0, minimum=0.1)
# Threads per web process for site calls, and at most this many calls at once to one site.
INBOX_WORKERS = env.int("INBOX_WORKERS", 32, minimum=1)
INBOX_SITE_CONCURRENCY = env.int("INBOX_SITE_CONCURRENCY", 4, minimum=1)
# Under the web server's gevent workers the fan-out's workers are greenlets: enough for every
# site of every page at once.
INBOX_GREEN_WORKERS = env.int("INBOX_GREEN_WORKERS", 1000, minimum=1)
# A site that failed to answer CIRCUIT_FAILURES times in a row is shown from its error state
# for CIRCUIT_OPEN_SECONDS, then one probe (given CIRCUIT_PROBE_SECONDS) decides.
CIRCUIT_FAILURES = env.int("CIRCUIT_FAILURES", 3, minimum=1)
CIRCUIT_OPEN_SECONDS = env.int("CIRCUIT_OPEN_SECONDS", 30, minimum=1)
CIRCUIT_PROBE_SECONDS = env.int("CIRCUIT_PROBE_SECONDS", 30, minimum=1)
# Rows per page on the inbox and filter pages, and the most rows one bulk action may change.
INBOX_PAGE_SIZE = env.int("INBOX_PAGE_SIZE", 50, minimum=5)
INBOX_BULK_MAX = env.int("INBOX_BULK_MAX", 1000, minimum=1)
# Cards per column on the board (/tasks/board/); the rest are on the filter page, one link away.
BOARD_COLUMN_CARDS = env.int("BOARD_COLUMN_CARDS", 25, minimum=1)

# --- Live updates (portal/live): open task pages hear of changes through server-sent events --
# A stream's life before the browser opens a new one (which checks the person's sites again),
# the keep-alive comment's interval (under every proxy's idle timeout), how often each web
# process reads the embedded transport's table (no REDIS_URL), how many of its rows are kept,
# and the Redis pub/sub channel (with REDIS_URL).
LIVE_STREAM_SECONDS = env.int("LIVE_STREAM_SECONDS", 300, minimum=1)
LIVE_HEARTBEAT_SECONDS = env.float("LIVE_HEARTBEAT_SECONDS", 15.0, minimum=0.1)
LIVE_POLL_SECONDS = env.float("LIVE_POLL_SECONDS", 1.0, minimum=0.05)
LIVE_TABLE_KEEP = env.int("LIVE_TABLE_KEEP", 10000, minimum=100)
LIVE_REDIS_CHANNEL = env.str("LIVE_REDIS_CHANNEL", "portal:live")

# --- The REST API (/api/v1/, portal/api/) --------------------------------------------------------
# Requests a token (or a person's session) may make a minute, counted in the cache.
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", 120, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF on writes
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttles.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.problems.problem_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM task portal API",
    "DESCRIPTION": (
        "Tasks across sites, sites and their health, reminder deliveries and report figures. "
        "Authenticate with `Authorization: Bearer <personal access token>` (made on "
        "/api/tokens/). Errors are RFC 9457 problem details."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the project's static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "ptk_…"}}
    },
    "SECURITY": [{"token": []}],
    "AUTHENTICATION_WHITELIST": [],
    "ENUM_NAME_OVERRIDES": {"PortalStatusEnum": "portal.tasks_ui.forms.PORTAL_STATUSES"},
}
