"""Any expression the strategies draw, over any JSON entity, ends in a three-valued result or an
``EvaluationError`` — never another exception from inside Python or a dependency."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odatakit import compile_filter, evaluate
from odatakit import strategies as ost
from odatakit.evaluation import EvaluationError

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.text(max_size=8),
              st.floats(allow_nan=False, allow_infinity=False), st.decimals(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=8,
)


@pytest.mark.slow
@settings(max_examples=100)
@given(ost.filters(max_depth=3, max_leaves=6), st.dictionaries(st.sampled_from(("A", "B", "Name", "x")), json_values))
def test_drawn_filters_over_drawn_entities_end_in_a_result_or_an_evaluation_error(predicate, entity):
    try:
        result = compile_filter(predicate)(entity)
    except EvaluationError:
        return
    assert result in (True, False, None)


@pytest.mark.slow
@settings(max_examples=40)
@given(ost.queries(max_depth=1, custom=False), st.lists(st.dictionaries(st.sampled_from(("A", "Name")), json_values),
                                                         max_size=3))
def test_drawn_queries_over_drawn_data_end_in_a_payload_or_an_evaluation_error(query, data):
    try:
        result = evaluate(query, data)
    except EvaluationError:
        return
    assert isinstance(result["value"], list)
