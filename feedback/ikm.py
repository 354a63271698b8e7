"""IKM arithmetic of PermenPANRB 14/2017 (pure: no Flask, no SQLAlchemy).

For each unsur i (U1..U9), over the questionnaires of a period:

* **NRR** (nilai rata-rata, mean perception value) = sum of the scores given for unsur i / number of
  questionnaires that answered it;
* **NRR tertimbang** (weighted) = NRR x 1/9: every unsur weighs the same, the regulation's *nilai
  penimbang* = number of weights / number of unsur = 1/9 (printed as 0,11 in its worked example);
* **IKM** of the unit = (sum of the nine weighted NRR) x 25, i.e. (sum of NRR / 9) x 25, which maps the
  1–4 scale onto 25–100.

Arithmetic is exact (``Fraction``). The reported index is rounded to two decimals, half up, and the grade is
taken from the rounded value, because the regulation's grade table is written in two decimals:

=====  ===============  ==============  =================
grade  IKM (converted)  NRR (1–4)       mutu / kinerja
=====  ===============  ==============  =================
A      88.31 – 100.00   3.5324 – 4.00   Sangat Baik
B      76.61 – 88.30    3.0644 – 3.532  Baik
C      65.00 – 76.60    2.60 – 3.064    Kurang Baik
D      25.00 – 64.99    1.00 – 2.5996   Tidak Baik
=====  ===============  ==============  =================

Using the example's rounded weight 0.11 instead of 1/9 would lower every index by 1 % (a perfect survey
would score 99.00, not 100.00); ``compute(..., weight=Fraction(11, 100))`` reproduces that if a Dinas asks.

The *weakest unsur* is the one with the lowest NRR (all of them when tied): where to improve first.
An index needs every unsur answered at least once; with no questionnaires it is ``None``.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from feedback.questionnaire import SCORES, UNSUR_CODES

WEIGHT = Fraction(1, 9)
SCALE = 25


@dataclass(frozen=True)
class Grade:
    letter: str
    label_id: str
    label_en: str
    lower: Decimal   # inclusive, on the converted 25–100 scale
    upper: Decimal   # inclusive

    def label(self, locale: str = "id") -> str:
        return self.label_en if locale == "en" else self.label_id


GRADES: tuple[Grade, ...] = (
    Grade("A", "Sangat Baik", "Very good", Decimal("88.31"), Decimal("100.00")),
    Grade("B", "Baik", "Good", Decimal("76.61"), Decimal("88.30")),
    Grade("C", "Kurang Baik", "Poor", Decimal("65.00"), Decimal("76.60")),
    Grade("D", "Tidak Baik", "Very poor", Decimal("25.00"), Decimal("64.99")),
)
GRADE_BY_LETTER = {g.letter: g for g in GRADES}


def to_decimal(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """``value`` rounded half up (away from zero) to ``places`` decimals, in exact integer arithmetic."""
    f = Fraction(value) * 10 ** places
    q = math.floor(f + Fraction(1, 2)) if f >= 0 else -math.floor(-f + Fraction(1, 2))
    return Decimal(q).scaleb(-places)


def grade(value: Fraction | Decimal | int | float) -> Grade:
    """The grade of an index on the 25–100 scale (rounded to two decimals, half up, first)."""
    v = to_decimal(Fraction(repr(value)) if isinstance(value, float) else Fraction(value))
    if not Decimal("25.00") <= v <= Decimal("100.00"):
        raise ValueError(f"an IKM lies between 25 and 100, not {v}")
    for g in GRADES:
        if v >= g.lower:
            return g
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class Tally:
    """Answers to one unsur: their number ``n``, the sum of their scores ``total`` and, when known, how
    many gave each score 1..4 (``counts``; ``None`` when only SQL COUNT/SUM were read)."""

    n: int = 0
    total: int = 0
    counts: tuple[int, int, int, int] | None = (0, 0, 0, 0)

    def __post_init__(self):
        if self.n < 0 or not (self.n <= self.total <= 4 * self.n):
            raise ValueError(f"{self.n} answers of 1–4 cannot sum to {self.total}")
        if self.counts is not None and (sum(self.counts) != self.n or any(c < 0 for c in self.counts)
                                        or sum(s * c for s, c in zip(SCORES, self.counts)) != self.total):
            raise ValueError(f"counts {self.counts} do not match n={self.n}, total={self.total}")

    @classmethod
    def from_counts(cls, counts: Iterable[int]) -> Tally:
        c = tuple(int(x) for x in counts)
        if len(c) != 4:
            raise ValueError("counts are for the four scores 1..4")
        return cls(sum(c), sum(s * x for s, x in zip(SCORES, c)), c)  # type: ignore[arg-type]

    @classmethod
    def from_sum(cls, n: int, total: int) -> Tally:
        return cls(int(n), int(total), None)

    def add(self, score: int) -> Tally:
        if isinstance(score, bool) or score not in SCORES:
            raise ValueError(f"score must be 1–4, not {score!r}")
        counts = None
        if self.counts is not None:
            c = list(self.counts)
            c[score - 1] += 1
            counts = tuple(c)
        return Tally(self.n + 1, self.total + score, counts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class UnsurResult:
    code: str
    n: int
    total: int
    nrr: Fraction | None            # mean 1..4
    weighted: Fraction | None       # nrr x weight
    value: Fraction | None          # nrr x 25 (the unsur's own converted value)
    grade: Grade | None
    counts: tuple[int, int, int, int] | None

    def nrr_rounded(self, places: int = 2) -> Decimal | None:
        return None if self.nrr is None else to_decimal(self.nrr, places)

    def value_rounded(self) -> Decimal | None:
        return None if self.value is None else to_decimal(self.value)


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    unsur: tuple[UnsurResult, ...]
    exact: Fraction | None          # the index before rounding
    index: Decimal | None           # two decimals, half up
    grade: Grade | None
    weakest: tuple[str, ...]        # unsur codes with the lowest NRR (several when tied)

    def by_code(self) -> dict[str, UnsurResult]:
        return {u.code: u for u in self.unsur}


def tally(responses: Iterable[Mapping[str, int]]) -> dict[str, Tally]:
    """Count the scores of many questionnaires (each a mapping U1..U9 -> 1..4; missing unsur skipped)."""
    out = {code: Tally() for code in UNSUR_CODES}
    for r in responses:
        for code in UNSUR_CODES:
            if code in r and r[code] is not None:
                out[code] = out[code].add(r[code])
    return out


def compute(tallies: Mapping[str, Tally], respondents: int, *, weight: Fraction = WEIGHT) -> IkmResult:
    """The index of one period (office, service ...) from its per-unsur tallies."""
    results = []
    for code in UNSUR_CODES:
        t = tallies.get(code, Tally())
        if t.n:
            nrr = Fraction(t.total, t.n)
            value = nrr * SCALE
            results.append(UnsurResult(code, t.n, t.total, nrr, nrr * weight, value, grade(value), t.counts))
        else:
            results.append(UnsurResult(code, 0, 0, None, None, None, None, t.counts))
    if respondents and all(r.nrr is not None for r in results):
        exact = sum((r.weighted for r in results), Fraction(0)) * SCALE  # type: ignore[misc]
        index = to_decimal(exact)
        g = grade(index) if index >= Decimal("25.00") else None
        low = min(r.nrr for r in results)  # type: ignore[type-var]
        weakest = tuple(r.code for r in results if r.nrr == low)
    else:
        exact, index, g, weakest = None, None, None, ()
    return IkmResult(respondents, tuple(results), exact, index, g, weakest)
