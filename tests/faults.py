"""A fault-injecting HTTP proxy on 127.0.0.1, between a DynamoDB client and a backend.

``FaultProxy(target_url)`` listens on a free port of 127.0.0.1 (``.url``) and forwards
each POST to ``target_url`` over its own connection, unless the next fault of its
script says otherwise. ``proxy.script(*faults)`` queues faults for the coming requests,
in order (then requests are forwarded again); ``proxy.decide`` may instead be set to a
function choosing a fault per request (``(target, body) -> fault``). Faults:

* ``FORWARD``: forward the request and return the backend's answer;
* ``THROTTLE``: answer 400 ``ThrottlingException`` without forwarding;
* ``PROVISIONED``: answer 400 ``ProvisionedThroughputExceededException``;
* ``ERROR_500`` / ``ERROR_503``: answer 500 ``InternalServerError`` / 503 with a
  non-JSON body, without forwarding;
* ``DENIED``: answer 400 ``AccessDeniedException`` (not retryable);
* ``CONFLICT``: answer 400 ``TransactionCanceledException`` whose one cancellation
  reason is ``TransactionConflict`` (a one-action transaction met another);
* ``DROP``: read the request, then close the connection without answering;
* ``DROP_AFTER``: forward the request (the backend applies it), then close the
  connection without answering;
* ``CLOSE_IDLE``: forward and answer (keep-alive), then close the connection, as a
  server does with a connection left idle;
* ``PARTIAL``: for BatchWriteItem/BatchGetItem, forward only the first half of each
  table's entries and answer the rest as ``UnprocessedItems``/``UnprocessedKeys``.

Every request as received is recorded in ``proxy.requests`` (``Seen``: target, body,
headers, the fault applied). Thread-safe; one thread per connection; keep-alive.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

__all__ = [
    "CLOSE_IDLE",
    "CONFLICT",
    "DENIED",
    "DROP",
    "DROP_AFTER",
    "ERROR_500",
    "ERROR_503",
    "FORWARD",
    "PARTIAL",
    "PROVISIONED",
    "THROTTLE",
    "FaultProxy",
    "Seen",
]

FORWARD: Final = "forward"
THROTTLE: Final = "throttle"
PROVISIONED: Final = "provisioned"
ERROR_500: Final = "500"
ERROR_503: Final = "503"
DENIED: Final = "denied"
CONFLICT: Final = "conflict"
DROP: Final = "drop"
DROP_AFTER: Final = "drop-after"
CLOSE_IDLE: Final = "close-idle"
PARTIAL: Final = "partial"

_PREFIX: Final = "com.amazonaws.dynamodb.v20120810#"
_CANNED: Final[dict[str, tuple[int, bytes, str]]] = {
    THROTTLE: (
        400,
        b'{"__type":"' + _PREFIX.encode() + b'ThrottlingException",'
        b'"message":"Rate of requests exceeds the allowed throughput."}',
        "application/x-amz-json-1.0",
    ),
    PROVISIONED: (
        400,
        b'{"__type":"' + _PREFIX.encode() + b'ProvisionedThroughputExceededException",'
        b'"message":"The level of configured provisioned throughput was exceeded"}',
        "application/x-amz-json-1.0",
    ),
    ERROR_500: (
        500,
        b'{"__type":"' + _PREFIX.encode() + b'InternalServerError",'
        b'"message":"Internal server error"}',
        "application/x-amz-json-1.0",
    ),
    ERROR_503: (503, b"<html>Service Unavailable</html>", "text/html"),
    CONFLICT: (
        400,
        b'{"__type":"' + _PREFIX.encode() + b'TransactionCanceledException",'
        b'"Message":"Transaction cancelled, please refer cancellation reasons for '
        b'specific reasons [TransactionConflict]","CancellationReasons":'
        b'[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}',
        "application/x-amz-json-1.0",
    ),
    DENIED: (
        400,
        b'{"__type":"' + _PREFIX.encode() + b'AccessDeniedException",'
        b'"message":"not authorized to perform this action"}',
        "application/x-amz-json-1.0",
    ),
}


@dataclass(frozen=True)
class Seen:
    """One request the proxy received."""

    target: str
    """``X-Amz-Target`` without its prefix: ``"PutItem"``, ..."""
    body: bytes
    headers: dict[str, str]
    fault: str


class FaultProxy:
    """See the module docstring. Use as a context manager (``with FaultProxy(url)``)."""

    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        assert parts.hostname is not None
        self._target = (parts.hostname, parts.port or 80)
        self._lock = threading.Lock()
        self._script: list[str] = []
        self.decide: Callable[[str, bytes], str] | None = None
        self.requests: list[Seen] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                target = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
                fault = proxy._next_fault(target, body)
                with proxy._lock:
                    proxy.requests.append(
                        Seen(target, body, dict(self.headers.items()), fault)
                    )
                if fault in (DROP, DROP_AFTER):
                    if fault == DROP_AFTER:
                        proxy._forward(self.path, body, self.headers)
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if fault in (FORWARD, CLOSE_IDLE):
                    status, data, content_type = proxy._forward(
                        self.path, body, self.headers
                    )
                elif fault == PARTIAL:
                    status, data, content_type = proxy._partial(
                        self.path, body, self.headers
                    )
                else:
                    status, data, content_type = _CANNED[fault]
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", "fault-proxy")
                self.end_headers()
                self.wfile.write(data)
                if fault == CLOSE_IDLE:
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fault-proxy", daemon=True
        )
        self._thread.start()

    def script(self, *faults: str) -> None:
        """Apply ``faults`` to the next requests, in order."""
        with self._lock:
            self._script.extend(faults)

    def _next_fault(self, target: str, body: bytes) -> str:
        with self._lock:
            if self._script:
                return self._script.pop(0)
        decide = self.decide
        return FORWARD if decide is None else decide(target, body)

    def _forward(
        self, path: str, body: bytes, headers: object
    ) -> tuple[int, bytes, str]:
        assert hasattr(headers, "items")
        connection = http.client.HTTPConnection(*self._target, timeout=30)
        try:
            forwarded = {
                name: value
                for name, value in headers.items()
                if name.lower() not in ("host", "connection", "content-length")
            }
            connection.request("POST", path, body, forwarded)
            response = connection.getresponse()
            data = response.read()
            content_type = response.getheader("Content-Type", "application/json")
            return response.status, data, content_type
        finally:
            connection.close()

    def _partial(
        self, path: str, body: bytes, headers: object
    ) -> tuple[int, bytes, str]:
        request = json.loads(body)
        kept: dict[str, Any] = {}
        left: dict[str, Any] = {}
        for table, entries in request["RequestItems"].items():
            if isinstance(entries, dict):  # BatchGetItem: {"Keys": [...], ...}
                keys = entries["Keys"]
                half = (len(keys) + 1) // 2
                kept[table] = {**entries, "Keys": keys[:half]}
                if keys[half:]:
                    left[table] = {**entries, "Keys": keys[half:]}
            else:
                half = (len(entries) + 1) // 2
                kept[table] = entries[:half]
                if entries[half:]:
                    left[table] = entries[half:]
        request["RequestItems"] = kept
        status, data, content_type = self._forward(
            path, json.dumps(request).encode(), headers
        )
        if status != 200 or not left:
            return status, data, content_type
        answer = json.loads(data)
        member = "UnprocessedKeys" if "Responses" in answer else "UnprocessedItems"
        unprocessed = answer.get(member) or {}
        for table, entries in left.items():
            if member == "UnprocessedKeys":
                have = unprocessed.setdefault(table, {**entries, "Keys": []})
                have["Keys"] = have["Keys"] + entries["Keys"]
            else:
                unprocessed[table] = unprocessed.get(table, []) + entries
        answer[member] = unprocessed
        return status, json.dumps(answer).encode(), content_type

    def bodies(self, target: str) -> list[bytes]:
        """The bodies of the requests to ``target``, in order."""
        with self._lock:
            return [seen.body for seen in self.requests if seen.target == target]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
