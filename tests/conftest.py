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
