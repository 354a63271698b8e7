"""Queue figures, staffing advice and the monthly report (a feature package, wired by ``init_app``).

Pure modules (no Flask, no SQLAlchemy): ``figures`` (arithmetic on tickets and rollup cells),
``staffing`` (Erlang C, counters needed per hour), ``charts`` (server-side SVG). Kept light: importing
``reports.figures`` must not pull Flask in.
"""
