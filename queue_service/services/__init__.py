"""Use cases. Each takes a SQLAlchemy session and ``now`` (aware UTC), returns results and
events, never commits and never imports Flask: the caller owns the transaction and emits the
events after the commit."""
