"""pydantic validators for kinecheck's models: built once per process, without plugin lookup.

Why without the lookup: pydantic offers every validator it builds to the plugins installed
in the environment (the entry-point group "pydantic"). Finding them imports
`importlib.metadata` and reads the metadata of every installed distribution, about 45 ms on
the first validator of a process: a tenth of a first `kinecheck assess`, whose start-up
budget is 20x `python -c pass` (benchmarks/bench_startup.py). kinecheck uses no pydantic
plugin, so while it builds its own validators, pydantic's lookup answers "no plugins"; any
other code in the process still gets pydantic's own lookup (and where that has run first,
kinecheck's validators are built with it too: there is nothing left to save). If a pydantic
release needs more of its lookup module than `get_plugins`, the validator is built the
ordinary way: slower, never different.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from pydantic import TypeAdapter

# pydantic's private module that finds plugins; `create_schema_validator` imports
# `get_plugins` from it each time it builds a validator.
PLUGIN_LOOKUP = "pydantic.plugin._loader"

_NO_PLUGINS = types.ModuleType(PLUGIN_LOOKUP, "Stands in for pydantic's plugin lookup.")
_NO_PLUGINS.get_plugins = lambda: ()  # type: ignore[attr-defined]

T = TypeVar("T")
_BUILT: dict[type[Any], TypeAdapter[Any]] = {}


def validator(model: type[T]) -> TypeAdapter[T]:
    """The validator of a model class, built once per process.

    Building it is the slow part: tens of milliseconds for a questionnaire.
    """
    adapter = _BUILT.get(model)
    if adapter is None:
        adapter = _BUILT[model] = _build(model)
    return cast("TypeAdapter[T]", adapter)


def _build(model: type[Any]) -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    if PLUGIN_LOOKUP in sys.modules:  # pydantic's lookup is loaded already: nothing to save
        return TypeAdapter(model)
    sys.modules[PLUGIN_LOOKUP] = _NO_PLUGINS
    try:
        return TypeAdapter(model)
    except (ImportError, AttributeError):
        pass  # this pydantic wants more of its lookup module: build it the ordinary way below
    finally:
        if sys.modules.get(PLUGIN_LOOKUP) is _NO_PLUGINS:
            del sys.modules[PLUGIN_LOOKUP]
    return TypeAdapter(model)
