"""Indonesian first, English complete: every UI string in the code has an English translation,
and the compiled catalog that ships is the one in the .po file."""
from __future__ import annotations

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from queue_service.i18n import CATALOG_DIR, ROOT


def _extract(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "-k", "ngettext:1,2", "-o", str(pot), str(ROOT)])
    with pot.open("rb") as fh:
        return read_po(fh)


def _msgid(m):
    return m.id if isinstance(m.id, str) else m.id[0]


def test_every_string_in_the_code_has_an_english_translation(tmp_path):
    extracted = {_msgid(m) for m in _extract(tmp_path) if m.id}
    with (CATALOG_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {_msgid(m) for m in catalog if m.id and not m.fuzzy and all(
        m.string if isinstance(m.string, tuple) else (m.string,))}
    missing = sorted(extracted - translated)
    assert not missing, f"{len(missing)} string(s) without English (run python -m queue_service.i18n): {missing[:10]}"


def _forms(string):
    """A plural entry's forms as a tuple (the .po reader gives a tuple, the .mo reader a list)."""
    return tuple(string) if isinstance(string, (list, tuple)) else string


def test_compiled_catalog_matches_the_po(tmp_path):
    with (CATALOG_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        po = {_msgid(m): _forms(m.string) for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    with (CATALOG_DIR / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        mo = {_msgid(m): _forms(m.string) for m in read_mo(fh) if m.id}
    assert po == mo, "messages.mo is stale: run python -m queue_service.i18n"


def test_pages_are_indonesian_by_default_and_english_on_request(client):
    r = client.get("/login")
    assert 'lang="id"' in r.get_data(as_text=True) and "Masuk petugas" in r.get_data(as_text=True)
    r = client.get("/login?lang=en")
    assert 'lang="en"' in r.get_data(as_text=True) and "Staff sign in" in r.get_data(as_text=True)
    # the choice sticks for the session
    assert "Staff sign in" in client.get("/login").get_data(as_text=True)
