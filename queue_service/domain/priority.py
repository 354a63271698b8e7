"""Priority groups (UU 25/2009 art. 29) and the per-service priority policy.

A policy is a short string kept on the service:

- ``"strict"`` - priority tickets are called before regular ones (default);
- ``"interleave:N"`` - first come first served, but after N regular tickets in a row
  the next call takes a waiting priority ticket first;
- ``"fifo"`` - no priority at all, issue order only.
"""
from __future__ import annotations

from dataclasses import dataclass

PRIORITY_GROUPS = ("lansia", "disabilitas", "ibu_hamil", "anak", "korban_bencana")
#: the groups the kiosk offers (children and disaster victims are handled by staff)
KIOSK_PRIORITY_GROUPS = ("lansia", "disabilitas", "ibu_hamil")


@dataclass(frozen=True)
class Policy:
    kind: str  # strict | interleave | fifo
    every: int = 0

    def prefers_priority(self, regular_streak: int) -> bool:
        """Should the next call take a waiting priority ticket before older regular ones?"""
        if self.kind == "strict":
            return True
        if self.kind == "interleave":
            return regular_streak >= self.every
        return False

    def __str__(self) -> str:
        return f"interleave:{self.every}" if self.kind == "interleave" else self.kind


def parse_policy(text: str | None) -> Policy:
    text = (text or "strict").strip().lower()
    if text in ("strict", "fifo"):
        return Policy(text)
    if text.startswith("interleave:"):
        try:
            every = int(text.split(":", 1)[1])
        except ValueError:
            every = 0
        if every >= 1:
            return Policy("interleave", every)
    raise ValueError(f"unknown priority policy {text!r}: use strict, fifo or interleave:N (N >= 1)")


def valid_priority(group: str | None) -> bool:
    return group is None or group in PRIORITY_GROUPS
