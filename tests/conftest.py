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
