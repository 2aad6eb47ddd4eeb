"""Strategies that know a model: every draw of ``queries``/``payloads`` passes ``Model.check`` /
``Model.validate``; every draw of the ``invalid_…`` twins is reported with its labelled fault."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odatakit import parse_query, serialize
from odatakit import strategies as ost

CASES = [
    ("trippin", "People", "Trippin.Person"),
    ("trippin", "Me/Trips", "Trippin.Trip"),
    ("outlook", "me/messages", "Microsoft.OutlookServices.Event"),
    ("outlook", "me/contacts('c')/extensions", "Microsoft.OutlookServices.Contact"),
    ("graph", "me/messages", "microsoft.graph.event"),
    ("graph", "users", "microsoft.graph.contact"),
]
FEW = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def _params(slow_graph: bool = True) -> list:  # type: ignore[type-arg]
    return [pytest.param(*case, marks=pytest.mark.slow) if case[0] == "graph" and slow_graph else case for case in CASES]


@pytest.mark.parametrize("which, resource, type_name", _params())
def test_every_drawn_query_passes_check_and_round_trips(request, which, resource, type_name):
    model = request.getfixturevalue(f"{which}_model")

    @FEW
    @given(ost.queries(model, resource))
    def run(query):
        assert model.check(query, resource=resource) == []
        text = serialize(query)
        assert parse_query(text) == query
        assert model.check(f"{resource}?{serialize(query, url=True)}") == []

    run()


@pytest.mark.parametrize("which, resource, type_name", _params())
def test_every_drawn_payload_validates(request, which, resource, type_name):
    model = request.getfixturevalue(f"{which}_model")

    @FEW
    @given(ost.payloads(model, type_name))
    def run(payload):
        assert model.validate(payload, type=type_name) == []

    run()


@pytest.mark.parametrize("which, resource, type_name", _params())
def test_every_invalid_query_is_reported_with_its_label(request, which, resource, type_name):
    model = request.getfixturevalue(f"{which}_model")

    @FEW
    @given(ost.invalid_queries(model, resource))
    def run(invalid):
        assert [f.code for f in model.check(invalid.query, resource=resource)] == [invalid.code]

    run()


@pytest.mark.parametrize("which, resource, type_name", _params())
def test_every_invalid_payload_is_reported_at_its_path(request, which, resource, type_name):
    model = request.getfixturevalue(f"{which}_model")

    @FEW
    @given(ost.invalid_payloads(model, type_name))
    def run(invalid):
        assert (invalid.path, invalid.code) in [(f.json_path, f.code) for f in model.validate(invalid.payload, type=type_name)]

    run()


@pytest.mark.slow
def test_the_invalid_twins_draw_every_fault_a_type_can_carry(trippin_model):
    from odatakit.model.strategies import MODEL_PAYLOAD_FAULTS, QUERY_FAULTS

    seen_queries: set[str] = set()
    seen_payloads: set[str] = set()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        seen_queries.add(data.draw(ost.invalid_queries(trippin_model, "People")).code)
        seen_payloads.add(data.draw(ost.invalid_payloads(trippin_model, "Trippin.Person")).code)

    run()
    # Person is closed with strings, numbers, single and collection properties, and navigations
    # to other types: it can carry every planted query fault, and every payload fault.
    assert seen_queries == set(QUERY_FAULTS)
    assert seen_payloads == set(MODEL_PAYLOAD_FAULTS)


def test_the_model_free_strategies_still_work_without_a_model():
    @settings(max_examples=5, deadline=None)
    @given(ost.queries(max_depth=1))
    def run(query):
        assert parse_query(serialize(query)) == query

    run()
