"""An office's own recorded announcement clips (one row per part; the shipped clips fill the gaps)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from queue_service.models.base import Base, UTCDateTime


class VoiceClip(Base):
    """A recording of one part of the announcement (``queue_service.domain.speech.VOICE_PARTS``) for one office.

    Kept in the database (a few KB each, 47 at most per office) so that every process of a deployment serves
    the same set and a backup holds it; the bytes are loaded only when the clip itself is served."""

    __tablename__ = "voice_clip"
    __table_args__ = (UniqueConstraint("office_id", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(40))
    #: read from the bytes at upload (audio/ogg, audio/mpeg, audio/wav, audio/flac, audio/webm)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    #: SHA-256 of the bytes: the clip's ETag and the version in its URL
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    filename: Mapped[str] = mapped_column(String(200), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(80), default="")
