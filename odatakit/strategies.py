"""Hypothesis strategies for OData trees, URLs and payloads: the public home of
``odatakit.testing.strategies`` (``from odatakit import strategies`` or ``import odatakit.strategies``)."""

from .testing.strategies import *  # noqa: F403
from .testing.strategies import __all__ as __all__, _hypothesis_setup_hook as _hypothesis_setup_hook  # noqa: F401
