"""Daily demand forecast for blank-card stock (KTP-el, KIA, ribbon ...).

Pure Python + numpy: no Flask, no SQLAlchemy, no web imports. Callers turn the
result into days of cover, stock-out probabilities and reorder points.

Reason: one subject, the pure demand forecast (grid, weekday profile, level, width) and its backtested
choices, read as one method.

Method (chosen by a rolling-origin backtest, see ``bench/forecast_backtest.py``)
-------------------------------------------------------------------------------
The history is laid on a calendar grid from its first to its last date. A day is

* *closed*  -- listed in ``closed`` or missing from the history's span: no demand,
  ignored when estimating, forecast as exactly 0 (with zero width);
* *unknown* -- present with value ``None`` (e.g. no stock: censored demand): the
  office was open but demand was not observed, so the day is treated as missing,
  never as zero;
* *known*   -- an observed demand.

Point forecast ("weekday profile x level"): for the 7 days of the week

1. a weekday mean ``m_d`` over the last ``weeks`` weeks (optionally weighted by
   ``decay`` per week back), using known open days only;
2. the weekday means are shrunk towards the overall mean by an empirical-Bayes
   factor ``B_d = tau^2 / (tau^2 + noise_d)`` where ``tau^2`` is the between-weekday
   variance beyond noise and ``noise_d`` the sampling variance of ``m_d``. A strong
   weekly pattern (Mon heaviest, zero Saturdays) is kept; for intermittent, low
   volume series (many zero days) the profile collapses to a flat rate, like a
   Croston/SBA/TSB rate estimate without the bias of Croston;
3. a level ratio ``rho = sum(v_t y_t) / sum(v_t m_d(t))`` over recent known days
   with exponential weights ``v_t`` (half-life ``halflife`` days) corrects the
   profile to the current level (``halflife=None``: no correction).

The forecast for a day is ``m_d * rho``. ``(weeks, decay, halflife)`` is picked per
series from a small grid by the mean squared 1..14-day-ahead error of the same
procedure run at many past origins of that history (rolling-origin
cross-validation). With the grid's (4 weeks, no decay, no ratio) member being the
classic "same weekday mean of the last 4 weeks", the choice can only move away
from it when the history says so.

Uncertainty: the same past origins give *blocks* of relative errors
``r[o, h] = (y[o+h] - f[o, h]) / scale[o, h]`` for h = 1..horizon. A simulated path
draws one whole block (one past origin) and applies it to today's forecast, so
the errors keep their correlation over days (a level error persists for the whole
lead time; that is why ``z*sigma*sqrt(L)`` under-covers). Per-day intervals and
lead-time quantiles are quantiles of these paths. With too short a history for
error blocks, paths come from a gamma-Poisson model whose level uncertainty
shrinks with the number of known days.

Everything is deterministic for a given ``seed`` (a fixed default).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_SEED",
    "Forecast",
    "LeadTimeDemand",
    "days_of_cover",
    "forecast_daily",
    "reorder_point",
    "stockout_probability",
]

DEFAULT_SEED = 20_240_501
DEFAULT_PATHS = 1000

#: (weeks, decay per week back, level half-life in days or None)
CANDIDATES: tuple[tuple[int, float, float | None], ...] = (
    (4, 1.0, None),
    (8, 1.0, None),
    (8, 0.85, 7.0),
    (13, 0.9, 14.0),
    (26, 0.9, 14.0),
    (26, 1.0, 28.0),
)

#: fewer known open days than this -> short-history fallback
MIN_KNOWN_FOR_MODEL = 21
#: cross-validate on at most this many recent origins, and on every `CV_STEP`-th day
CV_ORIGINS = 364
CV_STEP = 2
CV_HORIZON = 14
#: weight for the floor of the error scale, relative to the mean daily level
SCALE_FLOOR = 0.1


# ---------------------------------------------------------------------------
# result objects
# ---------------------------------------------------------------------------
def _ro(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class LeadTimeDemand:
    """Distribution of total demand over ``days`` calendar days from ``start``.

    ``samples`` holds one total per simulated path; ``mean`` their mean and
    ``lower``/``upper`` the central ``level`` interval.
    """

    start: int
    days: int
    level: float
    mean: float
    lower: float
    upper: float
    samples: np.ndarray

    def quantile(self, q):
        """Quantile(s) of the simulated totals (float for a float ``q``)."""
        out = np.quantile(self.samples, q)
        return float(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True, eq=False)
class Forecast:
    """Forecast of daily demand for the ``horizon`` calendar days after the history.

    ``dates[i]`` has mean ``mean[i]`` and central ``level`` interval
    ``[lower[i], upper[i]]``; closed days are 0 with zero width. ``paths`` is the
    (n_paths, horizon) array of simulated demand paths behind the intervals.
    """

    dates: list
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    method: str
    level: float
    paths: np.ndarray
    closed: tuple = ()
    params: tuple = ()

    @property
    def horizon(self) -> int:
        return len(self.dates)

    def _totals(self, days: int | None, start: int) -> np.ndarray:
        start = int(start)
        if start < 0 or start > self.horizon:
            raise ValueError(f"start must be within 0..{self.horizon}, got {start}")
        if days is None:
            days = self.horizon - start
        days = int(days)
        if days < 0:
            raise ValueError("days must be >= 0")
        if start + days > self.horizon:
            raise ValueError(
                f"start + days = {start + days} exceeds the forecast horizon {self.horizon}; "
                "forecast with a longer horizon"
            )
        return self.paths[:, start : start + days].sum(axis=1)

    def lead_time_quantile(self, q, days: int | None = None, start: int = 0):
        """Quantile ``q`` (float or array) of total demand over ``days`` calendar days
        beginning ``start`` days after the history (default: to the horizon's end),
        taken from the simulated paths."""
        qa = np.asarray(q, dtype=float)
        if np.any((qa < 0) | (qa > 1)):
            raise ValueError("q must be within [0, 1]")
        out = np.quantile(self._totals(days, start), qa)
        return float(out) if np.ndim(out) == 0 else out

    def lead_time_demand(self, days: int | None = None, start: int = 0) -> LeadTimeDemand:
        """Distribution (mean, central ``level`` interval, samples) of total demand
        over the next ``days`` calendar days."""
        tot = self._totals(days, start)
        a = (1.0 - self.level) / 2.0
        lo, hi = np.quantile(tot, [a, 1.0 - a])
        n_days = self.horizon - start if days is None else int(days)
        return LeadTimeDemand(
            start=int(start),
            days=n_days,
            level=self.level,
            mean=float(tot.mean()) if tot.size else 0.0,
            lower=float(lo),
            upper=float(hi),
            samples=_ro(tot),
        )


# ---------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------
def _profile_level(win: np.ndarray, weeks: int, decay: float, halflife: float | None):
    """Forecast by position-in-week for each window row.

    ``win`` is (O, 7*weeks) with NaN for closed/unknown days; column ``j`` is the day
    ``K-1-j`` days before the origin. Returns (O, 7) forecasts where column
    ``c`` is the forecast for ``h`` days ahead with ``(h-1) % 7 == c``, and the
    (O,) mean daily level.
    """
    n_orig = win.shape[0]
    y = win.reshape(n_orig, weeks, 7)
    known = np.isfinite(y)
    y0 = np.where(known, y, 0.0)
    wk = decay ** np.arange(weeks - 1, -1, -1, dtype=float)
    w = known * wk[None, :, None]
    sw = w.sum(axis=1)  # (O, 7)
    swy = (w * y0).sum(axis=1)
    tot_w = sw.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = np.where(tot_w > 0, swy.sum(axis=1) / np.where(tot_w > 0, tot_w, 1.0), 0.0)
        has = sw > 0
        m = np.where(has, swy / np.where(has, sw, 1.0), mu[:, None])
        # empirical-Bayes shrinkage of the weekday means towards the overall mean
        dev2 = (w * (y0 - m[:, None, :]) ** 2).sum(axis=1)
        var_d = np.where(has, dev2 / np.where(has, sw, 1.0), 0.0)
        sw2 = (w * w).sum(axis=1)
        neff = np.where(has, sw * sw / np.where(sw2 > 0, sw2, 1.0), 1.0)
        # a weekday seen once has no variance estimate: use the pooled one
        n_has = np.maximum(has.sum(axis=1), 1)
        pooled = (var_d * has).sum(axis=1) / n_has
        var_d = np.where(neff > 1.5, var_d, pooled[:, None])
        noise = np.where(has, var_d / neff, np.inf)
        between = (((m - mu[:, None]) ** 2) * has).sum(axis=1) / n_has
        mean_noise = (np.where(has, noise, 0.0)).sum(axis=1) / n_has
        tau2 = np.maximum(between - mean_noise, 0.0)
        denom = tau2[:, None] + noise
        shrink = np.where(denom > 0, tau2[:, None] / np.where(denom > 0, denom, 1.0), 1.0)
        shrink = np.where(has, shrink, 0.0)
        ms = mu[:, None] + shrink * (m - mu[:, None])
        ms = np.maximum(ms, 0.0)
        if halflife:
            k = 7 * weeks
            v = 0.5 ** (np.arange(k - 1, -1, -1, dtype=float) / halflife)
            kf = known.reshape(n_orig, k)
            num = (kf * v * y0.reshape(n_orig, k)).sum(axis=1)
            den = (kf * v * np.tile(ms, (1, weeks))).sum(axis=1)
            rho = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
            rho = np.clip(rho, 0.2, 5.0)
            ms = ms * rho[:, None]
    return ms, ms.mean(axis=1)


def _windows(ypad: np.ndarray, pad: int, origins: np.ndarray, k: int) -> np.ndarray:
    """Rows of ``ypad`` windows of length ``k`` ending at each origin (unpadded index)."""
    sw = np.lib.stride_tricks.sliding_window_view(ypad, k)
    return sw[origins + pad - k + 1]


def _expand(f7: np.ndarray, horizon: int) -> np.ndarray:
    pos = (np.arange(1, horizon + 1) - 1) % 7
    return f7[:, pos]


def _targets(y: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    yr = np.concatenate([y, np.full(horizon, np.nan)])
    idx = origins[:, None] + np.arange(1, horizon + 1)[None, :]
    return yr[idx]


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def forecast_daily(
    history: Mapping,
    horizon: int,
    *,
    closed: Iterable | None = None,
    level: float = 0.9,
    n_paths: int = DEFAULT_PATHS,
    seed: int | None = DEFAULT_SEED,
    candidates: tuple | None = None,
) -> Forecast:
    """Forecast daily demand for the ``horizon`` calendar days after history's last date.

    ``history`` maps ``datetime.date`` -> demand (int/float >= 0) or ``None``
    (unknown, e.g. no stock: treated as missing, not zero). ``closed`` is a set of
    dates the office is closed (past or future); dates missing from the history's
    span are closed as well. Raises ``ValueError`` when no day has known demand.
    ``candidates`` (for experiments) overrides the parameter grid.
    """
    horizon = int(horizon)
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    if not 0.0 < float(level) < 1.0:
        raise ValueError("level must be in (0, 1)")
    if n_paths < 10:
        raise ValueError("n_paths must be >= 10")
    if not history:
        raise ValueError("history is empty: no known demand to forecast from")
    closed_ord = {d.toordinal() for d in (closed or ())}

    ords = [d.toordinal() for d in history]
    first, last = min(ords), max(ords)
    n = last - first + 1
    y = np.full(n, np.nan)
    is_open = np.zeros(n, dtype=bool)
    for d, v in history.items():
        i = d.toordinal() - first
        is_open[i] = True
        if v is None:
            continue
        fv = float(v)
        if math.isnan(fv):
            continue
        if fv < 0 or math.isinf(fv):
            raise ValueError(f"demand must be finite and >= 0, got {v!r} on {d}")
        y[i] = fv
    for o in closed_ord:
        if first <= o <= last:
            is_open[o - first] = False
    y[~is_open] = np.nan
    n_known = int(np.isfinite(y).sum())
    if n_known == 0:
        raise ValueError("history has no known demand (all days unknown or closed)")

    last_date = _dt.date.fromordinal(last)
    dates = [last_date + _dt.timedelta(days=h) for h in range(1, horizon + 1)]
    fut_closed = np.array([(last + h) in closed_ord for h in range(1, horizon + 1)], dtype=bool)
    fclosed = tuple(d for d, c in zip(dates, fut_closed) if c)
    rng = np.random.default_rng(seed)
    cands = tuple(candidates) if candidates else CANDIDATES

    if n_known < MIN_KNOWN_FOR_MODEL:
        weeks = max(1, -(-n // 7))
        mean7, _ = _fit_final(y, weeks, 1.0, None)
        mean = _expand(mean7[None, :], horizon)[0]
        mean[fut_closed] = 0.0
        paths = _parametric_paths(y, mean, n_paths, rng)
        method = "short-history weekday mean (gamma-Poisson paths)"
        params: tuple = (("weeks", weeks), ("known_days", n_known))
    else:
        best, f_o, origins, cv_err = _select(y, cands)
        weeks, decay, halflife = best
        mean7, fbar = _fit_final(y, weeks, decay, halflife)
        mean = _expand(mean7[None, :], horizon)[0]
        mean[fut_closed] = 0.0
        paths = _block_paths(y, f_o, origins, mean, fbar, n_paths, rng)
        if paths is None:
            paths = _parametric_paths(y, mean, n_paths, rng)
            how = "gamma-Poisson paths"
        else:
            how = "bootstrap of past error blocks"
        zero_share = float(np.mean(y[np.isfinite(y)] == 0))
        kind = "intermittent rate" if zero_share >= 0.5 else "weekday profile x level"
        method = f"{kind} (weeks={weeks}, decay={decay}, halflife={halflife}; {how})"
        params = (
            ("weeks", weeks),
            ("decay", decay),
            ("halflife", halflife),
            ("cv_mse", cv_err),
            ("zero_share", zero_share),
        )
    paths[:, fut_closed] = 0.0
    a = (1.0 - float(level)) / 2.0
    lower, upper = np.quantile(paths, [a, 1.0 - a], axis=0)
    lower = np.minimum(lower, mean)
    upper = np.maximum(upper, mean)
    lower[fut_closed] = 0.0
    upper[fut_closed] = 0.0
    return Forecast(
        dates=dates,
        mean=_ro(mean),
        lower=_ro(lower),
        upper=_ro(upper),
        method=method,
        level=float(level),
        paths=_ro(paths),
        closed=fclosed,
        params=params,
    )


def _fit_final(y: np.ndarray, weeks: int, decay: float, halflife: float | None):
    k = 7 * weeks
    pad = k
    ypad = np.concatenate([np.full(pad, np.nan), y])
    win = _windows(ypad, pad, np.array([len(y) - 1]), k)
    f7, fbar = _profile_level(win, weeks, decay, halflife)
    return f7[0].copy(), float(fbar[0])


def _cv_origins(y: np.ndarray) -> np.ndarray:
    known_cum = np.cumsum(np.isfinite(y))
    # an origin needs two weeks of known data behind it and a known day ahead
    ok = np.nonzero(known_cum >= 14)[0]
    ok = ok[ok <= len(y) - 2]
    if ok.size == 0:
        return ok
    ok = ok[ok >= len(y) - 1 - CV_ORIGINS]
    return ok[::-1][::CV_STEP][::-1]


def _select(y: np.ndarray, cands):
    """Pick the candidate with the least mean squared 1..14-day error at past origins.

    Returns the candidate, its (O, 7) forecasts and the origins (and the error)."""
    origins = _cv_origins(y)
    if origins.size == 0:
        c = cands[0]
        return c, np.zeros((0, 7)), origins, float("nan")
    kmax = 7 * max(c[0] for c in cands)
    ypad = np.concatenate([np.full(kmax, np.nan), y])
    tgt = _targets(y, origins, CV_HORIZON)
    mask = np.isfinite(tgt)
    best = None
    for c in cands:
        weeks, decay, halflife = c
        f7, _ = _profile_level(_windows(ypad, kmax, origins, 7 * weeks), weeks, decay, halflife)
        err = np.where(mask, tgt - _expand(f7, CV_HORIZON), 0.0)
        mse = float((err * err).sum() / max(mask.sum(), 1))
        if best is None or mse < best[0] - 1e-12:
            best = (mse, c, f7)
    return best[1], best[2], origins, best[0]


def _block_paths(y, f7, origins, mean, fbar, n_paths, rng):
    """Simulated paths from whole blocks of past relative errors (None if too few)."""
    horizon = mean.shape[0]
    if origins.size < 8:
        return None
    fo = _expand(f7, horizon)
    fbar_o = f7.mean(axis=1)
    scale_o = np.maximum(fo, np.maximum(SCALE_FLOOR * fbar_o, 1e-9)[:, None])
    tgt = _targets(y, origins, horizon)
    r = (tgt - fo) / scale_o  # NaN where closed/unknown/beyond history
    fin = np.isfinite(r)
    if fin.sum() < 30:
        return None
    pick = rng.integers(0, origins.size, size=n_paths)
    rs = r[pick]
    missing = ~np.isfinite(rs)
    if missing.any():
        # holes (closed/unknown days, or lags beyond the history): draw the same lag
        # from another origin; lags no origin reached borrow the longest one reached
        cols = np.nonzero(missing.any(axis=0))[0]
        last_ok = None
        pools = {}
        for h in range(horizon):
            col = r[fin[:, h], h]
            if col.size:
                last_ok = col
            pools[h] = last_ok
        for h in cols:
            pool = pools[h]
            rows = np.nonzero(missing[:, h])[0]
            if pool is None:
                rs[rows, h] = 0.0
            else:
                rs[rows, h] = pool[rng.integers(0, pool.size, size=rows.size)]
    scale = np.maximum(mean, max(SCALE_FLOOR * fbar, 1e-9))
    paths = mean[None, :] + rs * scale[None, :]
    return np.maximum(paths, 0.0)


def _parametric_paths(y, mean, n_paths, rng):
    """Gamma-Poisson paths: a per-path level factor (uncertainty ~ 1/sqrt(known days))
    times per-day overdispersed Poisson noise fitted to the known values."""
    known = y[np.isfinite(y)]
    horizon = mean.shape[0]
    n = known.size
    mu = float(known.mean())
    var = float(known.var(ddof=1)) if n > 1 else mu
    level = rng.gamma(shape=n, scale=1.0 / n, size=(n_paths, 1))
    if mu > 0 and var > mu:
        k = mu * mu / (var - mu)
        daily = rng.gamma(shape=k, scale=1.0 / k, size=(n_paths, horizon))
    else:
        daily = 1.0
    lam = mean[None, :] * level * daily
    return rng.poisson(lam).astype(float)


# ---------------------------------------------------------------------------
# helpers for stock decisions
# ---------------------------------------------------------------------------
def days_of_cover(stock: float, forecast: Forecast) -> float:
    """Calendar days until the cumulative *mean* demand exceeds ``stock``.

    Fractional within the day it runs out (day 0 is the first forecast day);
    ``math.inf`` when the stock lasts the whole horizon.
    """
    stock = float(stock)
    if stock < 0:
        return 0.0
    cum = np.cumsum(forecast.mean)
    over = np.nonzero(cum > stock)[0]
    if over.size == 0:
        return math.inf
    k = int(over[0])
    before = float(cum[k - 1]) if k > 0 else 0.0
    return k + (stock - before) / float(forecast.mean[k])


def stockout_probability(stock: float, forecast: Forecast, days: int) -> float:
    """Share of simulated paths whose total demand over the next ``days`` calendar
    days exceeds ``stock``."""
    return float(np.mean(forecast._totals(days, 0) > float(stock)))


def reorder_point(forecast: Forecast, lead_days: int, service_level: float = 0.95) -> float:
    """Stock level at which to reorder: the ``service_level`` quantile of the
    simulated demand over ``lead_days`` calendar days (not ``z*sigma*sqrt(L)``)."""
    if not 0.0 < service_level < 1.0:
        raise ValueError("service_level must be in (0, 1)")
    return forecast.lead_time_quantile(service_level, days=lead_days)
