"""Minimum IKM sample (Krejcie & Morgan, as PermenPANRB 14/2017 uses it)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.sample import krejcie_morgan, minimum_sample, sample_sufficient

# Krejcie & Morgan (1970), Table 1: population N -> sample S, every row.
TABLE = [
    (10, 10), (15, 14), (20, 19), (25, 24), (30, 28), (35, 32), (40, 36), (45, 40), (50, 44), (55, 48),
    (60, 52), (65, 56), (70, 59), (75, 63), (80, 66), (85, 70), (90, 73), (95, 76), (100, 80), (110, 86),
    (120, 92), (130, 97), (140, 103), (150, 108), (160, 113), (170, 118), (180, 123), (190, 127), (200, 132),
    (210, 136), (220, 140), (230, 144), (240, 148), (250, 152), (260, 155), (270, 159), (280, 162),
    (290, 165), (300, 169), (320, 175), (340, 181), (360, 186), (380, 191), (400, 196), (420, 201),
    (440, 205), (460, 210), (480, 214), (500, 217), (550, 226), (600, 234), (650, 242), (700, 248),
    (750, 254), (800, 260), (850, 265), (900, 269), (950, 274), (1000, 278), (1100, 285), (1200, 291),
    (1300, 297), (1400, 302), (1500, 306), (1600, 310), (1700, 313), (1800, 317), (1900, 320), (2000, 322),
    (2200, 327), (2400, 331), (2600, 335), (2800, 338), (3000, 341), (3500, 346), (4000, 351), (4500, 354),
    (5000, 357), (6000, 361), (7000, 364), (8000, 367), (9000, 368), (10000, 370), (15000, 375),
    (20000, 377), (30000, 379), (40000, 380), (50000, 381), (75000, 382), (1000000, 384),
]


def test_the_brief_s_three_known_values():
    assert minimum_sample(100) == 80
    assert minimum_sample(1000) == 278
    assert minimum_sample(10000) == 370


@pytest.mark.parametrize("population,sample", TABLE)
def test_every_row_of_the_published_table(population, sample):
    assert minimum_sample(population) == sample


def test_rounding_is_to_nearest_not_up():
    # N = 15: the formula gives 14.47; the table prints 14 (rounding up would say 15)
    assert 14 < krejcie_morgan(15) < 14.5
    assert minimum_sample(15) == 14


def test_small_and_empty_periods():
    assert minimum_sample(0) == 0
    assert minimum_sample(1) == 1
    assert sample_sufficient(0, 0)
    assert not sample_sufficient(79, 100) and sample_sufficient(80, 100)


@pytest.mark.parametrize("bad", [-1, 1.5, "100", None, True])
def test_bad_population(bad):
    with pytest.raises(ValueError):
        minimum_sample(bad)


@given(st.integers(0, 2_000_000))
def test_sample_is_bounded_and_grows_with_the_population(n):
    s = minimum_sample(n)
    assert 0 <= s <= min(n, 384)
    assert minimum_sample(n + 1) >= s
