"""Events the services return; the web layer emits them after the transaction commits."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    """``name`` is the Socket.IO event (snake_case, past tense); ``office`` the office code;
    ``ticket_token`` set when the ticket's own room should hear it too."""

    name: str
    office: str
    payload: dict[str, Any] = field(default_factory=dict)
    ticket_token: str | None = None
    #: which of the office's rooms hear it
    audience: tuple[str, ...] = ("displays", "counters", "managers")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
