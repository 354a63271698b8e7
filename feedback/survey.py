"""Checking one survey submission and when a ticket may be surveyed (pure: no Flask, no SQLAlchemy).

A submission must answer all nine unsur with a whole number 1–4 (the standard form has no "don't know";
an incomplete form would make the unsur's respondent counts differ and the index incomparable between
periods). The profile is optional: every field may be left empty, but a value given must be one of the
form's choices.

Errors carry a *code* per field, not a sentence: the web layer turns codes into translated messages.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from feedback.questionnaire import PROFILE, SCORES, UNSUR_CODES

#: error codes
REQUIRED = "required"
NOT_A_SCORE = "not_a_score"
UNKNOWN_CHOICE = "unknown_choice"
UNKNOWN_FIELD = "unknown_field"


class SurveyInvalid(ValueError):
    """The submission is not a complete, valid questionnaire. ``errors`` maps field -> code."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in sorted(errors.items())))


@dataclass(frozen=True)
class Submission:
    scores: dict[str, int]           # U1..U9 -> 1..4
    profile: dict[str, str | None]   # gender/age/education/occupation -> choice value or None


def _score(value: object) -> int | None:
    """1..4 from an int or a decimal string like "3"; anything else (0, 5, 2.5, "x", True) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        n = value
    elif isinstance(value, str):
        text = value.strip()
        if not (len(text) == 1 and text in "1234"):
            return None
        n = int(text)
    else:
        return None
    return n if n in SCORES else None


def parse(scores: Mapping[str, object], profile: Mapping[str, object] | None = None,
          *, strict_fields: bool = False) -> Submission:
    """Validate a submission. ``scores`` maps unsur code -> score (int or "1".."4"); ``profile`` maps
    profile key -> choice value ("" / None = not given). With ``strict_fields`` (the JSON API) unknown keys
    are errors too; HTML forms carry other fields (csrf_token) and leave it off."""
    errors: dict[str, str] = {}
    out_scores: dict[str, int] = {}
    for code in UNSUR_CODES:
        raw = scores.get(code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            errors[code] = REQUIRED
            continue
        n = _score(raw)
        if n is None:
            errors[code] = NOT_A_SCORE
        else:
            out_scores[code] = n
    out_profile: dict[str, str | None] = {}
    profile = profile or {}
    for field in PROFILE:
        raw = profile.get(field.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            out_profile[field.key] = None
        elif isinstance(raw, str) and raw.strip() in field.values():
            out_profile[field.key] = raw.strip()
        else:
            errors[field.key] = UNKNOWN_CHOICE
    if strict_fields:
        for key in scores:
            if key not in UNSUR_CODES:
                errors[str(key)] = UNKNOWN_FIELD
        for key in profile:
            if key not in out_profile and key not in errors:
                errors[str(key)] = UNKNOWN_FIELD
    if errors:
        raise SurveyInvalid(errors)
    return Submission(out_scores, out_profile)


def survey_open(status: str, finished_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """A ticket may be surveyed once it is finished (served: status ``done``) and for ``window`` after
    that. No-shows, cancelled and expired tickets were not served, so they are never surveyed."""
    if status != "done" or finished_at is None:
        return False
    return finished_at <= now <= finished_at + window
