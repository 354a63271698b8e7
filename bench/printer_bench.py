"""Ticket printing benchmark: bytes per ticket and layout + ESC/POS encoding time.

    python bench/printer_bench.py [--tickets 500] [--json] [--smoke]

For native QR (GS ( k) and image QR (GS v 0 raster) on 58 mm and 80 mm profiles. Targets, for each of the four
profiles the product prints with: <= 1 KB per ticket with native QR, <= 6 KB with image QR (largest ticket),
< 5 ms per ticket at p99. The "best mask" row shows what searching all 8 QR masks would cost
(printers.qrimage): for comparison only, the product does not print that way, so it has no target.
Each ticket has its own random status URL, realistic length, so nothing is cached.

Exit status (bench/targets.py): 1 when a target is missed (unless ``--smoke``) or the run failed, else 0.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import secrets
import statistics
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from targets import Verdict, add_smoke_flag  # noqa: E402

from printers import qrimage  # noqa: E402
from printers.escpos_render import render_bytes  # noqa: E402
from printers.layout import TicketPrint  # noqa: E402
from printers.profiles import custom_profile, get_profile  # noqa: E402

TARGET_BYTES = {"native": 1024, "image": 6 * 1024}
TARGET_MS = 5.0


def tickets(n: int) -> list[TicketPrint]:
    start = datetime(2025, 5, 12, 7, 30, tzinfo=ZoneInfo("Asia/Makassar"))
    services = ["Perekaman KTP-el", "Pencetakan KTP-el", "Kartu Keluarga (KK)",
                "Akta Kelahiran dan Kematian", "Pindah Datang Antar Kabupaten/Kota"]
    out = []
    for i in range(n):
        out.append(TicketPrint(
            office_name="Dinas Kependudukan dan Pencatatan Sipil Kabupaten Kutai Kartanegara",
            service_name=services[i % len(services)],
            code=f"{'ABCDE'[i % 5]}-{i % 1000:03d}",
            issued_at=start + timedelta(seconds=37 * i),
            tz_abbrev="WITA",
            people_ahead=i % 40,
            eta_minutes=(i % 40 * 3, i % 40 * 3 + 15),
            status_url=f"https://antrean.disdukcapil.kukarkab.go.id/t/{secrets.token_urlsafe(16)}",
            priority_label="Lansia" if i % 7 == 0 else None,
            footer="Simpan tiket ini. Terima kasih atas kunjungan Anda.",
        ))
    return out


def measure(profile, batch: list[TicketPrint]) -> dict:
    render_bytes(profile, batch[0])  # warm caches (code tables, fonts)
    sizes, times = [], []
    for t in batch:
        t0 = time.perf_counter()
        data = render_bytes(profile, t)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(data))
    times.sort()
    return {
        "bytes_median": int(statistics.median(sizes)),
        "bytes_max": max(sizes),
        "ms_median": round(statistics.median(times), 3),
        "ms_p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3),
    }


def run(n: int) -> list[dict]:
    cases = [
        ("native", "80 mm", get_profile("TM-T20II")),
        ("native", "58 mm", custom_profile("POS-5890", name="native-58", native_qr=True)),
        ("image", "58 mm", get_profile("POS-5890")),
        ("image", "80 mm", get_profile("generic-80")),
    ]
    batch = tickets(n)
    rows = []
    for qr, paper, profile in cases:
        r = measure(profile, batch)
        r.update(qr=qr, paper=paper, profile=profile.name, tickets=n,
                 bytes_ok=r["bytes_max"] <= TARGET_BYTES[qr], time_ok=r["ms_p99"] < TARGET_MS)
        rows.append(r)
    saved = qrimage.QR_MASK_PATTERN
    qrimage.QR_MASK_PATTERN = None
    try:
        import printers.escpos_render as er
        import functools

        orig = er.qr_image
        er.qr_image = functools.partial(orig, mask_pattern=None)
        r = measure(get_profile("POS-5890"), batch[: max(50, n // 5)])
        r.update(qr="image (best mask)", paper="58 mm", profile="POS-5890", tickets=max(50, n // 5),
                 bytes_ok=r["bytes_max"] <= TARGET_BYTES["image"], time_ok=r["ms_p99"] < TARGET_MS)
        rows.append(r)
    finally:
        er.qr_image = orig
        qrimage.QR_MASK_PATTERN = saved
    return rows


def verdict_for(rows: list[dict], smoke: bool) -> Verdict:
    verdict = Verdict(smoke=smoke)
    for r in rows:
        if r["qr"] not in TARGET_BYTES:  # the best-mask comparison row
            continue
        label = f"{r['qr']} QR {r['paper']} ({r['profile']})"
        verdict.at_most(f"{label} bytes, largest ticket", r["bytes_max"], TARGET_BYTES[r["qr"]], " B")
        verdict.check(f"{label} ms p99", r["ms_p99"], f"< {TARGET_MS:g} ms", r["ms_p99"] < TARGET_MS)
    return verdict


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=500)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_smoke_flag(ap)
    args = ap.parse_args(argv)
    rows = run(args.tickets)
    verdict = verdict_for(rows, args.smoke)
    if args.json:
        print(json.dumps({"targets": {"bytes": TARGET_BYTES, "ms": TARGET_MS}, "results": rows,
                          "verdict": verdict.as_json()}, indent=2))
        print(verdict.table(), file=sys.stderr)
        return verdict.exit_status()
    head = f"{'QR':<18}{'paper':<7}{'profile':<12}{'bytes med':>10}{'bytes max':>10}{'ms med':>8}{'ms p99':>8}  targets"
    print(head)
    print("-" * len(head))
    for r in rows:
        ok = ("bytes ok" if r["bytes_ok"] else "BYTES OVER") + ", " + ("time ok" if r["time_ok"] else "TIME OVER")
        if r["qr"] not in TARGET_BYTES:
            ok += " (comparison only)"
        print(f"{r['qr']:<18}{r['paper']:<7}{r['profile']:<12}{r['bytes_median']:>10}{r['bytes_max']:>10}"
              f"{r['ms_median']:>8.2f}{r['ms_p99']:>8.2f}  {ok}")
    print(f"\n{args.tickets} tickets each (layout + encoding, no I/O)\n")
    print(verdict.table())
    return verdict.exit_status()


if __name__ == "__main__":
    raise SystemExit(main())
