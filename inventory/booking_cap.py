"""Printing bookings follow the blanks: how many bookings the stock expected on a day allows.

Pure (numpy only, no Flask, no SQLAlchemy): the inventory feature answers the bookings feature's
"bookable capacity cap for (service, date)" question with these functions over plain data, and the
kiosk's stock quota keeps back the blanks promised to bookings (``promised_from_stock``).

Units are the stock item's ledger units (cards for a blank item); one booking uses ``per_card``.

Expected on hand at the start of day D::

    on_hand(D) = balance
               + expected deliveries dated today .. D-1            (late ones count once received)
               - forecast walk-in consumption today .. D-1         (``walkin_before[D]``)
               - per_card x bookings today .. D-1

and the bookings of D must fit in it above the reserve: ``slack(D) = on_hand(D) - reserve -
per_card x booked(D) >= 0``. A booking on D may also lower ``on_hand`` of every later day, so the places
left on D are bounded by the slack of every later day that already holds bookings (a booking today must
not take the blanks promised to Friday's citizens) - except where it only takes the place of a walk-in
the forecast expects that day anyway (``room[D]``: when bookings displace walk-in demand, see
:func:`walkin_before`, a booking within the day's expected demand uses no extra blank)::

    left(D) = floor(min(slack(D), min(slack(X) + room(D) for X > D with booked(X) > 0)) / per_card), >= 0

``balance`` is the balance now; ``booked`` holds the bookings not served yet (today: those still to
come); ``walkin_before[D]`` the walk-ins' consumption from now until D, which the caller builds with
:func:`walkin_before` from the forecast's simulated paths (a quantile of the cumulative demand, so
forecast errors that persist over days are not averaged away).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

NO_BLANKS = "no_blanks"
#: the quantile of walk-in demand the cap plans for (a booked citizen must find a blank)
DEFAULT_QUANTILE = 0.8


@dataclass(frozen=True)
class Delivery:
    day: date
    quantity: int


@dataclass(frozen=True)
class BlankCap:
    """Bookings still allowed on ``day`` and the figures behind it (for the manager's page)."""

    day: date
    left: int
    on_hand: float
    slack: float
    reason: str | None = None

    def as_dict(self) -> dict:
        return {"day": self.day.isoformat(), "left": self.left, "on_hand": round(self.on_hand, 1),
                "slack": round(self.slack, 1), "reason": self.reason}


def _deliveries_before(deliveries: Iterable[Delivery], today: date, day: date) -> int:
    return sum(d.quantity for d in deliveries if today <= d.day < day)


def expected_on_hand(day: date, *, today: date, balance: float, deliveries: Iterable[Delivery],
                     walkin_before: Mapping[date, float], booked: Mapping[date, int], per_card: int = 1) -> float:
    """Stock expected at the start of ``day`` (see the module docstring); ``day`` >= ``today``."""
    if day < today:
        raise ValueError(f"{day} is before today ({today})")
    earlier = sum(n for d, n in booked.items() if today <= d < day)
    return (float(balance) + _deliveries_before(deliveries, today, day)
            - float(walkin_before.get(day, 0.0)) - per_card * earlier)


def bookable_blanks(days: Sequence[date], *, today: date, balance: float, reserve: int = 0, per_card: int = 1,
                    deliveries: Iterable[Delivery] = (), walkin_before: Mapping[date, float],
                    booked: Mapping[date, int], room: Mapping[date, float] | None = None) -> dict[date, BlankCap]:
    """Bookings each of ``days`` still allows. ``walkin_before`` must hold every day asked and every
    later day that holds bookings (a day missing from it counts no walk-ins: build it with
    :func:`walkin_before` over the whole booking horizon). ``room``: per day, the expected walk-in
    demand a booking may take the place of (:func:`displaceable`; none when bookings add to demand)."""
    if per_card < 1:
        raise ValueError("per_card must be >= 1")
    if reserve < 0:
        raise ValueError("reserve must be >= 0")
    deliveries = list(deliveries)
    held = sorted(d for d, n in booked.items() if n > 0 and d >= today)

    def slack(x: date) -> tuple[float, float]:
        on_hand = expected_on_hand(x, today=today, balance=balance, deliveries=deliveries,
                                   walkin_before=walkin_before, booked=booked, per_card=per_card)
        return on_hand, on_hand - reserve - per_card * booked.get(x, 0)

    out = {}
    for day in days:
        if day < today:
            out[day] = BlankCap(day, 0, 0.0, 0.0, NO_BLANKS)
            continue
        on_hand, own = slack(day)
        credit = max(0.0, float((room or {}).get(day, 0.0)))
        lowest = min([own] + [slack(x)[1] + credit for x in held if x > day])
        left = max(0, math.floor(lowest / per_card + 1e-9))
        out[day] = BlankCap(day, left, on_hand, lowest, None if left > 0 else NO_BLANKS)
    return out


def walkin_before(dates: Sequence[date], paths: np.ndarray, *, today: date, booked: Mapping[date, int],
                  per_card: int = 1, quantile: float = DEFAULT_QUANTILE, displace: bool = True,
                  used_today: float = 0.0, until: Sequence[date] | None = None) -> dict[date, float]:
    """Walk-in consumption from now until each day of ``until`` (default: every forecast date and the
    day after the last), from the forecast's simulated demand ``paths`` (n_paths x len(dates),
    ``dates[0] == today``): the ``quantile`` of each path's cumulative walk-in demand.

    ``displace=True``: the forecast is of *all* demand (the ledger counts booked citizens' cards
    too), so on each day the bookings take their part of it and walk-ins the rest,
    ``max(0, demand - per_card x booked)``; ``displace=False`` adds bookings on top of the forecast.
    ``used_today`` (already consumed today, in the balance) comes off today's forecast demand.
    """
    if not 0.0 <= quantile <= 1.0:
        raise ValueError("quantile must be within [0, 1]")
    paths = np.asarray(paths, dtype=float)
    if paths.ndim != 2 or paths.shape[1] != len(dates):
        raise ValueError("paths must be n_paths x len(dates)")
    if len(dates) and dates[0] != today:
        raise ValueError("the forecast must start today")
    daily = paths.copy()
    if len(dates):
        daily[:, 0] = np.maximum(daily[:, 0] - float(used_today), 0.0)
    if displace:
        take = np.array([per_card * booked.get(d, 0) for d in dates], dtype=float)
        daily = np.maximum(daily - take[None, :], 0.0)
    cum = np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)], axis=1)
    q = np.quantile(cum, quantile, axis=0) if cum.shape[0] else np.zeros(len(dates) + 1)
    index = {d: i for i, d in enumerate(dates)}
    if len(dates):
        index[date.fromordinal(dates[-1].toordinal() + 1)] = len(dates)
    out = {}
    for d in (until if until is not None else list(index)):
        if d == today:
            out[d] = 0.0
        elif d in index:
            out[d] = float(q[index[d]])
        else:
            raise ValueError(f"{d} is beyond the forecast ({dates[0] if len(dates) else today}..)")
    return out


def displaceable(dates: Sequence[date], paths: np.ndarray, *, booked: Mapping[date, int], per_card: int = 1,
                 quantile: float = DEFAULT_QUANTILE, used_today: float = 0.0) -> dict[date, float]:
    """Per day, the walk-in demand a new booking takes the place of (so it uses no extra blank): the
    low end (``1 - quantile``) of the day's forecast demand, less what bookings already take. Pairs with
    ``walkin_before(..., displace=True)``."""
    paths = np.asarray(paths, dtype=float)
    if paths.ndim != 2 or paths.shape[1] != len(dates):
        raise ValueError("paths must be n_paths x len(dates)")
    daily = paths.copy()
    if len(dates):
        daily[:, 0] = np.maximum(daily[:, 0] - float(used_today), 0.0)
    low = np.quantile(daily, 1.0 - quantile, axis=0) if daily.shape[0] else np.zeros(len(dates))
    return {d: max(0.0, float(low[i]) - per_card * booked.get(d, 0)) for i, d in enumerate(dates)}


def promised_from_stock(*, today: date, booked: Mapping[date, int], deliveries: Iterable[Delivery] = (),
                        per_card: int = 1) -> int:
    """Units of today's stock promised to bookings not yet ticketed (today's still to come and later
    days' until expected deliveries cover them): what the kiosk's stock quota keeps back from
    walk-ins. ``max over D of (cards booked today..D - deliveries dated today..D-1)``, at least 0."""
    deliveries = list(deliveries)
    need = 0
    cum = 0
    for d in sorted(x for x in booked if x >= today):
        cum += per_card * booked[d]
        need = max(need, cum - _deliveries_before(deliveries, today, d))
    return max(0, need)
