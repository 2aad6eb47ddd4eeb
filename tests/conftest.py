"""Hypothesis settings profiles for the property and fuzz tests.

``default`` and ``ci`` (chosen when CI=true; derandomized, so a CI run is repeatable) keep
example counts bounded so the whole suite stays fast; ``thorough`` is for a long local hunt: ``HYPOTHESIS_PROFILE=thorough python -m pytest``.
Tests that need fewer examples than the profile set their own ``max_examples``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

settings.register_profile("default", max_examples=100, **_COMMON)
settings.register_profile("ci", max_examples=100, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=5000, **_COMMON)
settings.register_profile("quick", max_examples=10, **_COMMON)  # the inner loop: pytest -m "not slow"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))


# -- service models (odatakit.csdl): each read once per session; Graph's $metadata is 3.5 MB ----
import pytest  # noqa: E402

MODELS = os.path.join(os.path.dirname(__file__), "data", "models")


@pytest.fixture(scope="session")
def graph_model():  # type: ignore[no-untyped-def]
    from odatakit import csdl

    return csdl.load(os.path.join(MODELS, "graph-v1.0-metadata.xml.gz"))


@pytest.fixture(scope="session")
def trippin_model():  # type: ignore[no-untyped-def]
    from odatakit import csdl

    return csdl.load(os.path.join(MODELS, "trippin.xml"))


@pytest.fixture(scope="session")
def outlook_model():  # type: ignore[no-untyped-def]
    from odatakit import csdl

    return csdl.load(os.path.join(MODELS, "outlook-v2.xml"))


#: Tests that take seconds each (property tests with many draws, megabyte inputs, builds): marked
#: ``slow`` here, in one list, so ``pytest -m "not slow"`` is the quick inner loop (README) and the
#: full suite, which CI runs, still has them. A test that grows slow joins this list.
SLOW_TESTS = frozenset({
    "test_mutated_payloads_get_the_reference_faults", "test_the_strategies_invalid_payloads_get_the_reference_faults",
    "test_drawn_queries_with_apply_round_trip", "test_drawn_apply_trees_round_trip",
    "test_generated_tree_survives_serialize_and_parse", "test_query_example_texts_are_the_serializers",
    "test_generated_urls_parse_back_to_their_parts", "test_grammar_generated_text_parses_or_fails_cleanly",
    "test_generated_query_strings_parse_and_fail_alike_on_both_paths", "test_mutated_text_parses_or_fails_cleanly",
    "test_mutated_urls_parse_or_fail_cleanly", "test_built_expressions_parse_back_to_the_built_tree",
    "test_odata_query_reads_generated_filters_like_odatakit",
    "test_a_query_in_a_url_reads_back_after_an_http_client_normalised_it",
    "test_drawn_queries_over_drawn_data_end_in_a_payload_or_an_evaluation_error",
    "test_drawn_filters_over_drawn_entities_end_in_a_result_or_an_evaluation_error",
    "test_version_4_0_queries_use_no_4_01_syntax", "test_a_payload_with_100_000_properties_decodes_and_validates",
    "test_100_000_bad_properties_give_100_000_faults", "test_errors_in_megabyte_inputs_stay_short",
    "test_long_or_chains_stay_flat", "test_megabyte_key_in_a_url_reads_back",
    "test_search_terms_nest_so_long_searches_meet_the_depth_limit",
    "test_invalid_payloads_carry_the_fault_they_are_labelled_with", "test_query_grammar_builds_in_strict_mode",
    "test_wheel_ships_the_grammars_inside_the_package",
    "test_errors_and_trees_are_the_same_with_and_without_the_accelerators",
    "test_generated_filters_parse_the_same_on_every_path", "test_graph_round_trips_through_json_and_xml",
    "test_the_invalid_twins_draw_every_fault_a_type_can_carry", "test_generated_extension_payloads_validate_and_decode_to_their_value",
    "test_from_type_draws_valid_instances", "test_any_json_gives_faults_never_an_exception",
    "test_the_builder_never_emits_a_filter_its_parser_refuses", "test_any_text_key_reads_back_exactly_or_is_refused",
    "test_seed_corpus_passes_every_fuzz_target", "test_readme_examples_run_as_written",
    "test_the_fast_path_gives_the_grammars_tree_on_every_conformance_case",
    "test_generated_query_strings_give_the_grammars_trees",
    #: measured: each ≥ 0.3 s on a quiet machine (≥ 0.7 s at load 7), 2026-12-01
    "test_4_0_writes_every_decimal_without_exponent_or_refuses_it",
    "test_a_50_megabyte_string_decodes_validates_and_encodes",
    #: measured: each ≥ 1.3 s at load 1, 2026-12-01 (the quick subset had reached 62 s)
    "test_every_tree_class_has_an_unchecked_constructor_that_builds_it",
    "test_random_mutations_of_lists_and_queries_fail_as_lark_says", "test_mutated_corpus_sample_fails_as_lark_says",
    "test_a_decoded_page_holds_little_more_than_json_loads", "test_memory_grows_linearly_with_the_page",
    "test_a_50_megabyte_value_of_the_wrong_form_is_one_short_fault",
    "test_a_closed_pipe_ends_the_command_quietly", "test_a_key_value_stays_one_key",
    "test_a_server_that_is_the_spec_never_disagrees", "test_aliases_false_draws_no_alias",
    "test_an_annotation_validate_accepts_round_trips",
    "test_an_error_costs_a_small_constant_times_a_successful_parse",
    "test_an_extension_name_stays_in_its_key", "test_any_property_name_is_refused_or_reads_back_as_itself",
    "test_boolean_core_agrees_with_kleene_logic_and_the_spec_comparisons", "test_cli_url_as_a_process",
    "test_deep_or_self_containing_python_values_are_refused_without_recursion_error",
    "test_deep_python_document_is_refused_without_recursion_error",
    "test_deep_trees_end_in_an_error_not_a_recursion_error", "test_doc_example_runs",
    "test_every_drawn_query_passes_check_and_round_trips", "test_every_expression_kind_round_trips",
    "test_every_invalid_payload_is_reported_at_its_path", "test_extra_preference_values_round_trip",
    "test_families_parse_and_fail_in_time_linear_in_the_number_of_items",
    "test_filter_segment_literal_never_rewrites_the_path", "test_fmt_imports_no_jsonschema",
    "test_function_parameters_stay_parameters", "test_hostile_keys_survive_a_parenthesized_key",
    "test_import_odatakit_loads_neither_the_model_layer_nor_defusedxml",
    "test_installed_odatakit_registers_from_type_through_the_entry_point",
    "test_key_as_segment_round_trips_any_text", "test_large_filters_round_trip",
    "test_lean_driver_gives_the_grammars_tree_or_steps_aside", "test_long_and_chains_are_flat_and_evaluate",
    "test_max_leaves_and_max_depth_bound_the_tree", "test_megabyte_inputs_end_in_a_tree_or_a_syntax_error",
    "test_megabyte_query_string_of_custom_options", "test_no_literal_text_reaches_the_sql_statement",
    "test_odatakit_evaluate_is_the_function_however_the_subpackage_was_imported",
    "test_odatakit_works_without_hypothesis_installed", "test_parenthesized_key_round_trips_any_text",
    "test_payload_knobs_pick_annotation_style_and_dialect", "test_query_values_stay_in_their_options",
    "test_round_trip_every_edm_type", "test_the_deepest_tree_the_parser_returns_prints",
    "test_the_generated_fast_path_gives_what_the_closures_give", "test_the_installed_command_runs",
    "test_the_model_free_strategies_still_work_without_a_model",
    "test_the_strategies_import_first_in_a_fresh_interpreter",
    "test_trees_deeper_than_the_stack_are_walked_folded_and_transformed", "test_typed_keys_round_trip",
    "test_url_examples_carry_the_rendered_text", "test_user_principal_name_round_trips",
    "test_valid_requests_have_no_faults", "test_version_prints_the_version",
})


def pytest_collection_modifyitems(items: list) -> None:  # type: ignore[type-arg]
    import pytest

    for item in items:
        if item.originalname in SLOW_TESTS if hasattr(item, "originalname") else False:
            item.add_marker(pytest.mark.slow)
        elif "testing-with-strategies.md" in item.nodeid or "service-models.md" in item.nodeid:
            item.add_marker(pytest.mark.slow)  # the strategy guides draw hundreds of examples


def pytest_configure(config: object) -> None:
    """``pytest -m "not slow"`` is the quick inner loop: its property tests draw fewer examples
    too (the full suite, and CI, keep the profile above)."""
    if "not slow" in (getattr(config, "option").markexpr or "") and not os.environ.get("HYPOTHESIS_PROFILE"):
        settings.load_profile("quick")
