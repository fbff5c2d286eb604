"""Generated classes write ``__init__``, ``__repr__``, ``__eq__`` (and, frozen,
``__hash__``) as plain source and tell ``@dataclass`` ``init=False, repr=False,
eq=False``, so that importing an entity module execs no generated source (issue 16).
Each class must still behave exactly as the ``@dataclass(slots=True, kw_only=True)``
(``frozen=True`` for partial classes, ``frozen=True`` without ``kw_only`` for
``<Entity>Key``) built from the same fields: that reference is made
here with :func:`dataclasses.make_dataclass` and compared on every class of the example
package, of the all-types schema, and of hypothesis-drawn field lists."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dynagen.output import write
from dynagen.pipeline import compile_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.generated_package import imported_package
from tests.package._support import EXAMPLE

ALL_TYPES = Path(__file__).resolve().parents[1] / "codecs" / "schema.yaml"


def _classes(directory: Path) -> list[type[Any]]:
    """Every class of the package's entity and map-type modules: the entity, its key
    class, its partial classes and the named map types."""
    name = directory.name
    found: list[type[Any]] = []
    for path in sorted(directory.glob("*.py")):
        if not (path.stem.endswith("_model") or path.stem.startswith("_model_")):
            continue
        module = importlib.import_module(f"{name}.{path.stem}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
                and "__init__" in value.__dict__
            ):
                found.append(value)
    return found


def _reference(cls: type[Any]) -> type[Any]:
    """The ``@dataclass(slots=True, kw_only=True[, frozen=True])`` dataclasses itself
    builds from ``cls``'s fields (names, annotations, defaults and factories)."""
    specs: list[tuple[str, Any, Any]] = []
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            spec = dataclasses.field(default_factory=f.default_factory)
        elif f.default is not dataclasses.MISSING:
            spec = dataclasses.field(default=f.default)
        else:
            spec = dataclasses.field()
        specs.append((f.name, f.type, spec))
    return dataclasses.make_dataclass(
        cls.__name__,
        specs,
        bases=cls.__bases__,
        kw_only=_kw_only(cls),
        slots=True,
        frozen=cls.__dataclass_params__.frozen,
    )


def _kw_only(cls: type[Any]) -> bool:
    """Entity, map-type and partial classes are keyword-only, key classes not."""
    return all(f.kw_only for f in dataclasses.fields(cls))


def _values(cls: type[Any], salt: int) -> dict[str, Any]:
    """A value for every field (hashable, so frozen objects hash; __init__ checks no
    types); ``salt`` makes a second, different set."""
    return {f.name: f"{f.name}-{salt}" for f in dataclasses.fields(cls)}


def _is_factory(cls: type[Any], name: str) -> bool:
    return next(
        f for f in dataclasses.fields(cls) if f.name == name
    ).default_factory is not (dataclasses.MISSING)


def _check_like_dataclass(cls: type[Any]) -> None:
    """``cls`` behaves as its reference dataclass in every way a user can see."""
    ref = _reference(cls)
    frozen = cls.__dataclass_params__.frozen
    fields, ref_fields = dataclasses.fields(cls), dataclasses.fields(ref)
    assert [(f.name, f.type, f.default, f.default_factory) for f in fields] == [
        (f.name, f.type, f.default, f.default_factory) for f in ref_fields
    ]
    assert cls.__match_args__ == ref.__match_args__
    assert cls.__slots__ == ref.__slots__

    # The signature: names, kinds and annotations; the defaults of plain defaults, and
    # a sentinel where dataclasses has its own for a factory.
    ours = inspect.signature(cls.__init__).parameters
    theirs = inspect.signature(ref.__init__).parameters
    assert [(p.name, p.kind, p.annotation) for p in ours.values()] == [
        (p.name, p.kind, p.annotation) for p in theirs.values()
    ]
    for name, parameter in ours.items():
        if name == "self":
            continue
        if _is_factory(cls, name):
            assert parameter.default is not inspect.Parameter.empty
            assert repr(theirs[name].default) == "<factory>"
        else:
            assert parameter.default == theirs[name].default

    # Objects: the same repr, equality, hash, replace, asdict, astuple.
    values, other_values = _values(cls, 1), _values(cls, 2)
    obj, ref_obj = cls(**values), ref(**values)
    assert repr(obj) == repr(ref_obj)
    assert obj == cls(**values)
    assert (obj != cls(**values)) is False  # __ne__ from __eq__
    assert obj != ref_obj and obj.__eq__(ref_obj) is NotImplemented
    assert obj.__eq__(object()) is NotImplemented
    for name in values:
        changed = cls(**{**values, name: other_values[name]})
        assert changed != obj
        assert (changed == obj) is False
        assert (changed == obj) == (
            ref(**{**values, name: other_values[name]}) == ref_obj
        )
    if frozen:
        assert hash(obj) == hash(ref_obj) == hash(cls(**values))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, next(iter(values)), "x")
    else:
        assert cls.__hash__ is None
        with pytest.raises(TypeError):
            hash(obj)
    assert pickle.loads(pickle.dumps(obj)) == obj == copy.deepcopy(obj)
    assert dataclasses.asdict(obj) == dataclasses.asdict(ref_obj) == values
    assert dataclasses.astuple(obj) == dataclasses.astuple(ref_obj)
    name = next(iter(values))
    moved = dataclasses.replace(obj, **{name: "moved"})
    assert type(moved) is cls
    assert repr(moved) == repr(dataclasses.replace(ref_obj, **{name: "moved"}))

    # Defaults: every field left out takes the reference's default, a factory's
    # value fresh for each object.
    required = {
        f.name: values[f.name]
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert repr(cls(**required)) == repr(ref(**required))
    assert cls(**required) == cls(**required)
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:
            first, second = cls(**required), cls(**required)
            assert getattr(first, f.name) == f.default_factory()
            assert getattr(first, f.name) is not getattr(second, f.name)

    # Bad calls: TypeError, as from the dataclass.
    for missing in required:
        partial = {k: v for k, v in required.items() if k != missing}
        with pytest.raises(TypeError, match=missing):
            cls(**partial)
        with pytest.raises(TypeError):
            ref(**partial)
    with pytest.raises(TypeError):
        cls(**required, no_such_field=1)
    if _kw_only(cls):
        if required:
            with pytest.raises(TypeError):
                cls(*required.values())
    else:
        positional = cls(*values.values())
        assert positional == obj and repr(positional) == repr(ref(*values.values()))


def _no_exec_in(cls: type[Any]) -> None:
    """The methods are the module's own source (not dataclasses' exec)."""
    for method in ("__init__", "__repr__", "__eq__"):
        code = cls.__dict__[method].__code__
        assert code.co_filename == sys.modules[cls.__module__].__file__, method


def test_example_classes_behave_as_dataclasses() -> None:
    with imported_package(EXAMPLE) as package:
        classes = _classes(Path(package.__file__ or "").parent)
        names = {c.__name__ for c in classes}
        # entities, named map types, a view and an index projection
        assert {"Customer", "CustomerKey", "Order", "Address", "ProductCard"} <= names
        assert any(c.__dataclass_params__.frozen for c in classes)
        for cls in classes:
            _check_like_dataclass(cls)
            _no_exec_in(cls)


@pytest.fixture(scope="module")
def all_types(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The codec tests' all-types schema (factory defaults, keyword names), as its own
    package ``all_types_methods``."""
    result = compile_schema(ALL_TYPES, ALL_TYPES.name)
    assert result.ok and result.files is not None
    directory = tmp_path_factory.mktemp("methods") / "all_types_methods"
    write(directory, result.files)
    with imported_package(directory) as package:
        yield package


def test_all_types_classes_behave_as_dataclasses(all_types: ModuleType) -> None:
    classes = _classes(Path(all_types.__file__ or "").parent)
    factories = [
        c
        for c in classes
        if any(
            f.default_factory is not dataclasses.MISSING for f in dataclasses.fields(c)
        )
    ]
    assert {c.__name__ for c in factories} >= {"Thing", "Address"}
    for cls in classes:
        _check_like_dataclass(cls)
        _no_exec_in(cls)


_TYPES = ("string", "int", "list<string>", "set<int>", "map<int>")
_DEFAULTS = {"string": '"x"', "int": "3", "list<string>": "[]", "set<int>": "[]"}
_DEFAULTS["map<int>"] = "{}"


@st.composite
def _attributes(draw: st.DrawFn) -> list[str]:
    """Attribute lines of an entity beside its key field ``id``: plain, optional or
    with a default (a container's default is a factory)."""
    lines = []
    count = draw(st.integers(min_value=0, max_value=6))
    for index in range(count):
        kind = draw(st.sampled_from(_TYPES))
        form = draw(st.sampled_from(("plain", "optional", "default")))
        if form == "plain":
            lines.append(f'f{index}: "{kind}"')
        elif form == "optional":
            lines.append(f'f{index}: {{type: "{kind}", optional: true}}')
        else:
            lines.append(f'f{index}: {{type: "{kind}", default: {_DEFAULTS[kind]}}}')
    return lines


_SCHEMA = """\
dynagen: 1
package: drawn
tables:
  T:
    name: drawn_table
    partition_key: pk
    sort_key: {{name: sk, type: S}}
entities:
  Drawn:
    table: T
    key:
      pk: "D#{{id}}"
      sk: "D"
    attributes:
      id: string
{attributes}
"""

_drawn = iter(range(1_000_000))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attributes=_attributes())
def test_drawn_field_lists_behave_as_dataclasses(
    tmp_path: Path, attributes: list[str]
) -> None:
    run = tmp_path / f"run{next(_drawn)}"
    run.mkdir()
    schema = run / "drawn.yaml"
    schema.write_text(
        _SCHEMA.format(attributes="".join(f"      {a}\n" for a in attributes)),
        encoding="utf-8",
    )
    result = compile_schema(schema, schema.name)
    assert result.ok and result.files is not None, [str(d) for d in result.diagnostics]
    directory = run / "drawn_methods"
    write(directory, result.files)
    with imported_package(directory):
        classes = _classes(directory)
        assert [c.__name__ for c in classes] == ["Drawn", "DrawnKey"]
        for cls in classes:
            _check_like_dataclass(cls)
            _no_exec_in(cls)
