"""Secrets: password hashing (werkzeug) and high-entropy tokens stored as SHA-256."""
from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash


#: werkzeug's hashing method (scrypt by default); the test suite lowers the cost for speed
HASH_METHOD = "scrypt"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


def check_password(stored_hash: str, password: str) -> bool:
    try:
        return check_password_hash(stored_hash, password)
    except (ValueError, TypeError):
        return False


_DUMMY_HASHES: dict[str, str] = {}


def dummy_password_hash() -> str:
    """A hash of a random password with the current method: checked instead of a real one when the user name
    is unknown, so that signing in takes the same time whether the user exists or not."""
    found = _DUMMY_HASHES.get(HASH_METHOD)
    if found is None:
        found = _DUMMY_HASHES[HASH_METHOD] = hash_password(secrets.token_urlsafe(24))
    return found


def new_token(prefix: str) -> str:
    """A token such as ``kio_3vQ...``; the prefix tells what it is, the rest is 256 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def ticket_token() -> str:
    """Opaque public token of a ticket (the QR code); 128 random bits, nothing personal."""
    return secrets.token_urlsafe(16)
