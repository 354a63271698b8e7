"""An office's announcement voice: its own recorded clips and whether a browser voice is preferred.

Use cases take a session and ``now`` and never commit (the view owns the transaction). Validation of the files
themselves (names, types, sizes, zips) is pure: ``queue_service.domain.voice``.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, undefer

from queue_service.domain.speech import VOICE_PARTS
from queue_service.domain.voice import Clip
from queue_service.models import Office, VoiceClip


@dataclass(frozen=True)
class ClipInfo:
    part: str
    content_type: str
    size: int
    sha256: str
    filename: str
    uploaded_at: datetime
    uploaded_by: str


def office_clips(session: Session, office: Office) -> dict[str, ClipInfo]:
    """part -> what the office recorded for it (without the bytes)."""
    rows = session.scalars(select(VoiceClip).where(VoiceClip.office_id == office.id)).all()
    return {r.part: ClipInfo(r.part, r.content_type, r.size, r.sha256, r.filename, r.uploaded_at, r.uploaded_by)
            for r in rows}


def save_clips(session: Session, office: Office, clips: list[Clip], *, now: datetime, actor: str) -> list[str]:
    """Store ``clips`` for ``office``, replacing what it had for the same parts. Returns the parts saved."""
    existing = {r.part: r for r in session.scalars(select(VoiceClip).where(VoiceClip.office_id == office.id))}
    saved = []
    for clip in clips:
        if clip.part not in VOICE_PARTS:  # the domain checked it already; never store an unknown part
            raise ValueError(clip.part)
        row = existing.get(clip.part)
        if row is None:
            row = VoiceClip(office_id=office.id, part=clip.part)
            session.add(row)
            existing[clip.part] = row
        row.content_type = clip.content_type
        row.data = clip.data
        row.size = len(clip.data)
        row.sha256 = hashlib.sha256(clip.data).hexdigest()
        row.filename = clip.filename[-200:]
        row.uploaded_at = now
        row.uploaded_by = actor[:80]
        saved.append(clip.part)
    session.flush()
    return saved


def delete_clips(session: Session, office: Office, parts: list[str] | None = None) -> int:
    """Remove the office's recordings of ``parts`` (all of them when None); the shipped clips take over."""
    stmt = delete(VoiceClip).where(VoiceClip.office_id == office.id)
    if parts is not None:
        stmt = stmt.where(VoiceClip.part.in_(parts))
    return session.execute(stmt).rowcount or 0


def clip_bytes(session: Session, office: Office, part: str) -> VoiceClip | None:
    """The office's recording of ``part`` with its bytes, or None."""
    return session.scalar(select(VoiceClip).options(undefer(VoiceClip.data)).where(
        VoiceClip.office_id == office.id, VoiceClip.part == part))


def set_prefer_browser_voice(session: Session, office: Office, prefer: bool) -> None:
    office.prefer_browser_voice = bool(prefer)
    session.flush()
