"""adminduk-queue: queue and e-KTP blank inventory service for Disdukcapil offices.

Kept light on purpose: importing ``queue_service.domain`` must not pull Flask in.
Use :func:`queue_service.app.create_app` to build the application.
"""

__version__ = "0.1.0"
