"""Configuration defaults.

Every UPPERCASE name here is a setting. Any of them can be overridden from the
environment with the ``ADMINDUK_`` prefix, e.g. ``ADMINDUK_DATABASE_URL`` or
``ADMINDUK_SECRET_KEY`` (read by Flask's ``config.from_prefixed_env``); values are parsed
as JSON when they look like JSON (numbers, true/false/null, lists, objects), else kept as
strings (:func:`parse_env_value`). A double underscore sets one key of a dict setting:
``ADMINDUK_SQLALCHEMY_ENGINE_OPTIONS__pool_size=20``.
"""
from __future__ import annotations

import json

ENV_PREFIX = "ADMINDUK"

# --- core -----------------------------------------------------------------
#: "production" refuses to start without SECRET_KEY and never seeds demo passwords.
ENV = "production"
#: Signs sessions, CSRF tokens and pairing links. Every process of one deployment must share it.
SECRET_KEY: str | None = None
#: SQLAlchemy URL. None = SQLite file ``adminduk.sqlite3`` in the instance folder.
DATABASE_URL: str | None = None
#: Redis URL for the Socket.IO message queue when several processes serve one deployment.
MESSAGE_QUEUE: str | None = None
#: Base URL that citizens' phones reach; used for the QR code on tickets. None = the request's host.
PUBLIC_URL: str | None = None
#: Concurrency model of HTTP + websockets: "gevent" (greenlets) or "threading" (a thread per connection).
#: ``adminduk run`` and ``adminduk demo`` serve on gevent unless ``--async-mode threading`` or
#: ``ADMINDUK_ASYNC_MODE=threading`` (the choice is made, and the process patched, before anything is
#: imported: see ``queue_service/launch.py``). None = gevent when the process has been patched by gevent
#: (``gunicorn -k gevent``), else threading.
ASYNC_MODE: str | None = None

# --- localisation ---------------------------------------------------------
#: UI language when the user chose none. Indonesian first.
DEFAULT_LOCALE = "id"
LANGUAGES = ["id", "en"]
#: Time zone of a new office when none is given.
DEFAULT_TIMEZONE = "Asia/Jakarta"

# --- limits ---------------------------------------------------------------
#: Largest request body accepted (bytes); bigger bodies get 413.
MAX_CONTENT_LENGTH = 64 * 1024
#: Tickets one kiosk device may issue per minute before it is throttled.
KIOSK_TICKETS_PER_MINUTE = 30
#: Seconds during which a second press of the same button on the same kiosk returns the same ticket.
KIOSK_DOUBLE_PRESS_SECONDS = 3

#: Seconds a ticket stays on the kiosk screen after a press (long enough for an elderly citizen to scan the QR;
#: a countdown shows, and "Selesai" ends it sooner), and after a print failure ("photograph this screen").
KIOSK_RESET_SECONDS = 30
KIOSK_FAILED_RESET_SECONDS = 60

#: An open counter whose console has sent no heartbeat (every 60 s while the page is open) and made no call
#: for this many seconds counts as closed for wait estimates (the clerk left without "Tutup loket").
COUNTER_AWAY_SECONDS = 300

# --- queue policy -----------------------------------------------------------
#: How many times a no-show ticket goes back into the queue before it is marked no-show.
NO_SHOW_REQUEUES = 1
#: Where a transferred ticket lands in the target service: "issue_time" (keeps its original
#: place by issue time) or "end" (back of the queue).
TRANSFER_POSITION = "issue_time"

# --- realtime ---------------------------------------------------------------
#: Push position/wait updates to status pages after queue changes.
LIVE_ETA_UPDATES = True
#: At most one position/wait recomputation per office per this many seconds.
LIVE_ETA_MIN_INTERVAL = 1.0
#: The office board (``queue_changed``) is pushed from a background task at most once per office per this many
#: seconds, coalescing bursts (calls themselves, ``ticket_called``/``ticket_recalled``, are pushed at once).
LIVE_BOARD_INTERVAL = 0.2
#: Origins allowed to open Socket.IO connections (None = same origin only).
CORS_ALLOWED_ORIGINS: list[str] | None = None

# --- announcement voice ---------------------------------------------------------
#: Largest recorded clip an office may upload for one part of the announcement (bytes).
VOICE_CLIP_MAX_BYTES = 512 * 1024
#: Largest upload of recorded clips at once (a zip of a whole set; bytes), and the most a zip may unpack to.
VOICE_UPLOAD_MAX_BYTES = 16 * 1024 * 1024

# --- blank stock --------------------------------------------------------------
#: Webhook for stock alerts (e.g. the office's WhatsApp/SMS gateway); an office setting overrides it.
STOCK_WEBHOOK_URL: str | None = None
#: How often the stock risk is recomputed and webhook deliveries retried (seconds).
STOCK_RISK_EVERY_SECONDS = 15
STOCK_WEBHOOK_EVERY_SECONDS = 10

# --- printing -------------------------------------------------------------------
#: connect/write timeout of one print attempt (seconds)
PRINT_TIMEOUT_SECONDS = 3.0
#: attempts before a job stays failed for staff to reprint; retry delay starts at PRINT_BACKOFF_SECONDS
#: and doubles up to PRINT_BACKOFF_MAX_SECONDS
PRINT_MAX_ATTEMPTS = 6
PRINT_BACKOFF_SECONDS = 2.0
PRINT_BACKOFF_MAX_SECONDS = 60.0
#: a claimed job not reported back by then is retried
PRINT_LEASE_SECONDS = 60.0
#: print worker period (seconds) and jobs per run
PRINT_POLL_SECONDS = 1.0
PRINT_BATCH = 20
#: Where the server itself may send ticket bytes (a kiosk's printer URI is opened by the server, so it is a
#: server capability: only admins set it, and these settings confine it; checked when an admin saves a printer
#: and again before every print).
#: ``file://`` printers only under these directories (symlinks and ``..`` resolved); empty = ``file://`` refused.
#: The instance folder and the database file are refused whatever this says. E.g. ["/var/spool/adminduk"].
PRINTER_FILE_DIRS: list[str] = []
#: ``tcp://`` printers only to these ports (numbers or "a-b" ranges), e.g. [9100, "9101-9103"].
PRINTER_TCP_PORTS: list = [9100]
#: ``tcp://`` printers may be on this machine (127.0.0.0/8, ::1, 0.0.0.0) or link-local (169.254.0.0/16,
#: fe80::/10). Off: an address or host name that means this machine is refused (internal services listen there).
PRINTER_TCP_ALLOW_LOCAL = False

# --- features -------------------------------------------------------------------
#: Feature packages wired by create_app (each has a web.init_app). ``printers`` is the printer driver used by
#: ``printjobs`` (and the print agent), not a feature.
FEATURES = ["kiosk", "printjobs", "inventory", "bookings", "reports", "feedback"]

# --- bookings (the ``bookings`` feature) ------------------------------------
#: bookings a day per client address (IPv4, or IPv6 /64) and per phone number; active bookings per phone
BOOKING_LIMIT_PER_ADDRESS = 20
BOOKING_LIMIT_PER_PHONE = 3
BOOKING_ACTIVE_PER_PHONE = 2
#: requests per address to the public booking pages and API (``limits`` notation; in memory, or in Redis
#: when MESSAGE_QUEUE is a redis:// URL so every process counts the same requests). Staff tokens are not limited.
BOOKING_RATE_LIMIT = "30 per minute"
#: printing bookings plan for this quantile of the forecast's walk-in demand (0.8: 4 days in 5 enough blanks)
BOOKING_BLANK_QUANTILE = 0.8
#: minutes from home to the office a remote ticket assumes when the citizen does not say
BOOKING_TRAVEL_MINUTES = 30
#: background jobs: reminders/turn messages, no-show release + phone deletion, webhook delivery (seconds)
BOOKING_JOBS_EVERY_SECONDS = 5
BOOKING_RELEASE_EVERY_SECONDS = 60
BOOKING_WEBHOOK_EVERY_SECONDS = 10

# --- queue figures (the ``reports`` feature) --------------------------------
#: target wait of a service that has none set on /manager/<office>/figures/targets (minutes)
REPORT_TARGET_WAIT_MINUTES = 30
#: the ``report-rollup`` job: how often it runs, office-days per transaction, seconds of work per run
REPORT_ROLLUP_EVERY_SECONDS = 300
REPORT_ROLLUP_DAYS_PER_PASS = 31
REPORT_ROLLUP_SECONDS_PER_RUN = 20

# --- security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
#: Set True behind HTTPS (production deployments should).
SESSION_COOKIE_SECURE = False
REMEMBER_COOKIE_HTTPONLY = True
WTF_CSRF_TIME_LIMIT = None

#: Seconds a resolved device or API token is remembered by a process (it is sent with every request). A
#: revocation, role change or deactivation takes effect at once in the process that made it, and within
#: this time in the other processes of a deployment. 0 = ask the database every time.
PRINCIPAL_CACHE_SECONDS = 10

#: Sign-in throttle: failed sign-ins allowed per (address, user name) and per user name from any address (a
#: guesser rotating addresses) within the window, before the sign-in answers 429 for the rest of the window.
LOGIN_FAILURES_PER_ADDRESS = 5
LOGIN_FAILURES_PER_ACCOUNT = 20
LOGIN_FAILURE_WINDOW_SECONDS = 300

#: Behind a reverse proxy (nginx): trust its X-Forwarded-For/-Proto/-Host headers (one hop).
PROXY_FIX = False

# --- logs -------------------------------------------------------------------
#: "json" (one object per line, with request ids) or "text"; used by `adminduk run` / `demo`.
LOG_FORMAT = "json"
LOG_LEVEL = "INFO"
#: one log line per request (method, path, status, duration, request id)
ACCESS_LOG = True

# --- background work ------------------------------------------------------
#: Run background workers (print jobs, alerts, day rollover) inside this process.
BACKGROUND_WORKERS = True

SQLALCHEMY_ENGINE_OPTIONS: dict = {}


def defaults() -> dict:
    """The documented defaults above, as a dict."""
    return {k: v for k, v in globals().items() if k.isupper() and k != "ENV_PREFIX"}


def parse_env_value(raw: str):
    """An ``ADMINDUK_*`` value as a setting: JSON when it looks like JSON (a number, true/false/null, a list or
    an object), else the text itself (raising tells ``from_prefixed_env`` to keep the text)."""
    if raw[:1] in "[{0123456789-" or raw in ("true", "false", "null"):
        return json.loads(raw)
    raise ValueError("not JSON: kept as text")
