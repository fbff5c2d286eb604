"""The view of each module behind ``models.py``: ``<entity>_model.py`` (an entity, its
key, its partial classes) and ``_model_<name>.py`` (an enum, or a group of map types).

Classes, fields, codec statements and the module's imports are all decided here; every
view object collects the names its code mentions, and the imports are those names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from dynagen.model.naming import isort_key, natural, snake_case
from dynagen.model.schema import Attribute, Entity, EnumDef, Model
from dynagen.model.shapes import PartialClass, partial_classes, presence
from dynagen.model.templates import TemplateField
from dynagen.render import codecs
from dynagen.render.layout import ModelModule
from dynagen.render.python import (
    DECODE_FAILURES,
    STDLIB,
    default_source,
    default_value,
    field_text,
    key_text_recovery,
    literal,
    needs_factory,
    stdlib_imports,
    template_expression,
    where,
)

#: What the code of every class module mentions: the decorator, the codecs' signatures
#: and ``_runtime``.
CLASS_NAMES = frozenset({"dataclass", "Mapping", "Any", "rt"})


@dataclass(frozen=True, slots=True)
class FieldView:
    py_name: str
    annotation: str
    default: str | None  # the ``= ...`` part, or None for a required field
    doc: str | None
    factory: str | None = None  # a fresh default (``[]``) when ``default`` is a factory


#: The ``__init__`` default of a field whose class default is ``field(default_factory=...)``
#: (a module-level object typed ``Any``): the body makes the fresh value, as the
#: dataclass-generated ``__init__`` does.
FACTORY_SENTINEL = "_FACTORY"


@dataclass(frozen=True, slots=True)
class MethodsView:
    """The methods ``@dataclass`` would generate and ``exec`` at import, as source: the
    decorator is told ``init=False, repr=False, eq=False`` and still builds the fields,
    ``__match_args__`` and the slots. ``__hash__`` is None (Python sets it so for a class
    body defining ``__eq__``), or for a frozen class the hash of the field tuple."""

    parameters: str  # of ``__init__``: "self, *, a: str, b: int = 0"
    body: tuple[str, ...]  # the statements of ``__init__``
    repr_source: str  # the f-string ``__repr__`` returns
    cls: str  # the class name, for ``__eq__``'s isinstance
    self_tuple: str  # "(self.a, self.b)"
    other_tuple: str  # "(other.a, other.b)"
    frozen: bool  # whether a ``__hash__`` over the field tuple is written


def _tuple(owner: str, fields: tuple[FieldView, ...]) -> str:
    items = [f"{owner}.{f.py_name}" for f in fields]
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


def methods_view(
    name: str, fields: tuple[FieldView, ...], *, frozen: bool, kw_only: bool = True
) -> MethodsView:
    """What ``@dataclass`` (``frozen``, ``kw_only`` or not) would generate for
    ``fields``: the same parameters, annotations and defaults (a factory field defaults
    to :data:`FACTORY_SENTINEL`), ``__repr__``'s exact text, and ``__eq__`` comparing
    the field tuples of two objects of the same class."""
    parameters = ["self"]
    if fields and kw_only:
        parameters.append("*")
    body: list[str] = []
    for f in fields:
        if f.factory is not None:
            default = f" = {FACTORY_SENTINEL}"
            value = f"{f.factory} if {f.py_name} is {FACTORY_SENTINEL} else {f.py_name}"
        else:
            default = "" if f.default is None else f" = {f.default}"
            value = f.py_name
        parameters.append(f"{f.py_name}: {f.annotation}{default}")
        if frozen:
            # As a frozen dataclass's __init__: its own __setattr__ refuses.
            body.append(f"object.__setattr__(self, {literal(f.py_name)}, {value})")
        else:
            body.append(f"self.{f.py_name} = {value}")
    shown = ", ".join(f"{f.py_name}={{self.{f.py_name}!r}}" for f in fields)
    return MethodsView(
        parameters=", ".join(parameters),
        body=tuple(body) or ("pass",),
        repr_source=f'f"{{self.__class__.__qualname__}}({shown})"',
        cls=name,
        self_tuple=_tuple("self", fields),
        other_tuple=_tuple("other", fields),
        frozen=frozen,
    )


@dataclass(frozen=True, slots=True)
class ClassView:
    """A dataclass (entity or named type) with its codec functions."""

    name: str
    snake: str
    doc: str
    fields: tuple[FieldView, ...]
    encode_literal: tuple[tuple[str, str], ...]  # (stored name, expression)
    encode_optional: tuple[
        tuple[str, str, str], ...
    ]  # (condition, stored name, expression)
    decode_steps: tuple[tuple[str, str, str], ...]  # (attribute, local, expression)
    constructor: tuple[tuple[str, str], ...]  # (py_name, local)
    uses: frozenset[str]  # the module-level names its code mentions
    encode_prelude: tuple[tuple[str, str], ...] = ()  # (local, expression)
    type_check: tuple[str, str] | None = None  # (type attribute, entity name)
    key_names: tuple[str, ...] = ()  # table key attributes, named in decode errors

    @property
    def methods(self) -> MethodsView:
        return methods_view(self.name, self.fields, frozen=False)


@dataclass(frozen=True, slots=True)
class EntityView:
    cls: ClassView
    key_fields: tuple[FieldView, ...]
    key_params: str  # "customer_id: str, ..." keyword-only parameters
    key_item: tuple[
        tuple[str, str], ...
    ]  # (physical attribute, expression over params)
    key_attribute_names: tuple[str, ...]
    type_attribute: str
    table_id: str

    @property
    def key_methods(self) -> MethodsView:
        """Of ``<Entity>Key``: a frozen dataclass whose fields are also positional."""
        return methods_view(
            f"{self.cls.name}Key", self.key_fields, frozen=True, kw_only=False
        )


@dataclass(frozen=True, slots=True)
class PartialView:
    """A frozen dataclass holding part of an entity: a view, or an index projection."""

    name: str
    snake: str
    doc: str
    entity: str
    fields: tuple[FieldView, ...]
    decode_steps: tuple[tuple[str, str, str], ...]
    constructor: tuple[tuple[str, str], ...]
    key_args: str  # "customer_id=self.customer_id, ..."
    key_names: tuple[str, ...]
    projection: tuple[str, ...]  # stored names to read (ProjectionExpression)
    uses: frozenset[str]  # the module-level names its code mentions

    @property
    def methods(self) -> MethodsView:
        return methods_view(self.name, self.fields, frozen=True)


@dataclass(frozen=True, slots=True)
class ModelsView:
    """One module: its enums, map types or entity, and its imports."""

    package: str
    all_names: tuple[str, ...]  # its classes (``__all__``)
    imports: tuple[str, ...]  # import lines, a "" between groups
    enums: tuple[EnumDef, ...] = ()
    types: tuple[ClassView, ...] = ()
    entities: tuple[EntityView, ...] = ()
    partials: tuple[PartialView, ...] = ()
    decode_failures: str = DECODE_FAILURES

    @property
    def uses(self) -> frozenset[str]:
        """Every module-level name its code mentions (its own definitions included)."""
        names = {"enum"} if self.enums else set()
        for cls in (*self.types, *(e.cls for e in self.entities)):
            names |= cls.uses
        for partial in self.partials:
            names |= partial.uses
        return frozenset(names)

    @property
    def factory_sentinel(self) -> bool:
        """Whether a class of the module has a factory default (and needs the
        ``__init__`` default :data:`FACTORY_SENTINEL`)."""
        return "field" in self.uses


def models_view(
    model: Model, module: ModelModule, shared: Mapping[str, str]
) -> ModelsView:
    """The view of ``module``; ``shared`` maps each name of the enum and map-type
    modules to its module, which the imports take it from."""
    view = ModelsView(
        package=model.package,
        all_names=module.classes,
        imports=(),
        enums=module.enums,
        types=tuple(type_class(t.name, t.fields) for t in module.types),
        entities=() if module.entity is None else (entity_view(module.entity),),
        partials=()
        if module.entity is None
        else tuple(
            partial_view(module.entity, p) for p in partial_classes(module.entity)
        ),
    )
    uses = view.uses
    local = ["from . import _runtime as rt"] if "rt" in uses else []
    wanted: dict[str, list[str]] = {}
    for name in sorted(uses):
        owner = shared.get(name)
        if owner is not None and owner != module.name:
            wanted.setdefault(owner, []).append(name)
    for owner in sorted(wanted, key=natural):
        local.append(
            f"from .{owner} import {', '.join(sorted(wanted[owner], key=isort_key))}"
        )
    stdlib = stdlib_imports(n for n in uses if n in STDLIB or n == "enum")
    gap = [""] if stdlib and local else []
    return replace(view, imports=(*stdlib, *gap, *local))


def _class_uses(attributes: tuple[Attribute, ...]) -> frozenset[str]:
    names = set(CLASS_NAMES)
    for attribute in attributes:
        names |= codecs.referenced_names(attribute.type)
        if needs_factory(attribute):
            names.add("field")
    return frozenset(names)


def field_view(attribute: Attribute) -> FieldView:
    annotation = codecs.annotation(attribute.type)
    if attribute.nullable:
        annotation = f"{annotation} | None"
    return FieldView(
        attribute.py_name,
        annotation,
        default_source(attribute),
        attribute.doc,
        default_value(attribute) if needs_factory(attribute) else None,
    )


def type_class(name: str, fields: tuple[Attribute, ...]) -> ClassView:
    return class_view(name, f"The `{name}` map type.", fields, ())


def class_view(
    name: str,
    doc: str,
    attributes: tuple[Attribute, ...],
    extra: tuple[tuple[str, str], ...],
    precomputed: dict[str, str] | None = None,
) -> ClassView:
    encode_literal: list[tuple[str, str]] = list(extra)
    encode_optional: list[tuple[str, str, str]] = []
    decode_steps: list[tuple[str, str, str]] = []
    for attribute in attributes:
        value = f"obj.{attribute.py_name}"
        expression = codecs.encode(attribute.type, value, where(name, attribute))
        if precomputed and attribute.name in precomputed:
            encode_literal.append((attribute.stored_name, precomputed[attribute.name]))
        elif codecs.is_stored_absent_when_empty(attribute.type):
            # DynamoDB stores no empty set: an empty one is written as absent.
            optional = "True" if attribute.nullable else "False"
            condition = f"rt.has_members({value}, {where(name, attribute)}, {optional})"
            encode_optional.append((condition, attribute.stored_name, expression))
        elif attribute.nullable:
            encode_optional.append(
                (f"{value} is not None", attribute.stored_name, expression)
            )
        else:
            encode_literal.append((attribute.stored_name, expression))
        decode_steps.append(
            (attribute.name, f"{attribute.py_name}_", decode_step(attribute, "item"))
        )
    return ClassView(
        name=name,
        snake=snake_case(name),
        doc=doc,
        fields=tuple(field_view(a) for a in attributes),
        encode_literal=tuple(encode_literal),
        encode_optional=tuple(encode_optional),
        decode_steps=tuple(decode_steps),
        constructor=tuple((a.py_name, f"{a.py_name}_") for a in attributes),
        uses=_class_uses(attributes),
    )


def decode_step(attribute: Attribute, item: str) -> str:
    """The expression decoding ``attribute`` from mapping ``item``, absence included."""
    stored = literal(attribute.stored_name)
    if attribute.version:
        absent = "0"
    elif attribute.has_default:
        absent = default_value(attribute)
    elif attribute.nullable:
        absent = "None"
    elif codecs.is_stored_absent_when_empty(attribute.type):
        absent = "set()"
    else:
        return codecs.decode(attribute.type, f"{item}[{stored}]")
    present = codecs.decode(attribute.type, "v")
    return f"{absent} if (v := {item}.get({stored})) is None else {present}"


def presence_condition(
    entity: Entity, alternatives: tuple[tuple[str, ...], ...]
) -> str:
    """When an item writes an index key attribute present for ``alternatives`` (the
    model's :func:`~dynagen.model.shapes.presence`): an expression over ``obj``, or ""
    for always."""
    by_name = {a.name: a for a in entity.attributes}
    conditions = [
        " and ".join(f"obj.{by_name[f].py_name} is not None" for f in alternative)
        for alternative in alternatives
    ]
    if len(conditions) == 1:
        return conditions[0]
    return " or ".join(f"({c})" for c in conditions)


def entity_view(entity: Entity) -> EntityView:
    by_name = {a.name: a for a in entity.attributes}
    # Fields of the table key are checked and formatted once, into locals that both the
    # key templates and the attributes themselves use.
    prelude: list[tuple[str, str]] = []
    local_text: dict[str, str] = {}
    local_wire: dict[str, str] = {}
    for attribute in entity.key_fields:
        value = f"obj.{attribute.py_name}"
        if attribute.nullable:
            value = f"rt.required({value}, {where(entity.name, attribute)})"
        wire, expression = codecs.scalar_wire(
            attribute.type, value, where(entity.name, attribute)
        )
        local = f"{attribute.py_name}_"
        prelude.append((local, expression))
        local_text[attribute.name] = codecs.text_from_wire(attribute.type, local)
        local_wire[attribute.name] = f'{{"{wire}": {local}}}'

    def text_of(field: TemplateField) -> str:
        attribute = by_name[field.name]
        if field.width is None and field.name in local_text:
            return local_text[field.name]
        value = f"obj.{attribute.py_name}"
        if attribute.nullable and not attribute.optional:
            # ``auto`` and version fields: set on every object the repository writes.
            value = f"rt.required({value}, {where(entity.name, attribute)})"
        return field_text(attribute, value, where(entity.name, attribute), field.width)

    present_when = presence(entity)
    key_literal: list[tuple[str, str]] = []
    optional_keys: list[tuple[str, str, str]] = []
    for source in entity.key_sources:
        if source.template is None:
            continue  # a plain key attribute is stored as the attribute itself
        expression = f'{{"S": {template_expression(source.template, text_of)}}}'
        alternatives = present_when.get(source.attribute.name, ())
        if alternatives:
            condition = presence_condition(entity, alternatives)
            optional_keys.append((condition, source.attribute.name, expression))
        else:
            key_literal.append((source.attribute.name, expression))
    type_pair = (entity.table.type_attribute, f'{{"S": {literal(entity.name)}}}')
    cls = class_view(
        entity.name,
        entity.doc
        or f"An item of entity `{entity.name}` on table `{entity.table.id}`.",
        entity.attributes,
        (*key_literal, type_pair),
        precomputed=local_wire,
    )
    cls = replace(
        cls,
        encode_prelude=tuple(prelude),
        encode_optional=(*optional_keys, *cls.encode_optional),
        type_check=(entity.table.type_attribute, entity.name),
        key_names=tuple(k.name for k in entity.table.key_attributes),
    )
    key_fields = tuple(
        FieldView(a.py_name, codecs.annotation(a.type), None, None)
        for a in entity.key_fields
    )
    params = ", ".join(f"{f.py_name}: {f.annotation}" for f in key_fields)

    def param_text(field: TemplateField) -> str:
        attribute = by_name[field.name]
        return field_text(
            attribute, attribute.py_name, where(entity.name, attribute), field.width
        )

    key_item = []
    for source in entity.primary_sources:
        if source.template is not None:
            expression = template_expression(source.template, param_text)
            key_item.append((source.attribute.name, f'{{"S": {expression}}}'))
        else:
            attribute = by_name[source.field_names[0]]
            key_item.append(
                (
                    source.attribute.name,
                    codecs.encode(
                        attribute.type,
                        attribute.py_name,
                        where(entity.name, attribute),
                    ),
                )
            )
    return EntityView(
        cls=cls,
        key_fields=key_fields,
        key_params=params,
        key_item=tuple(key_item),
        key_attribute_names=tuple(k.name for k in entity.table.key_attributes),
        type_attribute=entity.table.type_attribute,
        table_id=entity.table.id,
    )


def partial_doc(entity: Entity, partial: PartialClass) -> str:
    if partial.kind == "view":
        return f"The `{partial.source}` view of `{entity.name}`."
    return f"`{entity.name}` as index `{partial.source}` projects it."


def partial_view(entity: Entity, partial: PartialClass) -> PartialView:
    """The class of ``partial``: its fields beyond the key fields are those the read holds
    (``partial.stored``), or are recovered from the text of the table's key and, for an
    index projection, of the index's key."""
    recovery = key_text_recovery(entity)
    if partial.index is not None:
        index_sources = tuple(
            s
            for k in partial.index.key_attributes
            if (s := entity.key_source(k.name)) is not None
        )
        recovery = {**key_text_recovery(entity, index_sources), **recovery}
    attributes = [entity.attribute(n) for n in partial.attributes]
    fields: list[FieldView] = []
    steps: list[tuple[str, str, str]] = []
    for attribute in entity.key_fields:
        fields.append(
            FieldView(attribute.py_name, codecs.annotation(attribute.type), None, None)
        )
        # A key field inside a key template is read back from the table key, which
        # every read holds (an index query may not project the field itself).
        if attribute.name in recovery:
            expression = recovery[attribute.name]
        else:
            expression = codecs.decode(
                attribute.type, f"item[{literal(attribute.stored_name)}]"
            )
        steps.append((attribute.name, f"{attribute.py_name}_", expression))
    key_names = {a.name for a in entity.key_fields}
    for attribute in attributes:
        if attribute.name in key_names:
            continue
        fields.append(field_view(attribute))
        if attribute.stored_name in partial.stored or attribute.name not in recovery:
            expression = decode_step(attribute, "item")
        else:
            expression = recovery[attribute.name]
        steps.append((attribute.name, f"{attribute.py_name}_", expression))
    # Fields with defaults must follow those without, as in any dataclass.
    ordered = [f for f in fields if f.default is None] + [
        f for f in fields if f.default is not None
    ]
    return PartialView(
        name=partial.name,
        snake=snake_case(partial.name),
        doc=partial_doc(entity, partial),
        entity=entity.name,
        fields=tuple(ordered),
        decode_steps=tuple(steps),
        constructor=tuple((s[1][:-1], s[1]) for s in steps),
        key_args=", ".join(f"{a.py_name}=self.{a.py_name}" for a in entity.key_fields),
        key_names=tuple(k.name for k in entity.table.key_attributes),
        projection=tuple(
            dict.fromkeys(
                [a.stored_name for a in entity.key_fields]
                + [k.name for k in entity.table.key_attributes]
                + [a.stored_name for a in attributes]
            )
        ),
        uses=_class_uses((*entity.key_fields, *attributes)),
    )
