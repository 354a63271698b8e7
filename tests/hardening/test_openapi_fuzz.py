"""Schemathesis fuzzes every operation of /api/v1/openapi.json against the WSGI app.

Every operation gets generated requests (valid and invalid by the schema) and requests on the real ids of
both offices, each sent as one of several principals (kiosk, display, clerk, manager, admin, staff of the
other office, anonymous, an unknown token). Nothing may answer 5xx; status codes, content types and JSON
bodies must match the document.

ADMINDUK_FUZZ_EXAMPLES (default 12) bounds the examples per operation and mode; ADMINDUK_FUZZ_RANDOM=1 draws
new examples each run instead of the fixed (derandomized) set CI uses.
"""
from __future__ import annotations

import os

from tests.plugins.servers import require_module

schemathesis = require_module("schemathesis", "the OpenAPI fuzzing")  # skips locally, fails in CI

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("ADMINDUK_FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("ADMINDUK_FUZZ_RANDOM") == "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

#: path parameter name -> key in World office ids (or a literal)
PATH_VALUES = {"office_code": "code", "counter_id": "counter", "ticket_id": "ticket", "token": "token",
               "job_id": "job", "alert_id": "alert", "service_code": "service_code"}


def _real_paths(office, operation) -> dict | None:
    names = [p.name for p in operation.path_parameters]
    out = {}
    for name in names:
        key = PATH_VALUES.get(name)
        if key is None:
            return None  # a new parameter: generated values only (add it to PATH_VALUES)
        out[name] = office.code if key == "code" else office.ids.get(key)
        if out[name] is None:
            return None
    return out


def _principals(world) -> dict:
    b, k = world.bks.tokens, world.ktb.tokens
    return {"anonymous": None, "bogus": "x" * 43, "kiosk": b["kiosk"], "display": b["display"],
            "clerk": b["petugas1"], "manager": b["manajer"], "admin": b["admin"],
            "other-office clerk": k["petugas1.ktb"], "other-office manager": k["manajer.ktb"],
            "other-office kiosk": k["kiosk"]}


def test_openapi_document_fuzz(world):
    app = world.app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    principals = _principals(world)
    failures: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = {}
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 10, "the document lost its operations"

    for op in operations:
        strategies = [op.as_strategy(generation_mode=GenerationMode.POSITIVE)]
        for office in (world.bks, world.ktb):
            real = _real_paths(office, op)
            if real:
                strategies.append(op.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=real))
        negative = op.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        def check(case, who):
            token = principals[who]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call(headers=headers)
            counts[op.label] = counts.get(op.label, 0) + 1
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:  # collected, reported together below
                for failure in group.exceptions:
                    failures.setdefault((op.label, failure.title), f"as {who}: {failure.message}\n"
                                        f"{case.as_curl_command(headers=headers)}\n"
                                        f"-> {response.status_code} {response.text[:300]}")

        who = st.sampled_from(sorted(principals))
        conf = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM,
                        suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        conf(given(case=st.one_of(strategies), who=who)(check))()
        try:
            conf(given(case=negative, who=who)(check))()
        except Unsatisfiable:
            pass  # e.g. a free-form string path parameter has no invalid value

    report = "\n\n".join(f"### {label}: {title}\n{text}" for (label, title), text in sorted(failures.items()))
    assert not failures, f"{len(failures)} fuzzing failure(s):\n\n{report}"
    # every operation was really exercised
    assert all(counts.get(op.label, 0) >= min(EXAMPLES, 5) for op in operations), counts
