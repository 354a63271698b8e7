"""Wait estimates count booked citizens still to come (issue 14): an expected arrival whose queue place is
ahead of a ticket lengthens its wait by one service, times the chance the citizen comes; it gets no estimate
and no place in "people ahead" of its own."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from queue_service.domain.eta import CounterState, QueueSnapshot, WaitingTicket, estimate

NOW = datetime(2026, 1, 5, 2, 5, tzinfo=timezone.utc)  # 09:05 WIB
SERVICE = 1


def _snapshot(*extra: WaitingTicket) -> QueueSnapshot:
    ticket = WaitingTicket(7, SERVICE, NOW + timedelta(minutes=5))  # queued 09:10
    return QueueSnapshot(now=NOW, counters=[CounterState(1, frozenset({SERVICE}))], waiting=[ticket, *extra],
                         service_times={SERVICE: [600.0] * 20})  # every service takes 10 minutes


def _booked(show: float) -> WaitingTicket:  # a booking at 09:00, not checked in yet
    return WaitingTicket(-1, SERVICE, NOW - timedelta(minutes=5), expected=True, show=show)


def test_a_booked_arrival_ahead_lengthens_the_wait_by_one_service():
    assert estimate(_snapshot(), runs=200)[7].mean_min == pytest.approx(0.0)
    assert estimate(_snapshot(_booked(1.0)), runs=200)[7].mean_min == pytest.approx(10.0)


def test_it_counts_with_the_chance_the_citizen_comes():
    none = estimate(_snapshot(_booked(0.0)), runs=400)[7]
    half = estimate(_snapshot(_booked(0.5)), runs=400)[7]
    assert none.mean_min == pytest.approx(0.0)
    assert 3.5 <= half.mean_min <= 6.5 and half.p10_min == 0.0 and half.p90_min == pytest.approx(10.0)


def test_a_booked_arrival_behind_changes_nothing():
    later = WaitingTicket(-1, SERVICE, NOW + timedelta(minutes=30), expected=True, show=1.0)
    assert estimate(_snapshot(later), runs=200)[7].mean_min == pytest.approx(0.0)


def test_the_snapshot_gives_no_estimate_or_position_to_the_expected_arrival():
    from queue_service.services.waits import estimate_snapshot_full, ticket_positions

    snap = _snapshot(_booked(1.0))
    assert ticket_positions(snap) == {7: 0}
    full = estimate_snapshot_full(snap, runs=100)
    assert set(full) == {7} and full[7].position == 0
