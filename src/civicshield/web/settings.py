"""Django settings, all from environment variables with safe defaults.

Nothing exists only in a "production" file: a deployment differs by its environment alone.
DEBUG is off unless asked for, and the secret key is generated once into the data directory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: str = "False") -> bool:
    value = os.environ.get(name, default)
    if value not in ("True", "False"):
        raise ImproperlyConfigured(f"{name} must be True or False, not {value!r}")
    return value == "True"


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envsecret(name: str) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (which must exist)."""
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE points at {path}, which cannot be read"
            ) from exc
    return os.environ.get(name) or None


DATA_DIR = Path(os.environ.get("CIVICSHIELD_DATA_DIR", "~/.local/share/civicshield")).expanduser()


def _secret_key() -> str:
    if key := envsecret("SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    try:
        # O_EXCL: two processes starting together must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "civicshield.web.accounts",
    "civicshield.web.audit",
    "civicshield.web.jobs",
    "civicshield.web.inbox",
    "civicshield.web.mailguard",
    "civicshield.web.evidence",
    "civicshield.web.team",
    "civicshield.web.emergency",
    "civicshield.web.habits",
    "civicshield.web.publishing",
    "civicshield.web.dataprotection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicshield.web.accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civicshield.web.accounts.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicshield.web.urls"
WSGI_APPLICATION = "civicshield.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicshield.web.accounts.context_processors.membership",
            ],
        },
    }
]


def _databases() -> dict[str, dict[str, object]]:
    if url := envsecret("DATABASE_URL"):
        import dj_database_url

        db = dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
        return {"default": db}
    # SQLite by default so that a fresh checkout runs with nothing else to install.
    # IMMEDIATE transactions and a busy timeout let the web server and the job worker
    # write to the same file without "database is locked" errors.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "civicshield.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "civicshield.web.accounts.validators.ZxcvbnValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after this many minutes without a request.
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Cookies are Secure whenever the site is served over HTTPS; plain http://127.0.0.1 keeps working.
SECURE_COOKIES = envbool("SECURE_COOKIES", "True" if SITE_URL.startswith("https://") else "False")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SITE_URL.startswith("https://"):
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Sign-in rate limiting (django-axes): five failures lock the account/address pair for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"

OTP_TOTP_ISSUER = "CivicShield"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "uploads"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# With no mail server configured, emails are written to files in the data directory (so a
# fresh install loses nothing and shows what it would have sent); set EMAIL_HOST to send them.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "unsent-mail"
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CivicShield <civicshield@localhost>")

# Background jobs: "database" (embedded, default) or "celery" when CELERY_BROKER_URL is set.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
JOBS_ENGINE = "celery" if CELERY_BROKER_URL else "database"
JOBS_RUN_EAGERLY = envbool("JOBS_RUN_EAGERLY")
# A running job whose worker has been silent this long is put back in the queue.
JOBS_STALE_AFTER_SECONDS = envint("JOBS_STALE_AFTER_SECONDS", 600)
# Celery engine: a due job whose message has not been picked up this long is sent again.
JOBS_REDISPATCH_AFTER_SECONDS = envint("JOBS_REDISPATCH_AFTER_SECONDS", 900)
# Celery engine (Redis): an unacknowledged message goes to another worker after this long.
CELERY_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 3600)

# "Connect with Microsoft 365" / "Connect with Google" for the mailbox forwarding check: the
# app registered with each provider (README "Connecting Microsoft 365 and Gmail"). A provider
# without a client id is not offered. Its redirect URI is SITE_URL + /mail/mailboxes/oauth/callback/.
MICROSOFT_CLIENT_ID = os.environ.get("CIVICSHIELD_MICROSOFT_CLIENT_ID", "")
MICROSOFT_CLIENT_SECRET = envsecret("CIVICSHIELD_MICROSOFT_CLIENT_SECRET") or ""
MICROSOFT_TENANT = os.environ.get("CIVICSHIELD_MICROSOFT_TENANT", "") or "organizations"
# The optional organisation-level Exchange Online connection that reads each Microsoft 365
# mailbox's own forwarding setting (Get-Mailbox), which the sign-in above cannot. A tenant
# (id or domain) turns it on. Its app defaults to the sign-in app; a separate single-tenant app
# is better (README "Connecting Microsoft 365": the application permission then sits on an app
# nobody signs in to). App-only, client-credentials flow, with a client secret.
EXCHANGE_APP_TENANT = os.environ.get("CIVICSHIELD_EXCHANGE_APP_TENANT", "").strip()
EXCHANGE_APP_CLIENT_ID = (
    os.environ.get("CIVICSHIELD_EXCHANGE_APP_CLIENT_ID", "") or MICROSOFT_CLIENT_ID
)
EXCHANGE_APP_CLIENT_SECRET = (
    envsecret("CIVICSHIELD_EXCHANGE_APP_CLIENT_SECRET")
    if os.environ.get("CIVICSHIELD_EXCHANGE_APP_CLIENT_ID")
    else MICROSOFT_CLIENT_SECRET
) or ""
GOOGLE_CLIENT_ID = os.environ.get("CIVICSHIELD_GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = envsecret("CIVICSHIELD_GOOGLE_CLIENT_SECRET") or ""
# Not configurable: the providers' own endpoints. Tests point these at a local replay server.
MICROSOFT_LOGIN_URL = "https://login.microsoftonline.com"
GOOGLE_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
MICROSOFT_GRAPH_URL = "https://graph.microsoft.com/v1.0"
EXCHANGE_ADMIN_URL = "https://outlook.office365.com/adminapi/beta"
GMAIL_API_URL = "https://gmail.googleapis.com/gmail/v1"

# Evidence screenshots with headless chromium (when installed at CIVICSHIELD_CHROMIUM).
CIVICSHIELD_SCREENSHOTS = envbool("CIVICSHIELD_SCREENSHOTS", "True")
CIVICSHIELD_CHROMIUM = os.environ.get("CIVICSHIELD_CHROMIUM", "/usr/bin/chromium")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
