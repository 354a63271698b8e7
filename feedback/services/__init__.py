"""Use cases of the feedback feature: take a session and ``now``, return results (and events); never commit,
never import Flask. ``survey`` (answers and the counter tablet), ``complaints`` (sending and handling),
``limits`` (send limits in the database), ``reports`` (IKM and complaint figures, exports), ``settings``."""
