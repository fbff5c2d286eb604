"""Transport (SPEC §4 ``Database(..., transport="fast" | "botocore")``): the one
interface generated code sends requests through, and its "botocore" implementation."""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
)
from uuid import uuid4

import boto3
from botocore.exceptions import (
    ClientError,
)

from .scalars import _type_name

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


__all__ = [
    "TRANSPORTS",
    "Transport",
    "raw_error_body",
    "requests_made",
    "with_client_request_token",
]


#
# One interface, ``Transport.call(operation, request) -> body``: a wire-form request in,
# the wire-form response body out, errors as botocore raises them.  Two implementations:
#
# * ``Transport`` ("botocore") calls the client's own method with the real parameters
#   (``client.get_item(**params)``), so every botocore event handler, Stubber, moto's
#   ``mock_aws`` and tracing see the call exactly as with hand-written boto3 code.
# * ``FastTransport`` ("fast") signs and sends the request itself over a pool of
#   kept-alive connections, with the client's credentials, region, endpoint, timeouts
#   and retry settings.  A call it cannot make as the client would (anything but
#   botocore's and boto3's own handlers registered for the operation, an active moto
#   mock, a patched ``_make_api_call``, a proxy, unsigned requests) goes through the
#   "botocore" path instead.  No state outside the transport object decides anything.

TRANSPORTS: Final = ("fast", "botocore")
"""The ``transport=`` values ``Database`` accepts."""
_b64decode: Final = binascii.a2b_base64
_TOKEN_OPERATIONS: Final = frozenset({"TransactWriteItems"})


def with_client_request_token(
    operation: str, request: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    """``request`` with a ``ClientRequestToken`` where the operation takes one
    (TransactWriteItems): ``token``, or a new UUID4 when None; a request that already
    holds one is returned unchanged.

    Both transports call it, so the token is in the body they send and every retry of
    that call resends the same body; a caller that retries a whole commit passes its
    own ``token`` to keep the commit idempotent.
    """
    if operation not in _TOKEN_OPERATIONS or "ClientRequestToken" in request:
        return request
    result = dict(request)
    result["ClientRequestToken"] = str(uuid4()) if token is None else token
    return result


def _to_botocore(value: Any) -> Any:
    """A copy of wire-form ``value`` as botocore's parameters take it: ``B`` and ``BS``
    values as bytes instead of base64 text; everything else as is."""
    if type(value) is dict:
        if len(value) == 1:
            if type(value.get("B")) is str:
                return {"B": _b64decode(value["B"])}
            members = value.get("BS")
            if type(members) is list and all(type(m) is str for m in members):
                return {"BS": [_b64decode(m) for m in members]}
        return {k: _to_botocore(v) for k, v in value.items()}
    if type(value) is list:
        return [_to_botocore(v) for v in value]
    return value


def _to_wire(value: Any) -> Any:
    """A copy of a botocore-parsed ``value`` in wire form: bytes as base64 text."""
    if type(value) is dict:
        return {k: _to_wire(v) for k, v in value.items()}
    if type(value) is list:
        return [_to_wire(v) for v in value]
    if type(value) is bytes:
        return binascii.b2a_base64(value, newline=False).decode("ascii")
    return value


def _snake_case(operation: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")


class Transport:
    """The generated code's one path to DynamoDB, and its "botocore" implementation.

    ``call(operation, request)`` takes a wire-form request (B as base64 text) and
    returns the wire-form response body; errors propagate as botocore raises them
    (``ClientError`` and its modeled subclasses, ``BotoCoreError``), and
    :func:`raw_error_body` gives a ``ClientError``'s body in wire form.  This class
    calls the client's own method with the real parameters, so every event handler,
    Stubber, moto's ``mock_aws`` and tracing see a normal call. Thread-safe.
    """

    __slots__ = ("_methods", "client")

    kind: str = "botocore"

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client
        self._methods: dict[str, Callable[..., Any]] = {}

    @staticmethod
    def from_client(
        client: DynamoDBClient | None = None, kind: str = "fast"
    ) -> Transport:
        """The ``kind`` transport ("fast" or "botocore") over ``client``, or over
        ``boto3.client("dynamodb")`` when None; TypeError/ValueError for another kind."""
        if type(kind) is not str:
            raise TypeError(f"transport must be a str, not {_type_name(kind)}")
        if kind not in TRANSPORTS:
            raise ValueError(f'transport must be "fast" or "botocore", not {kind!r}')
        resolved = boto3.client("dynamodb") if client is None else client
        if kind == "fast":
            from .fast import FastTransport

            return FastTransport(resolved)
        return Transport(resolved)

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Send ``request`` to ``operation`` ("GetItem", ...); the response body."""
        return self.call_counted(operation, request, 0)[0]

    def call_counted(
        self, operation: str, request: dict[str, Any], budget: int
    ) -> tuple[dict[str, Any], int]:
        """``call`` for a caller with its own retry budget (batches): the body and the
        number of requests made, the transport's own retries included.

        ``budget`` (when positive) caps this call's attempts where the transport can:
        "fast" can; the client's own retries ("botocore") are only counted. A
        ``ClientError`` tells its count by :func:`requests_made`.
        """
        method = self._methods.get(operation)
        if method is None:
            method = self._methods[operation] = getattr(
                self.client, _snake_case(operation)
            )
        request = with_client_request_token(operation, request)
        response = method(**_to_botocore(request))
        body: dict[str, Any] = _to_wire(response)
        metadata = body.pop("ResponseMetadata", None)
        retries = metadata.get("RetryAttempts", 0) if type(metadata) is dict else 0
        return body, 1 + int(retries)


def requests_made(error: ClientError) -> int:
    """How many requests a call that raised ``error`` made (its retries included)."""
    metadata: Any = error.response.get("ResponseMetadata") or {}
    retries = metadata.get("RetryAttempts") or 0
    return 1 + int(retries)


def raw_error_body(error: ClientError) -> dict[str, Any]:
    """The members of a ``ClientError``'s response body, in wire form.

    E.g. the old ``Item`` of a ConditionalCheckFailedException sent with
    ``ReturnValuesOnConditionCheckFailure=ALL_OLD``, or ``CancellationReasons`` with
    their items: everything but ``Error`` and ``ResponseMetadata``, B as base64 text.
    The same for an error raised by either transport (or by the client directly).
    """
    response: Mapping[str, Any] = error.response
    return {
        name: _to_wire(value)
        for name, value in response.items()
        if name not in ("Error", "ResponseMetadata")
    }
