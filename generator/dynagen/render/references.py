"""Names a generated module's code mentions, collected while its view writes the code.

A view writes Python expressions through one :class:`References` (annotations, encoders,
literals, defaults, names of ``models.py``); each call records the names its text uses,
so the module's imports come from what was built, never from reading the text back.
"""

from __future__ import annotations

from dynagen.model.literals import LiteralValue
from dynagen.model.naming import enum_member_name, isort_key, snake_case
from dynagen.model.schema import Attribute
from dynagen.model.types import (
    AttrType,
    EnumType,
    ListType,
    MapType,
    NamedType,
    ScalarType,
    SetType,
)
from dynagen.render import codecs
from dynagen.render.python import default_value, literal


class References:
    """The ``models.py`` names and standard-library annotations a module's code uses."""

    def __init__(self) -> None:
        self._models: set[str] = set()
        self._scalars: set[str] = set()

    def model(self, name: str) -> str:
        """``name``, defined by ``models.py``."""
        self._models.add(name)
        return name

    def annotation(self, attr_type: AttrType) -> str:
        """The Python type of a value of ``attr_type``."""
        self._annotated(attr_type)
        return codecs.annotation(attr_type)

    def encode(self, attr_type: AttrType, value: str, where: str) -> str:
        """An expression turning ``value`` into a wire attribute value."""
        self._encoded(attr_type)
        return codecs.encode(attr_type, value, where)

    def encode_text(self, attr_type: AttrType, value: str, where: str) -> str:
        """An expression giving the text of a scalar in a key template."""
        if isinstance(attr_type, EnumType):
            self.model(attr_type.name)
        return codecs.encode_text(attr_type, value, where)

    def default(self, attribute: Attribute) -> str:
        """An expression making ``attribute``'s default value."""
        self._valued(attribute.type)
        return default_value(attribute)

    def literal_value(self, value: LiteralValue) -> str:
        """A literal of an expression as a Python value of its type."""
        text, t = value.text, value.type
        if text in ("true", "false"):
            return "True" if text == "true" else "False"
        if text.startswith("'"):
            if isinstance(t, EnumType):
                return f"{self.model(t.name)}.{enum_member_name(text[1:-1])}"
            return literal(text[1:-1])
        self._valued(t)
        if t == ScalarType("decimal"):
            return f"Decimal({literal(text)})"
        if t == ScalarType("float"):
            return repr(float(text))
        return str(int(text)) if "." not in text else text

    def models_names(self, always: set[str]) -> tuple[str, ...]:
        """What the module imports from ``models.py``: ``always`` and every name used."""
        return tuple(sorted(always | self._models, key=isort_key))

    def scalar_imports(self) -> list[str]:
        """The standard-library import lines of the scalar annotations used."""
        return [
            line
            for name, line in codecs.SCALAR_IMPORTS.items()
            if name in self._scalars
        ]

    def _annotated(self, attr_type: AttrType) -> None:
        if isinstance(attr_type, EnumType | NamedType):
            self.model(attr_type.name)
        elif isinstance(attr_type, ScalarType):
            self._scalars.add(codecs.annotation(attr_type))
        elif isinstance(attr_type, ListType | SetType):
            self._annotated(attr_type.item)
        elif isinstance(attr_type, MapType):
            self._annotated(attr_type.value)

    def _encoded(self, attr_type: AttrType) -> None:
        if isinstance(attr_type, EnumType):
            self.model(attr_type.name)
        elif isinstance(attr_type, NamedType):
            self.model(attr_type.name)
            self.model(f"encode_{snake_case(attr_type.name)}")
        elif isinstance(attr_type, ListType):
            self._encoded(attr_type.item)
        elif isinstance(attr_type, MapType):
            self._encoded(attr_type.value)

    def _valued(self, attr_type: AttrType) -> None:
        """A default or literal: an enum member or a ``Decimal``."""
        if isinstance(attr_type, EnumType):
            self.model(attr_type.name)
        elif attr_type == ScalarType("decimal"):
            self._scalars.add("Decimal")
