"""Jinja templates of adminduk-queue.

A package only so that a plain ``pip install .`` ships the templates; ``create_app``
finds them through :data:`TEMPLATE_DIR`.
"""
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parent
