"""Print jobs: the feature that prints each kiosk ticket (durable jobs, the worker, the print agent's API, the
staff page). The printer driver it uses (layout, profiles, back-ends, rendering) is ``printers``, which knows
no database."""
