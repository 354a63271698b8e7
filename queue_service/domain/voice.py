"""An office's own recorded clips: which file is which part, and what kind of audio it holds. Pure Python.

A clip set is one file per part of the announcement (``queue_service.domain.speech.VOICE_PARTS``), named after
the part: ``nomor-antrean.ogg``, ``huruf-b.mp3``, ``empat.wav``, ``chime.ogg``... uploaded one by one or together
in a zip. The type is read from the bytes (never trusted from the name or the browser), and must match the
file's extension; the formats are those every Chromium plays: WAV, Ogg (Vorbis or Opus), MP3, FLAC, WebM.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from queue_service.domain.speech import VOICE_PARTS

#: content type -> the extensions a file of that type may have
AUDIO_TYPES: dict[str, tuple[str, ...]] = {
    "audio/ogg": (".ogg", ".oga", ".opus"),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "audio/flac": (".flac",),
    "audio/webm": (".webm",),
}
EXTENSIONS = tuple(ext for exts in AUDIO_TYPES.values() for ext in exts)
#: a zip of a whole set holds at most this many entries (a complete set is 47 files)
MAX_ZIP_ENTRIES = 200

_NAME = re.compile(r"^([a-z0-9-]+)(\.[a-z0-9]+)$")


class ClipError(ValueError):
    """A file of an upload that cannot be used: ``name`` is the file, ``code`` says why (one of
    :data:`ERROR_CODES`; the web layer turns it into a sentence in the reader's language), ``params`` the
    figures for that sentence."""

    def __init__(self, name: str, code: str, **params):
        if code not in ERROR_CODES:
            raise ValueError(code)
        super().__init__(f"{name}: {code} {params or ''}".strip())
        self.name, self.code, self.params = name, code, params


ERROR_CODES = ("bad_name", "not_a_part", "bad_extension", "empty", "too_big", "not_audio", "type_mismatch",
               "bad_zip", "empty_zip", "too_many", "zip_too_big", "duplicate", "unreadable", "several")


@dataclass(frozen=True)
class Clip:
    part: str
    content_type: str
    data: bytes
    filename: str


def sniff_audio(data: bytes) -> str | None:
    """The audio type of ``data`` from its first bytes, or None when it is no audio file we accept."""
    head = data[:16]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "audio/webm"
    if head[:3] == b"ID3":
        return "audio/mpeg"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
        return "audio/mpeg"  # an MPEG audio frame header (layer bits set)
    return None


def part_of(filename: str) -> tuple[str, str]:
    """``"Huruf-B.OGG"`` -> ``("huruf-b", ".ogg")``; a folder in front is ignored. Raises ClipError for a name
    that is no part of the announcement."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    match = _NAME.match(base.lower())
    if not match:
        raise ClipError(base or filename, "bad_name")
    part, ext = match.groups()
    if part not in VOICE_PARTS:
        raise ClipError(base, "not_a_part")
    if ext not in EXTENSIONS:
        raise ClipError(base, "bad_extension", types=", ".join(EXTENSIONS))
    return part, ext


def check_clip(filename: str, data: bytes, max_bytes: int) -> Clip:
    """One uploaded file as a clip, or ClipError saying what is wrong with it."""
    part, ext = part_of(filename)
    if not data:
        raise ClipError(filename, "empty")
    if len(data) > max_bytes:
        raise ClipError(filename, "too_big", size=len(data) // 1024, limit=max_bytes // 1024)
    kind = sniff_audio(data)
    if kind is None:
        raise ClipError(filename, "not_audio")
    if ext not in AUDIO_TYPES[kind]:
        raise ClipError(filename, "type_mismatch", kind=kind, ext=ext)
    return Clip(part=part, content_type=kind, data=data, filename=filename)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def clips_from_zip(data: bytes, max_clip_bytes: int, max_total_bytes: int) -> list[Clip]:
    """The clips of a zip of a clip set. Folders are ignored; everything else must be a valid clip (the whole
    zip is refused otherwise, naming each bad file). Sizes are checked before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ClipError("zip", "bad_zip") from None
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()
                   and not e.filename.replace("\\", "/").rsplit("/", 1)[-1].startswith(".")
                   and "__MACOSX/" not in e.filename]
        if not entries:
            raise ClipError("zip", "empty_zip")
        if len(entries) > MAX_ZIP_ENTRIES:
            raise ClipError("zip", "too_many", n=len(entries), limit=MAX_ZIP_ENTRIES)
        if sum(e.file_size for e in entries) > max_total_bytes:
            raise ClipError("zip", "zip_too_big", limit=max_total_bytes // 1024)
        clips, errors, seen = [], [], {}
        for entry in entries:
            try:
                part, _ = part_of(entry.filename)
                if part in seen:
                    raise ClipError(entry.filename, "duplicate", part=part, other=seen[part])
                seen[part] = entry.filename
                if entry.file_size > max_clip_bytes:
                    raise ClipError(entry.filename, "too_big", size=entry.file_size // 1024,
                                    limit=max_clip_bytes // 1024)
                with archive.open(entry) as fh:
                    body = fh.read(max_clip_bytes + 1)  # the header may lie about the size: read no more
                clips.append(check_clip(entry.filename, body, max_clip_bytes))
            except ClipError as exc:
                errors.append(exc)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                errors.append(ClipError(entry.filename, "unreadable"))
        if errors:
            raise ZipErrors(errors)
        return clips


class ZipErrors(ClipError):
    """Several files of a zip are wrong: ``errors`` lists each."""

    def __init__(self, errors: list[ClipError]):
        super().__init__("zip", "several", n=len(errors))
        self.errors = errors
