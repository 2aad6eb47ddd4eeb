"""Service models (CSDL): read and write ``$metadata`` (XML and JSON), look names up, check
queries and payloads against a model. Public as ``odatakit.csdl``."""

from .elements import *  # noqa: F403
from .elements import __all__ as _elements_all
from .errors import ModelError
from .model import Model, Resolved, load

__all__ = ["Model", "ModelError", "Resolved", "load", *_elements_all]
