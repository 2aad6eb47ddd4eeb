"""HTTP around OData: request headers and preferences, error bodies (``messages``)."""

from .messages import *  # noqa: F403
from .messages import __all__  # noqa: F401
