"""The public status URL of a ticket, built in exactly one place.

Both the kiosk screen and the printed ticket take it from here.
"""
from __future__ import annotations


def status_url(public_base: str, token: str) -> str:
    return f"{public_base.rstrip('/')}/t/{token}"
