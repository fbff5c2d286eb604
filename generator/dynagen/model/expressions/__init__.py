"""The build-time expression compiler: parse, type-check and compile DynamoDB
expressions written over entity attribute names (SPEC §3 "Expressions").

Pure Python: no YAML, no templates, no I/O. The pipeline for one expression::

    tree = parse_condition(text)  # or parse_update, parse_projection
    param_types = check_condition(tree, resolver)  # resolver: over the entity
    compiled = compile_condition(tree, stored_name)  # text + placeholder maps

Every problem raises :class:`ExpressionError` with a 0-based ``offset`` into ``text``.

Decisions where DynamoDB or the SPEC leave room (each is detailed where it is made):

- In a condition, ``AND OR NOT BETWEEN IN`` (any case) cannot name an attribute; in an
  update, clause words are keywords only where a clause may start (``SET set = :v``).
- Names become ``#n<i>`` and parameters ``:p<i>``, by first appearance; one
  :class:`Placeholders` can be shared by the expressions of one request.
- ``if_not_exists``'s default is a path or a parameter (moto refuses a nested function);
  only whole top-level attributes are read through their default in updates.
- ``begins_with``/``contains`` on a datetime, date, uuid or enum take a ``string`` (a
  piece of the stored text); ``+``/``ADD`` on an ``epoch`` take an ``int`` of seconds.
- Two parameters compared with nothing else (``:a = :b``) are an error: no type to infer.
- DynamoDB's limits are checked: 300 operators, 100 IN values, 4 KB of compiled text;
  and dynagen's own, 50 levels of nesting.
"""

from dynagen.model.expressions import ast
from dynagen.model.expressions.compile import (
    CompiledExpression,
    CompiledUpdate,
    compile_condition,
    compile_projection,
    compile_update,
)
from dynagen.model.expressions.effects import UpdateEffects, update_effects
from dynagen.model.expressions.errors import ExpressionError
from dynagen.model.expressions.parser import (
    parse_condition,
    parse_projection,
    parse_update,
)
from dynagen.model.expressions.placeholders import Placeholders, StoredName, same_name
from dynagen.model.expressions.render import (
    join_update,
    render_condition,
    render_projection,
    render_update,
)
from dynagen.model.expressions.resolve import AttributeResolver, SchemaResolver
from dynagen.model.expressions.typecheck import (
    ParamType,
    check_condition,
    check_projection,
    check_update,
)

__all__ = [
    "AttributeResolver",
    "CompiledExpression",
    "CompiledUpdate",
    "ExpressionError",
    "ParamType",
    "Placeholders",
    "SchemaResolver",
    "StoredName",
    "UpdateEffects",
    "ast",
    "check_condition",
    "check_projection",
    "check_update",
    "compile_condition",
    "compile_projection",
    "compile_update",
    "join_update",
    "parse_condition",
    "parse_projection",
    "parse_update",
    "render_condition",
    "render_projection",
    "render_update",
    "same_name",
    "update_effects",
]
