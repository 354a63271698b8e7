"""Booking codes: short, unambiguous, opaque, with a check symbol; what the kiosk scanner types."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from bookings.codes import (
    ALPHABET,
    CODE_LENGTH,
    check_symbol,
    display,
    is_valid,
    new_code,
    new_token,
    normalize,
    parse_scan,
)


def test_codes_are_eight_symbols_of_an_unambiguous_alphabet_and_valid():
    for _ in range(200):
        c = new_code()
        assert len(c) == CODE_LENGTH and is_valid(c)
        assert not set(c) & set("ILOU")
    assert len(set(ALPHABET)) == 32


def test_codes_are_random_not_sequential():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    firsts = {c[0] for c in codes}
    assert len(firsts) > 25  # every position uses the whole alphabet


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded machine
@given(hs.text(alphabet=ALPHABET, min_size=7, max_size=7), hs.integers(0, 7), hs.integers(1, 31))
def test_every_single_wrong_symbol_is_caught(body, pos, shift):
    code = body + check_symbol(body)
    assert is_valid(code)
    wrong = code[:pos] + ALPHABET[(ALPHABET.index(code[pos]) + shift) % 32] + code[pos + 1:]
    assert not is_valid(wrong)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded machine
@given(hs.text(alphabet=ALPHABET, min_size=7, max_size=7), hs.integers(0, 6))
def test_every_swap_of_two_different_neighbours_is_caught(body, pos):
    """... except 0 <-> Z (Luhn mod N's one blind pair, like 0 <-> 9 in the decimal Luhn)."""
    code = body + check_symbol(body)
    if code[pos] == code[pos + 1] or {code[pos], code[pos + 1]} == {"0", "Z"}:
        return
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:]
    assert not is_valid(swapped)


def test_swaps_are_caught_for_every_pair_of_symbols_but_one():
    missed = set()
    for a in ALPHABET:
        for b in ALPHABET:
            if a != b:
                body = "12" + a + b + "345"
                if is_valid(body[:2] + b + a + body[4:] + check_symbol(body)):
                    missed.add(frozenset((a, b)))
    assert missed == {frozenset("0Z")}


def test_typing_is_forgiving():
    code = new_code(randbelow=lambda n: 0)
    assert code == "00000000"
    assert is_valid(normalize("oooo-oooo"))
    c = new_code()
    shown = display(c)
    assert shown[4] == "-" and normalize(shown.lower()) == c
    assert normalize(" k7qm 3xdp ") == "K7QM3XDP"
    assert normalize("IL") == "11"


@pytest.mark.parametrize("bad", ["", "ABC", "K7QM3XD", "K7QM3XDPP", "K7QM-3XD!", "UUUUUUUU"])
def test_wrong_length_or_alphabet_is_invalid(bad):
    assert not is_valid(normalize(bad))


def test_tokens_are_long_and_url_safe():
    t = new_token()
    assert len(t) >= 22 and parse_scan(t).kind == "token"


def test_scans_of_the_qr_address_a_bare_token_or_a_typed_code():
    t = new_token()
    s = parse_scan(f"https://antrean.bekasikab.go.id/b/{t}")
    assert (s.kind, s.value) == ("token", t)
    s = parse_scan(f"https://antrean.bekasikab.go.id/b/{t}?lang=en")
    assert (s.kind, s.value) == ("token", t)
    c = new_code()
    s = parse_scan(display(c).lower())
    assert (s.kind, s.value) == ("code", c)
    for junk in ["", "   ", "hello", "x" * 600, "https://example.com/t/abc", "<script>"]:
        assert parse_scan(junk).kind == "invalid"
