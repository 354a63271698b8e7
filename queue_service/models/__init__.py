"""SQLAlchemy models of the queue core. Feature packages keep their own models
(``printers.models``, ``inventory.models``) on the same metadata."""
from queue_service.models.base import Base, UTCDateTime
from queue_service.models.core import (
    ApiToken,
    Counter,
    Device,
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

__all__ = [
    "Base", "UTCDateTime", "ApiToken", "Counter", "Device", "JobLease", "LoginFailure", "Office", "Service", "Setting", "Ticket",
    "TicketEvent", "TicketSequence", "User", "WaitEstimate", "counter_services", "user_offices",
]
