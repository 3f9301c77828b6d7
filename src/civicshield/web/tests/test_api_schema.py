"""schemathesis against the API's own OpenAPI document, through Django's WSGI app in process:
generated requests (valid and invalid) must never cause a server error, and every answer must
match the document (status codes, content type, response schema).

schemathesis' own pytest plugin does not work with pytest 9 yet, so the cases are drawn with
its Hypothesis strategies inside an ordinary test."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection  # noqa: E402

# By design a bad item in a batch is reported in "errors" and the rest is stored (a bridge
# pushing 500 messages must not lose 499 for one bad one), so a body with some invalid items
# is answered 200. Every other check runs, including "no 5xx" and the response schema.
PER_ITEM_ERRORS = [negative_data_rejection]

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(db):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from civicshield.web.wsgi import application

    # As Django's test client does: calling the WSGI app directly would otherwise close the
    # database connection that holds the test's transaction (PostgreSQL).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _cases(api_schema):
    return api_schema.as_strategy(GenerationMode.POSITIVE) | api_schema.as_strategy(
        GenerationMode.NEGATIVE
    )


def test_the_api_keeps_to_its_openapi_document(api_schema, cast):
    from civicshield.web.inbox.services import api_token_create

    _, secret = api_token_create(member=cast.manager, name="schemathesis")

    @EXAMPLES
    @given(case=_cases(api_schema))
    def check(case):
        case.call_and_validate(
            headers={"Authorization": f"Bearer {secret}"}, excluded_checks=PER_ITEM_ERRORS
        )

    check()


def test_without_a_token_the_api_keeps_to_its_openapi_document(api_schema):
    @EXAMPLES
    @given(case=_cases(api_schema))
    def check(case):
        case.call_and_validate()

    check()
