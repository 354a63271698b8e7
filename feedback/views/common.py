"""What the feedback views share: translated messages for the error codes of the pure modules, the view models
of the questionnaire and the complaint form, a complaint as the citizen sees it, and the IKM chart."""
from __future__ import annotations

from flask import current_app, request
from flask_babel import format_date, gettext as _
from markupsafe import Markup

from feedback import complaints as rules
from feedback import privacy
from feedback import survey as survey_rules
from feedback.chart import ikm_bars
from feedback.limits import keyed_hash
from feedback.questionnaire import BY_CODE, PROFILE, UNSUR
from feedback.services import complaints as complaint_svc


def locale() -> str:
    from flask_babel import get_locale
    return str(get_locale() or "id")[:2]


def survey_messages() -> dict[str, str]:
    return {survey_rules.REQUIRED: _("Pilih salah satu jawaban."),
            survey_rules.NOT_A_SCORE: _("Jawaban harus salah satu dari pilihan 1 sampai 4."),
            survey_rules.UNKNOWN_CHOICE: _("Pilihan ini tidak dikenal; pilih salah satu yang tersedia."),
            survey_rules.UNKNOWN_FIELD: _("Isian ini tidak dikenal.")}


def complaint_messages(limit: int | None = None) -> dict[str, str]:
    return {privacy.REQUIRED: _("Bagian ini wajib diisi."),
            privacy.TOO_LONG: _("Terlalu panjang: paling banyak %(n)s karakter.", n=limit or complaint_svc.TEXT_MAX),
            privacy.CONTROL_CHARS: _("Teks berisi karakter tersembunyi yang tidak diizinkan; ketik ulang teksnya."),
            privacy.BAD_CONTACT: _("Tulis nomor HP Indonesia (mis. 0812 3456 7890) atau alamat email yang benar, "
                                   "atau kosongkan."),
            complaint_svc.UNKNOWN_CHOICE: _("Pilih salah satu pilihan yang tersedia.")}


def questionnaire(values: dict | None = None, errors: dict | None = None) -> dict:
    errors = errors or {}
    return {"unsur": UNSUR, "profile": PROFILE, "given": values or {}, "errors": errors,
            "messages": survey_messages(), "locale": locale(),
            "profile_open": any(f.key in errors for f in PROFILE)}


def complaint_form(action: str, keep_days: int, values: dict | None = None, errors: dict | None = None,
                   limit: int | None = None) -> dict:
    loc = locale()
    return {"action": action, "given": values or {}, "errors": errors or {},
            "messages": complaint_messages(limit), "keep_days": keep_days,
            "kinds": [(k.value, rules.KIND_LABELS[k][1 if loc == "en" else 0]) for k in rules.Kind],
            "categories": [(c.code, c.label(loc)) for c in rules.CATEGORIES], "text_max": complaint_svc.TEXT_MAX}


def state_label(state: str) -> str:
    return rules.STATE_LABELS[rules.State(state)][1 if locale() == "en" else 0]


def kind_label(kind: str) -> str:
    return rules.KIND_LABELS[rules.Kind(kind)][1 if locale() == "en" else 0]


def category_label(code: str) -> str:
    return rules.CATEGORY_BY_CODE[code].label(locale())


def citizen_complaint(c) -> dict:
    """A complaint as the citizen sees it (no staff names, no contact)."""
    return {"reference": complaint_svc.reference_of(c), "kind_label": kind_label(c.kind),
            "state_label": state_label(c.state), "category_label": category_label(c.category),
            "received": format_date(c.received_day, "medium"), "text": c.text, "answer": c.answer,
            "answered": format_date(c.answered_at.date(), "medium") if c.answered_at else "",
            "due": format_date(c.due_day, "long")}


def limit_keys(ticket_id: int) -> list:
    secret = current_app.config["SECRET_KEY"]
    address = request.remote_addr or "unknown"
    return [(keyed_hash(secret, "feedback-address", address), complaint_svc.ADDRESS_LIMIT),
            (keyed_hash(secret, "feedback-ticket", str(ticket_id)), complaint_svc.TICKET_LIMIT)]


def ikm_chart(data) -> Markup:
    """The nine bars of an IKM section (``feedback.report.IkmSection`` or an ``IkmReport``)."""
    report = getattr(data, "report", data)
    loc = locale()
    weakest = set(report.overall.weakest or ())
    rows = [(u.code, BY_CODE[u.code].name(loc), u.value_rounded() if u.nrr is not None else None,
             u.code in weakest) for u in report.overall.unsur]
    return Markup(ikm_bars(f"ikm-{report.office_id}", rows, title=_("Nilai IKM per unsur"),
                           desc=_("Nilai konversi (25–100) setiap unsur pelayanan; garis menandai batas mutu."),
                           no_data=_("belum ada jawaban"), decimal_mark="." if loc == "en" else ","))
