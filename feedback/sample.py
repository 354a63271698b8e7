"""Minimum sample size of the IKM survey (pure).

PermenPANRB 14/2017 takes the minimum number of respondents from the Krejcie and Morgan table
(Krejcie & Morgan 1970, "Determining sample size for research activities"), whose entries come from

    s = X² N P (1 − P) / (d² (N − 1) + X² P (1 − P))

with X² = 3.841 (chi-square, 1 degree of freedom, 95 %), P = 0.5 (the population proportion that gives the
largest sample) and d = 0.05 (margin of error). The table rounds s to the nearest whole respondent; this
module computes the formula exactly (decimal arithmetic, round half up), so any N works, not only the
table's rows. N is the number of citizens served in the survey period.

``tests/feedback/test_sample.py`` checks the formula against every row of the published table (Krejcie &
Morgan 1970, Table 1: N = 10 ... 1,000,000, 90 rows, e.g. 100 -> 80, 1,000 -> 278, 10,000 -> 370,
1,000,000 -> 384): all agree with round-half-up.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CHI_SQUARE = Decimal("3.841")
PROPORTION = Decimal("0.5")
MARGIN = Decimal("0.05")


def krejcie_morgan(population: int) -> Decimal:
    """The formula's exact value for a population of ``population`` (not rounded)."""
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise ValueError(f"population must be a whole number >= 0, not {population!r}")
    if population == 0:
        return Decimal(0)
    n = Decimal(population)
    pq = PROPORTION * (1 - PROPORTION)
    return CHI_SQUARE * n * pq / (MARGIN * MARGIN * (n - 1) + CHI_SQUARE * pq)


def minimum_sample(population: int) -> int:
    """Minimum respondents for ``population`` citizens served (never more than the population)."""
    s = int(krejcie_morgan(population).to_integral_value(rounding=ROUND_HALF_UP))
    return min(s, population)


def sample_sufficient(respondents: int, population: int) -> bool:
    """Whether ``respondents`` reach the minimum for ``population`` (an empty period needs none)."""
    return respondents >= minimum_sample(population)
