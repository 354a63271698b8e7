"""Use cases of the bookings feature: take a session and ``now``, return (result, events); never commit,
never import Flask (like ``queue_service.services``)."""
