"""Settings, read from the environment.

TIDINGS_DATA_DIR     where the SQLite files, uploads and generated secrets live (default ./var)
DATABASE_URL         PostgreSQL (or another SQLite file) instead of the embedded default
TIDINGS_SECRET_KEY   Django's secret key; generated into the data dir when unset
TIDINGS_ENCRYPTION_KEYS  comma-separated Fernet keys, newest first, for OAuth tokens at rest
TIDINGS_BACKUP_DIR   a nightly `tidings backup` into this directory when set (default: none)
TIDINGS_BACKUP_KEEP  how many nightly backups to keep there (default 7)
TIDINGS_DEBUG        1 for development error pages
TIDINGS_ALLOWED_HOSTS comma-separated host names (default localhost names)
TIDINGS_TIME_ZONE    the site's default time zone for new users (default UTC)
TIDINGS_SIGNUP       open, verify (credits after the email is confirmed; default) or closed
TIDINGS_PROXY_COUNT  proxies in front that append to X-Forwarded-For (default 0: the peer is the client)
TIDINGS_METRICS_TOKEN  bearer token for /metrics (unset: staff sessions only)
TIDINGS_LOG_FORMAT   plain (default) or json: one JSON object per log line
TIDINGS_UPGRADE_URL  the page where users change plans (the Plan page links to it; default: none)
TIDINGS_UPGRADE_CONTACT  whom users ask to change plans: an email address, a web address or a name (default: none)
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tidings.core import local_secrets


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TIDINGS_DATA_DIR", "var")).resolve()

DEBUG = _env_bool("TIDINGS_DEBUG")
SECRET_KEY = os.environ.get("TIDINGS_SECRET_KEY") or local_secrets.secret_key(DATA_DIR)
TIDINGS_ENCRYPTION_KEYS = _env_list("TIDINGS_ENCRYPTION_KEYS", "") or local_secrets.encryption_keys(DATA_DIR)
ALLOWED_HOSTS = _env_list("TIDINGS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("TIDINGS_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Only for the static files of the API docs page (Swagger UI), so it needs no CDN.
    "ninja",
    "axes",
    "tidings.accounts",
    "tidings.workspaces",
    "tidings.tiers",
    "tidings.credits",
    "tidings.usage",
    "tidings.notifications",
    "tidings.platforms",
    "tidings.posts",
    "tidings.tagging",
    "tidings.library",
    "tidings.generation",
    "tidings.automation",
    "tidings.planning",
    "tidings.analytics",
    "tidings.recurring",
    "tidings.bulk",
    "tidings.webhooks",
    "tidings.jobs",
    "tidings.api",
    "tidings.ops",
    "tidings.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tidings.web.middleware.WorkspaceTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tidings.web.errors.RefusalMiddleware",
    # Last, as django-axes asks: it turns a log-in lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tidings.urls"
WSGI_APPLICATION = "tidings.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
# Axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tidings.web.context_processors.notifications",
                "tidings.web.context_processors.navigation",
                "tidings.web.context_processors.workspace",
            ],
        },
    },
]

# SQLite runs every transaction as BEGIN IMMEDIATE: the writer lock is taken up front, so two writers queue on the
# busy timeout instead of failing with "database is locked" when a read transaction tries to upgrade.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'tidings.sqlite3'}",
        conn_max_age=0,
        conn_health_checks=False,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    # A SQLite connection is a file handle, not a server slot: keep one per thread rather than reopen per job.
    DATABASES["default"]["CONN_MAX_AGE"] = None
    # A file, not the shared in-memory database: tests run threads against it, and shared cache mode has
    # table locks that ignore the busy timeout.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-tidings.sqlite3")}
else:
    # A pool per process bounds PostgreSQL connections however many job threads run (and saves reconnecting).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("TIDINGS_DB_POOL_SIZE", "10")),
        "timeout": 30,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
TIDINGS_DEFAULT_USER_TIME_ZONE = os.environ.get("TIDINGS_TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files are served from the app folders directly, so a fresh install needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Where the outside world reaches this server: OAuth redirects and the media URLs that Instagram and Threads fetch.
TIDINGS_PUBLIC_URL = os.environ.get("TIDINGS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Serve uploaded media from this process (the embedded default); behind a proxy that serves /media/, turn it off.
TIDINGS_SERVE_MEDIA = _env_bool("TIDINGS_SERVE_MEDIA", default=True)
# The platform API versions called, one setting each (tidings.platforms.versions): `tidings doctor` warns two
# months before the version's sunset, the time to move to a newer one.
TIDINGS_GRAPH_API_VERSION = os.environ.get("TIDINGS_GRAPH_API_VERSION", "v24.0").strip()
TIDINGS_LINKEDIN_VERSION = os.environ.get("TIDINGS_LINKEDIN_VERSION", "202605").strip()

# Password resets and notification emails. The console backend prints them, which is right for one box.
EMAIL_BACKEND = os.environ.get("TIDINGS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("TIDINGS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("TIDINGS_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("TIDINGS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("TIDINGS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("TIDINGS_EMAIL_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("TIDINGS_EMAIL_FROM", "Tidings <tidings@localhost>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("TIDINGS_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy on every response (django-csp 4:
# https://django-csp.readthedocs.io/en/latest/configuration.html): scripts only from our own static files, never
# inline; no framing, plugins or <base>. Styles may be inline: Django admin's changelist, htmx's indicator style and a
# few templates carry <style>. No form-action: connecting an account posts here and is redirected to the platform's
# OAuth page, which browsers check against form-action too. Uploaded media get a sandbox policy (web.pages.media).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        # FullCalendar's stylesheet carries its small icon font inline.
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    }
}

# Publishing: HTTP timeout per platform call, retries for transient errors, and how late a post may still go out.
# Plain-http webhook URLs are refused unless allowed (tests and a local receiver on the same box).
TIDINGS_ALLOW_HTTP_WEBHOOKS = _env_bool("TIDINGS_ALLOW_HTTP_WEBHOOKS")
TIDINGS_PUBLISH_TIMEOUT = float(os.environ.get("TIDINGS_PUBLISH_TIMEOUT", "30"))
# Seconds each write of an upload's body may take (a block, not the whole file): a stalled link is given up on.
TIDINGS_UPLOAD_WRITE_TIMEOUT = float(os.environ.get("TIDINGS_UPLOAD_WRITE_TIMEOUT", "60"))
TIDINGS_PUBLISH_RETRIES = int(os.environ.get("TIDINGS_PUBLISH_RETRIES", "3"))
TIDINGS_PUBLISH_BACKOFF_SECONDS = float(os.environ.get("TIDINGS_PUBLISH_BACKOFF_SECONDS", "5"))
TIDINGS_PUBLISH_MAX_RATE_LIMIT_WAITS = int(os.environ.get("TIDINGS_PUBLISH_MAX_RATE_LIMIT_WAITS", "5"))
TIDINGS_LATE_WINDOW_SECONDS = int(os.environ.get("TIDINGS_LATE_WINDOW_SECONDS", "3600"))
# How far ahead a post may be scheduled: a credit held for a post years away would be a credit out of circulation.
TIDINGS_MAX_SCHEDULE_DAYS = int(os.environ.get("TIDINGS_MAX_SCHEDULE_DAYS", "400"))
TIDINGS_PUBLISH_LEASE_SECONDS = int(os.environ.get("TIDINGS_PUBLISH_LEASE_SECONDS", "600"))

# Durable jobs (DBOS): threads per process, publish workflows per platform queue per process, dispatch cadence.
TIDINGS_MAX_EXECUTOR_THREADS = int(os.environ.get("TIDINGS_MAX_EXECUTOR_THREADS", "64"))
TIDINGS_WORKER_CONCURRENCY = int(os.environ.get("TIDINGS_WORKER_CONCURRENCY", "10"))
# How often each worker asks a platform queue without a rate limit for work. A queue refills its free slots only
# when it polls, so a slow poll idles them; rate-limited queues poll less often, as their limit allows
# (tidings.jobs.queues), but at least every TIDINGS_QUEUE_MAX_POLL_SECONDS.
TIDINGS_QUEUE_POLL_SECONDS = float(os.environ.get("TIDINGS_QUEUE_POLL_SECONDS", "0.1"))
TIDINGS_QUEUE_MAX_POLL_SECONDS = float(os.environ.get("TIDINGS_QUEUE_MAX_POLL_SECONDS", "1.0"))
TIDINGS_DISPATCH_EVERY_SECONDS = int(os.environ.get("TIDINGS_DISPATCH_EVERY_SECONDS", "2"))
TIDINGS_DISPATCH_BATCH = int(os.environ.get("TIDINGS_DISPATCH_BATCH", "500"))
# Most reads of posts' counts one analytics tick (a minute) makes.
TIDINGS_METRICS_BATCH = int(os.environ.get("TIDINGS_METRICS_BATCH", "200"))
TIDINGS_DBOS_LOG_LEVEL = os.environ.get("TIDINGS_DBOS_LOG_LEVEL", "WARNING")
# Credit expiry warnings: a daily cron in this zone (the product brief's default is 09:00 in Johannesburg).
TIDINGS_EXPIRY_CHECK_CRON = os.environ.get("TIDINGS_EXPIRY_CHECK_CRON", "0 9 * * *")
TIDINGS_EXPIRY_CHECK_TIME_ZONE = os.environ.get("TIDINGS_EXPIRY_CHECK_TIME_ZONE", "Africa/Johannesburg")
TIDINGS_WORKFLOW_RETENTION_DAYS = int(os.environ.get("TIDINGS_WORKFLOW_RETENTION_DAYS", "14"))
# Nightly backups (03:00 UTC), off unless a directory is given; the oldest beyond KEEP are deleted.
TIDINGS_BACKUP_DIR = os.environ.get("TIDINGS_BACKUP_DIR", "").strip()
TIDINGS_BACKUP_KEEP = int(os.environ.get("TIDINGS_BACKUP_KEEP", "7"))
if TIDINGS_BACKUP_KEEP < 1:
    raise ImproperlyConfigured("TIDINGS_BACKUP_KEEP must be 1 or more.")

# Sign-up: "open" grants the plan's credits at once; "verify" grants them when the email address is confirmed
# through a signed link valid for TIDINGS_EMAIL_CONFIRMATION_MAX_AGE seconds; "closed" lets only staff add users.
TIDINGS_SIGNUP = os.environ.get("TIDINGS_SIGNUP", "verify").strip().lower()
if TIDINGS_SIGNUP not in {"open", "verify", "closed"}:
    raise ImproperlyConfigured(f"TIDINGS_SIGNUP must be open, verify or closed, not {TIDINGS_SIGNUP!r}.")
TIDINGS_EMAIL_CONFIRMATION_MAX_AGE = 3 * 24 * 3600
# Workspaces: an invitation link works for this many days; one person may own this many workspaces besides their
# personal one (each new one starts on Free with Free's first credits, so the cap keeps free credits honest).
TIDINGS_INVITATION_DAYS = int(os.environ.get("TIDINGS_INVITATION_DAYS", "7"))
TIDINGS_MAX_OWNED_WORKSPACES = int(os.environ.get("TIDINGS_MAX_OWNED_WORKSPACES", "5"))
# A client approval link (one proposed post, no login) works for this many days.
TIDINGS_REVIEW_LINK_DAYS = int(os.environ.get("TIDINGS_REVIEW_LINK_DAYS", "14"))
# A repeating post's next repeat is made and scheduled (reserving its credit) this long before its time.
TIDINGS_REPEAT_LEAD_HOURS = int(os.environ.get("TIDINGS_REPEAT_LEAD_HOURS", "24"))
# Behind N proxies the client's address is the N-th from the right in X-Forwarded-For (the entries left of it are
# whatever the client sent); both throttles below key on it.
TIDINGS_PROXY_COUNT = int(os.environ.get("TIDINGS_PROXY_COUNT", "0"))
# How users upgrade (tidings.tiers.upgrade): without either, the Plan page says to ask whoever runs the server.
TIDINGS_UPGRADE_URL = os.environ.get("TIDINGS_UPGRADE_URL", "").strip()
TIDINGS_UPGRADE_CONTACT = os.environ.get("TIDINGS_UPGRADE_CONTACT", "").strip()
# Log-in throttle (django-axes, failures kept in the database): five failed log-ins for one username, or from one
# address, lock that username or address out for 15 minutes; a successful log-in clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "tidings.web.auth.client_address"
# Failures are what a lockout needs; a row per successful log-in would grow without bound.
AXES_DISABLE_ACCESS_LOG = True
# Sign-up, password reset and re-sending the confirmation: at most this many attempts per window (seconds), counted
# per client address and, where there is one, per account. The counters live in the default cache: Django's
# in-process memory cache, shared by the threads of `tidings serve`; with several web processes each counts alone,
# so the effective limit is that many times higher (point CACHES at a shared cache there).
TIDINGS_THROTTLES = {
    "signup": (5, 3600),
    "password_reset": (5, 3600),
    "confirm_resend": (3, 3600),
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tidings"}}

# Public API: requests per token per window.
TIDINGS_API_RATE_LIMIT = int(os.environ.get("TIDINGS_API_RATE_LIMIT", "120"))
TIDINGS_API_RATE_WINDOW = int(os.environ.get("TIDINGS_API_RATE_WINDOW", "60"))

# Prometheus scrapes /metrics with this bearer token; staff sessions may read it too. Without a token only staff can.
TIDINGS_METRICS_TOKEN = os.environ.get("TIDINGS_METRICS_TOKEN", "").strip()
if TIDINGS_METRICS_TOKEN and len(TIDINGS_METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("TIDINGS_METRICS_TOKEN must be at least 16 characters (a long random value).")

TIDINGS_LOG_FORMAT = os.environ.get("TIDINGS_LOG_FORMAT", "plain").strip().lower()
if TIDINGS_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"TIDINGS_LOG_FORMAT must be plain or json, not {TIDINGS_LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "tidings.core.logformat.json_formatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": TIDINGS_LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("TIDINGS_LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs every request's URL at INFO, and Meta's APIs carry the access token in the query: kept quiet.
        "httpx": {"level": "WARNING"},
        # DBOS adds a console handler with its own line format unless its logger has one: in json, it is given ours.
        **({"dbos": {"handlers": ["console"], "propagate": False}} if TIDINGS_LOG_FORMAT == "json" else {}),
    },
}
