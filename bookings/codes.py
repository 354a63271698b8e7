"""Booking codes and what the kiosk's scanner types. Pure.

A booking has two identifiers, neither with anything personal in it:

* the **code**, for people: 7 random symbols of Crockford's base 32 (no I, L, O or U; digits and
  letters that cannot be confused) and a check symbol (Luhn mod 32: every single wrong symbol is
  caught, and every swap of two neighbours but 0 <-> Z), shown as ``K7QM-3XDP``. Typing is forgiving: lower
  case, spaces and dashes are ignored, O reads as 0 and I/L as 1. 35 random bits: guessing one is
  hopeless at a kiosk that throttles, and the code alone opens no page;
* the **token**, for machines: 128 random bits in the booking's page address ``/b/<token>``, which
  the QR code holds. A phone opens the page; the kiosk's scanner types the address and the kiosk
  takes the token from it.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
RANDOM_SYMBOLS = 7
CODE_LENGTH = RANDOM_SYMBOLS + 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: the token part of a booking page address (``secrets.token_urlsafe(16)`` gives 22 characters)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_URL_TOKEN_RE = re.compile(r"/b/([A-Za-z0-9_-]{16,64})(?:[/?#]|$)")


def check_symbol(body: str) -> str:
    """Luhn mod N over ``body`` (symbols of ALPHABET)."""
    factor = 2
    total = 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def new_code(randbelow=secrets.randbelow) -> str:
    """A new code (normalised form, no dash): 7 random symbols + the check symbol."""
    body = "".join(ALPHABET[randbelow(N)] for _ in range(RANDOM_SYMBOLS))
    return body + check_symbol(body)


def normalize(text: str | None) -> str:
    """What the citizen typed -> the code's normalised form (may still be invalid)."""
    raw = re.sub(r"[\s\-_.]", "", (text or "")).upper()
    return raw.translate(_READS_AS)


def is_valid(code: str) -> bool:
    """A normalised code of the right length and alphabet whose check symbol matches."""
    if len(code) != CODE_LENGTH or any(c not in _INDEX for c in code):
        return False
    return check_symbol(code[:-1]) == code[-1]


def display(code: str) -> str:
    """``K7QM3XDP`` -> ``K7QM-3XDP`` (easier to read aloud and to type)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def new_token() -> str:
    """The booking page's opaque token (128 random bits)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Scan:
    kind: str   # "token" | "code" | "invalid"
    value: str = ""


def parse_scan(text: str | None) -> Scan:
    """What a scanner or a person typed at the kiosk: a booking page address (from the QR), a
    bare token, or a code. Anything else is ``invalid`` (and the kiosk says so)."""
    text = (text or "").strip()
    if not text or len(text) > 500:
        return Scan("invalid")
    m = _URL_TOKEN_RE.search(text)
    if m:
        return Scan("token", m.group(1))
    code = normalize(text)
    if is_valid(code):
        return Scan("code", code)
    if TOKEN_RE.match(text) and len(text) >= 20:
        return Scan("token", text)
    return Scan("invalid")
