"""Build the Indonesian announcement clips shipped with the product (``queue_service/static/voice/id/``).

    python -m queue_service.voice build                 # every clip, into queue_service/static/voice/id
    python -m queue_service.voice build --out DIR huruf-b empat
    python -m queue_service.voice list                  # each clip name and what it says

Each part of the sentence "Nomor antrean B nol empat puluh satu, silakan menuju loket tiga" (the opening, the
letters A-Z, the number words, "silakan menuju loket"; ``queue_service.domain.speech.SPOKEN_PARTS``) is spoken
by espeak-ng's Indonesian voice (``espeak-ng -v id``, Debian package ``espeak-ng``), trimmed of silence,
normalised and compressed to Ogg Vorbis by SoX (Debian package ``sox``); the chime is
``static/sounds/chime.wav`` compressed the same way. The display joins the clips in the browser
(``static/js/display.js``), so announcements need no speech voice in the browser and no network.

Licence: espeak-ng is GPL-3.0-or-later; the clips it makes are distributed under the same licence (see the README
beside them). Needs only the standard library, ``espeak-ng`` and ``sox`` on PATH.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from queue_service.domain.speech import CHIME, SPOKEN_PARTS, VOICE_PARTS

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = PACKAGE_DIR / "static" / "voice" / "id"
CHIME_SOURCE = PACKAGE_DIR / "static" / "sounds" / "chime.wav"
EXTENSION = ".ogg"

#: espeak-ng settings: the Indonesian voice, a little slower than its default 175 words a minute (a waiting
#: room is noisy and many listeners are elderly)
ESPEAK_VOICE, ESPEAK_SPEED, ESPEAK_PITCH, ESPEAK_AMPLITUDE = "id", 140, 45, 160
#: Ogg Vorbis quality (-1..10); speech at 22.05 kHz mono needs little
VORBIS_QUALITY = 1
#: SoX effects after synthesis: trim silence at both ends and normalise to -1 dBFS; then (a second pass, once
#: the length is known) soften the edges so that joined clips do not click
SOX_TRIM = ["silence", "1", "0.01", "0.2%", "reverse", "silence", "1", "0.01", "0.2%", "reverse", "gain", "-n", "-1"]
SOX_EDGES = ["fade", "t", "0.005", "-0", "0.01"]


class BuildError(RuntimeError):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BuildError(f"{name} is not installed (Debian: apt-get install -y {name})")
    return path


def _run(args: list[str]) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")


def build_clip(part: str, out_dir: Path) -> Path:
    """Make ``out_dir/<part>.ogg`` and return its path."""
    if part not in SPOKEN_PARTS:
        raise BuildError(f"unknown part {part!r}; see 'python -m queue_service.voice list'")
    sox = _tool("sox")
    target = out_dir / f"{part}{EXTENSION}"
    with tempfile.TemporaryDirectory(prefix="adminduk-voice-") as tmp:
        if part == CHIME:
            trimmed, edges = CHIME_SOURCE, ["gain", "-n", "-1"]
        else:
            spoken, trimmed, edges = Path(tmp) / "spoken.wav", Path(tmp) / "trimmed.wav", SOX_EDGES
            _run([_tool("espeak-ng"), "-v", ESPEAK_VOICE, "-s", str(ESPEAK_SPEED), "-p", str(ESPEAK_PITCH),
                  "-a", str(ESPEAK_AMPLITUDE), "-w", str(spoken), SPOKEN_PARTS[part]])
            _run([sox, str(spoken), str(trimmed), *SOX_TRIM])
        _run([sox, str(trimmed), "-C", str(VORBIS_QUALITY), "-c", "1", str(target), *edges])
    return target


def build(parts: list[str] | None = None, out_dir: Path = DEFAULT_OUT) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [build_clip(part, out_dir) for part in (parts or list(VOICE_PARTS))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m queue_service.voice", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="make the clips with espeak-ng and SoX")
    b.add_argument("parts", nargs="*", help="only these clips (default: all)")
    b.add_argument("--out", type=Path, default=DEFAULT_OUT, help="target folder (default: %(default)s)")
    sub.add_parser("list", help="print each clip's name and what it says")
    args = ap.parse_args(argv)
    if args.command == "list":
        for part in VOICE_PARTS:
            print(f"{part + EXTENSION:28} {SPOKEN_PARTS[part] or '(chime)'}")
        return 0
    try:
        made = build(args.parts, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(p.stat().st_size for p in made)
    print(f"{len(made)} clip(s) in {args.out}, {total / 1024:.0f} KB")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
