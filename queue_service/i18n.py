"""Keep the translation catalog in step with the code.

Source strings are Indonesian (the default locale); ``en`` is the translation.
``python -m queue_service.i18n`` extracts every ``_()`` / ``_l()`` string from the packages
and templates (babel.cfg), updates ``translations/en/LC_MESSAGES/messages.po`` and compiles it.
``python -m queue_service.i18n --check`` exits 1 when a string has no English translation.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
POT = CATALOG_DIR / "messages.pot"
LOCALES = ("en",)


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract() -> None:
    _babel("extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2",
           "--no-location", "--sort-output", "--project", "adminduk-queue", "-o", str(POT), str(ROOT))


def update() -> None:
    for locale in LOCALES:
        po = CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(POT), "-d", str(CATALOG_DIR), "-l", locale, "--no-fuzzy-matching")
        else:
            _babel("init", "-i", str(POT), "-d", str(CATALOG_DIR), "-l", locale)


def compile_catalogs() -> None:
    _babel("compile", "-d", str(CATALOG_DIR), "--use-fuzzy")


def missing(locale: str = "en") -> list[str]:
    """msgids of the catalog without a translation (or marked fuzzy)."""
    po = CATALOG_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    out = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        gaps = missing()
        for m in gaps:
            print(f"untranslated: {m!r}")
        return 1 if gaps else 0
    extract()
    update()
    compile_catalogs()
    gaps = missing()
    print(f"{len(gaps)} string(s) still need an English translation" if gaps else "catalog complete")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
