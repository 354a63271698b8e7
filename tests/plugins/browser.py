"""Headless Chromium (Debian's, through Playwright's sync API) and accessibility checks with axe-core.

Fixtures:

``browser`` (session)
    A Playwright ``Browser``: ``chromium.launch(executable_path=<CHROMIUM_PATH or /usr/bin/chromium>)`` with
    the flags that work on these machines. Playwright's own browser download is never used.
``browser_context_args`` (function)
    Keyword arguments for ``browser.new_context``; override it in a conftest to change viewport, locale, etc.
``page`` (function)
    A page in a fresh context (no cookies, storage or cache shared between tests). The page's
    Content-Security-Policy is enforced, so CSP mistakes in the app show up. On test failure a screenshot is
    saved to ``test-artifacts/<test name>-failed.png``. ``page.console_messages`` lists ``(type, text)`` of
    console messages and ``page.page_errors`` uncaught exceptions.
``a11y_page`` (function)
    Like ``page`` but in a context with ``bypass_csp=True``: use it for ``check_a11y``/``assert_accessible`` on
    app pages, whose CSP (no inline scripts) would block injecting axe-core as a script tag.

Helpers: ``save_artifact(page, name) -> Path``, ``check_a11y(page, context=None) -> list[violation]``,
``assert_accessible(page, context=None)``, ``find_chromium()``, ``CHROMIUM_ARGS``.

When Chromium or Playwright is missing the fixtures skip, or fail under ``ADMINDUK_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterable, Iterator

import pytest

from tests.plugins.servers import missing_service

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = Path(os.environ.get("ADMINDUK_ARTIFACTS_DIR") or REPO_ROOT / "test-artifacts")
AXE_DIR = REPO_ROOT / "tests" / "vendor" / "axe-core"
AXE_PATH = AXE_DIR / "axe.min.js"

# Flags verified on these machines (see the machine notes): without the background-networking ones Chromium
# keeps trying to reach Google's hosts, which this closed network refuses. Headless mode is passed by Playwright
# itself (headless=True), and Playwright always starts Chromium with a new, empty --user-data-dir of its own
# (passing --user-data-dir in args is refused by Playwright), so neither appears here.
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in CI; the sandbox refuses root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # axe has no "wcag22a" tag
SEVERE_IMPACTS = ("serious", "critical")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs headless Chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if set(getattr(item, "fixturenames", ())) & {"browser", "page", "a11y_page"}:
            item.add_marker("browser")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    # Keep each phase's report on the item so the page fixtures can screenshot failures.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_adminduk_rep_{report.when}", report)


# --------------------------------------------------------------------------- finding and launching Chromium


def find_chromium() -> str | None:
    """``$CHROMIUM_PATH``, else Debian's ``/usr/bin/chromium``, else a chromium/chrome on PATH."""
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    if os.path.exists("/usr/bin/chromium"):
        return "/usr/bin/chromium"
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = find_chromium()
    if path is None:
        missing_service("Chromium not found (looked at $CHROMIUM_PATH, /usr/bin/chromium, PATH); "
                        "install it with: apt-get install chromium fonts-dejavu-core")
    return path


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_service("the Python package 'playwright' is not installed (pip install '.[test]')")
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver: Any, chromium_executable: str) -> Iterator[Any]:
    b = playwright_driver.chromium.launch(
        executable_path=chromium_executable,
        headless=True,
        args=CHROMIUM_ARGS,
        timeout=60_000,
    )
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def browser_context_args() -> dict[str, Any]:
    """Arguments for ``browser.new_context``; override in a conftest (e.g. ``locale="id-ID"``)."""
    return {"viewport": {"width": 1280, "height": 800}}


def _new_page(browser: Any, request: pytest.FixtureRequest, context_args: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(**context_args)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.console_messages = []  # type: ignore[attr-defined]
    page.page_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda msg: page.console_messages.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: page.page_errors.append(str(exc)))
    try:
        yield page
    finally:
        rep = getattr(request.node, "_adminduk_rep_call", None)
        if rep is not None and rep.failed and not page.is_closed():
            try:
                save_artifact(page, f"{request.node.name}-failed")
            except Exception:  # a screenshot must never hide the real failure
                pass
        context.close()


@pytest.fixture
def page(browser: Any, browser_context_args: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context; the page's CSP is enforced."""
    yield from _new_page(browser, request, dict(browser_context_args))


@pytest.fixture
def a11y_page(browser: Any, browser_context_args: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page for accessibility checks: ``bypass_csp=True``.

    The app sends a Content-Security-Policy without 'unsafe-inline'; Playwright's ``add_script_tag`` injects
    axe-core as an inline <script>, which that CSP blocks. ``bypass_csp=True`` tells Chromium to ignore the
    page's CSP in this context only, so axe can run. Test the CSP itself with the ordinary ``page`` fixture.
    """
    yield from _new_page(browser, request, {**browser_context_args, "bypass_csp": True})


# --------------------------------------------------------------------------- artifacts


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:150] or "artifact"


def save_artifact(page: Any, name: str, full_page: bool = True) -> Path:
    """Screenshot ``page`` to ``test-artifacts/<name>.png`` at the repository root and return the path."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = _safe_name(name)
    path = ARTIFACTS_DIR / (stem if stem.endswith(".png") else f"{stem}.png")
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --------------------------------------------------------------------------- accessibility (axe-core)

_AXE_RUN_JS = """
async ([context, options]) => {
  const results = await window.axe.run(context === null ? document : context, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, description: v.description, tags: v.tags,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, impact: n.impact, failureSummary: n.failureSummary})),
  }));
}
"""


def _inject_axe(page: Any) -> None:
    if page.evaluate("() => typeof window.axe !== 'undefined'"):
        return
    if not AXE_PATH.exists():
        raise FileNotFoundError(f"vendored axe-core missing: {AXE_PATH}")
    try:
        page.add_script_tag(path=str(AXE_PATH))
    except Exception as exc:  # some Playwright versions raise when CSP blocks the tag
        blocked: Exception | None = exc
    else:
        blocked = None
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        raise RuntimeError(
            "axe-core could not be injected into the page: its Content-Security-Policy most likely blocks the "
            "inline <script>. Use the `a11y_page` fixture (a context with bypass_csp=True) for accessibility "
            f"checks. ({blocked or 'no error raised; window.axe is undefined'})"
        )


def check_a11y(
    page: Any,
    context: Any = None,
    tags: Iterable[str] = WCAG_TAGS,
    disable_rules: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on ``page`` and return its violations.

    ``context`` is an axe context: ``None`` for the whole document, a CSS selector, or
    ``{"include": [...], "exclude": [...]}``. Each violation is a dict with ``id``, ``impact``, ``help``,
    ``helpUrl``, ``description``, ``tags`` and ``nodes`` (each with ``target``, ``html``, ``failureSummary``).
    """
    _inject_axe(page)
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": list(tags)},
        "resultTypes": ["violations"],
    }
    disabled = list(disable_rules)
    if disabled:
        options["rules"] = {rule: {"enabled": False} for rule in disabled}
    return page.evaluate(_AXE_RUN_JS, [context, options])


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", []):
            target = ", ".join(json.dumps(t) if not isinstance(t, str) else t for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(
    page: Any,
    context: Any = None,
    impacts: Iterable[str] = SEVERE_IMPACTS,
    disable_rules: Iterable[str] = (),
    artifact: str | None = None,
) -> list[dict[str, Any]]:
    """Fail the test listing every violation whose impact is in ``impacts`` (serious and critical by default).

    Returns all violations (including minor/moderate ones) so a test can look at them too. On failure a
    screenshot is saved as ``test-artifacts/<artifact or 'a11y'>.png``.
    """
    violations = check_a11y(page, context=context, disable_rules=disable_rules)
    wanted = set(impacts)
    severe = [v for v in violations if v.get("impact") in wanted]
    if severe:
        shot = ""
        try:
            shot = f"\nscreenshot: {save_artifact(page, artifact or 'a11y-failure')}"
        except Exception:
            pass
        pytest.fail(
            f"{len(severe)} accessibility violation(s) ({'/'.join(sorted(wanted))}) on {page.url}:\n"
            f"{format_violations(severe)}{shot}",
            pytrace=False,
        )
    return violations


__all__ = [
    "ARTIFACTS_DIR",
    "AXE_PATH",
    "CHROMIUM_ARGS",
    "WCAG_TAGS",
    "assert_accessible",
    "check_a11y",
    "find_chromium",
    "format_violations",
    "save_artifact",
]


def wait_js(page: Any, js: str, arg: Any = None, timeout: float = 15_000) -> Any:
    """Wait until a JavaScript predicate is truthy on ``page`` and return its value.

    Playwright's ``wait_for_function`` compiles a string predicate with ``eval`` when it has to poll, and the
    product's pages forbid eval (CSP ``script-src 'self'``): the wait then times out whenever the predicate was
    not already true at the first try. This polls with ``page.evaluate`` instead (not subject to the page's CSP).
    ``js`` is a function (``"c => ..."``, called with ``arg``) or an expression; ``timeout`` in milliseconds, as
    in Playwright.
    """
    import time

    fn = js if re.match(r"^\s*(async\s+)?(\(|[A-Za-z_$][\w$]*\s*=>|function\b)", js) else f"() => ({js})"
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(fn, arg)
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"not true within {timeout / 1000:g} s on {page.url}: {js}")
        time.sleep(0.05)
