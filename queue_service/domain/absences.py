"""When were counters away on earlier days? Absences read from the ticket-event record (pure).

Lunch does not come as a surprise to an office: the same counters go at about the same time every day, with the
break feature or without. A ticket issued at 11:00 that will be called at 12:30 waits longer for it, and a replay
of the queue as it stands at 11:00 cannot know - unless it is told what the office's days look like.

An *absence* of a counter on a past day is a stretch from the moment it became free (a finish, a no-show, a
transfer...) to its next call, at least ``MIN_GAP_S`` long, while work it could have done was waiting: a ticket of
one of its services had been waiting for ``NEGLECT_S`` at some moment inside the stretch. A quiet counter with
nothing to do is not absent; a counter serving one long ticket is not free.

Times are seconds of the office-local day. Pure module: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

#: shorter gaps are the ordinary pauses between two citizens
MIN_GAP_S = 600.0
#: work counts as waiting once a ticket has waited this long
NEGLECT_S = 300.0
#: actions after which a counter is free (ticket-event actions)
FREEING = frozenset({"finish", "no_show", "transfer", "cancel"})


def counter_absences(events: Iterable[tuple[Hashable, str, float]],
                     services_of: Mapping[Hashable, Iterable[Hashable]],
                     waits: Iterable[tuple[Hashable, float, float]], *, min_gap_s: float = MIN_GAP_S,
                     neglect_s: float = NEGLECT_S) -> dict[Hashable, list[tuple[float, float]]]:
    """Counter -> its absences [(start, end), ...] on one day.

    ``events``: (counter, action, time) of the day's ticket events done at counters ("call", "finish", ...), in
    the order they were recorded;
    ``services_of``: counter -> the services it serves; ``waits``: (service, issued, first call) of the day's
    tickets that were called.
    """
    by_counter: dict[Hashable, list[tuple[float, int, int, str]]] = {}
    for i, (counter, action, at) in enumerate(events):
        if counter is not None:  # at the same moment a counter is freed before it calls again
            by_counter.setdefault(counter, []).append((float(at), 0 if action in FREEING else 1, i, action))
    neglected: dict[Hashable, list[tuple[float, float]]] = {}  # service -> [(waiting from, called)]
    for service, issued, called in waits:
        if called - issued > neglect_s:
            neglected.setdefault(service, []).append((issued + neglect_s, called))
    out: dict[Hashable, list[tuple[float, float]]] = {}
    for counter, evs in by_counter.items():
        evs.sort()
        mine = [w for s in services_of.get(counter, ()) for w in neglected.get(s, ())]
        found = []
        free_since = None
        for at, _, _, action in evs:
            if action == "call":
                if free_since is not None and at - free_since >= min_gap_s and any(
                        max(a, free_since) < min(b, at) for a, b in mine):
                    found.append((free_since, at))
                free_since = None
            elif action in FREEING:
                free_since = at
        if found:
            out[counter] = found
    return out


def future_absences(days: Sequence[Mapping[Hashable, Sequence[tuple[float, float]]]], now_s: float,
                    skip: Iterable[Hashable] = ()) -> list[dict[Hashable, list[tuple[float, float]]]]:
    """The reference days' absences that start after ``now_s``, in seconds from now, one mapping per day
    (days without any kept, so that a replay drawing a day at random also draws quiet days). Counters in
    ``skip`` (on a break or away now: that is their absence) get none."""
    skip = set(skip)
    out = []
    for day in days:
        kept = {c: [(a - now_s, b - now_s) for a, b in spans if a >= now_s]
                for c, spans in day.items() if c not in skip}
        out.append({c: spans for c, spans in kept.items() if spans})
    return out
