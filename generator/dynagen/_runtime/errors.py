"""The errors a generated package raises itself (SPEC §4), and decoding's errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import (
    Any,
    Final,
)

__all__ = [
    "AlreadyExistsError",
    "BatchIncompleteError",
    "CancellationReason",
    "ConditionFailedError",
    "DecodeError",
    "DynagenError",
    "InvalidCursorError",
    "NotFoundError",
    "TransactionCanceledError",
    "VersionConflictError",
    "check_item_type",
    "decode_error",
]


class DynagenError(Exception):
    """Base class of every error a generated package raises itself.

    Errors dynagen does not interpret (throttling outside batches, access denied, ...)
    propagate unchanged as botocore's ``ClientError`` and are not ``DynagenError``.
    """


class ConditionFailedError(DynagenError):
    """A conditional write failed.

    ``entity`` is the entity's name and ``key`` the item's ``<Entity>Key`` (the message
    names both); ``item`` is the decoded old item when DynamoDB returned it
    (``ReturnValuesOnConditionCheckFailure=ALL_OLD``) or one read told it, else ``None``.
    """

    def __init__(
        self,
        message: str = "the condition of the write failed",
        *,
        entity: str | None = None,
        key: object | None = None,
        item: object | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.entity = entity
        self.key = key
        self.item = item

    def __reduce__(self) -> tuple[Any, ...]:
        state = {"entity": self.entity, "key": self.key, "item": self.item}
        return (_rebuild_error, (type(self), self.message, state))

    def __str__(self) -> str:
        if self.entity is None and self.key is None:
            return self.message
        return f"{self.message}: {self.entity} {self.key!r}"


class AlreadyExistsError(ConditionFailedError):
    """``create`` (or ``put`` of an object without a version) found the key taken."""

    def __init__(
        self,
        message: str = "an item with this key already exists",
        *,
        entity: str | None = None,
        key: object | None = None,
        item: object | None = None,
    ) -> None:
        super().__init__(message, entity=entity, key=key, item=item)


class VersionConflictError(ConditionFailedError):
    """The stored item's version is not the one the write expected."""

    def __init__(
        self,
        message: str = "the stored item has another version",
        *,
        entity: str | None = None,
        key: object | None = None,
        item: object | None = None,
    ) -> None:
        super().__init__(message, entity=entity, key=key, item=item)


class NotFoundError(DynagenError):
    """The item an update or version check needs does not exist."""

    def __init__(
        self, message: str = "no item with this key", *, key: object | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.message, {"key": self.key}))

    def __str__(self) -> str:
        if self.key is None:
            return self.message
        return f"{self.message}: {self.key!r}"


@dataclasses.dataclass(frozen=True, slots=True)
class CancellationReason:
    """Why one action of a cancelled transaction failed (``code is None``: it did not).

    ``entity`` is the entity's name, ``operation`` the ``tx`` method's name, ``key`` the
    action's ``<Entity>Key``, ``code``/``message`` DynamoDB's, ``item`` the decoded old
    item where a condition failed and DynamoDB returned it.
    """

    entity: str
    operation: str
    key: object
    code: str | None
    message: str | None
    item: object | None = None


class TransactionCanceledError(DynagenError):
    """DynamoDB cancelled a transaction; ``reasons``: one per action, in order."""

    def __init__(
        self,
        message: str = "the transaction was cancelled",
        *,
        reasons: list[CancellationReason] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reasons: list[CancellationReason] = [] if reasons is None else reasons

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_error, (type(self), self.message, {"reasons": self.reasons}))

    def __str__(self) -> str:
        failed = [
            f"#{i} {r.entity}.{r.operation} {r.key!r}: {r.code}"
            + (f" ({r.message})" if r.message else "")
            for i, r in enumerate(self.reasons)
            if r.code is not None and r.code != "None"
        ]
        if not failed:
            return self.message
        return f"{self.message}: " + "; ".join(failed)


class InvalidCursorError(DynagenError):
    """A page cursor is tampered, truncated, malformed or belongs to another query."""

    def __init__(self, message: str = "invalid cursor") -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BatchIncompleteError(DynagenError):
    """Batch items were still unprocessed when the retry budget was spent.

    ``unprocessed`` holds the leftovers (keys for gets, items or keys for writes); the
    last ``ClientError``, if any, is the ``__cause__``.
    """

    def __init__(
        self,
        message: str = "batch incomplete after retries",
        *,
        unprocessed: list[object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.unprocessed: list[object] = [] if unprocessed is None else unprocessed

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_error,
            (type(self), self.message, {"unprocessed": self.unprocessed}),
        )

    def __str__(self) -> str:
        return f"{self.message}: {len(self.unprocessed)} unprocessed"


class DecodeError(DynagenError):
    """A stored item does not fit its entity.

    ``entity`` is the entity's name, ``attribute`` the attribute (or nested path) that
    failed, ``key`` the item's key attributes (wire form dict) or ``None`` when unknown.
    """

    def __init__(
        self,
        message: str = "cannot decode",
        *,
        entity: str,
        attribute: str,
        key: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.entity = entity
        self.attribute = attribute
        self.key = key

    def __reduce__(self) -> tuple[Any, ...]:
        fields = {"entity": self.entity, "attribute": self.attribute, "key": self.key}
        return (_rebuild_error, (type(self), self.message, fields))

    def __str__(self) -> str:
        where = "unknown key" if self.key is None else f"key {self.key!r}"
        attribute = f"{self.entity}.{self.attribute}"
        return f"cannot decode {attribute} of item with {where}: {self.message}"


def _rebuild_error(
    cls: type[Exception], message: str, fields: dict[str, Any]
) -> Exception:
    return cls(message, **fields)


#: The DynamoDB type letters: a KeyError naming one means "stored with another type".
_WIRE_TYPES: Final = frozenset(
    ("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS")
)


def check_item_type(item: Mapping[str, Any], type_attribute: str, entity: str) -> None:
    """Raise ``DecodeError`` when ``item`` names another entity in its type attribute.

    An item without the attribute (written by other code) is accepted.
    """
    stored = item.get(type_attribute)
    if stored is not None and stored != {"S": entity}:
        raise DecodeError(
            f"the item is of type {stored!r}, not {entity!r}",
            entity=entity,
            attribute=type_attribute,
        )


def _item_key(
    item: Mapping[str, Any], key_names: tuple[str, ...]
) -> dict[str, Any] | None:
    """The key attributes of ``item`` among ``key_names`` (None when it has none)."""
    return {name: item[name] for name in key_names if name in item} or None


def decode_error(
    entity: str,
    attribute: str,
    item: Mapping[str, Any],
    key_names: tuple[str, ...],
    error: Exception,
) -> DecodeError:
    """The ``DecodeError`` for ``error`` raised while decoding ``attribute`` of ``item``."""
    key = _item_key(item, key_names)
    if isinstance(error, DecodeError):
        message = f"{error.entity}.{error.attribute}: {error.message}"
    elif isinstance(error, KeyError) and error.args and error.args[0] in _WIRE_TYPES:
        message = f"stored with another DynamoDB type (no {error.args[0]!r})"
    elif isinstance(error, KeyError):
        message = f"required attribute {error.args[0]!r} is missing"
    else:
        message = f"{type(error).__name__}: {error}"
    return DecodeError(message, entity=entity, attribute=attribute, key=key)
