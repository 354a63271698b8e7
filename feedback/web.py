"""Wiring of the feedback feature (IKM survey and complaints), called by ``create_app``: blueprints, the panel on
the citizen's status page, the manager's start-page tiles, the daily contact-erasure job, the report sections
(``ikm``, ``complaints``), the office counter ``complaints`` for the kabupaten comparison, and the template
helpers (no /api endpoints: the citizen's JSON posts live on the status page's own URLs). Everything reaches the core through ``queue_service.hooks``; nothing else lives here."""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from queue_service import hooks

DEFAULTS = {
    #: how often the job erasing contacts of closed complaints runs (seconds)
    "FEEDBACK_ERASE_EVERY_SECONDS": 24 * 3600,
    #: days after finishing a ticket during which the status page still offers the survey
    "FEEDBACK_SURVEY_DAYS": 7,
}


def init_app(app: Flask) -> None:
    import feedback.models  # noqa: F401  (the tables, on the core's metadata)
    from feedback import report
    from feedback.seed import seed_feedback
    from feedback.views import api, citizen, common, jobs, manager, tablet

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for module in (citizen, manager, tablet, api):
        app.register_blueprint(module.bp)
    hooks.register_status_panel(app, hooks.StatusPanel(
        "feedback", 50, "feedback/_status_panel.html", citizen.panel_context,
        scripts=("js/feedback.js",), styles=("css/feedback.css",)))
    hooks.register_nav_link(app, hooks.NavLink("feedback", 40, "feedback_manager.pick",
                                               _l("Survei IKM dan pengaduan"), roles=("manager",)))
    hooks.register_nav_link(app, hooks.NavLink("feedback-tablet", 45, "feedback_tablet.pick",
                                               _l("Tablet survei di loket"), roles=("clerk", "manager")))
    hooks.register_counter_link(app, hooks.CounterLink("feedback-tablet", 50, "feedback_tablet.clerk_page",
                                                       _l("Tablet survei")))
    hooks.register_job(app, "feedback-erase-contacts", float(app.config["FEEDBACK_ERASE_EVERY_SECONDS"]),
                       jobs.erase_contacts_job)
    hooks.register_seeder(app, seed_feedback)
    hooks.register_demo_links(app, lambda _app, base, _data: [("IKM survey and complaints", f"{base}/manager/feedback")])  # survey answers and complaints on the demo's past days
    hooks.register_report_section(app, hooks.ReportSection(
        "ikm", _l("Indeks Kepuasan Masyarakat (IKM)"), 50, report.build_ikm, "feedback/report/_ikm.html",
        export=report.export_ikm, places=frozenset({"report", "figures"})))
    hooks.register_report_section(app, hooks.ReportSection(
        "complaints", _l("Pengaduan dan saran"), 60, report.build_complaints,
        "feedback/report/_complaints.html", export=report.export_complaints,
        places=frozenset({"report", "figures"})))
    hooks.register_office_counter(app, "complaints", report.office_complaint_counter, labels={
        "received": _l("Pengaduan masuk"), "answered_on_time": _l("Dijawab tepat waktu"),
        "overdue": _l("Pengaduan terlambat")})
    hooks.register_office_counter(app, "ikm", report.office_ikm_counter, labels={
        "ikm": _l("IKM"), "respondents": _l("Responden IKM")})
    hooks.register_openapi(app, api.PATHS, api.SCHEMAS)
    app.add_template_global(common.ikm_chart, "ikm_chart")
