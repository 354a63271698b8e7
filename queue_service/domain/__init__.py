"""Pure domain of the queue: no Flask, no SQLAlchemy. Safe to import anywhere."""
