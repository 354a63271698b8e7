"""pytest plugins for adminduk-queue's test suite.

Listed in ``pytest_plugins`` of ``tests/conftest.py``:

- ``tests.plugins.servers``: throwaway PostgreSQL and Redis servers per test session, free ports,
  starting helper server processes and waiting for them to answer.
- ``tests.plugins.browser``: headless Chromium through Playwright, screenshots into ``test-artifacts/``,
  and accessibility checks with a vendored axe-core.

Missing binaries make those fixtures *skip*, unless ``ADMINDUK_REQUIRE_SERVICES=1`` is set (CI sets it),
in which case they *fail*: a CI run never silently drops the database, Redis or browser tests.
"""
