"""Ticket statuses and the transitions between them."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN = frozenset({Status.WAITING, Status.CALLED, Status.SERVING})
CLOSED = frozenset({Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.EXPIRED})

#: action -> statuses it may start from
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "call": frozenset({Status.WAITING}),
    "recall": frozenset({Status.CALLED}),
    "start": frozenset({Status.CALLED}),
    "finish": frozenset({Status.CALLED, Status.SERVING}),
    "no_show": frozenset({Status.CALLED}),
    "transfer": frozenset({Status.WAITING, Status.CALLED, Status.SERVING}),
    "cancel": frozenset({Status.WAITING, Status.CALLED}),
    "expire": OPEN,
}

#: Indonesian and English labels live in the templates (translated); these are for logs.
ACTION_LABELS = {
    "call": "call", "recall": "recall", "start": "start", "finish": "finish",
    "no_show": "no-show", "transfer": "transfer", "cancel": "cancel", "expire": "expire",
}


def check(action: str, current: str) -> None:
    """Raise :class:`InvalidTransition` unless ``action`` may be done on a ticket in ``current``."""
    from queue_service.domain.errors import InvalidTransition

    allowed = ALLOWED_FROM[action]
    if Status(current) not in allowed:
        raise InvalidTransition(
            f"Cannot {ACTION_LABELS[action]} a ticket that is {Status(current).value}; "
            f"allowed only when {', '.join(sorted(s.value for s in allowed))}.",
            action=action, status=str(current),
        )
