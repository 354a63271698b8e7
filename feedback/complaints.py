"""Complaints and suggestions: kinds, categories, the handling states and the response-time rules (pure).

Life of a complaint (``pengaduan``) or suggestion (``saran``): ``baru`` (new) -> ``ditugaskan`` (assigned to
a staff member) -> ``dijawab`` (answered) -> ``selesai`` (closed).

=======  ==================================  ======================================
action   allowed from                        leads to
=======  ==================================  ======================================
assign   baru, ditugaskan, dijawab           ditugaskan (dijawab stays dijawab)
answer   baru, ditugaskan, dijawab           dijawab (a later answer corrects/adds)
close    dijawab                             selesai
=======  ==================================  ======================================

* Only an answered complaint can be closed: the citizen always gets an answer on the status page, even for a
  duplicate or a message that is not about the service ("Terima kasih, ...").
* The **response time** is from receipt to the *first* answer; later answers do not move it.
* The **target** is a number of calendar days (office setting, default 14; an office whose service
  standard promises another number sets that). The due date is the office-local day of receipt plus the
  target; a complaint is **overdue** when it has no answer and the office-local day is after the due date,
  and **late** when its first answer came after the due date.
* The citizen's optional **contact** is only for answering this complaint: it is erased
  ``contact_keep_days`` (default 30) after the complaint is closed, and the form says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from statistics import median

from feedback.questionnaire import COMPLAINTS_UNSUR  # noqa: F401  (re-exported for reports)


class Kind(StrEnum):
    COMPLAINT = "pengaduan"
    SUGGESTION = "saran"


KIND_LABELS = {
    Kind.COMPLAINT: ("Pengaduan", "Complaint"),
    Kind.SUGGESTION: ("Saran", "Suggestion"),
}


@dataclass(frozen=True)
class Category:
    code: str
    label_id: str
    label_en: str
    #: the IKM unsur the topic belongs to (for managers reading both), None for "other"
    unsur: str | None

    def label(self, locale: str = "id") -> str:
        return self.label_en if locale == "en" else self.label_id


CATEGORIES: tuple[Category, ...] = (
    Category("antrean", "Antrean dan waktu tunggu", "Queue and waiting time", "U3"),
    Category("petugas", "Sikap atau pelayanan petugas", "Staff conduct or service", "U7"),
    Category("persyaratan", "Persyaratan dan prosedur", "Requirements and procedure", "U1"),
    Category("biaya", "Biaya atau pungutan", "Fees or charges asked for", "U4"),
    Category("hasil", "Dokumen yang diterima (salah, belum jadi)", "The document received (wrong, not ready)",
             "U5"),
    Category("sarana", "Sarana dan prasarana", "Facilities", "U9"),
    Category("sistem", "Aplikasi atau sistem antrean", "Application or queue system", "U2"),
    Category("lainnya", "Lainnya", "Other", None),
)
CATEGORY_CODES = tuple(c.code for c in CATEGORIES)
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}


class State(StrEnum):
    NEW = "baru"
    ASSIGNED = "ditugaskan"
    ANSWERED = "dijawab"
    CLOSED = "selesai"


STATE_LABELS = {
    State.NEW: ("Baru", "New"),
    State.ASSIGNED: ("Sedang ditangani", "Being handled"),
    State.ANSWERED: ("Sudah dijawab", "Answered"),
    State.CLOSED: ("Selesai", "Closed"),
}
OPEN_STATES = frozenset({State.NEW, State.ASSIGNED})

#: action -> states it may start from
ALLOWED_FROM: dict[str, frozenset[State]] = {
    "assign": frozenset({State.NEW, State.ASSIGNED, State.ANSWERED}),
    "answer": frozenset({State.NEW, State.ASSIGNED, State.ANSWERED}),
    "close": frozenset({State.ANSWERED}),
}


class InvalidComplaintTransition(ValueError):
    def __init__(self, action: str, state: str):
        self.action, self.state = action, state
        super().__init__(f"cannot {action} a complaint that is {state}")


def next_state(action: str, current: str) -> State:
    """The state after ``action``; :class:`InvalidComplaintTransition` when not allowed."""
    if action not in ALLOWED_FROM:
        raise InvalidComplaintTransition(action, current)
    try:
        state = State(current)
    except ValueError:
        raise InvalidComplaintTransition(action, current) from None
    if state not in ALLOWED_FROM[action]:
        raise InvalidComplaintTransition(action, current)
    if action == "assign":
        return State.ANSWERED if state == State.ANSWERED else State.ASSIGNED
    if action == "answer":
        return State.ANSWERED
    return State.CLOSED


# -- response times -------------------------------------------------------------------------------------

DEFAULT_TARGET_DAYS = 14
DEFAULT_CONTACT_KEEP_DAYS = 30


def due_date(received_local_day: date, target_days: int) -> date:
    if target_days < 1:
        raise ValueError("the response target is at least one day")
    return received_local_day + timedelta(days=target_days)


@dataclass(frozen=True)
class Sla:
    due: date
    answered: bool
    #: whole office-local days from receipt to the first answer (0 = answered the same day)
    response_days: int | None
    #: answered by the due date (None while unanswered)
    on_time: bool | None
    #: unanswered and past the due date
    overdue: bool
    #: days left until the due date while unanswered (negative when overdue)
    days_left: int | None


def sla(received_local_day: date, first_answer_local_day: date | None, today_local: date,
        target_days: int = DEFAULT_TARGET_DAYS) -> Sla:
    """The response-time status of one complaint; days are office-local calendar days."""
    due = due_date(received_local_day, target_days)
    if first_answer_local_day is not None:
        days = (first_answer_local_day - received_local_day).days
        return Sla(due, True, days, first_answer_local_day <= due, False, None)
    left = (due - today_local).days
    return Sla(due, False, None, None, today_local > due, left)


def median_response_days(days: list[int]) -> float | None:
    return float(median(days)) if days else None


def contact_erase_at(closed_at: datetime | None, keep_days: int = DEFAULT_CONTACT_KEEP_DAYS) -> datetime | None:
    """When the citizen's contact is erased: ``keep_days`` after closing; never while still open."""
    return None if closed_at is None else closed_at + timedelta(days=keep_days)


# -- reference number ----------------------------------------------------------------------------------------

def reference(office_code: str, received_local_day: date, number: int) -> str:
    """The number a citizen or the Dinas quotes: ``BKS-2601-0042`` (office, year+month of receipt, id)."""
    return f"{office_code}-{received_local_day:%y%m}-{number:04d}"
