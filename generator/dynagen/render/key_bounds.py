"""The wire value of one bound of a Query's key condition, from the method's parameters:
shared by the repositories' declared queries and the collections' queries."""

from __future__ import annotations

from dynagen.model.schema import Bound, Entity, KeyCondition, Parameter
from dynagen.model.types import ScalarType
from dynagen.render.python import literal
from dynagen.render.references import References


def bound_expression(
    entity: Entity,
    condition: KeyCondition,
    bound: Bound,
    params: dict[str, Parameter],
    where_prefix: str,
    refs: References | None = None,
) -> str:
    """The wire value of one key bound, from the query's parameters (``refs``: where
    the names it uses are recorded)."""
    refs = refs or References()
    if condition.plain is not None:
        piece = bound[0]
        assert piece.param is not None
        parameter = params[piece.param]
        return refs.encode(
            parameter.type, parameter.py_name, literal(f"{where_prefix}.{piece.param}")
        )
    texts = []
    for piece in bound:
        if piece.field is None:
            texts.append(literal(piece.literal))
            continue
        assert piece.param is not None
        attribute = entity.attribute(piece.field)
        parameter = params[piece.param]
        where = literal(f"{where_prefix}.{piece.param}")
        variable = parameter.py_name
        if piece.step:
            extra = ", seconds=True" if attribute.type == ScalarType("epoch") else ""
            if piece.width is not None:
                extra += f", width={piece.width}"
            texts.append(f"rt.adjacent_text({variable}, {piece.step}, {where}{extra})")
        elif piece.width is not None:
            texts.append(f"rt.padded_bound({variable}, {piece.width}, {where})")
        elif parameter.type != attribute.type and parameter.type == ScalarType(
            "string"
        ):
            # begins_with on a non-string field takes a piece of its stored text.
            texts.append(f"rt.escape_key_text(rt.check_str({variable}, {where}))")
        else:
            texts.append(refs.encode_text(attribute.type, variable, where))
    return f'{{"S": {" + ".join(texts) or literal("")}}}'
