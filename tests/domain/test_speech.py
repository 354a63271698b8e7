"""Indonesian (and English) number words and call announcements."""
import re

import pytest

from queue_service.domain.speech import (
    announcement,
    digit_words,
    number_words,
    ticket_number_words,
)

ID_TABLE = [
    (0, "nol"),
    (1, "satu"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (119, "seratus sembilan belas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (2000, "dua ribu"),
    (11_000, "sebelas ribu"),
    (21_000, "dua puluh satu ribu"),
    (100_000, "seratus ribu"),
    (101_011, "seratus satu ribu sebelas"),
    (999_999, "sembilan ratus sembilan puluh sembilan ribu sembilan ratus sembilan puluh sembilan"),
]


@pytest.mark.parametrize(("n", "words"), ID_TABLE)
def test_number_words_indonesian(n, words):
    assert number_words(n) == words


@pytest.mark.parametrize(("n", "words"), [
    (0, "zero"), (7, "seven"), (12, "twelve"), (20, "twenty"), (41, "forty-one"), (100, "one hundred"),
    (120, "one hundred and twenty"), (1000, "one thousand"), (1005, "one thousand and five"),
    (2345, "two thousand three hundred and forty-five"),
])
def test_number_words_english(n, words):
    assert number_words(n, lang="en") == words


BAD_SATU = re.compile(r"\bsatu (ratus|belas|puluh|ribu)\b")


def test_no_satu_multipliers_and_no_double_spaces_0_to_999():
    seen = set()
    for n in range(1000):
        words = number_words(n)
        assert "  " not in words and words == words.strip(), (n, words)
        assert not BAD_SATU.search(words), (n, words)
        assert words not in seen, (n, words)  # every number reads differently
        seen.add(words)


def test_whole_range_is_well_formed():
    # "satu ribu" is right only after another word ("dua puluh satu ribu"), never at the start
    for n in range(0, 1_000_000, 7):
        words = number_words(n)
        assert "  " not in words and words == words.strip(), (n, words)
        assert not re.search(r"\bsatu (ratus|belas|puluh)\b", words), (n, words)
        assert not words.startswith("satu ribu"), (n, words)


@pytest.mark.parametrize("bad", [-1, 1_000_000, True, 1.0, "5"])
def test_number_words_rejects_out_of_range(bad):
    with pytest.raises((ValueError, TypeError)):
        number_words(bad)


def test_digit_words():
    assert digit_words("012") == "nol satu dua"
    assert digit_words("9") == "sembilan"
    assert digit_words("012", lang="en") == "zero one two"
    for bad in ("", "1a", "-1", "١٢"):
        with pytest.raises(ValueError):
            digit_words(bad)


@pytest.mark.parametrize(("digits", "words"), [
    ("012", "nol dua belas"),
    ("041", "nol empat puluh satu"),
    ("007", "nol nol tujuh"),
    ("100", "seratus"),
    ("120", "seratus dua puluh"),
    ("001", "nol nol satu"),
    ("010", "nol sepuluh"),
    ("000", "nol nol nol"),
    ("1234", "seribu dua ratus tiga puluh empat"),
])
def test_ticket_number_words(digits, words):
    assert ticket_number_words(digits) == words


@pytest.mark.parametrize(("code", "counter", "sentence"), [
    ("B-012", 3, "Nomor antrean B nol dua belas, silakan menuju loket tiga"),
    ("A-041", 11, "Nomor antrean A nol empat puluh satu, silakan menuju loket sebelas"),
    ("C-007", 1, "Nomor antrean C nol nol tujuh, silakan menuju loket satu"),
    ("D-100", 10, "Nomor antrean D seratus, silakan menuju loket sepuluh"),
    ("E-120", 2, "Nomor antrean E seratus dua puluh, silakan menuju loket dua"),
    ("KK-015", 4, "Nomor antrean K K nol lima belas, silakan menuju loket empat"),
])
def test_announcement_indonesian(code, counter, sentence):
    assert announcement(code, counter) == sentence


def test_announcement_english():
    assert announcement("B-012", 3, lang="en") == "Ticket number B zero twelve, please go to counter three"
    assert announcement("A-120", 12, lang="en") == \
        "Ticket number A one hundred and twenty, please go to counter twelve"


def test_announcement_counter_name():
    # a name that only repeats the number adds nothing
    assert announcement("B-012", 3, counter_name="Loket 3") == announcement("B-012", 3)
    assert announcement("B-012", 3, counter_name="Perekaman KTP-el") == \
        "Nomor antrean B nol dua belas, silakan menuju loket tiga, Perekaman KTP-el"
    assert announcement("B-012", None, counter_name="Ruang Foto") == \
        "Nomor antrean B nol dua belas, silakan menuju Ruang Foto"


@pytest.mark.parametrize("bad", ["", "B-", "B-01x", "12-B"])
def test_announcement_rejects_bad_codes(bad):
    with pytest.raises(ValueError):
        announcement(bad, 1)


def test_announcement_rejects_unknown_language_and_missing_counter():
    with pytest.raises(ValueError):
        announcement("B-012", 3, lang="jv")
    with pytest.raises(ValueError):
        announcement("B-012", None)
