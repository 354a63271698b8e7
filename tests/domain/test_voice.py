"""The announcement as clips: which clips say a call, the shipped Indonesian set, and what an office may upload."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from queue_service.domain.speech import (
    LETTER_NAMES,
    SPOKEN_PARTS,
    VOICE_PARTS,
    announcement,
    announcement_parts,
)
from queue_service.domain.voice import (
    ClipError,
    ZipErrors,
    check_clip,
    clips_from_zip,
    part_of,
    sniff_audio,
)
from tests.plugins.servers import missing_service

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "queue_service" / "static" / "voice" / "id"


def test_b041_at_counter_3_in_words_and_in_clips():
    assert announcement("B-041", 3) == "Nomor antrean B nol empat puluh satu, silakan menuju loket tiga"
    assert announcement_parts("B-041", 3) == ["nomor-antrean", "huruf-b", "nol", "empat", "puluh", "satu",
                                              "silakan-menuju-loket", "tiga"]
    assert announcement_parts("KK-112", 12) == ["nomor-antrean", "huruf-k", "huruf-k", "seratus", "dua", "belas",
                                                "silakan-menuju-loket", "dua", "belas"]
    with pytest.raises(ValueError):
        announcement_parts("B-04x", 3)


def _said(parts: list[str]) -> str:
    return " ".join(SPOKEN_PARTS[p] for p in parts)


@given(prefix=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=2),
       digits=st.text(alphabet="0123456789", min_size=1, max_size=6), counter=st.integers(1, 999))
def test_the_clips_say_the_announcement_word_for_word(prefix, digits, counter):
    code = f"{prefix}-{digits}" if prefix else digits
    parts = announcement_parts(code, counter)
    assert all(p in VOICE_PARTS for p in parts)
    text = announcement(code, counter).lower().replace(",", "")
    # the text names each letter ("b"); the clip says its Indonesian name ("be")
    expected = " ".join(LETTER_NAMES[w.upper()] if len(w) == 1 and w.isalpha() else w for w in text.split())
    assert _said(parts) == expected


def test_every_part_is_shipped_as_a_small_ogg_with_its_licence():
    files = {p.stem: p for p in SHIPPED.glob("*.ogg")}
    assert set(files) == set(VOICE_PARTS), set(VOICE_PARTS) ^ set(files)
    total = 0
    for part, path in files.items():
        data = path.read_bytes()
        assert sniff_audio(data) == "audio/ogg", part
        assert 2_000 < len(data) < 20_000, (part, len(data))
        total += len(data)
    assert total < 400 * 1024, total
    readme = (SHIPPED.parent / "README.md").read_text()
    assert "GPL-3.0-or-later" in readme and "espeak-ng" in readme and "python -m queue_service.voice build" in readme
    assert "GPL-3.0-or-later" in (ROOT / "README.md").read_text()


def test_the_clips_are_made_by_the_build_script(tmp_path):
    """``python -m queue_service.voice build`` (espeak-ng's Indonesian voice, then SoX) makes audible Ogg clips."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            missing_service(f"{tool} is not installed (apt-get install -y espeak-ng sox)")
    out = subprocess.run([sys.executable, "-m", "queue_service.voice", "build", "--out", str(tmp_path),
                          "huruf-b", "empat", "chime"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for part in ("huruf-b", "empat", "chime"):
        path = tmp_path / f"{part}.ogg"
        assert sniff_audio(path.read_bytes()) == "audio/ogg"
        seconds = float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True).stdout)
        assert 0.15 < seconds < 3.0, (part, seconds)
        stat = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True).stderr
        rms = float(re.search(r"RMS\s+amplitude:\s+([\d.]+)", stat).group(1))
        assert rms > 0.05, (part, rms)  # speech, not silence
    listing = subprocess.run([sys.executable, "-m", "queue_service.voice", "list"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60).stdout
    assert "huruf-b.ogg" in listing and "be" in listing and len(listing.splitlines()) == len(VOICE_PARTS)


def test_audio_is_recognised_by_its_bytes():
    assert sniff_audio(b"RIFF\x24\x00\x00\x00WAVEfmt ") == "audio/wav"
    assert sniff_audio(b"OggS\x00\x02") == "audio/ogg"
    assert sniff_audio(b"ID3\x04\x00") == "audio/mpeg"
    assert sniff_audio(b"\xff\xfb\x90\x64") == "audio/mpeg"  # an MPEG-1 layer III frame
    assert sniff_audio(b"fLaC\x00") == "audio/flac"
    assert sniff_audio(b"\x1a\x45\xdf\xa3\x01") == "audio/webm"
    for junk in (b"", b"<html>", b"PK\x03\x04", b"\xff\xd8\xff\xe0JFIF", b"%PDF-1.7"):
        assert sniff_audio(junk) is None


def test_file_names_say_the_part():
    assert part_of("Huruf-B.OGG") == ("huruf-b", ".ogg")
    assert part_of("rekaman/suara/empat.mp3") == ("empat", ".mp3")
    assert part_of("C:\\rekaman\\nol.wav") == ("nol", ".wav")
    for name, code in [("halo.ogg", "not_a_part"), ("huruf-b.exe", "bad_extension"), ("huruf b.ogg", "bad_name"),
                       ("", "bad_name"), (".ogg", "bad_name"), ("huruf-b", "bad_name")]:
        with pytest.raises(ClipError) as info:
            part_of(name)
        assert info.value.code == code, name


def test_a_clip_must_be_audio_of_the_type_its_name_says_and_not_too_big():
    ogg = (SHIPPED / "empat.ogg").read_bytes()
    clip = check_clip("empat.ogg", ogg, 64 * 1024)
    assert (clip.part, clip.content_type, clip.data) == ("empat", "audio/ogg", ogg)
    for name, data, limit, code in [("empat.mp3", ogg, 64 * 1024, "type_mismatch"),
                                    ("empat.ogg", b"text", 64 * 1024, "not_audio"),
                                    ("empat.ogg", b"", 64 * 1024, "empty"),
                                    ("empat.ogg", ogg, 1024, "too_big")]:
        with pytest.raises(ClipError) as info:
            check_clip(name, data, limit)
        assert info.value.code == code


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_a_set_is_read_with_bounded_sizes():
    ogg = (SHIPPED / "nol.ogg").read_bytes()
    clips = clips_from_zip(_zip({"set/nol.ogg": ogg, "set/": b"", "set/.DS_Store": b"x", "satu.ogg": ogg}),
                           64 * 1024, 1024 * 1024)
    assert sorted(c.part for c in clips) == ["nol", "satu"]
    with pytest.raises(ZipErrors) as info:
        clips_from_zip(_zip({"nol.ogg": ogg, "x/nol.ogg": ogg, "halo.ogg": ogg}), 64 * 1024, 1024 * 1024)
    assert sorted(e.code for e in info.value.errors) == ["duplicate", "not_a_part"]
    with pytest.raises(ClipError) as info:  # unpacks to more than the limit: refused before unpacking
        clips_from_zip(_zip({"nol.wav": b"RIFF" + b"\x00" * 300_000}), 512 * 1024, 100_000)
    assert info.value.code == "zip_too_big"
    with pytest.raises(ClipError) as info:
        clips_from_zip(_zip({f"{i}.ogg": ogg for i in range(201)}), 64 * 1024, 10**9)
    assert info.value.code == "too_many"
    with pytest.raises(ClipError) as info:
        clips_from_zip(b"PK\x03\x04 not really", 64 * 1024, 10**6)
    assert info.value.code == "bad_zip"
