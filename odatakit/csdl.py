"""Service models (CSDL ``$metadata``), the public face of ``odatakit.model``.

``load(source)`` reads CSDL XML 4.0/4.01 or CSDL JSON 4.01 (path, text or bytes, gzip or not) into a
``Model``; ``Model.to_xml()`` / ``to_json()`` write it back; ``Model.check(url)`` lists every fault of
a query against the model; ``Model.decode`` / ``validate`` type payloads by it.
See ``odatakit.model`` for the lookup API (``entity_type``, ``property``, ``resolve`` …).
"""

from __future__ import annotations

from .model import *  # noqa: F403
from .model import __all__  # noqa: F401
