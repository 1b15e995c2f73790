"""Settings shared by every environment of the Housing Credit Platform (the embedded default).

Layout as in cookiecutter-django: `base` (this file: everything, read from the environment with
django-environ), `production` (a proxy-fronted install: HTTPS, HSTS, secure cookies, a required
secret key) and `test` (the suite). `config.settings` itself is the embedded default `make run`
serves: SQLite in the data directory, plain HTTP on 127.0.0.1.

Importing settings writes nothing: the data directory and its secret key are created by
`manage.py bootstrap` (which `make run` calls before serving).
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env.str("HC_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
SECRET_KEY_FILE = DATA_DIR / "secret_key"
# A development fallback only: production.py refuses to start without a real key, and `make run`
# creates the data directory's key (bootstrap) before gunicorn reads these settings.
INSECURE_FALLBACK_KEY = "insecure-development-key-never-used-in-production"


def read_secret_key(*, required: bool) -> str:
    """SECRET_KEY from the environment, else the data directory's key file (kept across restarts
    so sessions survive them), else — when not `required` — the development fallback."""
    if key := env.str("SECRET_KEY", default=""):
        return key
    if SECRET_KEY_FILE.is_file():
        return SECRET_KEY_FILE.read_text().strip()
    if required:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"Set SECRET_KEY or run `manage.py bootstrap` to create {SECRET_KEY_FILE}.")
    return INSECURE_FALLBACK_KEY


SECRET_KEY = read_secret_key(required=False)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "common",
    "accounts",
    "audit",
    "subjects",
    "records",
    "scoring",
    "supervision",
    "lists",
    "exchange",
    "approvals",
    "appeals",
    "portal",
    "monitoring",
    "workbench",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The middleware that serves signed-in people is stepped over for an API call presenting a
    # bearer token (`config.middleware.unless_api_token`): it never has a session. Sessions and
    # CSRF stay Django's own (the deployment checks look for them by name; untouched, the
    # session is never read and the CSRF middleware lets a csrf-exempt API view pass).
    "config.middleware.CSPMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.AuthenticationMiddleware",
    "config.middleware.OTPMiddleware",
    "config.middleware.AccountGateMiddleware",
    "config.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets rendered through templates, each render kept by its content (common/form_renderer.py).
FORM_RENDERER = "common.form_renderer.CachingRenderer"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "db.sqlite3"
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{_sqlite_path}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the workbench read while a write is in progress; IMMEDIATE makes writers queue
    # at BEGIN instead of failing with "database is locked" half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # object-level rules (accounts.permissions): user.has_perm(perm, obj) asks them
    "rules.permissions.ObjectPermissionBackend",
]
# Enterprises' sign-in through the province's unified identity service (OpenID Connect, with
# mozilla-django-oidc; appeals/oidc.py). Off by default; HC_OIDC_ENABLED=1 switches it on and
# then needs the endpoints and the client registered with the provider.
HC_OIDC_ENABLED = env.bool("HC_OIDC_ENABLED", default=False)
HC_OIDC_ISSUER = env.str("HC_OIDC_ISSUER", default="")  # the ID token's `iss`, checked if set
HC_OIDC_CODE_CLAIM = env.str("HC_OIDC_CODE_CLAIM", default="uscc")  # the verified code's claim
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("HC_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("HC_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("HC_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("HC_OIDC_JWKS_ENDPOINT", default="") or None
OIDC_RP_CLIENT_ID = env.str("HC_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("HC_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SIGN_ALGO = env.str("HC_OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("HC_OIDC_SCOPES", default="openid profile")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env.int("HC_OIDC_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "appeals:oidc_callback"
if HC_OIDC_ENABLED:
    _missing = [name for name, value in (
        ("HC_OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
        ("HC_OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
        ("HC_OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
        ("HC_OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
        ("HC_OIDC_JWKS_ENDPOINT", OIDC_OP_JWKS_ENDPOINT or OIDC_RP_SIGN_ALGO.startswith("HS")),
    ) if not value]
    if _missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"HC_OIDC_ENABLED=1 needs {', '.join(_missing)}")
    AUTHENTICATION_BACKENDS.insert(-1, "appeals.oidc.EnterpriseOIDCBackend")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
# Lock the (username, address) pair, not a whole office behind one NAT address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "common/lockout.html"  # the workbench's own lock-out notice

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise scans STATIC_ROOT at start-up; bootstrap's collectstatic fills it before gunicorn.
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/evidence-files/"  # never served directly: evidence goes through an audited view

# Evidence uploads: what a reviewer can open and what the disk can hold.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# One size limit for every door (form, upload, API, admin): a larger body is refused with 413
# by config.middleware before anything reads it. It leaves room for the largest evidence file
# plus the form around it.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=EVIDENCE_MAX_BYTES + 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600

# Security headers sent on every answer (production.py adds HTTPS, HSTS and secure cookies).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): this server's own files only, no inline script or
# style unless it carries the request's nonce (`{{ request.csp_nonce }}`), never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Background jobs (common.jobs) through Django's Tasks API, the backend chosen by HC_TASKS_BACKEND:
# - database (the embedded default): queued in the database (django-tasks-db); `manage.py
#   run_worker` (started by `make run`, or on any machine that reaches the database) runs them;
# - redis: queued in Redis at HC_REDIS_URL (django-tasks-rq on RQ); `manage.py run_rq_worker`
#   (started by `make run` in its place, or on any machine that reaches Redis and the database);
# - immediate: each job runs inline in the process that starts it (no worker; a page waits).
# Whatever the backend, the job runs (progress, jobs page, retry, stale runs) live in the database.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
HC_TASKS_BACKEND = env.str("HC_TASKS_BACKEND", default="database")
if HC_TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"HC_TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {HC_TASKS_BACKEND!r}")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[HC_TASKS_BACKEND]}}
HC_REDIS_URL = env.str("HC_REDIS_URL", default="redis://127.0.0.1:6379/0")
# RQ stops a job after this many seconds (its own default of 180 s would cut a full re-grade).
HC_REDIS_JOB_TIMEOUT = env.int("HC_REDIS_JOB_TIMEOUT", default=6 * 3600)
RQ_QUEUES = {"default": {"URL": HC_REDIS_URL, "DEFAULT_TIMEOUT": HC_REDIS_JOB_TIMEOUT}}
if HC_TASKS_BACKEND == "redis":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# The scheduler (`manage.py run_scheduler`): seconds between two attempts of the deadline job
# (it runs once per day; a failed day is tried again after this interval).
HC_DEADLINE_INTERVAL = env.int("HC_DEADLINE_INTERVAL", default=3600)
# A running job whose worker gave no sign of life for this many seconds is marked failed.
HC_JOB_STALE_SECONDS = env.int("HC_JOB_STALE_SECONDS", default=300)
# /healthz answers 503 when the deadline job has not succeeded for this many hours.
HC_HEALTH_DEADLINE_HOURS = env.int("HC_HEALTH_DEADLINE_HOURS", default=26)
# Full re-grades: previous complete batches kept per category besides the one in force (older
# ones give their rows back, scoring.retention; a batch an inspection plan names is always kept).
SCORING_KEEP_PREVIOUS_BATCHES = env.int("SCORING_KEEP_PREVIOUS_BATCHES", default=2)
# PostgreSQL full re-grades: how the record pass sums per subject (scoring.engine.record_pass):
# "leader" = the parallel workers compute every record's terms and one process sums them;
# "partial" = the workers sum partially and the leader merges the partial sums (the plan before
# 2026-12-03; `docs/performance.md` "Full re-grade" compares the two).
SCORING_RECORD_PASS = env.str("SCORING_RECORD_PASS", default="leader")
# /metrics (Prometheus) answers only these client addresses or networks; others get 404.
HC_METRICS_ALLOWED = env.list("HC_METRICS_ALLOWED", default=[
    "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"])

# E-mail for notifications (workbench.notify): the console backend by default (messages go to
# the server's log); set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the SMTP
# variables to send real mail. SITE_URL makes the links in a message absolute.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="credit-platform@localhost")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # 4xx answers (a refused permission, a missing page, a bad request) are logged as one
        # warning line, never with the traceback of the exception that produced them.
        "refused_requests": {"()": "config.log_filters.RefusedRequestFilter"},
        # Django names the path of refused requests: no full ID number in the log either.
        "mask_id_numbers": {"()": "config.log_filters.MaskIdNumbersFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "filters": ["refused_requests", "mask_id_numbers"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
