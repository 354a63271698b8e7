"""Extension points: everything a feature package plugs into the core, as one typed registry per app.

The core never imports a feature. A feature registers here from its ``init_app(app)`` (``create_app`` calls
each feature's ``web.init_app``) and the core asks the registry: ``hooks.of(app)`` (or ``hooks.current()``
inside a request, a command or a job). Each hook is a typed list or mapping with a docstring saying who reads
it; registration functions are one line each so that a feature reads::

    from queue_service import hooks

    def init_app(app):
        hooks.register_quota_cap(app, stock_quota_cap)
        hooks.register_job(app, "stock-risk", 15, risk_job)

This module is light (no Flask, no SQLAlchemy at import; the services import its types) and holds no state
of its own: the registry lives in ``app.extensions[KEY]``, one per app (tests build many apps).

Hooks read by the core today: quota caps and holds, finish hooks, background jobs, demo seeders and links,
OpenAPI fragments, the printer check, device issue views, ticket printing, status-page panels, kiosk actions,
start-page links, counter console links. Read by features: office-page links (``inventory``'s manager page),
report sections, office counters, turned-away sources and recorders (``reports``), bookable caps and stock
promises (``bookings`` and ``inventory``), queue arrivals (wait estimates, once ``bookings`` registers expected
arrivals).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: importing this module imports neither Flask nor SQLAlchemy
    from datetime import date, datetime

    from flask import Flask
    from sqlalchemy.orm import Session

    from queue_service.domain.events import Event
    from queue_service.models import Office, Service, Ticket

KEY = "adminduk.hooks"

# --------------------------------------------------------------------------- the queue core

#: ``(session, service, day) -> a cap on the day's number of tickets of the service, or None``: the lowest of
#: the service's own quota and every cap wins (inventory: the blanks in stock). Read by ``issue_ticket`` and the
#: kiosk's buttons.
QuotaCap = Callable[["Session", "Service", "date"], "int | None"]
#: ``(session, service, day, now) -> places of the day's quota held back from walk-ins`` (bookings: booked
#: citizens not checked in yet). A ticket issued with ``held=True`` (a booking's check-in) may use them.
QuotaHold = Callable[["Session", "Service", "date", "datetime"], int]
#: ``(session, ticket, now, data) -> extra events``: runs inside the finishing transaction (inventory: the
#: cards used come off the ledger; raising refuses the finish). ``data`` is what the clerk entered.
FinishHook = Callable[["Session", "Ticket", "datetime", dict], "list[Event] | None"]
#: ``(session, demo data, now)``: adds a feature's demo data after ``seed_demo`` (``adminduk demo``/``seed-demo``).
Seeder = Callable[["Session", dict, "datetime"], Any]
#: ``(uri, profile) -> None``, raising ``ValidationFailed(field="printer_uri"|"printer_profile")``: whether a
#: kiosk may print there (the printer registry decides). None: this build prints nowhere.
PrinterCheck = Callable[["str | None", "str | None"], None]


@dataclass(frozen=True)
class Job:
    """A periodic background job: ``run(app, now)`` every ``every_seconds``, in one process at a time (a lease
    per ``name``; ``queue_service.background``)."""

    name: str
    every_seconds: float
    run: Callable[["Flask", "datetime"], None]


@dataclass(frozen=True)
class IssueRequest:
    """A ticket request to ``POST /api/v1/offices/<code>/tickets``, validated once by the core: the office (the
    caller may act for it), the service of that office, the priority group (``domain.priority``) and the body."""

    office: "Office"
    service: "Service"
    priority: str | None
    data: Mapping[str, Any]


#: device kind -> the view that issues for such a device (kiosk: double press, throttle, opening hours, the
#: print job). ``view(request) -> a Flask response``; the core's view answers everyone else.
DeviceIssueView = Callable[[IssueRequest], Any]


@dataclass(frozen=True)
class TicketPrinting:
    """How a ticket gets printed on its kiosk's printer (the print-job feature provides it; the kiosk and a
    booking's check-in use it). Job information is ``{"id", "status", "error_kind"}``.

    ``queue(session, ticket=, device=, now=, status_url=, people_ahead=, eta=) -> (job info | None, events)``
    adds a durable job (None: the device has no printer); ``last_job(session, ticket) -> job info | None``;
    ``status_url``: where a kiosk reads a job's status again after a reconnect (``+ str(job_id)``)."""

    queue: Callable[..., "tuple[dict | None, list[Event]]"]
    last_job: Callable[["Session", "Ticket"], "dict | None"]
    status_url: str


# --------------------------------------------------------------------------- pages

@dataclass(frozen=True)
class StatusPanel:
    """A panel on the citizen's status page ``/t/<token>``, below the ticket's facts (feedback: the survey once
    the ticket is done; bookings: "leave now" advice). ``context(session, ticket, now)`` returns the template's
    ``panel`` variable, or None for no panel on this ticket. ``scripts``/``styles``: static paths the page adds
    (no inline scripts). The page's ``status.js`` relays every event of the ticket's room as a DOM event
    ``adminduk:ticket-event`` (``detail: {name, payload}``) and keeps ``#ticket[data-status]`` current."""

    key: str
    order: int
    template: str
    context: Callable[["Session", "Ticket", "datetime"], "dict | None"]
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()


@dataclass(frozen=True)
class KioskAction:
    """A button on the kiosk's start page beside the services (bookings: "Sudah booking? Check-in").
    ``endpoint``: a GET view of the feature (opened on the kiosk); ``label``: Indonesian source text (lazy)."""

    key: str
    order: int
    endpoint: str
    label: Any


@dataclass(frozen=True)
class NavLink:
    """A tile on the start page ``/`` for signed-in staff (``roles``: who sees it; admins see every tile)."""

    key: str
    order: int
    endpoint: str
    label: Any
    roles: tuple[str, ...] = ("clerk", "manager")


@dataclass(frozen=True)
class OfficeLink:
    """A button on the manager's page of one office (``/manager/<code>``; reports: "Angka antrean"):
    ``endpoint`` takes ``code`` (the office's code); ``label``: Indonesian source text (lazy)."""

    key: str
    order: int
    endpoint: str
    label: Any


@dataclass(frozen=True)
class CounterLink:
    """A link in the counter console's menu to a feature's page for that counter (feedback: the survey tablet
    mode beside the counter). ``endpoint`` takes ``counter_id``; ``label``: Indonesian source text (lazy)."""

    key: str
    order: int
    endpoint: str
    label: Any


#: ``(label, url)`` pairs ``adminduk demo`` prints, from ``(app, base URL, demo data)``; None = nothing to add.
DemoLinks = Callable[["Flask", str, dict], "list[tuple[str, str]] | None"]

# --------------------------------------------------------------------------- reports (read by ``reports``)

#: one table of an export: (name, header, rows); a sheet in the XLSX, a block in the CSV
ExportTable = tuple[str, list[str], list[list]]


@dataclass(frozen=True)
class ReportContext:
    """What a report section is built for (filled by the reports feature, read-only for sections): one office,
    office-local days ``start``..``end`` (end inclusive), the request's ``now`` (aware UTC), the page's
    ``locale``, tickets served (status done, by the ticket's final service and its office-local day) per
    service and in total, and the office's services in order."""

    office: "Office"
    start: "date"
    end: "date"
    now: "datetime"
    locale: str
    served: dict[int, int]
    served_total: int
    services: list


@dataclass(frozen=True)
class ReportSection:
    """A section of the monthly report and/or the figures page. ``build(session, ctx)`` (service layer: no
    Flask, no commit) returns the data ``template`` renders (included with ``section``, ``data`` and ``ctx``);
    ``export(data)`` the tables of the CSV/XLSX export; ``places``: "report" and/or "figures". Queue sections
    use ``order`` 10..40."""

    key: str
    title: Any
    order: int
    build: Callable[["Session", ReportContext], Any]
    template: str
    export: "Callable[[Any], list[ExportTable]] | None" = None
    places: frozenset[str] = frozenset({"report"})


#: ``(session, office ids, start, end) -> {office id: {name: number}}``: extra columns of the kabupaten
#: comparison (feedback: complaint counts), registered under a key.
OfficeCounter = Callable[["Session", Sequence[int], "date", "date"], "dict[int, dict[str, int | float]]"]
#: ``(session, office ids, start, end) -> {office id: citizens turned away}``: demand the queue could not
#: serve (inventory: no blanks; bookings: days full), registered under a key (the reason shown). A source that
#: knows the service may key by ``(office id, service id or None)`` instead (inventory: the service whose quota
#: follows the item's stock), so that the figures show it per service too.
TurnedAwaySource = Callable[["Session", Sequence[int], "date", "date"], "dict[int | tuple[int, int | None], int]"]


@dataclass(frozen=True)
class TurnedAwayRecorder:
    """Counts one citizen refused a ticket because ``service``'s quota for today is reached (a press on a full
    service at the kiosk, or an issue refused with ``QuotaReached``). ``record(session, office, service, now)``
    returns True when it counted the refusal; recorders are asked in ``order`` and the first that counts it ends
    the round, so a refusal is counted once: inventory (order 10) counts those its stock cap causes (lost demand
    for the blank forecast), the queue figures (order 90) the rest as "quota". No commit inside."""
    key: str
    order: int
    record: Callable[["Session", "Office", "Service", "datetime"], bool]

# --------------------------------------------------------------------------- bookings

#: ``(session, service, days, booked {day: n}, now) -> {day: (places left, reason, detail)}``: a feature's limit
#: on bookable places (inventory: blanks left after walk-ins and earlier bookings). Plain tuples, so the
#: provider needs no import of ``bookings``.
BookableCap = Callable[["Session", "Service", Sequence["date"], "dict[date, int]", "datetime"],
                       "dict[date, tuple[int, str, Any]]"]
#: ``(session, service, today) -> {day: blanks promised}``: what bookings not yet ticketed will take from stock
#: (inventory's quota cap keeps it back).
StockPromise = Callable[["Session", "Service", "date"], "dict[date, int]"]


@dataclass(frozen=True)
class ExpectedArrival:
    """A citizen expected to join a service's queue at ``at`` with ``probability`` (bookings: today's bookings
    not checked in yet, with the show rate), for the wait estimates."""

    service_id: int
    at: "datetime"
    probability: float = 1.0
    priority: bool = False


#: ``(session, office, now) -> expected arrivals`` (read by ``services.waits``).
QueueArrivals = Callable[["Session", "Office", "datetime"], "list[ExpectedArrival]"]


# --------------------------------------------------------------------------- the registry


@dataclass
class Hooks:
    """Every extension point of one app (see the types above for what each one is and who reads it)."""

    quota_caps: list[QuotaCap] = field(default_factory=list)
    quota_holds: list[QuotaHold] = field(default_factory=list)
    finish_hooks: list[FinishHook] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    seeders: list[Seeder] = field(default_factory=list)
    demo_links: list[DemoLinks] = field(default_factory=list)
    openapi_paths: dict[str, dict] = field(default_factory=dict)
    openapi_schemas: dict[str, dict] = field(default_factory=dict)
    printer_check: PrinterCheck | None = None
    device_issue: dict[str, DeviceIssueView] = field(default_factory=dict)
    ticket_printing: TicketPrinting | None = None
    status_panels: list[StatusPanel] = field(default_factory=list)
    kiosk_actions: list[KioskAction] = field(default_factory=list)
    nav_links: list[NavLink] = field(default_factory=list)
    office_links: list[OfficeLink] = field(default_factory=list)
    counter_links: list[CounterLink] = field(default_factory=list)
    report_sections: list[ReportSection] = field(default_factory=list)
    office_counters: dict[str, OfficeCounter] = field(default_factory=dict)
    office_counter_labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    turned_away_sources: dict[str, TurnedAwaySource] = field(default_factory=dict)
    turned_away_recorders: list[TurnedAwayRecorder] = field(default_factory=list)
    bookable_caps: list[BookableCap] = field(default_factory=list)
    stock_promises: list[StockPromise] = field(default_factory=list)
    queue_arrivals: list[QueueArrivals] = field(default_factory=list)


def init_app(app: "Flask") -> Hooks:
    """A fresh registry for ``app`` (``create_app`` calls it before the features' ``init_app``)."""
    registry = app.extensions[KEY] = Hooks()
    return registry


def of(app: "Flask") -> Hooks:
    """``app``'s registry."""
    try:
        return app.extensions[KEY]
    except KeyError:
        raise RuntimeError("queue_service.hooks.init_app(app) has not run for this app") from None


def current() -> Hooks:
    """The registry of the app of the current request, command or job."""
    from flask import current_app

    return of(current_app)


def _unique(items: Sequence, key: str, what: str) -> None:
    if any(getattr(i, "key", getattr(i, "name", None)) == key for i in items):
        raise ValueError(f"{what} {key!r} is registered twice")


def register_quota_cap(app: "Flask", cap: QuotaCap) -> None:
    of(app).quota_caps.append(cap)


def register_quota_hold(app: "Flask", hold: QuotaHold) -> None:
    of(app).quota_holds.append(hold)


def register_finish_hook(app: "Flask", hook: FinishHook) -> None:
    of(app).finish_hooks.append(hook)


def register_job(app: "Flask", name: str, every_seconds: float, run: Callable[["Flask", "datetime"], None]) -> None:
    _unique(of(app).jobs, name, "background job")
    of(app).jobs.append(Job(name, float(every_seconds), run))


def register_seeder(app: "Flask", seeder: Seeder) -> None:
    of(app).seeders.append(seeder)


def register_demo_links(app: "Flask", links: DemoLinks) -> None:
    of(app).demo_links.append(links)


def register_openapi(app: "Flask", paths: dict, schemas: dict | None = None) -> None:
    """Add endpoints (and component schemas) to the one OpenAPI document (``web/openapi.py``)."""
    of(app).openapi_paths.update(paths)
    of(app).openapi_schemas.update(schemas or {})


def set_printer_check(app: "Flask", check: PrinterCheck) -> None:
    of(app).printer_check = check


def register_device_issue(app: "Flask", device_kind: str, view: DeviceIssueView) -> None:
    if device_kind in of(app).device_issue:
        raise ValueError(f"an issue view for {device_kind!r} devices is registered twice")
    of(app).device_issue[device_kind] = view


def set_ticket_printing(app: "Flask", printing: TicketPrinting) -> None:
    of(app).ticket_printing = printing


def register_status_panel(app: "Flask", panel: StatusPanel) -> None:
    _unique(of(app).status_panels, panel.key, "status panel")
    of(app).status_panels.append(panel)
    of(app).status_panels.sort(key=lambda p: (p.order, p.key))


def register_kiosk_action(app: "Flask", action: KioskAction) -> None:
    _unique(of(app).kiosk_actions, action.key, "kiosk action")
    of(app).kiosk_actions.append(action)
    of(app).kiosk_actions.sort(key=lambda a: (a.order, a.key))


def register_nav_link(app: "Flask", link: NavLink) -> None:
    _unique(of(app).nav_links, link.key, "start-page link")
    of(app).nav_links.append(link)
    of(app).nav_links.sort(key=lambda n: (n.order, n.key))


def register_office_link(app: "Flask", link: OfficeLink) -> None:
    _unique(of(app).office_links, link.key, "office page link")
    of(app).office_links.append(link)
    of(app).office_links.sort(key=lambda n: (n.order, n.key))


def register_counter_link(app: "Flask", link: CounterLink) -> None:
    _unique(of(app).counter_links, link.key, "counter console link")
    of(app).counter_links.append(link)
    of(app).counter_links.sort(key=lambda n: (n.order, n.key))


def register_report_section(app: "Flask", section: ReportSection) -> None:
    _unique(of(app).report_sections, section.key, "report section")
    of(app).report_sections.append(section)
    of(app).report_sections.sort(key=lambda s: (s.order, s.key))


def report_sections(app: "Flask", place: str) -> list[ReportSection]:
    """The sections shown in ``place`` ("report" or "figures"), in order."""
    return [s for s in of(app).report_sections if place in s.places]


def register_office_counter(app: "Flask", key: str, counter: OfficeCounter,
                            labels: "Mapping[str, Any] | None" = None) -> None:
    """``labels``: the column heading of each number the counter gives (Indonesian source text, lazy); the JSON
    API keeps the names themselves."""
    if key in of(app).office_counters:
        raise ValueError(f"office counter {key!r} is registered twice")
    of(app).office_counters[key] = counter
    of(app).office_counter_labels[key] = dict(labels or {})


def register_turned_away_source(app: "Flask", key: str, source: TurnedAwaySource) -> None:
    if key in of(app).turned_away_sources:
        raise ValueError(f"turned-away source {key!r} is registered twice")
    of(app).turned_away_sources[key] = source


def register_turned_away_recorder(app: "Flask", recorder: TurnedAwayRecorder) -> None:
    _unique(of(app).turned_away_recorders, recorder.key, "turned-away recorder")
    of(app).turned_away_recorders.append(recorder)
    of(app).turned_away_recorders.sort(key=lambda r: (r.order, r.key))


def register_bookable_cap(app: "Flask", cap: BookableCap) -> None:
    of(app).bookable_caps.append(cap)


def register_stock_promise(app: "Flask", promise: StockPromise) -> None:
    of(app).stock_promises.append(promise)


def register_queue_arrivals(app: "Flask", source: QueueArrivals) -> None:
    of(app).queue_arrivals.append(source)
