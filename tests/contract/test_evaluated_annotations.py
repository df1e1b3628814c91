"""Models and schemas are declared with evaluated annotations, not `from __future__ import annotations`.

With the future import every field's annotation is a string, and pydantic (each schema field) and
SQLAlchemy (each `Mapped[...]` column) parse and evaluate those strings while the module loads: that was
~17% of a function's own cold start (bench/README.md, cold start). Written plainly, Python evaluates them
from bytecode, and a model that refers to its own class says `Self`.
"""
from __future__ import annotations

import __future__
import importlib
import pkgutil
import sys

import pydantic

import shared
from shared.core.orm import Base


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for subclass in list(found):
        found |= _subclasses(subclass)
    return found


def test_models_and_schemas_modules_evaluate_their_annotations() -> None:
    for info in pkgutil.walk_packages(shared.__path__, "shared."):
        importlib.import_module(info.name)
    classes = _subclasses(pydantic.BaseModel) | {mapper.class_ for mapper in Base.registry.mappers}
    # Declared in a module (not made at run time, as the adapter's path models and `Page[...]` are).
    modules = {cls.__module__ for cls in classes if cls.__module__.startswith("shared.")
               and getattr(sys.modules[cls.__module__], cls.__qualname__, None) is cls}
    assert len(modules) > 10  # the walk found the schemas and models
    stringified = sorted(name for name in modules
                         if getattr(sys.modules[name], "annotations", None) is __future__.annotations)
    assert stringified == []
