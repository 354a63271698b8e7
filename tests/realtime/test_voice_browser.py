"""A call is heard on a real TV: Debian's Chromium has no speech voice at all, so the display joins recorded clips
with the Web Audio API. Checked in headless Chromium started as the README tells a TV to run
(``--autoplay-policy=no-user-gesture-required``), with the page instrumented (``tests/realtime/tv.py``) to record
each clip Web Audio starts (its URL, its real decoded samples) and the loudest sample that reached the output."""
from __future__ import annotations

import io
import math
import struct
import wave
import zipfile
from datetime import datetime, timezone

import pytest

from queue_service.domain.speech import VOICE_PARTS, announcement, announcement_parts
from tests.plugins.browser import wait_js, assert_accessible, save_artifact
from tests.realtime.tv import (
    FAKE_ID_VOICE,
    INSTRUMENT_AUDIO,
    call_next,
    clip_names,
    issue,
    pair,
    tv_browser,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.slow

B041 = ["chime", "nomor-antrean", "huruf-b", "nol", "empat", "puluh", "satu", "silakan-menuju-loket", "tiga"]


def _office(app, **changes):
    from queue_service.extensions import db
    from queue_service.models import Office
    with app.app_context():
        office = db.session.query(Office).filter_by(code="BKS").one()
        for k, v in changes.items():
            setattr(office, k, v)
        db.session.commit()
        db.session.remove()


def _next_number(app, series: str, number: int) -> None:
    """The next ticket of ``series`` today gets ``number`` (as after a busy morning)."""
    from queue_service.domain.clock import office_day
    from queue_service.extensions import db
    from queue_service.models import Office, TicketSequence
    with app.app_context():
        office = db.session.query(Office).filter_by(code="BKS").one()
        day = office_day(datetime.now(timezone.utc), office.timezone)
        db.session.merge(TicketSequence(office_id=office.id, series=series, service_day=day, last_number=number - 1,
                                        issued=0, regular_streak=0))
        db.session.commit()
        db.session.remove()


def _tv(browser, server, *scripts):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    for script in scripts:
        ctx.add_init_script(script)
    page = ctx.new_page()
    pair(page, server)
    # every clip fetched and decoded before the first call (the display preloads them)
    wait_js(page, f"() => (window.__decoded || 0) >= {len(VOICE_PARTS)}", timeout=30_000)
    return ctx, page


def _played(page, n: int, timeout: float = 60_000) -> list[dict]:
    wait_js(page, f"() => window.__played.length >= {n}", timeout=timeout)
    return page.evaluate("() => window.__played")


def _assert_back_to_back(played: list[dict]) -> None:
    for a, b in zip(played, played[1:]):
        assert a["when"] + a["duration"] <= b["when"] + 1e-3, (a, b)  # never two clips at once


def test_a_call_is_announced_from_clips_when_the_browser_has_no_voice(live_server, tv_browser):
    s = live_server
    _office(s.app, prefer_browser_voice=True)  # preferred, but there is no voice to use
    _next_number(s.app, "B", 41)
    ctx, page = _tv(tv_browser, s, INSTRUMENT_AUDIO)
    try:
        assert page.evaluate("() => speechSynthesis.getVoices().length") == 0  # Debian's Chromium: no voice
        ticket = issue(s, "CETAK")
        assert ticket["code"] == "B-041"
        called = call_next(s, 3)
        assert (called["code"], called["counter"]["number"]) == ("B-041", 3)
        played = _played(page, len(B041))
        assert clip_names(played) == B041
        assert all("/static/voice/id/" in p["url"] for p in played)  # the shipped clips
        for p in played:  # real decoded audio, not silence, on a running context
            assert p["state"] == "running" and p["duration"] > 0.15 and p["rms"] > 0.05 and p["peak"] > 0.3, p
        _assert_back_to_back(played)
        # and it reached the speakers: the analyser on the output saw the samples
        wait_js(page, "() => window.__outputPeak > 0.2", timeout=30_000)
        assert page.inner_text("#now-code").strip() == "B-041"
        assert page.evaluate("() => window.__spoken.length") == 0
        assert page.is_hidden("#sound-button")
        save_artifact(page, "display-announcing-B-041")
    finally:
        ctx.close()


def test_three_calls_in_one_second_are_each_announced_in_full_and_in_order(live_server, tv_browser):
    s = live_server
    ctx, page = _tv(tv_browser, s, INSTRUMENT_AUDIO)
    try:
        for service in ("REKAM", "KK", "CETAK"):
            issue(s, service)
        calls = [call_next(s, n) for n in (1, 4, 3)]  # three counters within a second
        expected = []
        for c in calls:
            expected += ["chime", *announcement_parts(c["code"], c["counter"]["number"])]
        played = _played(page, len(expected), timeout=90_000)
        assert clip_names(played) == expected
        _assert_back_to_back(played)
        wait_js(page, "() => document.body.getAttribute('data-announced') === '3'")
        wait_js(page, "c => document.getElementById('now-code').textContent.trim() === c",
                               arg=calls[-1]["code"], timeout=30_000)
    finally:
        ctx.close()


def test_the_browser_voice_is_used_only_where_one_exists_and_the_office_prefers_it(live_server, tv_browser):
    s = live_server
    for service in ("REKAM", "KK"):
        issue(s, service)
    # a browser with an id-ID voice, office not preferring it: the clips
    ctx, page = _tv(tv_browser, s, INSTRUMENT_AUDIO, FAKE_ID_VOICE)
    try:
        first = call_next(s, 1)
        played = _played(page, 1 + len(announcement_parts(first["code"], 1)))
        assert clip_names(played)[1:] == announcement_parts(first["code"], 1)
        assert page.evaluate("() => window.__spoken.length") == 0
    finally:
        ctx.close()
    # the office prefers it: the chime, then the browser's voice says the sentence
    _office(s.app, prefer_browser_voice=True)
    ctx, page = _tv(tv_browser, s, INSTRUMENT_AUDIO, FAKE_ID_VOICE)
    try:
        second = call_next(s, 4)
        wait_js(page, "() => window.__spoken.length >= 1", timeout=30_000)
        spoken = page.evaluate("() => window.__spoken")
        assert spoken == [{"text": announcement(second["code"], 4), "lang": "id-ID"}]
        assert spoken[0]["text"] == "Nomor antrean C nol nol satu, silakan menuju loket empat"
        assert clip_names(page.evaluate("() => window.__played")) == ["chime"]
    finally:
        ctx.close()


def _tone_wav(freq=523.0, seconds=0.35, rate=22050) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(16000 * math.sin(2 * math.pi * freq * i / rate)))
                               for i in range(int(rate * seconds))))
    return buf.getvalue()


def test_an_offices_own_recording_is_played_and_a_bad_one_falls_back(live_server, tv_browser):
    from queue_service.domain.voice import Clip
    from queue_service.extensions import db
    from queue_service.models import Office
    from queue_service.services.voice import save_clips
    s = live_server
    with s.app.app_context():
        office = db.session.query(Office).filter_by(code="BKS").one()
        save_clips(db.session, office, [
            Clip("huruf-b", "audio/wav", _tone_wav(), "huruf-b.wav"),
            # an Ogg header and nothing playable behind it: the browser cannot decode it
            Clip("empat", "audio/ogg", b"OggS" + b"\x00" * 400, "empat.ogg"),
        ], now=datetime.now(timezone.utc), actor="test")
        db.session.commit()
        db.session.remove()
    _next_number(s.app, "B", 41)
    ctx, page = _tv(tv_browser, s, INSTRUMENT_AUDIO)
    try:
        issue(s, "CETAK")
        call_next(s, 3)
        played = _played(page, len(B041))
        assert clip_names(played) == B041
        urls = {name: p["url"] for name, p in zip(B041, played)}
        assert "/voice/BKS/huruf-b?v=" in urls["huruf-b"]  # the office's recording
        assert urls["empat"].endswith("/static/voice/id/empat.ogg")  # its broken one: the shipped clip
        assert urls["nol"].endswith("/static/voice/id/nol.ogg")  # not recorded: the shipped clip
        b = played[B041.index("huruf-b")]
        assert abs(b["duration"] - 0.35) < 0.05 and b["rms"] > 0.2  # the tone we recorded
        _assert_back_to_back(played)
    finally:
        ctx.close()


def test_a_manager_uploads_recordings_from_the_admin_page(live_server, a11y_page, tmp_path):
    """The Suara page in Chromium: choose a zip, upload, see which parts are the office's; axe finds nothing serious."""
    s, page = live_server, a11y_page
    recording = tmp_path / "rekaman kantor.zip"
    with zipfile.ZipFile(recording, "w") as z:
        z.writestr("huruf-b.wav", _tone_wav())
        z.writestr("nomor-antrean.wav", _tone_wav(392.0, 0.8))
    s.login(page, "manajer")
    page.wait_for_load_state()
    page.goto(f"{s.url}/admin/offices/BKS/")
    page.get_by_role("link", name="Suara panggilan").click()
    page.wait_for_url("**/admin/offices/BKS/voice")
    assert_accessible(page, artifact="voice-admin-a11y")
    page.set_input_files("#clips", str(recording))
    page.get_by_role("button", name="Unggah", exact=True).click()
    page.wait_for_url("**/admin/offices/BKS/voice")
    assert "2 rekaman disimpan" in page.inner_text(".flash")
    assert page.get_attribute("#part-huruf-b", "data-source") == "office"
    assert page.get_attribute("#part-empat", "data-source") == "shipped"
    # a wrong file: nothing stored, the reason next to the file's name
    bad = tmp_path / "empat.mp3"
    bad.write_bytes(b"just text, not a recording")
    page.set_input_files("#clips", str(bad))
    page.get_by_role("button", name="Unggah", exact=True).click()
    assert "isinya bukan audio" in page.inner_text("#upload-errors")
    assert page.get_attribute("#part-empat", "data-source") == "shipped"
    assert_accessible(page, artifact="voice-admin-errors-a11y")
    save_artifact(page, "voice-admin")
