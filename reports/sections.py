"""Report sections: how features add their part to the figures page and the monthly report.

Phase-A home of the contract in /work/SIGNALS/figures-interface.md; it moves to the core's extension-point
module (``queue_service.hooks``) so that features can register without importing ``reports``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app


@dataclass(frozen=True)
class ReportContext:
    office: Any  # the Office row
    start: date
    end: date  # inclusive
    now: datetime
    locale: str
    served: dict[int, int]  # service id (final service) -> tickets served in the period
    served_total: int
    services: list = field(default_factory=list)


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: Any  # str or lazy string
    order: int
    build: Callable[[Any, ReportContext], Any]
    template: str
    export: Callable[[Any], list] | None = None
    places: frozenset[str] = frozenset({"report"})


def register_report_section(app: Flask, section: ReportSection) -> None:
    sections = app.extensions.setdefault("reports", {"sections": [], "turned_away": []})["sections"]
    if any(s.key == section.key for s in sections):
        raise ValueError(f"report section {section.key!r} is registered twice")
    sections.append(section)


def registered(place: str) -> list[ReportSection]:
    sections = current_app.extensions.get("reports", {}).get("sections", [])
    return sorted((s for s in sections if place in s.places), key=lambda s: (s.order, s.key))
