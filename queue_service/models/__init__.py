"""SQLAlchemy models of the queue core. Feature packages keep their own models
(``printjobs.models``, ``inventory.models``) on the same metadata."""
from queue_service.models.base import Base, UTCDateTime
from queue_service.models.core import (
    ApiToken,
    Counter,
    Device,
    FormNonce,
    JobLease,
    LoginFailure,
    Office,
    Service,
    Setting,
    Ticket,
    TicketEvent,
    TicketSequence,
    User,
    WaitEstimate,
    counter_services,
    user_offices,
)
from queue_service.models.voice import VoiceClip

__all__ = [
    "Base", "UTCDateTime", "ApiToken", "Counter", "Device", "FormNonce", "JobLease", "LoginFailure", "Office", "Service",
    "Setting", "Ticket", "TicketEvent", "TicketSequence", "User", "VoiceClip", "WaitEstimate", "counter_services",
    "user_offices",
]
