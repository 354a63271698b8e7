"""Administration pages (offices, services, counters, users, devices): the ``admin`` blueprint.

Hand-written Flask-WTF forms (CSRF) rendered by ``templates/admin/*``. Every form is one
transaction: the use case in ``services/admin.py`` validates against the database and raises
``ValidationFailed(field=...)``; the view rolls back and shows the message next to that field.

Admins manage everything; managers manage the services, counters, devices and clerk/manager
accounts of their own offices; clerks get 403; staff of another office get 403.

``common`` (the blueprint, rights, one transaction per form), ``forms``, ``offices`` (offices, services,
counters), ``users`` (accounts, passwords, API tokens), ``devices`` (kiosks, displays, pairing, printers). The
office's announcement voice is ``web/voice.py``.
"""
from queue_service.web.admin import devices, offices, users  # noqa: F401  (their routes join the blueprint)
from queue_service.web.admin.common import bp

__all__ = ["bp"]
