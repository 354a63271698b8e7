"""Text that staff type and that reaches a printer or a page: no control characters.

A name, a footer or an information text is printed on tickets (ESC/POS: ESC, GS, CR and LF are printer
commands), shown on screens and written to logs and CSV files. Control characters have no business in
them: C0 (NUL, CR, LF, ESC, ...), DEL, C1, the Unicode line and paragraph separators, and the bidi
embedding/override/isolate characters that make a name read differently from what it is. A multi-line
text (the display's information text) may keep line feeds and tabs. Pure: no Flask, no database.
"""
from __future__ import annotations

import unicodedata

__all__ = ["control_characters", "has_control_characters"]

#: right-to-left/left-to-right embeddings, overrides and isolates (Trojan-source style spoofing)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_OK = frozenset("\n\t")


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters in ``text`` (each once, in order), e.g. ``["\\x1b", "\\n"]``."""
    found: list[str] = []
    for ch in text:
        if multiline and ch in _MULTILINE_OK:
            continue
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            if ch not in found:
                found.append(ch)
    return found


def has_control_characters(text: str | None, *, multiline: bool = False) -> bool:
    return bool(text) and bool(control_characters(text, multiline=multiline))
