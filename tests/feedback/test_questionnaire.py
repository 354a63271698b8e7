"""The questionnaire's content and the checking of one submission."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from feedback import questionnaire as q
from feedback.survey import (NOT_A_SCORE, REQUIRED, UNKNOWN_CHOICE, UNKNOWN_FIELD, SurveyInvalid, parse,
                             survey_open)

FULL = {c: "3" for c in q.UNSUR_CODES}


def test_nine_unsur_in_the_regulation_s_order():
    assert [u.name_id for u in q.UNSUR] == [
        "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
        "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
        "Penanganan Pengaduan, Saran, dan Masukan", "Sarana dan Prasarana"]
    assert q.UNSUR_CODES == tuple(f"U{i}" for i in range(1, 10))
    assert q.COMPLAINTS_UNSUR == "U8" and q.BY_CODE["U8"].name_en.startswith("Handling of complaints")


def test_the_sample_questionnaire_s_answer_wording():
    assert q.BY_CODE["U1"].answers_id == ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai")
    assert q.BY_CODE["U4"].answers_id == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert q.BY_CODE["U8"].answers_id == ("Tidak ada", "Ada tetapi tidak berfungsi",
                                          "Berfungsi kurang maksimal", "Dikelola dengan baik")
    assert q.BY_CODE["U9"].answers_id == ("Buruk", "Cukup", "Baik", "Sangat baik")
    assert q.BY_CODE["U3"].question_id.startswith("Bagaimana pendapat Saudara tentang kecepatan waktu")


def test_every_text_has_indonesian_and_english():
    for u in q.UNSUR:
        assert u.question_id and u.question_en and u.question_id != u.question_en
        assert all(u.answers_id) and all(u.answers_en) and len(set(u.answers_en)) == 4
        assert bool(u.hint_id) == bool(u.hint_en)
        assert u.answer(4, "en") == u.answers_en[3] and u.answer(1) == u.answers_id[0]
    for f in q.PROFILE:
        assert f.label_id and f.label_en
        assert all(c.label_id and c.label_en for c in f.choices)
    with pytest.raises(ValueError):
        q.UNSUR[0].answer(5)


def test_profile_is_the_standard_form_s_with_age_in_bands():
    assert q.PROFILE_KEYS == ("gender", "age", "education", "occupation")
    assert q.PROFILE_BY_KEY["gender"].values() == ("L", "P")
    assert q.PROFILE_BY_KEY["education"].values() == ("SD", "SMP", "SMA", "S1", "S2", "S3")
    assert q.PROFILE_BY_KEY["occupation"].values() == ("PNS", "TNI", "POLRI", "SWASTA", "WIRAUSAHA", "LAINNYA")
    assert "60+" in q.PROFILE_BY_KEY["age"].values()


def test_a_complete_submission():
    s = parse({**FULL, "U4": 4, "csrf_token": "x"}, {"gender": "P", "age": "60+", "education": "",
                                                     "occupation": None})
    assert s.scores["U4"] == 4 and s.scores["U1"] == 3
    assert s.profile == {"gender": "P", "age": "60+", "education": None, "occupation": None}


@pytest.mark.parametrize("bad", ["0", "5", "x", "2.5", "03", "३", 0, 5, 3.0, True, [], {}])
def test_a_score_that_is_not_1_to_4_is_named(bad):
    with pytest.raises(SurveyInvalid) as e:
        parse({**FULL, "U2": bad})
    assert e.value.errors == {"U2": NOT_A_SCORE}


def test_missing_answers_are_each_named():
    with pytest.raises(SurveyInvalid) as e:
        parse({"U1": "2", "U2": "  "})
    assert e.value.errors == {c: REQUIRED for c in q.UNSUR_CODES if c != "U1"}


def test_a_profile_value_not_on_the_form():
    with pytest.raises(SurveyInvalid) as e:
        parse(FULL, {"gender": "X", "age": "37"})
    assert e.value.errors == {"gender": UNKNOWN_CHOICE, "age": UNKNOWN_CHOICE}


def test_strict_mode_refuses_unknown_fields():
    parse({**FULL, "extra": "1"})  # forms carry other fields
    with pytest.raises(SurveyInvalid) as e:
        parse({**FULL, "U10": "1"}, {"nik": "3201010101900001"}, strict_fields=True)
    assert e.value.errors == {"U10": UNKNOWN_FIELD, "nik": UNKNOWN_FIELD}


def test_survey_open_only_for_served_tickets_within_the_window():
    t = datetime(2026, 1, 5, 3, 0, tzinfo=timezone.utc)
    w = timedelta(days=7)
    assert survey_open("done", t, t, w)
    assert survey_open("done", t, t + w, w)
    assert not survey_open("done", t, t + w + timedelta(seconds=1), w)
    assert not survey_open("done", None, t, w)
    for status in ("waiting", "called", "serving", "no_show", "cancelled", "expired"):
        assert not survey_open(status, t, t, w)
