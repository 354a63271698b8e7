"""One-time form numbers: a form that records something is stored once, however often it is sent.

The page hands out a random number with the form; the view spends it in the transaction that stores the
form (:func:`use_form_nonce`). A second submission with the same number (a double click, a reload after a
slow answer, the browser's "resend") finds it spent and stores nothing. Numbers of forms that failed
validation are not spent (the transaction rolled back), so correcting and sending again works.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from queue_service.models import FormNonce

#: spent numbers are forgotten after this long (a form left open longer is sent with a fresh page)
KEEP = timedelta(days=2)


def use_form_nonce(session: Session, nonce: str | None, now: datetime) -> bool:
    """Spend ``nonce`` in the caller's transaction. False when it was spent already (nothing to store);
    True when it is fresh, or when the form carried none (a script: idempotency is then its own business)."""
    if not nonce:
        return True
    session.execute(delete(FormNonce).where(FormNonce.used_at < now - KEEP))
    try:
        with session.begin_nested():
            session.add(FormNonce(nonce=nonce[:64], used_at=now))
    except IntegrityError:
        return False
    return True
