"""``match event.new:`` over the generated example package's ``ShopEvent``.

Checked by ``mypy --strict`` (``make types``, with ``generated_example`` on MYPYPATH):
each ``case`` uses an attribute only its class has, and the last case passes what is
left to ``assert_never``, which type-checks only if the cases above narrowed the union
``Customer | Order | Product | None`` away entirely. ``test_narrowing.py`` runs it.
Imported only while the example package is importable (see that test).
"""

from __future__ import annotations

import sys

from shop import Customer, Order, Product, ShopEvent

if sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - the project's own interpreter is newer
    from typing_extensions import assert_never


def describe(event: ShopEvent) -> str:
    match event.new:
        case Customer():
            return f"customer {event.new.email}"
        case Order():
            return f"order {event.new.total} {event.new.status.value}"
        case Product():
            return f"product {event.new.price_cents}"
        case None:
            return f"{event.event_name} without a new image"
        case _:
            assert_never(event.new)


def describe_key(event: ShopEvent) -> str:
    match event.entity:
        case "Customer" | "Order" | "Product":
            return f"{event.entity} {event.key}"
        case None:
            return "no entity"
        case _:
            assert_never(event.entity)
