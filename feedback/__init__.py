"""Citizens' feedback: the IKM satisfaction survey (PermenPANRB 14/2017) and complaints/suggestions.

Kept light on purpose: importing a pure module (``feedback.ikm``, ``feedback.sample``,
``feedback.questionnaire``, ``feedback.complaints``, ``feedback.privacy``, ``feedback.periods``,
``feedback.lapor``) pulls in neither Flask nor SQLAlchemy. The feature is wired by ``feedback.web.init_app``.
"""
