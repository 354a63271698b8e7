"""NIK masking, text and contact checks for what citizens type."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import privacy as p

NIK = "3201014501900003"


@pytest.mark.parametrize("text", [
    NIK, f"NIK saya {NIK}, mohon dicek", f"NIK:{NIK}.", "3201 0145 0190 0003", "32.01.01.450190.0003",
    "3201-0145-0190-0003", "NIK " + NIK.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"}) + " (huruf lebar)", f"{NIK}\nterima kasih",
    f"{NIK} 2 orang",
])
def test_a_16_digit_number_is_masked_however_written(text):
    masked, n = p.mask_nik(text)
    assert n == 1, text
    assert p.NIK_MASK in masked
    assert sum(ch.isdigit() for ch in masked) <= 1   # only the "2 orang" digit can stay
    assert p.find_nik_like(text)


@pytest.mark.parametrize("text", [
    "nomor antrean B-012", "telepon 0812 3456 7890", "320101450190000",        # 15 digits
    "32010145019000031",                                                       # 17 digits glued
    "tanggal 12-01-2026 jam 10.30", "+62 812-3456-7890",
])
def test_other_numbers_stay(text):
    assert p.mask_nik(text) == (text, 0)


def test_two_numbers_both_masked():
    masked, n = p.mask_nik(f"saya {NIK} dan istri 3201015501920004")
    assert n == 2 and masked == f"saya {p.NIK_MASK} dan istri {p.NIK_MASK}"


@given(st.text(alphabet=st.sampled_from("0123456789 .-abc\n"), max_size=80))
def test_after_masking_no_16_digit_run_is_left(text):
    masked, _ = p.mask_nik(text)
    assert not p.find_nik_like(masked)


def test_clean_text_normalises_and_keeps_lines():
    assert p.clean_text("  Antre lama.\r\n\r\n\r\n\r\nKursi kurang.\t  \r\n", max_len=100) == \
        "Antre lama.\n\nKursi kurang."
    assert p.clean_text("Cafe\u0301", max_len=10) == "Café"    # NFC
    assert p.clean_text("emoji 👍🏽 ok", max_len=20) == "emoji 👍🏽 ok"


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "esc \x1b[31m", "del\x7f", "c1 \x85", "rtl \u202e txt",
                                 "iso \u2066x\u2069", "surrogate \ud800"])
def test_control_and_bidi_characters_are_refused(bad):
    with pytest.raises(p.TextInvalid) as e:
        p.clean_text(bad, max_len=100)
    assert e.value.code == p.CONTROL_CHARS


def test_length_and_required():
    with pytest.raises(p.TextInvalid) as e:
        p.clean_text("x" * 101, max_len=100)
    assert e.value.code == p.TOO_LONG and e.value.limit == 100
    assert p.clean_text("x" * 100, max_len=100)
    for empty in ("", "  \n ", None):
        with pytest.raises(p.TextInvalid) as e:
            p.clean_text(empty, max_len=10)
        assert e.value.code == p.REQUIRED
    assert p.clean_text(" ", max_len=10, required=False) == ""
    with pytest.raises(p.TextInvalid):
        p.clean_text(123, max_len=10)


@pytest.mark.parametrize("raw,value", [
    ("0812-3456-7890", "+6281234567890"), ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"), ("(021) 888 1234", "+62218881234"),
])
def test_phone_numbers_are_normalised(raw, value):
    c = p.parse_contact(raw)
    assert c == p.Contact("phone", value)
    assert "****" in c.masked() and c.masked().endswith(value[-3:])


def test_email_and_empty_contact():
    assert p.parse_contact("Warga@Mail.Example.ID") == p.Contact("email", "Warga@mail.example.id")
    assert p.parse_contact("warga@mail.example.id").masked() == "w***@mail.example.id"
    assert p.parse_contact("  ") is None and p.parse_contact(None) is None


@pytest.mark.parametrize("bad", ["12345", "0812", "+1 202 555 0100", "08123456789012345", "bukan nomor",
                                 "a@b", "a b@c.id", "x@-bad.id", "0812\x00345678", 42, "+62 0812 3456 789",
                                 "٠٨١٢٣٤٥٦٧٨٩٠"])
def test_bad_contacts_are_refused(bad):
    with pytest.raises(p.TextInvalid) as e:
        p.parse_contact(bad)
    assert e.value.code == p.BAD_CONTACT
