"""Ticket codes such as ``B-012``."""
from __future__ import annotations

import re

PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")


def ticket_code(prefix: str, number: int) -> str:
    """``ticket_code("B", 12) == "B-012"``; numbers above 999 keep all digits."""
    if number < 1:
        raise ValueError("ticket numbers start at 1")
    return f"{prefix}-{number:03d}"


def valid_prefix(prefix: str) -> bool:
    return bool(PREFIX_RE.match(prefix or ""))
