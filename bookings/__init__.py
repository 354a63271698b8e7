"""Online bookings and same-day remote queueing: one queue with the walk-ins.

Kept light on purpose: importing a pure module of this package (``bookings.slots``,
``bookings.availability``, ``bookings.codes``, ``bookings.checkin``, ``bookings.messages``,
``bookings.limits``, ``bookings.advice``) pulls in neither Flask nor SQLAlchemy.
"""
