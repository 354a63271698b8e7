"""Spoken numbers and call announcements for the waiting-room screens (Indonesian and English).

Pure functions: the display page (or a text-to-speech adapter) speaks the sentence built here.

Indonesian rules (KBBI): 1 as a multiplier of ten, a hundred or a thousand is the prefix ``se-``
(``sepuluh``, ``sebelas``, ``seratus``, ``seribu``); 11-19 are ``... belas``; tens ``... puluh``.
"""
from __future__ import annotations

import re

MAX_NUMBER = 999_999

_ID_UNITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
_EN_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen")
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

#: a ticket code: a letter prefix (optional), an optional dash, the digits
_CODE_RE = re.compile(r"^\s*([A-Za-z]*)\s*-?\s*(\d+)\s*$")


def _check(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number_words needs an int, not {type(n).__name__}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number_words covers 0..{MAX_NUMBER}, not {n}")


def _id_below_thousand(n: int) -> list[str]:
    """Words for 1..999 (empty list for 0)."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds > 1:
        words += [_ID_UNITS[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(_ID_UNITS[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [_ID_UNITS[rest - 10], "belas"]
    else:
        tens, units = divmod(rest, 10)
        words += [_ID_UNITS[tens], "puluh"]
        if units:
            words.append(_ID_UNITS[units])
    return words


def _en_below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_EN_UNITS[hundreds], "hundred"]
        if rest:
            words.append("and")
    if rest == 0:
        return words
    if rest < 20:
        words.append(_EN_UNITS[rest])
    else:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_UNITS[units]}" if units else ""))
    return words


def number_words(n: int, lang: str = "id") -> str:
    """``number_words(112) == "seratus dua belas"``; ``lang="en"``: ``"one hundred and twelve"``.

    Covers 0..999 999.
    """
    _check(n)
    if n == 0:
        return "nol" if lang == "id" else "zero"
    thousands, rest = divmod(n, 1000)
    if lang == "id":
        words: list[str] = []
        if thousands == 1:
            words.append("seribu")
        elif thousands > 1:
            words += _id_below_thousand(thousands) + ["ribu"]
        words += _id_below_thousand(rest)
    elif lang == "en":
        words = []
        if thousands:
            words += _en_below_thousand(thousands) + ["thousand"]
            if 0 < rest < 100:
                words.append("and")
        words += _en_below_thousand(rest)
    else:
        raise ValueError(f"unsupported language {lang!r}: use 'id' or 'en'")
    return " ".join(words)


def digit_words(digits: str, lang: str = "id") -> str:
    """Digit by digit: ``digit_words("012") == "nol satu dua"``."""
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"digit_words needs a non-empty string of digits, not {digits!r}")
    units = _ID_UNITS if lang == "id" else _EN_UNITS if lang == "en" else None
    if units is None:
        raise ValueError(f"unsupported language {lang!r}: use 'id' or 'en'")
    return " ".join(units[int(d)] for d in digits)


def ticket_number_words(digits: str, lang: str = "id") -> str:
    """How a ticket's number is read out: each leading zero as "nol", then the rest as a number.

    ``"012"`` -> ``"nol dua belas"``, ``"007"`` -> ``"nol nol tujuh"``, ``"120"`` -> ``"seratus dua puluh"``,
    ``"000"`` -> ``"nol nol nol"``.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(f"a ticket number needs digits, not {digits!r}")
    stripped = digits.lstrip("0")
    if not stripped:
        return digit_words(digits, lang)
    if len(stripped) > len(str(MAX_NUMBER)):
        raise ValueError(f"ticket number {digits!r} is too long to read out")
    leading = len(digits) - len(stripped)
    parts = ([digit_words("0" * leading, lang)] if leading else []) + [number_words(int(stripped), lang)]
    return " ".join(parts)


def _split_code(code: str) -> tuple[str, str]:
    match = _CODE_RE.match(code or "")
    if not match:
        raise ValueError(f"not a ticket code: {code!r} (expected e.g. 'B-012')")
    return match.group(1).upper(), match.group(2)


def _is_plain_counter_name(name: str, number: int | None) -> bool:
    """True for names that just repeat the number ("Loket 3", "Counter 3", "3")."""
    if number is None:
        return False
    return bool(re.fullmatch(rf"\s*(loket|counter)?\s*0*{number}\s*", name, flags=re.IGNORECASE))


def announcement(code: str, counter_number: int | None, *, counter_name: str | None = None,
                 lang: str = "id") -> str:
    """The sentence spoken when a ticket is called.

    >>> announcement("B-012", 3)
    'Nomor antrean B nol dua belas, silakan menuju loket tiga'
    >>> announcement("B-012", 3, lang="en")
    'Ticket number B zero twelve, please go to counter three'

    The letter prefix is spelt letter by letter ("KK" -> "K K"). A ``counter_name`` that says more
    than the number (e.g. "Perekaman KTP-el") is added after the number; with no counter number the
    name alone is used.
    """
    if lang not in ("id", "en"):
        raise ValueError(f"unsupported language {lang!r}: use 'id' or 'en'")
    prefix, digits = _split_code(code)
    spoken = " ".join(list(prefix) + [ticket_number_words(digits, lang)])

    name = (counter_name or "").strip()
    if counter_number is None and not name:
        raise ValueError("announcement needs a counter number or a counter name")
    if counter_number is None:
        target = name
    else:
        target = ("loket " if lang == "id" else "counter ") + number_words(counter_number, lang)
        if name and not _is_plain_counter_name(name, counter_number):
            target += f", {name}"
    if lang == "id":
        return f"Nomor antrean {spoken}, silakan menuju {target}"
    return f"Ticket number {spoken}, please go to {target}"


# --------------------------------------------------------------------------- the announcement as recorded clips

#: Indonesian letter names (how a ticket's letter is read out: "B" -> "be")
LETTER_NAMES = {
    "A": "a", "B": "be", "C": "ce", "D": "de", "E": "e", "F": "ef", "G": "ge", "H": "ha", "I": "i", "J": "je",
    "K": "ka", "L": "el", "M": "em", "N": "en", "O": "o", "P": "pe", "Q": "ki", "R": "er", "S": "es", "T": "te",
    "U": "u", "V": "fe", "W": "we", "X": "eks", "Y": "ye", "Z": "zet",
}

#: every word :func:`number_words` and :func:`ticket_number_words` use in Indonesian
NUMBER_PARTS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
                "sepuluh", "sebelas", "seratus", "seribu", "belas", "puluh", "ratus", "ribu")
OPENING, TO_COUNTER, CHIME = "nomor-antrean", "silakan-menuju-loket", "chime"

#: clip name -> what it says (the text the shipped clips were made from; an office's own recording says the
#: same). The chime says nothing.
SPOKEN_PARTS: dict[str, str] = {
    CHIME: "",
    OPENING: "nomor antrean",
    TO_COUNTER: "silakan menuju loket",
    **{f"huruf-{letter.lower()}": name for letter, name in LETTER_NAMES.items()},
    **{word: word for word in NUMBER_PARTS},
}
#: every clip of a complete set, in a stable order
VOICE_PARTS: tuple[str, ...] = tuple(SPOKEN_PARTS)


def announcement_parts(code: str, counter_number: int) -> list[str]:
    """The clips that say :func:`announcement` (Indonesian, without the chime played before it):

    >>> announcement_parts("B-041", 3)
    ['nomor-antrean', 'huruf-b', 'nol', 'empat', 'puluh', 'satu', 'silakan-menuju-loket', 'tiga']

    The same order and words as ``announcement(code, counter_number)``: "Nomor antrean B nol empat puluh satu,
    silakan menuju loket tiga". A counter's name is not said (there is no clip for free text).
    """
    prefix, digits = _split_code(code)
    if counter_number is None:
        raise ValueError("the recorded announcement needs a counter number")
    letters = [f"huruf-{letter.lower()}" for letter in prefix]
    unknown = [p for p in letters if p not in SPOKEN_PARTS]
    if unknown:
        raise ValueError(f"no clip for the letters of {code!r}")
    return ([OPENING, *letters, *ticket_number_words(digits, "id").split(), TO_COUNTER,
             *number_words(counter_number, "id").split()])
