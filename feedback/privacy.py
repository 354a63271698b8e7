"""Keeping personal data out of citizens' free text, and checking what they type (pure).

* **NIK / KK numbers.** A Nomor Induk Kependudukan (and a Kartu Keluarga number) has 16 digits. Citizens
  writing to a Disdukcapil office about their documents often type theirs; the complaint text is read by
  staff, exported to SP4N-LAPOR! and kept for years, so any run of exactly 16 digits is masked before it is
  stored — also when written in groups (``3201 0101 0190 0001``, ``32.01.01.010190.0001``). Longer digit runs
  glued together are left alone (not a NIK). Digits of any script count (fullwidth ones too). The form
  warns before sending (static/js) and the server masks regardless of the warning, so the API cannot store
  one either.
* **Text.** Control characters (except line feeds and tabs) and the Unicode bidirectional overrides that can
  make a manager's screen show something else than what was stored are refused, not silently dropped: the
  sender is told. Line endings are normalised and the text is NFC-normalised; length is checked after that.
* **Contact.** Optional; a mobile/landline number (normalised to ``+62...``) or an e-mail address.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NIK_MASK = "*" * 16
_NIK = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ALLOWED_CONTROLS = frozenset("\n\t")

#: error codes (the web layer shows a translated sentence for each)
REQUIRED = "required"
TOO_LONG = "too_long"
CONTROL_CHARS = "control_chars"
BAD_CONTACT = "bad_contact"


class TextInvalid(ValueError):
    def __init__(self, code: str, limit: int | None = None):
        self.code, self.limit = code, limit
        super().__init__(code if limit is None else f"{code} (max {limit})")


def find_nik_like(text: str) -> list[tuple[int, int]]:
    """Spans of the 16-digit numbers in ``text``."""
    return [m.span() for m in _NIK.finditer(text or "")]


def mask_nik(text: str) -> tuple[str, int]:
    """``text`` with every 16-digit number replaced by sixteen asterisks, and how many were masked."""
    return _NIK.subn(NIK_MASK, text or "")


def has_forbidden_characters(text: str) -> bool:
    for ch in text:
        if ch in _BIDI:
            return True
        if unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS:
            return True
        if 0xD800 <= ord(ch) <= 0xDFFF:  # lone surrogates (from a bad JSON escape)
            return True
    return False


def clean_text(raw: object, *, max_len: int, required: bool = True) -> str:
    """The text as it will be stored, or :class:`TextInvalid` (``required``, ``too_long``,
    ``control_chars``). Carriage returns become line feeds first (browsers send CRLF)."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise TextInvalid(REQUIRED)
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if has_forbidden_characters(text):
        raise TextInvalid(CONTROL_CHARS)
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    if required and not text:
        raise TextInvalid(REQUIRED)
    if len(text) > max_len:
        raise TextInvalid(TOO_LONG, max_len)
    return text


@dataclass(frozen=True)
class Contact:
    kind: str    # "phone" | "email"
    value: str

    def masked(self) -> str:
        """For lists: enough to tell two contacts apart, not enough to use."""
        if self.kind == "email":
            local, _, domain = self.value.partition("@")
            return f"{local[:1]}***@{domain}"
        return f"{self.value[:5]}****{self.value[-3:]}"


_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?)+$")


def parse_contact(raw: object) -> Contact | None:
    """``None`` for an empty field; a :class:`Contact`; or :class:`TextInvalid` (``bad_contact``).

    Phones: Indonesian numbers written as 08xx / 628xx / +62 8xx / 021-..., spaces, dots, dashes and
    brackets allowed; stored as ``+62`` and 7–12 further digits."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise TextInvalid(BAD_CONTACT)
    text = raw.strip()
    if not text:
        return None
    if has_forbidden_characters(text) or len(text) > 254:
        raise TextInvalid(BAD_CONTACT)
    if "@" in text:
        if not _EMAIL.match(text):
            raise TextInvalid(BAD_CONTACT)
        local, _, domain = text.partition("@")
        return Contact("email", f"{local}@{domain.lower()}")
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+62"):
        rest = digits[3:]
    elif digits.startswith("62"):
        rest = digits[2:]
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        raise TextInvalid(BAD_CONTACT)
    if not re.fullmatch(r"[0-9]+", rest) or rest.startswith("0") or not 7 <= len(rest) <= 12:
        raise TextInvalid(BAD_CONTACT)
    return Contact("phone", "+62" + rest)
