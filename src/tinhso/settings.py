"""Settings for tinhso, read from the environment.

Production-safe by default: DEBUG is off unless TINHSO_DEBUG=1, a SECRET_KEY must be given
(the demo command generates one under var/), cookies are secure and HSTS is on when
TINHSO_HTTPS=1 (the normal case behind a TLS-terminating proxy).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
# Writable state (SQLite file, uploads, generated secret) lives outside the package and the web root.
DATA_DIR = Path(os.environ.get("TINHSO_DATA_DIR", Path.cwd() / "var")).resolve()

TESTING = "pytest" in sys.modules or env_bool("TINHSO_TESTING")
DEBUG = env_bool("TINHSO_DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-not-for-production"
    else:
        raise ImproperlyConfigured(
            "Thiếu biến môi trường SECRET_KEY. / SECRET_KEY is not set (the demo command generates one)."
        )

# Rotating SECRET_KEY: list the old key here, or TOTP secrets encrypted with it become unreadable.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The province this deployment serves: its GSO code after 1 July 2025 (e.g. 86 = Vĩnh Long).
TINHSO_PROVINCE = os.environ.get("TINHSO_PROVINCE", "86")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_tasks_db",
    "crontask",  # cron schedules for django.tasks: `tinhso scheduler`
    "ninja",  # serves the API docs' Swagger UI from local static files (no CDN; CSP allows self only)
    # tinhso, lowest layer first: an app imports only the apps above it in this list.
    "tinhso.core",
    "tinhso.accounts",
    "tinhso.catalog",
    "tinhso.dossiers",
    "tinhso.payments",
    "tinhso.notifications",
    "tinhso.documents",
    "tinhso.kpi",
    "tinhso.web",
    "tinhso.synthetic",  # the synthetic province generator (demo, tests, benchmarks): may import every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that errors raised by any later middleware carry the reference id too.
    "tinhso.web.middleware.RequestIdMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tinhso.accounts.middleware.IdleSessionTimeoutMiddleware",
    "tinhso.accounts.middleware.OfficialMfaRequiredMiddleware",
    # Last, so that it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # allauth comes before our apps in INSTALLED_APPS; our account/MFA templates must win.
        "DIRS": [PACKAGE_DIR / "accounts" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tinhso.web.context_processors.deployment",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------------------
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'tinhso.sqlite3'}"),
        conn_max_age=int(os.environ.get("TINHSO_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
    if TESTING:  # parallel test workers share one Redis: keep their keys apart
        CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background work ----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# One scheduler per deployment: with Redis, a lock keeps a second `tinhso scheduler` idle.
CRONTASK = {"REDIS_URL": REDIS_URL or None}

# --- Authentication -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out logins before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "tinhso.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"login": "tinhso.accounts.forms.LoginForm"}
MFA_ADAPTER = "tinhso.accounts.adapters.MfaAdapter"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_RATE_LIMITS = False  # lockout is django-axes' job (per user and IP, audited)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "tinhso"

AXES_FAILURE_LIMIT = int(os.environ.get("TINHSO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "tinhso.accounts.adapters.axes_username"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
AXES_VERBOSE = False

# Idle sessions end after this many seconds without a request (officials handle personal data).
TINHSO_IDLE_TIMEOUT = int(os.environ.get("TINHSO_IDLE_TIMEOUT", str(30 * 60)))
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False

# --- HTTPS and headers --------------------------------------------------------------------
HTTPS = env_bool("TINHSO_HTTPS", default=not DEBUG and not TESTING and not env_bool("TINHSO_DEMO"))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("TINHSO_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# --- Internationalisation: Vietnamese first ---------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("TINHSO_STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    # Dossier attachments: outside the web root, served only through a permission-checked view.
    "dossier_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("TINHSO_FILES_DIR", DATA_DIR / "files")),
                    "base_url": None, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    # The citizen data store's documents and the portal's staged uploads (dossiers.citizen_store):
    # outside the web root, served only through the portal's owner-checked views.
    "citizen_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(os.environ.get("TINHSO_CITIZEN_FILES_DIR", DATA_DIR / "citizen-files")),
                    "base_url": None, "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- Logging: details of errors go here, never to the user -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "tinhso.web.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("TINHSO_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"},
                # WeasyPrint logs every rendering step at INFO; fontTools logs font subsetting.
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# --- API ----------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 500

# --- One-stop processing ---------------------------------------------------------------------
# Largest attachment accepted, in bytes (each file), and the content types accepted, detected
# from the file's bytes, never from its name.
TINHSO_ATTACHMENT_MAX_BYTES = int(os.environ.get("TINHSO_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
TINHSO_ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")
# Dossier code generator (dotted path to a callable(agency, day, seq) -> str); see dossiers/codes.py.
TINHSO_DOSSIER_CODE = os.environ.get("TINHSO_DOSSIER_CODE", "tinhso.dossiers.codes.qcvn_code")
# A dossier is "due soon" in the inbox when its current step ends within this many working hours.
TINHSO_DUE_SOON_HOURS = int(os.environ.get("TINHSO_DUE_SOON_HOURS", 8))
# Link to a dossier file given to the national portal in outbound sync messages ({id}, {sha256});
# empty: no link is sent (the portal then has the file's metadata only).
TINHSO_NATIONAL_FILE_URL = os.environ.get("TINHSO_NATIONAL_FILE_URL", "")

# Local stand-ins for national systems (SMS, Zalo ZNS, payment gateway…), mounted under /gia-lap/ in
# the same server (tinhso.standins). On in the demo only; a production deployment never serves them.
TINHSO_STANDINS = env_bool("TINHSO_STANDINS", default=env_bool("TINHSO_DEMO"))
# Public base URL of this deployment: links in QR codes, notifications and gateway callbacks.
TINHSO_BASE_URL = os.environ.get("TINHSO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Official forms (PDF), signed e-results, verification (tinhso.documents) ----------------
# Which set of one-stop forms to print: "2025" (Circular 03/2025/TT-VPCP, 7 forms) or "2018"
# (Circular 01/2018/TT-VPCP, 6 forms: its 04 is the apology with a new date; no stop notice).
TINHSO_FORMS_SET = os.environ.get("TINHSO_FORMS_SET", "2025")
if TINHSO_FORMS_SET not in ("2025", "2018"):
    raise ImproperlyConfigured("TINHSO_FORMS_SET phải là 2025 hoặc 2018. / must be 2025 or 2018.")
# Whole TrueType fonts for the PDFs (Noto Serif / Noto Sans of Debian's fonts-noto-core).
TINHSO_PDF_FONT_DIR = os.environ.get("TINHSO_PDF_FONT_DIR", "/usr/share/fonts/truetype/noto")
# Where agencies' keys are: "pkcs12" (a file per agency under TINHSO_SIGNING_DIR; passphrase from
# the environment variable TINHSO_SIGNING_PASSPHRASE) or "pkcs11" (a token; PIN from the
# environment variable TINHSO_PKCS11_PIN, never from a file or the database).
TINHSO_SIGNING_BACKEND = os.environ.get("TINHSO_SIGNING_BACKEND", "pkcs12")
TINHSO_SIGNING_DIR = Path(os.environ.get("TINHSO_SIGNING_DIR", DATA_DIR / "signing"))
TINHSO_PKCS11_MODULE = os.environ.get("TINHSO_PKCS11_MODULE", "")
TINHSO_PKCS11_TOKEN_LABEL = os.environ.get("TINHSO_PKCS11_TOKEN_LABEL", "")
TINHSO_PKCS11_SLOT = int(os.environ["TINHSO_PKCS11_SLOT"]) if os.environ.get("TINHSO_PKCS11_SLOT") else None
# Root certificates (PEM files) that signatures must chain to, e.g. the national root CA. The
# demo CA (TINHSO_SIGNING_DIR/demo-ca.pem) is trusted only in the demo.
TINHSO_TRUSTED_ROOTS = env_list("TINHSO_TRUSTED_ROOTS")
TINHSO_TRUST_DEMO_CA = env_bool("TINHSO_TRUST_DEMO_CA", default=env_bool("TINHSO_DEMO"))
# Largest PDF accepted by the public verification page.
TINHSO_VERIFY_MAX_BYTES = int(os.environ.get("TINHSO_VERIFY_MAX_BYTES", 20 * 1024 * 1024))

# --- Citizen portal (tinhso.web.portal) --------------------------------------------------------
# Online filing on this portal. Off for a province whose citizens file on the national portal
# (dichvucong.gov.vn): the search and procedure pages, "Hồ sơ của tôi", results and tracking stay.
TINHSO_PORTAL_FILING = env_bool("TINHSO_PORTAL_FILING", default=True)

# --- Public tracking, ratings, feedback (tinhso.web.tracking, dossiers.feedback) -------------
# Look-ups of the public tracking page and GET /api/v1/tracking/{code} allowed per client IP
# ("N/period", period s, m, h or d; a fixed window per client address). Found or not, every
# look-up counts, so codes cannot be enumerated quickly.
TINHSO_TRACKING_RATE = os.environ.get("TINHSO_TRACKING_RATE", "30/10m")
# Seconds a public tracking answer is kept server-side (the API already allows any cache 30 s); 0: off.
TINHSO_TRACKING_CACHE_SECONDS = int(os.environ.get("TINHSO_TRACKING_CACHE_SECONDS", "30"))
# How many proxies in front of the server set X-Forwarded-For; the client IP is the address the
# outermost trusted proxy saw. 0 = REMOTE_ADDR (no proxy). Default: 1 when HTTPS is on, which
# already assumes a TLS-terminating proxy (SECURE_PROXY_SSL_HEADER above).
NINJA_NUM_PROXIES = int(os.environ.get("TINHSO_PROXIES", "1" if HTTPS else "0"))
# Days after the first rating during which the applicant may change it; the rating is final after.
TINHSO_RATING_CHANGE_DAYS = int(os.environ.get("TINHSO_RATING_CHANGE_DAYS", "7"))

# --- Fee payment (tinhso.payments) ------------------------------------------------------------
# A VNPAY-shaped gateway. The merchant's code and secret come from the environment; without them
# (and without TINHSO_PAY_URL) the pay button is not shown. The demo merchant of the stand-in
# gateway (/gia-lap/thanh-toan/, secret published in its module) is used only with the stand-ins.
from tinhso.standins.payment import DEMO_HASH_SECRET, DEMO_TMN_CODE  # noqa: E402

TINHSO_PAY_GATEWAY = os.environ.get("TINHSO_PAY_GATEWAY", "vnpay")
TINHSO_PAY_URL = os.environ.get(
    "TINHSO_PAY_URL", f"{TINHSO_BASE_URL}/gia-lap/thanh-toan/paymentv2/vpcpay.html" if TINHSO_STANDINS else "")
# querydr endpoint; empty: …/merchant_webapi/api/transaction next to TINHSO_PAY_URL's /paymentv2/.
TINHSO_PAY_QUERY_URL = os.environ.get("TINHSO_PAY_QUERY_URL", "")
TINHSO_PAY_TMN_CODE = os.environ.get("TINHSO_PAY_TMN_CODE", DEMO_TMN_CODE if TINHSO_STANDINS else "")
TINHSO_PAY_HASH_SECRET = os.environ.get("TINHSO_PAY_HASH_SECRET", DEMO_HASH_SECRET if TINHSO_STANDINS else "")
# Minutes the citizen has at the gateway (vnp_ExpireDate).
TINHSO_PAY_EXPIRE_MINUTES = int(os.environ.get("TINHSO_PAY_EXPIRE_MINUTES", "15"))
# Addresses the gateway's IPN may come from (comma-separated); empty: any (the signature decides).
TINHSO_PAY_IPN_ALLOWED_IPS = env_list("TINHSO_PAY_IPN_ALLOWED_IPS")
# The technical account that confirms the financial-obligation step after a payment
# (`tinhso payments_setup` creates it with the integration role at the provincial People's Committee).
TINHSO_PAY_SYSTEM_ACCOUNT = os.environ.get("TINHSO_PAY_SYSTEM_ACCOUNT", "he-thong.thanh-toan")
if TINHSO_PAY_URL:
    # The pay form posts here and is redirected to the gateway: CSP form-action covers redirects.
    from urllib.parse import urlsplit  # noqa: E402

    _pay = urlsplit(TINHSO_PAY_URL)
    SECURE_CSP["form-action"] = [*SECURE_CSP["form-action"], f"{_pay.scheme}://{_pay.netloc}"]

# --- Notifications to applicants (tinhso.notifications; docs/modules/notifications.md) -------
# E-mail goes through Django's mailer: printed to the console in the demo, SMTP otherwise
# (Django 6.1 MAILERS; the EMAIL_* settings are deprecated).
if os.environ.get("TINHSO_EMAIL_BACKEND", "console" if TINHSO_STANDINS or DEBUG else "smtp") == "console":
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": os.environ.get("TINHSO_SMTP_HOST", "localhost"),
        "port": int(os.environ.get("TINHSO_SMTP_PORT", "25")),
        "username": os.environ.get("TINHSO_SMTP_USER", ""),
        "password": os.environ.get("TINHSO_SMTP_PASSWORD", ""),
        "use_tls": env_bool("TINHSO_SMTP_TLS"),
        "timeout": float(os.environ.get("TINHSO_SMTP_TIMEOUT", "10")),
    }}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tinhso <khong-tra-loi@localhost>")
# Channels applicants are notified by (a phone gets sms and zalo, an e-mail address gets email); a
# listed channel without its URL and credentials is disabled with a warning in the log.
TINHSO_NOTIFY_CHANNELS = env_list("TINHSO_NOTIFY_CHANNELS", "email,sms,zalo")
TINHSO_NOTIFY_LANGUAGE = os.environ.get("TINHSO_NOTIFY_LANGUAGE", "vi")
# Link in messages to the dossier's tracking page ({code} is the dossier code).
TINHSO_NOTIFY_TRACKING_URL = os.environ.get("TINHSO_NOTIFY_TRACKING_URL", TINHSO_BASE_URL + "/tra-cuu/{code}/")
TINHSO_NOTIFY_HTTP_TIMEOUT = float(os.environ.get("TINHSO_NOTIFY_HTTP_TIMEOUT", "10"))
# Retries: back-off base × 2^(attempt−1) seconds, capped; given up after the last attempt.
TINHSO_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TINHSO_NOTIFY_MAX_ATTEMPTS", "8"))
TINHSO_NOTIFY_RETRY_BASE_SECONDS = int(os.environ.get("TINHSO_NOTIFY_RETRY_BASE_SECONDS", "60"))
TINHSO_NOTIFY_RETRY_MAX_SECONDS = int(os.environ.get("TINHSO_NOTIFY_RETRY_MAX_SECONDS", str(6 * 3600)))
# The scan moves its cursor only past events older than this (a transaction may commit late).
TINHSO_NOTIFY_SCAN_LAG_SECONDS = int(os.environ.get("TINHSO_NOTIFY_SCAN_LAG_SECONDS", "120"))
# A due message whose send task has not run this long after being enqueued is enqueued again.
TINHSO_NOTIFY_SWEEP_GRACE_SECONDS = int(os.environ.get("TINHSO_NOTIFY_SWEEP_GRACE_SECONDS", "300"))
# Message bodies and full recipients are kept this many days, then purged (notifications_purge).
TINHSO_NOTIFY_RETENTION_DAYS = int(os.environ.get("TINHSO_NOTIFY_RETENTION_DAYS", "30"))
# SMS brandname, eSMS.vn's JSON API. No default in production; the demo's stand-in otherwise.
TINHSO_SMS_URL = os.environ.get("TINHSO_SMS_URL", TINHSO_BASE_URL
                                + "/gia-lap/sms/MainService.svc/json/SendMultipleMessage_V4_post_json/"
                                if TINHSO_STANDINS else "")
TINHSO_SMS_API_KEY = os.environ.get("TINHSO_SMS_API_KEY", "gia-lap-sms-key" if TINHSO_STANDINS else "")
TINHSO_SMS_SECRET_KEY = os.environ.get("TINHSO_SMS_SECRET_KEY", "gia-lap-sms-secret" if TINHSO_STANDINS else "")
TINHSO_SMS_BRANDNAME = os.environ.get("TINHSO_SMS_BRANDNAME", "TINHSO" if TINHSO_STANDINS else "")
TINHSO_SMS_TYPE = os.environ.get("TINHSO_SMS_TYPE", "2")  # eSMS: 2 = customer care (CSKH)
# Many brandname routes carry only unaccented text: fold Vietnamese marks before sending.
TINHSO_SMS_UNACCENTED = env_bool("TINHSO_SMS_UNACCENTED", default=True)
# Zalo ZNS (POST …/message/template). The access token of the Official Account; template ids per
# message, as JSON {"accepted": "…", "supplement_requested": "…", "extended": "…",
# "result_ready": "…", "refused": "…"} (a message without an id is not sent by Zalo).
TINHSO_ZALO_ZNS_URL = os.environ.get("TINHSO_ZALO_ZNS_URL", TINHSO_BASE_URL + "/gia-lap/zalo/message/template"
                                     if TINHSO_STANDINS else "")
TINHSO_ZALO_ACCESS_TOKEN = os.environ.get("TINHSO_ZALO_ACCESS_TOKEN", "gia-lap-zalo-token" if TINHSO_STANDINS else "")
TINHSO_ZALO_ZNS_TEMPLATES = json.loads(os.environ.get("TINHSO_ZALO_ZNS_TEMPLATES", "") or (
    '{"accepted": "100001", "supplement_requested": "100002", "extended": "100003", "result_ready": "100004", '
    '"refused": "100005"}' if TINHSO_STANDINS else "{}"))

# --- Monitor (kpi) -------------------------------------------------------------------------
# The Decision 766 version read when an indicator code has several (kpi/data/indicators).
TINHSO_KPI_766_VERSION = os.environ.get("TINHSO_KPI_766_VERSION", "766-dvcqg-2025")
# Where the sources disagree, the scoring variant per indicator, as JSON, e.g.
# {"766.4.2": "formula_doc"} (docs/modules/kpi.md, "Scoring").
TINHSO_KPI_SCORING_VARIANTS = json.loads(os.environ.get("TINHSO_KPI_SCORING_VARIANTS", "") or "{}")
# The incremental update moves its cursors only past rows older than this (a transaction may commit late).
TINHSO_KPI_SCAN_LAG_SECONDS = int(os.environ.get("TINHSO_KPI_SCAN_LAG_SECONDS", "120"))
