"""Settings, read from the environment (see .env.example).

Defaults are for development: SQLite under var/, DEBUG on. In production
(DEBUG off) the app refuses to start without a real SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    """Value of NAME, or the content of the file named by NAME_FILE (Docker/systemd secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = envstr(name, "1" if default else "0").strip().lower()
    return value in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(envstr(name, str(default)))


def database_from_url(url: str, pooler: str | None = None) -> dict:
    """Turn a URL into a DATABASES entry.

    sqlite:/// (default file var/db.sqlite3), sqlite:///relative/path, sqlite:////absolute/path,
    postgres://user:password@host:port/name.

    `pooler` (default: the DB_POOLER variable) says what the postgres URL points at: "" for
    PostgreSQL itself, "pgbouncer" for a PgBouncer in transaction pooling mode (scripts/pgbouncer.sh),
    where a server connection is only the client's for one transaction: no server-side cursors
    (QuerySet.iterator() fetches the whole result instead, docs/scaling.md) and no prepared statements.
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:])
        name = str(BASE_DIR / path) if path else str(BASE_DIR / "var" / "db.sqlite3")
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or "") or envstr("DB_PASSWORD"),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            **_pooler_settings(envstr("DB_POOLER") if pooler is None else pooler),
        }
    raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {parts.scheme!r}")


def _pooler_settings(pooler: str) -> dict:
    if pooler == "":
        return {}
    if pooler == "pgbouncer":
        # Persistent connections (CONN_MAX_AGE) stay: a client connection to PgBouncer holds no
        # server connection between transactions. prepare_threshold None is Django's default with
        # psycopg 3, stated here so that OPTIONS edited later keep it.
        return {"DISABLE_SERVER_SIDE_CURSORS": True, "OPTIONS": {"prepare_threshold": None}}
    raise ImproperlyConfigured(f"DB_POOLER: unknown pooler {pooler!r} (empty or pgbouncer)")


DEBUG = envbool("DEBUG", True)

_DEV_SECRET = "dev-only-insecure-secret-key-change-me"
SECRET_KEY = envstr("SECRET_KEY", _DEV_SECRET)
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 32 characters when DEBUG is off."
    )

ALLOWED_HOSTS = [h.strip() for h in envstr("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "simple_history",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "povertyprog",
    "povertyprog.units",
    "povertyprog.accounts",
    "povertyprog.workdays",
    "households",
    "budgets",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "povertyprog.middleware.SecurityHeadersMiddleware",
    "povertyprog.middleware.MalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "povertyprog.dbrouter.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "povertyprog.middleware.WriteLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Must come last: it turns repeated failed logins into a lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "povertyprog.urls"
WSGI_APPLICATION = "povertyprog.wsgi.application"

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
                "reports.context.notifications",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(envstr("DATABASE_URL", "sqlite:///"))}
# A read replica (a streaming-replication standby, scripts/replica.sh) for the read-only selectors
# (povertyprog/dbrouter.py); DB_REPLICA_POOLER=pgbouncer if it is reached through a PgBouncer too.
# Tests use the primary's test database for it (MIRROR).
if envstr("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = {
        **database_from_url(envstr("DATABASE_REPLICA_URL"), pooler=envstr("DB_REPLICA_POOLER")),
        "TEST": {"MIRROR": "default"},
    }
REPLICA_DATABASE = "replica" if "replica" in DATABASES else None
DATABASE_ROUTERS = ["povertyprog.dbrouter.ReplicaRouter"]
# After a user's write, that user's reads come from the primary for this long (read-your-writes).
READ_YOUR_WRITES_SECONDS = envint("READ_YOUR_WRITES_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "povertyprog.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes): 5 failures for one username from one address
# lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The fronting web server's addresses (comma-separated, CIDR allowed): only a request from one of
# them has its X-Forwarded-For believed (povertyprog/accounts/client_ip.py).
TRUSTED_PROXIES = [p.strip() for p in envstr("TRUSTED_PROXIES", "").split(",") if p.strip()]
AXES_CLIENT_IP_CALLABLE = "povertyprog.accounts.client_ip.client_ip"

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The CSRF cookie lives as long as the browser session too: no cookie carries a date a year
# ahead, so a shared office computer keeps nothing after the browser closes.
CSRF_COOKIE_AGE = None

# Vietnamese for the packages that ship none (django-import-export's admin pages): locale/vi.
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["povertyprog.formats"]
# Numbers are grouped explicitly with the |so filter (templatetags/vn.py): years stay "2024".
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing folder
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)  # behind TLS: 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)

# Background jobs (imports): Django's Tasks API; the database backend needs no extra server,
# its worker is `manage.py db_worker`. At scale: django-tasks-rq with RQ workers on Redis.
TASKS = {"default": {"BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Shared by the web processes and the worker (import progress): files by default, Redis in a cluster.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": envstr("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
    }
}
if envstr("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": envstr("REDIS_URL"),
    }

# An import whose process has not said it is alive for this long is ended as failed
# (households/import_jobs.py, the lease).
IMPORT_LEASE_SECONDS = envint("IMPORT_LEASE_SECONDS", 60)

# A large import lets the server copy its audit rows and check foreign keys while Python reads the
# next batch (povertyprog/lib/overlap.py, PostgreSQL); 0 runs those statements in order instead.
OVERLAP_SERVER_WORK = envbool("OVERLAP_SERVER_WORK", True)

# django-import-export, in the admin only (reference data: povertyprog/lib/reference_data.py): the
# two formats officials use, each import in one transaction.
IMPORT_FORMATS = [XLSX, CSV]
EXPORT_FORMATS = IMPORT_FORMATS
IMPORT_EXPORT_USE_TRANSACTIONS = True

# Notifications go to the app's inbox; also by e-mail when an SMTP server is configured.
NOTIFY_BY_EMAIL = bool(envstr("EMAIL_HOST"))
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "bao-cao-giam-ngheo@localhost")

# CA certificates (PEM files, separated by ":") whose signatures the verification page calls trusted,
# e.g. the national root CA of the government's signing service. Empty: signatures are checked for
# integrity, and reported as from a certificate outside the trusted list.
SIGNING_TRUST_ROOTS = [p for p in envstr("SIGNING_TRUST_ROOTS").split(":") if p]

FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads are spooled to disk
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO; its warnings (a missing glyph…) still show.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pyHanko logs an untrusted certificate with its traceback; the verification page reports it.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}
