"""An office's own recorded announcement clips (Administrasi → kantor → Suara): upload one file per part or a
zip, checked by their bytes; served to the office's displays with the right content type; a manager of another
office can neither see nor replace them; missing parts fall back to the shipped clips."""
from __future__ import annotations

import io
import json
import math
import re
import struct
import wave
import zipfile
from html import unescape

import pytest
from sqlalchemy import func, select

from queue_service.extensions import db
from queue_service.models import Office, VoiceClip
from queue_service.voice import DEFAULT_OUT
from tests.admin.conftest import sign_in

SHIPPED_B = (DEFAULT_OUT / "huruf-b.ogg").read_bytes()


def tone_wav(freq: float = 440.0, seconds: float = 0.4, rate: int = 16000) -> bytes:
    """A real WAV file: a sine tone, as a phone's recorder would save a word."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * freq * i / rate)))
                               for i in range(int(rate * seconds))))
    return buf.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def upload(client, files: list[tuple[bytes, str]], code: str = "BKS"):
    return client.post(f"/admin/offices/{code}/voice", content_type="multipart/form-data",
                       data={"clips": [(io.BytesIO(data), name) for data, name in files]})


def display_config(app, demo) -> dict:
    tv = app.test_client()
    token = next(d["token"] for d in demo["devices"] if d["kind"] == "display")
    assert tv.get(f"/display/BKS/pair?token={token}").status_code == 302
    html = tv.get("/display/BKS").get_data(as_text=True)
    return json.loads(re.search(r'id="display-config">(.*?)</script>', html, re.S).group(1)), tv


def stored(app, code: str = "BKS") -> dict[str, tuple[str, int]]:
    """The recordings of office ``code``: part -> (content type, size)."""
    with app.app_context():
        rows = db.session.execute(select(VoiceClip.part, VoiceClip.content_type, VoiceClip.size).join(
            Office, Office.id == VoiceClip.office_id).where(Office.code == code)).all()
        db.session.remove()
    return {part: (kind, size) for part, kind, size in rows}


def test_a_manager_uploads_a_zip_and_the_display_plays_it(admin_app, demo, as_manager):
    page = as_manager.get("/admin/offices/BKS/voice")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "0 dari 47 direkam kantor" in html and "huruf-b" in html and "silakan-menuju-loket" in html
    recorded = tone_wav()
    r = upload(as_manager, [(zipped({"rekaman/nomor-antrean.wav": recorded, "rekaman/huruf-b.ogg": SHIPPED_B,
                                     "__MACOSX/._x": b"junk"}), "suara kantor.zip")])
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert stored(admin_app) == {"nomor-antrean": ("audio/wav", len(recorded)), "huruf-b": ("audio/ogg", len(SHIPPED_B))}
    html = as_manager.get("/admin/offices/BKS/voice").get_data(as_text=True)
    assert "2 rekaman disimpan" in html and "2 dari 47 direkam kantor" in html

    cfg, tv = display_config(admin_app, demo)
    clips = cfg["voice"]["clips"]
    assert clips["nomor-antrean"].startswith("/voice/BKS/nomor-antrean?v=")
    assert clips["empat"] == "/static/voice/id/empat.ogg"  # not recorded: the shipped clip
    assert cfg["voice"]["shipped"] == {"nomor-antrean": "/static/voice/id/nomor-antrean.ogg",
                                       "huruf-b": "/static/voice/id/huruf-b.ogg"}
    assert cfg["voice"]["prefer_browser_voice"] is False
    # the display (its paired cookie) gets the bytes with the stored content type, cacheable by version
    r = tv.get(clips["nomor-antrean"])
    assert r.status_code == 200 and r.data == recorded and r.headers["Content-Type"] == "audio/wav"
    assert "immutable" in r.headers["Cache-Control"] and "private" in r.headers["Cache-Control"]
    assert tv.get(clips["nomor-antrean"], headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    partial = tv.get(clips["nomor-antrean"], headers={"Range": "bytes=0-3"})
    assert partial.status_code == 206 and partial.data == b"RIFF"
    # a part the office has not recorded: its URL leads to the shipped clip
    r = tv.get("/voice/BKS/empat")
    assert r.status_code == 302 and r.headers["Location"].endswith("/static/voice/id/empat.ogg")
    assert tv.get("/voice/BKS/halo").status_code == 404

    # replacing one part keeps the other; deleting brings the shipped clip back
    assert upload(as_manager, [(tone_wav(660), "Huruf-B.WAV")]).status_code == 302
    assert stored(admin_app)["huruf-b"][0] == "audio/wav" and "nomor-antrean" in stored(admin_app)
    assert as_manager.post("/admin/offices/BKS/voice/huruf-b/delete").status_code == 302
    assert set(stored(admin_app)) == {"nomor-antrean"}
    assert as_manager.post("/admin/offices/BKS/voice/delete-all").status_code == 302
    assert stored(admin_app) == {}
    cfg, _ = display_config(admin_app, demo)
    assert cfg["voice"]["clips"]["nomor-antrean"] == "/static/voice/id/nomor-antrean.ogg"


@pytest.mark.parametrize(("files", "says"), [
    ([(b"hello, this is text and not sound", "empat.ogg")], "isinya bukan audio"),
    ([(SHIPPED_B, "empat.mp3")], "tidak cocok dengan akhiran .mp3"),
    ([(SHIPPED_B, "halo.ogg")], "bukan nama bagian kalimat"),
    ([(SHIPPED_B, "huruf-b.txt")], "jenis berkas tidak didukung"),
    ([(SHIPPED_B, "../../etc/huruf b.ogg")], "nama berkas tidak dikenal"),
    ([(b"", "empat.ogg")], "berkas kosong"),
    ([(b"PK\x03\x04 broken", "set.zip")], "bukan berkas zip yang utuh"),
    ([(zipped({"a/huruf-b.ogg": SHIPPED_B, "b/huruf-b.wav": tone_wav()}), "set.zip")], "dikirim dua kali"),
    ([(SHIPPED_B, "huruf-b.ogg"), (zipped({"huruf-b.ogg": SHIPPED_B}), "set.zip")], "dikirim dua kali"),
    ([(zipped({"empat.ogg": SHIPPED_B, "lima.ogg": b"nope"}), "set.zip")], "isinya bukan audio"),
    ([(zipped({}), "kosong.zip")], "zip tidak berisi berkas"),
    ([(b"\x00" * (600 * 1024), "empat.wav")], "terlalu besar"),
    ([], "Pilih satu berkas"),
])
def test_bad_uploads_are_refused_with_a_reason_and_nothing_changes(admin_app, demo, as_manager, files, says):
    assert upload(as_manager, [(tone_wav(), "satu.wav")]).status_code == 302  # the office's set before
    before = stored(admin_app)
    r = upload(as_manager, files)
    assert r.status_code == 422
    html = unescape(r.get_data(as_text=True))
    assert says in html, html[html.find("form-errors"):][:1500]
    assert "Tidak ada yang disimpan" in html or "Pilih satu berkas" in html
    assert stored(admin_app) == before


def test_a_zip_bomb_and_an_oversized_request_are_refused(admin_app, demo, as_manager):
    admin_app.config["VOICE_UPLOAD_MAX_BYTES"] = 256 * 1024
    bomb = zipped({"empat.wav": b"RIFF" + b"\x00" * (2 * 1024 * 1024)})  # 2 MB unpacked, a few KB packed
    assert len(bomb) < 64 * 1024
    r = upload(as_manager, [(bomb, "set.zip")])
    assert r.status_code == 422 and "terlalu besar" in unescape(r.get_data(as_text=True))
    r = upload(as_manager, [(b"\x00" * (400 * 1024), "empat.wav")])
    assert r.status_code == 413  # larger than the upload limit: refused before it is read
    assert stored(admin_app) == {}


def test_another_offices_manager_cannot_see_or_replace_the_voice(admin_app, demo, other_office):
    stranger = admin_app.test_client()
    r = stranger.post("/login", data={"username": "manajer_tmh", "password": "rahasia-tomohon-1"})
    assert r.status_code == 302
    assert stranger.get("/admin/offices/BKS/voice").status_code == 403
    assert upload(stranger, [(SHIPPED_B, "huruf-b.ogg")]).status_code == 403
    assert stranger.post("/admin/offices/BKS/voice/settings", data={"prefer_browser_voice": "y"}).status_code == 403
    assert stranger.post("/admin/offices/BKS/voice/delete-all").status_code == 403
    assert stranger.get("/voice/BKS/huruf-b").status_code == 403
    assert stored(admin_app) == {}
    # their own office is theirs
    assert upload(stranger, [(SHIPPED_B, "huruf-b.ogg")], code="TMH").status_code == 302
    manager = sign_in(admin_app, demo, "manajer")
    assert manager.get("/voice/TMH/huruf-b").status_code == 403
    assert manager.post("/admin/offices/TMH/voice/huruf-b/delete").status_code == 403
    with admin_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VoiceClip)) == 1
        db.session.remove()
    # a clerk plays the clips but does not manage them; nobody else gets them
    clerk = sign_in(admin_app, demo, "petugas1")
    assert clerk.get("/admin/offices/BKS/voice").status_code == 403
    assert clerk.get("/voice/BKS/huruf-b").status_code == 302
    anonymous = admin_app.test_client().get("/voice/BKS/huruf-b")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    assert upload(admin_app.test_client(), [(SHIPPED_B, "huruf-b.ogg")]).status_code == 401
    assert stored(admin_app) == {}


def test_the_office_chooses_a_browser_voice_where_one_exists(admin_app, demo, as_manager):
    r = as_manager.post("/admin/offices/BKS/voice/settings", data={"prefer_browser_voice": "y"})
    assert r.status_code == 302
    with admin_app.app_context():
        assert db.session.scalar(select(Office.prefer_browser_voice).where(Office.code == "BKS")) is True
        db.session.remove()
    cfg, _ = display_config(admin_app, demo)
    assert cfg["voice"]["prefer_browser_voice"] is True
    assert as_manager.post("/admin/offices/BKS/voice/settings", data={}).status_code == 302
    cfg, _ = display_config(admin_app, demo)
    assert cfg["voice"]["prefer_browser_voice"] is False
    html = as_manager.get("/admin/offices/BKS/voice").get_data(as_text=True)
    assert 'id="prefer_browser_voice"' in html


def test_the_shipped_clips_download_as_a_zip_of_every_part(admin_app, demo, as_manager):
    from queue_service.domain.speech import VOICE_PARTS
    r = as_manager.get("/admin/offices/BKS/voice/shipped.zip")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    assert sorted(names) == sorted([f"{p}.ogg" for p in VOICE_PARTS] + ["README.md"])


@pytest.mark.slow
def test_concurrent_uploads_of_the_same_parts_leave_one_recording_each(any_app):
    """Six managers' browsers upload the same parts at once (SQLite and PostgreSQL): every upload is answered
    (saved, or 409 "try again"), never a 500, and each part ends with exactly one recording, one of those sent."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import seed
    demo = seed(any_app)
    any_app.config["WTF_CSRF_ENABLED"] = False
    clients = [sign_in(any_app, demo, "manajer") for _ in range(6)]
    sent = [tone_wav(300 + 50 * i) for i in range(6)]

    def go(i):
        return upload(clients[i], [(zipped({"huruf-b.wav": sent[i], "empat.wav": sent[i]}), f"set{i}.zip")])

    with ThreadPoolExecutor(6) as pool:
        answers = [r.status_code for r in pool.map(go, range(6))]
    assert set(answers) <= {302, 409} and answers.count(302) >= 1, answers
    with any_app.app_context():
        rows = db.session.execute(select(VoiceClip.part, VoiceClip.data)).all()
        db.session.remove()
    assert sorted(part for part, _ in rows) == ["empat", "huruf-b"]
    assert all(data in sent for _, data in rows)
