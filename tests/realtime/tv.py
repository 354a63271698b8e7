"""Helpers for the waiting-room display tests: an office with any number of services and calls, a Chromium that
may play sound without a tap (as a TV is set up), and a page instrumentation that records what Web Audio plays.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests

from tests.plugins.browser import CHROMIUM_ARGS

#: letters for added services (P is the demo office's priority series)
EXTRA_LETTERS = "IJKLMNOQRSTUVWXYZ"
LONG_NAMES = [
    "Legalisir Dokumen Kependudukan dan Pencatatan Sipil untuk Keperluan Luar Negeri",
    "Konsultasi Administrasi Kependudukan Lainnya",
    "Perubahan Elemen Data Kartu Keluarga (Pendidikan, Pekerjaan, Agama)",
]


@pytest.fixture(scope="session")
def tv_browser(playwright_driver: Any, chromium_executable: str) -> Iterator[Any]:
    """Headless Chromium started as the README tells a TV to run: ``--autoplay-policy=no-user-gesture-required``."""
    b = playwright_driver.chromium.launch(executable_path=chromium_executable, headless=True, timeout=60_000,
                                          args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"])
    try:
        yield b
    finally:
        b.close()


def staff(server, user: str = "petugas2") -> dict:
    return {"Authorization": f"Bearer {server.tokens[user]}"}


def set_services(server, n: int) -> list[str]:
    """The demo office with exactly ``n`` active services (the demo's 8, fewer, or more with long names), each
    served by every counter. Returns the active services' codes in display order."""
    from queue_service.extensions import db
    from queue_service.models import Counter, Office, Service

    with server.app.app_context():
        office = db.session.query(Office).filter_by(code="BKS").one()
        services = list(office.services)
        for i, s in enumerate(services):
            s.active = i < n
        for i in range(len(services), n):
            letter = EXTRA_LETTERS[i - len(services)]
            name = LONG_NAMES[i % len(LONG_NAMES)] if i % 2 else f"Layanan Tambahan {letter}"
            db.session.add(Service(office_id=office.id, code=f"X{letter}", prefix=letter, name_id=name,
                                   name_en=name, sort_order=i, active=True))
        db.session.flush()
        active = [s for s in db.session.query(Service).filter_by(office_id=office.id).order_by(Service.id) if s.active]
        for counter in db.session.query(Counter).filter_by(office_id=office.id):
            counter.services = list(active)
        db.session.commit()
        codes = [s.code for s in active]
        db.session.remove()
    return codes


def issue(server, service: str, user: str = "petugas2") -> dict:
    r = requests.post(f"{server.url}/api/v1/offices/BKS/tickets", json={"service": service},
                      headers=staff(server, user), timeout=20)
    assert r.status_code == 201, r.text
    return r.json()


def call_next(server, counter_number: int) -> dict:
    counter = next(c for c in server.demo["counters"] if c["number"] == counter_number)
    r = requests.post(f"{server.url}/api/v1/counters/{counter['id']}/call-next", headers=staff(server, "petugas1"),
                      timeout=20)
    assert r.status_code == 200, r.text
    return r.json()


def pair(page, server) -> None:
    page.goto(f"{server.url}/display/BKS/pair?token={server.tokens['display']}")
    page.wait_for_selector('#conn[data-state="connected"]', timeout=20_000)


#: Records, in the page, every clip Web Audio starts: the URL it was fetched from, its decoded length and loudness
#: (RMS and peak of the real decoded samples), when it was scheduled and the context's state; and taps every
#: connection to the speakers with an AnalyserNode, so ``window.__outputPeak`` is the loudest sample that actually
#: reached the output. Nothing of the app is replaced: the real methods run.
INSTRUMENT_AUDIO = r"""
(() => {
  window.__played = [];
  window.__outputPeak = 0;
  window.__spoken = [];
  const urlOf = new WeakMap();
  const arrayBuffer = Response.prototype.arrayBuffer;
  Response.prototype.arrayBuffer = function () {
    const url = this.url;
    return arrayBuffer.call(this).then((buf) => { urlOf.set(buf, url); return buf; });
  };
  const decode = BaseAudioContext.prototype.decodeAudioData;
  BaseAudioContext.prototype.decodeAudioData = function (buf, ...rest) {
    const url = urlOf.get(buf);
    return decode.call(this, buf, ...rest).then((audio) => {
      audio.__url = url;
      window.__decoded = (window.__decoded || 0) + 1;
      return audio;
    });
  };
  const taps = new WeakMap();
  window.__contexts = [];
  function tap(ctx) {
    if (taps.has(ctx)) { return taps.get(ctx); }
    window.__contexts.push(ctx);
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    const samples = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      for (const x of samples) { const a = Math.abs(x); if (a > window.__outputPeak) { window.__outputPeak = a; } }
    }, 15);
    taps.set(ctx, analyser);
    return analyser;
  }
  const connect = AudioNode.prototype.connect;
  AudioNode.prototype.connect = function (dest, ...rest) {
    const out = connect.call(this, dest, ...rest);
    if (dest instanceof AudioDestinationNode) { connect.call(this, tap(this.context)); }
    return out;
  };
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (when, ...rest) {
    const b = this.buffer;
    let peak = 0, sum = 0, n = 0;
    if (b) {
      for (let c = 0; c < b.numberOfChannels; c++) {
        const d = b.getChannelData(c);
        for (let i = 0; i < d.length; i++) { const a = Math.abs(d[i]); if (a > peak) { peak = a; } sum += d[i] * d[i]; n++; }
      }
    }
    window.__played.push({url: b ? b.__url : null, duration: b ? b.duration : 0, rms: n ? Math.sqrt(sum / n) : 0,
                          peak: peak, when: when, state: this.context.state});
    return start.call(this, when, ...rest);
  };
})();
"""

#: a browser that has an Indonesian voice (Debian's Chromium has none): speechSynthesis answers one id-ID voice and
#: records what it is asked to say
FAKE_ID_VOICE = r"""
(() => {
  const voice = {name: "Bahasa Indonesia (test)", lang: "id-ID", default: true, localService: true, voiceURI: "id"};
  const synth = window.speechSynthesis;
  // a real utterance accepts only the browser's own voice objects: let it hold this one
  Object.defineProperty(SpeechSynthesisUtterance.prototype, "voice", {
    configurable: true, get() { return this.__voice || null; }, set(v) { this.__voice = v; }});
  Object.defineProperty(synth, "getVoices", {value: () => [voice]});
  Object.defineProperty(synth, "speak", {value: (u) => {
    (window.__spoken = window.__spoken || []).push({text: u.text, lang: u.lang});
    setTimeout(() => { if (u.onend) { u.onend(new Event("end")); } }, 50);
  }});
})();
"""


def clip_names(played: list[dict]) -> list[str]:
    """``[{"url": ".../voice/id/huruf-b.ogg"}, ...]`` -> ``["huruf-b", ...]`` (the office's clips by part too)."""
    out = []
    for p in played:
        url = (p.get("url") or "").split("?")[0]
        out.append(url.rsplit("/", 1)[-1].removesuffix(".ogg"))
    return out
