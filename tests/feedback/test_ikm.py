"""IKM arithmetic (PermenPANRB 14/2017): NRR per unsur, index, grade, weakest unsur."""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback import ikm
from feedback.questionnaire import UNSUR_CODES


def _all(score):
    return {c: score for c in UNSUR_CODES}


def test_worked_example_by_hand():
    # 4 questionnaires; U1..U8 average 3.5, U9 averages 2.75:
    # sum NRR = 8 x 3.5 + 2.75 = 30.75; IKM = 30.75 / 9 x 25 = 85.4166... -> 85.42, grade B, weakest U9
    responses = []
    for u9, other in ((2, (4, 3)), (3, (3, 4)), (3, (4, 3)), (3, (3, 4))):
        r = {c: other[i % 2] for i, c in enumerate(UNSUR_CODES[:8])}
        r["U9"] = u9
        responses.append(r)
    result = ikm.compute(ikm.tally(responses), len(responses))
    by = result.by_code()
    assert by["U1"].nrr == Fraction(7, 2) and by["U9"].nrr == Fraction(11, 4)
    assert by["U9"].counts == (0, 1, 3, 0)
    assert by["U9"].weighted == Fraction(11, 36)
    assert result.exact == Fraction(3075, 36)
    assert result.index == Decimal("85.42")
    assert result.grade.letter == "B" and result.grade.label_id == "Baik"
    assert result.weakest == ("U9",)
    assert by["U9"].value_rounded() == Decimal("68.75") and by["U9"].grade.letter == "C"


def test_all_fours_is_100_and_all_ones_is_25():
    top = ikm.compute(ikm.tally([_all(4)] * 3), 3)
    assert top.index == Decimal("100.00") and top.grade.letter == "A"
    assert top.weakest == UNSUR_CODES  # all tied
    bottom = ikm.compute(ikm.tally([_all(1)]), 1)
    assert bottom.index == Decimal("25.00") and bottom.grade.letter == "D"


def test_the_examples_rounded_weight_lowers_the_index_by_one_percent():
    result = ikm.compute(ikm.tally([_all(4)]), 1, weight=Fraction(11, 100))
    assert result.index == Decimal("99.00")


def test_an_exact_half_rounds_up_where_float_rounding_would_not():
    # 8 questionnaires whose 72 scores sum to 81 (63 ones, 9 twos): IKM = 81 / 72 x 25 = 28.125 exactly
    responses = [_all(1) for _ in range(8)]
    responses[0] = _all(2)
    result = ikm.compute(ikm.tally(responses), 8)
    assert result.exact == Fraction(225, 8)
    assert round(28.125, 2) == 28.12          # what float rounding would print
    assert result.index == Decimal("28.13")   # half up, as the regulation's two-decimal table reads


@pytest.mark.parametrize("value,letter", [
    ("100", "A"), ("88.31", "A"), ("88.305", "A"), ("88.3049", "B"), ("88.30", "B"), ("76.61", "B"),
    ("76.605", "B"), ("76.60", "C"), ("65.00", "C"), ("64.995", "C"), ("64.99", "D"), ("25", "D"),
])
def test_grade_boundaries(value, letter):
    assert ikm.grade(Decimal(value)).letter == letter


def test_grades_agree_with_the_regulations_nrr_intervals():
    # the regulation's table on the 1-4 scale, converted x 25
    for nrr, letter in (("3.5324", "A"), ("4.00", "A"), ("3.532", "B"), ("3.0644", "B"), ("3.064", "C"),
                        ("2.60", "C"), ("2.5996", "D"), ("1.00", "D")):
        assert ikm.grade(Decimal(nrr) * 25).letter == letter, nrr


def test_grade_labels_and_floats():
    assert [g.label_id for g in ikm.GRADES] == ["Sangat Baik", "Baik", "Kurang Baik", "Tidak Baik"]
    assert ikm.grade(88.305).letter == "A"   # a float is read by its decimal text, not its binary value
    with pytest.raises(ValueError):
        ikm.grade(Decimal("24.99"))
    with pytest.raises(ValueError):
        ikm.grade(Decimal("100.01"))


def test_no_respondents_or_an_unanswered_unsur_gives_no_index():
    empty = ikm.compute(ikm.tally([]), 0)
    assert empty.index is None and empty.grade is None and empty.weakest == ()
    assert all(u.nrr is None for u in empty.unsur)
    partial = {c: 3 for c in UNSUR_CODES[:8]}
    r = ikm.compute(ikm.tally([partial]), 1)
    assert r.index is None and r.by_code()["U1"].nrr == 3


def test_tallies_from_sql_sums_give_the_same_index():
    responses = [_all(3), _all(4), {**_all(2), "U3": 1}]
    counted = ikm.compute(ikm.tally(responses), 3)
    summed = ikm.compute({c: ikm.Tally.from_sum(t.n, t.total) for c, t in ikm.tally(responses).items()}, 3)
    assert counted.index == summed.index and counted.weakest == summed.weakest == ("U3",)
    assert summed.by_code()["U1"].counts is None


@pytest.mark.parametrize("bad", [0, 5, -1, True, "3", 2.5])
def test_a_score_outside_1_to_4_is_refused(bad):
    with pytest.raises(ValueError):
        ikm.tally([{"U1": bad}])


def test_impossible_tallies_are_refused():
    with pytest.raises(ValueError):
        ikm.Tally.from_sum(2, 9)          # two answers cannot sum to 9
    with pytest.raises(ValueError):
        ikm.Tally(2, 5, (1, 0, 0, 0))     # counts disagree with n
    with pytest.raises(ValueError):
        ikm.Tally.from_counts((1, 2, 3))
    assert ikm.Tally.from_counts((1, 0, 2, 1)) == ikm.Tally(4, 11, (1, 0, 2, 1))


answers = st.fixed_dictionaries({c: st.integers(1, 4) for c in UNSUR_CODES})


@given(st.lists(answers, min_size=1, max_size=60))
def test_index_is_the_mean_of_all_scores_times_25(responses):
    result = ikm.compute(ikm.tally(responses), len(responses))
    grand = sum(sum(r.values()) for r in responses)
    assert result.exact == Fraction(grand, 9 * len(responses)) * 25
    assert Decimal("25.00") <= result.index <= Decimal("100.00")
    assert result.grade == ikm.grade(result.index)
    low = min(u.nrr for u in result.unsur)
    assert result.weakest and all(result.by_code()[c].nrr == low for c in result.weakest)
    assert all(u.nrr > low for u in result.unsur if u.code not in result.weakest)


@given(st.fractions(min_value=0, max_value=10_000, max_denominator=10_000))
def test_to_decimal_rounds_half_up_exactly(f):
    d = ikm.to_decimal(f)
    assert abs(Fraction(d) - f) <= Fraction(1, 200)
    # half-way cases go up
    if (f * 100).denominator == 2:
        assert Fraction(d) > f
