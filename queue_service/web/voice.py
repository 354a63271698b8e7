"""The announcement voice: an office's own recorded clips (Administrasi → kantor → Suara) and the clips served
to its displays.

* ``GET /admin/offices/<code>/voice``: every part of the sentence, whether the office recorded it or the shipped
  espeak-ng clip is used, a player for each; upload (one file per part, or a zip), delete, and the office's choice
  to prefer a browser id-ID voice where one exists. Managers of the office and admins; another office's manager
  gets 403.
* ``GET /voice/<code>/<part>``: an office's recording of one part, with its stored content type (displays of the
  office and its staff); a redirect to the shipped clip where the office recorded none.
* :func:`display_voice`: what a display needs to know (the URL of each clip, the office's recording where there is
  one, else the shipped clip; whether to prefer the browser's voice).
"""
from __future__ import annotations

import io
import zipfile

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, MultipleFileField

from queue_service.domain.speech import SPOKEN_PARTS, VOICE_PARTS
from queue_service.domain.voice import EXTENSIONS, ClipError, ZipErrors, check_clip, clips_from_zip, is_zip
from queue_service.clock import now
from queue_service.extensions import db
from queue_service.models import Office
from queue_service.services import voice as uc
from queue_service.voice import DEFAULT_OUT, EXTENSION
from queue_service.web.access import accessible_office, principal, require
from queue_service.web.formats import moment

bp = Blueprint("voice", __name__)

SHIPPED_FOLDER = "voice/id"

CLIP_ERRORS = {
    "bad_name": _l("nama berkas tidak dikenal: beri nama sesuai bagian kalimat, misalnya huruf-b.ogg atau "
                   "empat.mp3"),
    "not_a_part": _l("bukan nama bagian kalimat panggilan (lihat daftar di bawah)"),
    "bad_extension": _l("jenis berkas tidak didukung; gunakan %(types)s"),
    "empty": _l("berkas kosong"),
    "too_big": _l("terlalu besar (%(size)s KB; paling besar %(limit)s KB)"),
    "not_audio": _l("isinya bukan audio WAV, Ogg, MP3, FLAC atau WebM"),
    "type_mismatch": _l("isinya %(kind)s, tidak cocok dengan akhiran %(ext)s"),
    "bad_zip": _l("bukan berkas zip yang utuh"),
    "empty_zip": _l("zip tidak berisi berkas"),
    "too_many": _l("terlalu banyak berkas (%(n)s; paling banyak %(limit)s)"),
    "zip_too_big": _l("isi zip terlalu besar setelah dibuka (paling besar %(limit)s KB)"),
    "duplicate": _l("bagian %(part)s dikirim dua kali (juga dalam %(other)s)"),
    "unreadable": _l("tidak bisa dibuka dari zip (rusak atau bersandi)"),
    "several": _l("%(n)s berkas tidak bisa dipakai"),
}


class UploadForm(FlaskForm):
    clips = MultipleFileField(_l("Berkas rekaman atau zip"), description=_l(
        "Satu berkas per bagian kalimat, dinamai seperti di daftar (misalnya huruf-b.mp3), atau satu zip berisi "
        "berkas-berkas itu. WAV, Ogg, MP3, FLAC atau WebM."))


class SettingsForm(FlaskForm):
    prefer_browser_voice = BooleanField(_l("Gunakan suara bahasa Indonesia bawaan browser bila tersedia"),
                                        description=_l(
        "Bila browser layar punya suara id-ID, kalimat dibacakan dengan suara itu; bila tidak (Chromium di Debian "
        "tidak punya suara sama sekali), rekaman di bawah tetap dipakai."))


def _message(exc: ClipError) -> str:
    text = str(CLIP_ERRORS[exc.code])
    return text % exc.params if exc.params else text


def _errors(exc: ClipError) -> list[dict]:
    if isinstance(exc, ZipErrors):
        return [{"name": e.name, "message": _message(e)} for e in exc.errors]
    return [{"name": exc.name, "message": _message(exc)}]


def _limits() -> tuple[int, int]:
    cfg = current_app.config
    return int(cfg.get("VOICE_CLIP_MAX_BYTES", 512 * 1024)), int(cfg.get("VOICE_UPLOAD_MAX_BYTES", 16 * 1024 * 1024))


@bp.url_value_preprocessor
def _upload_limit(endpoint, values):
    # runs before every before_request hook, among them the CSRF check that reads the form: a clip set is
    # larger than the site-wide MAX_CONTENT_LENGTH, so its upload gets its own (bigger) limit
    if endpoint == "voice.upload":
        request.max_content_length = _limits()[1] + 64 * 1024


def _page(office: Office, upload: UploadForm, settings: SettingsForm, errors: list[dict] | None = None,
          status: int = 200):
    recorded = uc.office_clips(db.session, office)
    locale = str(get_locale() or "id")
    rows = [{"part": part, "says": SPOKEN_PARTS[part], "clip": recorded.get(part),
             "url": clip_url(office, part, recorded.get(part)),
             "uploaded": moment(recorded[part].uploaded_at, office) if part in recorded else "",
             "size": format_decimal(recorded[part].size / 1024, "#,##0.0", locale=locale) if part in recorded else ""}
            for part in VOICE_PARTS]
    clip_max, upload_max = _limits()
    return render_template("admin/voice.html", office=office, rows=rows, upload=upload, settings=settings,
                           errors=errors or [], recorded=len(recorded), extensions=", ".join(EXTENSIONS),
                           clip_max_kb=clip_max // 1024, upload_max_mb=upload_max // (1024 * 1024)), status


@bp.get("/admin/offices/<code>/voice")
@require(roles=("manager",))
def page(code: str):
    office = accessible_office(code)
    return _page(office, UploadForm(), SettingsForm(prefer_browser_voice=office.prefer_browser_voice))


@bp.post("/admin/offices/<code>/voice")
@require(roles=("manager",))
def upload(code: str):
    office = accessible_office(code)
    form = UploadForm()
    settings = SettingsForm(formdata=None, prefer_browser_voice=office.prefer_browser_voice)
    files = [f for f in request.files.getlist("clips") if f and f.filename]
    if not files:
        form.clips.errors = [_("Pilih satu berkas rekaman atau lebih, atau satu zip.")]
        return _page(office, form, settings, status=422)
    clip_max, upload_max = _limits()
    clips, errors, seen = [], [], {}
    for f in files:
        data = f.read(upload_max + 1)
        try:
            if is_zip(data) or f.filename.lower().endswith(".zip"):
                found = clips_from_zip(data, clip_max, upload_max)
            else:
                found = [check_clip(f.filename, data, clip_max)]
            for clip in found:
                if clip.part in seen:
                    raise ClipError(clip.filename, "duplicate", part=clip.part, other=seen[clip.part])
                seen[clip.part] = clip.filename
                clips.append(clip)
        except ClipError as exc:
            errors += _errors(exc)
    if errors:  # all or nothing: a set half replaced is worse than the old set
        form.clips.errors = [_("Tidak ada yang disimpan. Perbaiki berkas berikut lalu unggah lagi.")]
        return _page(office, form, settings, errors=errors, status=422)
    for attempt in (1, 2):
        try:
            saved = uc.save_clips(db.session, office, clips, now=now(), actor=principal().actor)
            db.session.commit()
            break
        except IntegrityError:  # another upload stored the same part meanwhile: replace it, once
            db.session.rollback()
            if attempt == 2:
                abort(409, description=_("Rekaman yang sama baru saja diunggah dari tempat lain. Coba lagi."))
    flash(_("%(n)s rekaman disimpan: %(parts)s. Layar memakainya setelah dimuat ulang.", n=len(saved),
            parts=", ".join(saved)))
    return redirect(url_for("voice.page", code=office.code))


@bp.post("/admin/offices/<code>/voice/settings")
@require(roles=("manager",))
def settings(code: str):
    office = accessible_office(code)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _page(office, UploadForm(formdata=None), form, status=422)
    uc.set_prefer_browser_voice(db.session, office, form.prefer_browser_voice.data)
    db.session.commit()
    flash(_("Pengaturan suara disimpan."))
    return redirect(url_for("voice.page", code=office.code))


@bp.post("/admin/offices/<code>/voice/<part>/delete")
@require(roles=("manager",))
def delete(code: str, part: str):
    office = accessible_office(code)
    if part not in VOICE_PARTS:
        abort(404)
    uc.delete_clips(db.session, office, [part])
    db.session.commit()
    flash(_("Rekaman %(part)s dihapus; klip bawaan dipakai lagi.", part=part))
    return redirect(url_for("voice.page", code=office.code))


@bp.post("/admin/offices/<code>/voice/delete-all")
@require(roles=("manager",))
def delete_all(code: str):
    office = accessible_office(code)
    n = uc.delete_clips(db.session, office)
    db.session.commit()
    flash(_("%(n)s rekaman dihapus; klip bawaan dipakai lagi.", n=n))
    return redirect(url_for("voice.page", code=office.code))


@bp.get("/admin/offices/<code>/voice/shipped.zip")
@require(roles=("manager",))
def shipped_zip(code: str):
    """The shipped clips as a zip: the names to record, and an example of each."""
    accessible_office(code)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for part in VOICE_PARTS:
            z.write(DEFAULT_OUT / f"{part}{EXTENSION}", f"{part}{EXTENSION}")
        z.write(DEFAULT_OUT.parent / "README.md", "README.md")
    buf.seek(0)
    return send_file(buf, mimetype="application/zip", as_attachment=True, download_name="suara-bawaan.zip")


@bp.get("/voice/<code>/<part>")
@require(roles=("clerk", "manager"), devices=("display",))
def clip(code: str, part: str):
    office = accessible_office(code)
    if part not in VOICE_PARTS:
        abort(404)
    row = uc.clip_bytes(db.session, office, part)
    if row is None:  # not recorded by the office: the shipped clip says it
        return redirect(clip_url(office, part, None))
    versioned = request.args.get("v") == row.sha256[:16]
    response = send_file(io.BytesIO(row.data), mimetype=row.content_type, etag=row.sha256, conditional=True,
                         max_age=31_536_000 if versioned else 0, download_name=f"{part}")
    response.cache_control.private = True
    response.cache_control.public = False
    if versioned:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def clip_url(office: Office, part: str, recorded) -> str:
    if recorded is not None:
        return url_for("voice.clip", code=office.code, part=part, v=recorded.sha256[:16])
    return url_for("static", filename=f"{SHIPPED_FOLDER}/{part}{EXTENSION}")


def display_voice(office: Office) -> dict:
    """For the display's configuration: every clip's URL (the office's recording where there is one) and the
    shipped clip of each part (used when a recording cannot be played), and the office's voice preference."""
    recorded = uc.office_clips(db.session, office)
    return {
        "prefer_browser_voice": bool(office.prefer_browser_voice),
        "clips": {part: clip_url(office, part, recorded.get(part)) for part in VOICE_PARTS},
        "shipped": {part: clip_url(office, part, None) for part in recorded},
    }
