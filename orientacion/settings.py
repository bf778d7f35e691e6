"""Settings for Orientación, read from the environment.

DEBUG is off unless asked for; SECRET_KEY is required unless DEBUG is on;
DATABASE_URL selects PostgreSQL, and its absence means SQLite in the project folder.
"""

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from orientacion.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development key survives restarts (so runserver's reloads keep sessions)
    # but never leaves this machine: the file is git-ignored.
    key_file = BASE_DIR / ".cache" / "dev-secret-key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "qsessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "nested_admin",
    "bootstrap",
    "axes",
    # Accounts: sign-in by username or e-mail, and the second factor (TOTP and recovery
    # codes), from django-allauth.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "auditlog",
    "django_q",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "orientacion.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Whoever must use a second factor and has none reaches only the page that sets it up.
    "orientacion.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "orientacion.middleware.private_responses",
    "orientacion.middleware.AuditMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orientacion.urls"

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
                "orientacion.auth.signup_context",
            ],
        },
    },
]

WSGI_APPLICATION = "orientacion.wsgi.application"


_SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock when a transaction starts, so two concurrent
    # writers queue instead of failing with "database is locked".
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def _databases() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": BASE_DIR / "db.sqlite3",
                "OPTIONS": _SQLITE_OPTIONS,
                # A file, not the shared in-memory default, so tests meet the same locking
                # as the running app when two requests write at once.
                "TEST": {"NAME": str(BASE_DIR / ".cache" / "test-db.sqlite3")},
            }
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("CONN_MAX_AGE", 60))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not usable: {error}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = _SQLITE_OPTIONS
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// (or sqlite:///path) URL, or unset for SQLite."
        )
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _release() -> str:
    """What a deployment renders pages from: RELEASE if the deployment names it (a commit
    id), otherwise a digest of the templates, translations, static files and app code, so
    that a server with new templates never serves a page rendered by old ones."""
    if os.environ.get("RELEASE"):
        return os.environ["RELEASE"]
    digest = hashlib.sha256()
    for folder, pattern in (
        ("templates", "*.html"),
        ("locale", "*.mo"),
        ("static", "*.*"),
        ("assessments", "*.py"),
    ):
        for path in sorted((BASE_DIR / folder).rglob(pattern)):
            digest.update(str(path.relative_to(BASE_DIR)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release()
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    # One cache that every app server shares. A Redis outage must not stop the app: each
    # cache call then answers "not cached" (pages are rendered afresh) and is logged.
    _redis_options = {
        "SOCKET_CONNECT_TIMEOUT": 0.5,
        "SOCKET_TIMEOUT": 0.5,
        "IGNORE_EXCEPTIONS": True,
    }
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "orientacion",
            "TIMEOUT": 30 * 24 * 3600,
            "OPTIONS": _redis_options,
        },
        # Rendered pages that never change (submitted reports), keyed by release.
        "pages": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"orientacion-pages-{RELEASE}",
            "TIMEOUT": 7 * 24 * 3600,
            "OPTIONS": _redis_options,
        },
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache" / "django")),
            "TIMEOUT": None,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        # Rendered pages that never change (submitted reports): per worker, and gone with
        # a restart, so a deployment with new templates never serves an old page.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "KEY_PREFIX": RELEASE,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }

# Sessions live in the database, which every worker and every server reads: a session
# ended anywhere (signing out, a password change, an admin deleting it) is refused
# everywhere at once. Not in Redis, even when there is one: a session ended while Redis
# is unreachable would leave its cached copy behind, accepted again once Redis is back.
SESSION_ENGINE = "qsessions.backends.db"

AUTHENTICATION_BACKENDS = [
    # Refuses sign-ins for a username and address locked out by django-axes.
    "orientacion.auth.LockoutBackend",
    # A username or an e-mail address, and the password (django-allauth's backend).
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Five wrong passwords for one username from one address lock that pair out for 15
# minutes, on the site's and the admin's sign-in pages alike; others sign in as usual.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "orientacion.client_ip.client_ip"
# What the person typed to sign in (a username or an e-mail address), or the username of
# the account a wrong second-factor code was given for.
AXES_USERNAME_CALLABLE = "orientacion.auth.typed_username"
# The log of failures and lockouts names the username and address, or nobody could act on
# it; axes never logs the password tried.
AXES_SENSITIVE_PARAMETERS = []
# Behind this many reverse proxies that each append the address they saw to
# X-Forwarded-For, the client is the one the outermost proxy saw; with none (the default)
# the header is ignored, so a client cannot choose the address it is locked out by.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

AUDITLOG_DISABLE_REMOTE_ADDR = False

# The JSON API (assessments/api). JSON in and out only: REST framework's browsable pages
# would need inline scripts the CSP refuses, and the documentation page is /api/docs/.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "assessments.api.auth.TokenAuthentication",
        # The pages' session, which REST framework holds to the CSRF check on any write.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "assessments.api.auth.TokenAccess",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["assessments.api.auth.TokenRateThrottle"],
    # Behind as many proxies as the sign-in limits trust (TRUSTED_PROXY_COUNT).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per token (or per signed-in person) and period, counted in the shared cache.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120/minute")
# Shared links: unknown links one client address may ask for in ten minutes; past it,
# every link answers 429 to that address until the ten minutes are over.
SHARE_GUESS_LIMIT = env_int("SHARE_GUESS_LIMIT", 20)
# Webhooks go to https:// addresses on the internet only. An installation inside a private
# network (and the tests, which receive on loopback) may allow private addresses, and
# plain http://.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Orientación API",
    "DESCRIPTION": "What a person may read and write in Orientación, by the pages' rules. "
    "Send a personal token (made under “Seguridad”) as `Authorization: Bearer ori_…`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar): no CDN, within the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assessments.api.auth.error_responses",
    ],
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# django-allauth. Sign-in by username or e-mail address; a session lasts as Django's do
# (no "remember me" box). django-axes keeps counting wrong passwords and codes (above), in
# the database, so allauth's own rate limits are off: one lockout, one 429 page, and no
# sign-in refused because Redis (where allauth would count) is down.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SESSION_REMEMBER = True
# Managers sign up on their own (name, e-mail, password and their organisation) unless
# SIGNUP_OPEN is off, as a private installation wants; an address must be confirmed from
# the mailed link before anything opens. Sign-up answers the same for an address that has
# an account (its owner gets a mail instead), so it never tells who is a user.
SIGNUP_OPEN = env_bool("SIGNUP_OPEN", True)
# A sign-up's answer waits until this many seconds after the request came, whether the
# address has an account or not: longer than either takes, so neither shows in the time.
SIGNUP_ANSWER_SECONDS = float(os.environ.get("SIGNUP_ANSWER_SECONDS", "0.6"))
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_FORMS = {"signup": "assessments.forms.ManagerSignUpForm"}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# The link opens a page whose button confirms: a mail scanner that follows links
# confirms nothing.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
# An account has one address; a new one replaces it once confirmed from its link.
ACCOUNT_CHANGE_EMAIL = True
# Only sign-up is counted by allauth (in the cache: with Redis down, sign-up answers
# "too many requests" rather than opening to a flood): per address the page's requests
# come from, and one confirmation mail per address every few minutes, sent or not, whoever
# asks. Everything else stays with django-axes (above).
ACCOUNT_RATE_LIMITS = {
    action: None
    for action in (
        "change_password",
        "change_phone",
        "manage_email",
        "reset_password",
        "reauthenticate",
        "reset_password_from_key",
        "login",
        "request_login_code",
        "login_failed",
        "verify_phone",
    )
} | {
    "signup": os.environ.get("SIGNUP_RATE_LIMIT", "5/m/ip,20/h/ip"),
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "orientacion.auth.AccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
# A mail (through the queue) when a password or a second factor changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Changing the password, the second factor or the bank asks for the password or a code
# again when they were last given more than ten minutes ago.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 10 * 60
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Orientación"
# A phone's clock a little off still works: the codes of the 30-second steps just before
# and after are accepted too, each once (allauth remembers used codes across the window).
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "orientacion.auth.MFAAdapter"
MFA_FORMS = {
    "activate_totp": "orientacion.auth.ActivateOnceTOTPForm",
    "authenticate": "orientacion.auth.LockingAuthenticateForm",
    "reauthenticate": "orientacion.auth.LockingReauthenticateForm",
}
# Who must use a second factor: roles among "admin" (staff), "consultant", "manager" and
# "respondent", comma-separated, or "none". By default admins and consultants in
# production, and nobody with DEBUG on, so that a newcomer is in within a minute.
SECOND_FACTOR_REQUIRED_FOR = frozenset(
    env_list("SECOND_FACTOR_REQUIRED_FOR", ["none"] if DEBUG else ["admin", "consultant"])
) - {"none"}
if SECOND_FACTOR_REQUIRED_FOR - {"admin", "consultant", "manager", "respondent"}:
    raise ImproperlyConfigured(
        "SECOND_FACTOR_REQUIRED_FOR lists roles among admin, consultant, manager and "
        f"respondent, or none; not {os.environ['SECOND_FACTOR_REQUIRED_FOR']!r}."
    )

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Outgoing mail (invitations, password resets): an SMTP server from EMAIL_HOST and its
# companions. Without one, development prints mail to the console; production refuses to
# start unless EMAIL_BACKEND says where mail goes (the console backend included, on purpose).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not env_bool("EMAIL_USE_SSL", False))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)


def _email_backend() -> str:
    explicit = os.environ.get("EMAIL_BACKEND", "")
    if explicit:
        return explicit
    if EMAIL_HOST:
        return "django.core.mail.backends.smtp.EmailBackend"
    if DEBUG:
        return "django.core.mail.backends.console.EmailBackend"
    raise ImproperlyConfigured(
        "Outgoing mail is not configured: set EMAIL_HOST (with EMAIL_PORT, EMAIL_HOST_USER, "
        "EMAIL_HOST_PASSWORD as needed) so that invitations reach people, or set "
        "EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend to write them to the "
        "log on purpose."
    )


EMAIL_BACKEND = _email_backend()
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "orientacion@localhost")

# HTTPS hardening is on by default in production; a plain-HTTP local run
# (the benchmark, a reverse proxy that terminates TLS elsewhere) turns it off.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's health check speaks plain HTTP to each server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Keeping only what is needed (assessments/services/retention.py): a draft nobody touched
# for this many days, and a sign-up whose address was not confirmed within this many, are
# deleted by the daily task, a week after a warning mail.
DRAFT_RETENTION_DAYS = env_int("DRAFT_RETENTION_DAYS", 365)
SIGN_UP_RETENTION_DAYS = env_int("SIGN_UP_RETENTION_DAYS", 30)
RETENTION_WARNING_DAYS = 7
# Where the app is served, for the links of mails that no request asks for (the daily
# retention task's warnings).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000/")

# Question notes are free text; a cap keeps one request from storing megabytes.
ANSWER_NOTE_MAX_LENGTH = 2000
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# The PDF report: a round's notes are cut to fit a readable document (the CSV keeps them
# whole), and making one stops after PDF_TIME_LIMIT seconds (below gunicorn's timeout) with
# a page that says so; that failure is remembered for PDF_FAILURE_MEMORY seconds instead
# of being tried again on every click.
PDF_NOTE_LIMIT = env_int("PDF_NOTE_LIMIT", 300)
PDF_NOTES_TOTAL = env_int("PDF_NOTES_TOTAL", 30_000)
PDF_TIME_LIMIT = env_int("PDF_TIME_LIMIT", 20)
PDF_FAILURE_MEMORY = env_int("PDF_FAILURE_MEMORY", 3600)

# Daily limits (over the last 24 hours) on what makes the platform send mail on someone's
# behalf: rounds started, and invitation or reminder e-mails, per person and per
# organisation. A consultant adding clients counts towards their own mail limit.
ROUND_STARTS_PER_PERSON_PER_DAY = env_int("ROUND_STARTS_PER_PERSON_PER_DAY", 20)
ROUND_STARTS_PER_ORGANISATION_PER_DAY = env_int("ROUND_STARTS_PER_ORGANISATION_PER_DAY", 40)
MAILS_PER_PERSON_PER_DAY = env_int("MAILS_PER_PERSON_PER_DAY", 200)
MAILS_PER_ORGANISATION_PER_DAY = env_int("MAILS_PER_ORGANISATION_PER_DAY", 400)

# The task queue (django-q2 with its database broker): each mail and each report warm-up is
# a row written in the transaction of the change that asks for it, so a crash after the
# commit cannot lose it, and done by `manage.py qcluster` workers, on any number of servers.
# A task is handed to one worker at a time; one not finished within QUEUE_RETRY_SECONDS
# (its worker was killed) is handed out again. Mail failures are retried by the app itself
# with growing delays (assessments.services.mail.RETRY_DELAYS).
QUEUE_TIMEOUT_SECONDS = env_int("QUEUE_TIMEOUT_SECONDS", 60)
QUEUE_RETRY_SECONDS = env_int("QUEUE_RETRY_SECONDS", 90)
if QUEUE_RETRY_SECONDS <= QUEUE_TIMEOUT_SECONDS + 10:
    # A worker holds a mail it sends for QUEUE_TIMEOUT_SECONDS + 10: a task handed out
    # again before that would find the mail still held.
    raise ImproperlyConfigured(
        "QUEUE_RETRY_SECONDS must be more than QUEUE_TIMEOUT_SECONDS + 10 "
        f"(now {QUEUE_RETRY_SECONDS} and {QUEUE_TIMEOUT_SECONDS})."
    )
Q_CLUSTER = {
    "name": "orientacion",
    "orm": "default",
    "workers": env_int("QUEUE_WORKERS", 2),
    "timeout": QUEUE_TIMEOUT_SECONDS,
    "retry": QUEUE_RETRY_SECONDS,
    # A task that raised is tried again after QUEUE_RETRY_SECONDS, five times in all.
    "max_attempts": 5,
    # Successful tasks are not kept: their arguments can hold what a person typed (an
    # address asked for a password reset). What the app sent is in its own mail list.
    "save_limit": -1,
    "poll": 0.5,
    "catch_up": False,
    "label": "Tareas",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # WeasyPrint warns about its font subsetting library on every PDF the worker makes.
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
