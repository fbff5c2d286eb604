"""A loopback DynamoDB endpoint that answers every request at once with a canned body.

The call benchmarks point every client at it so they measure the client side only: no
network, no storage engine.  It speaks just enough HTTP/1.1 (keep-alive, a
``Content-Length`` body) for botocore, PynamoDB (botocore underneath) and pydynox (the
Rust AWS SDK), reads the operation from ``X-Amz-Target`` and the table from the JSON
body's ``TableName`` (and, for a routed answer, the first of its needles found in the raw
request body), and returns a precomputed response with the headers DynamoDB sends:
``Content-Type: application/x-amz-json-1.0``, ``Content-Length``, ``x-amzn-RequestId``
and ``x-amz-crc32`` (botocore checks the CRC32 of DynamoDB responses).

By default the server runs in a child process (``fork``), so that its work does not
compete with the measured client for the GIL; ``in_thread=True`` runs it in a daemon
thread of the calling process instead.
"""

from __future__ import annotations

import json
import multiprocessing
import socket
import threading
import zlib
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

__all__ = ["LoopbackServer", "Responses", "http_response"]

#: (operation, table name or None for "any table") -> JSON response body, or routes:
#: (needle, body) pairs, the first whose needle occurs in the request body answering
#: (a needle "" matches every request)
Responses = Mapping[
    tuple[str, str | None],
    Mapping[str, Any] | Sequence[tuple[str, Mapping[str, Any]]],
]
Canned = dict[tuple[str, str | None], bytes | list[tuple[bytes, bytes]]]

_TARGET_PREFIX = "DynamoDB_20120810."
_REQUEST_ID = "BENCHMARKLOOPBACK0000000000000000000000000000000000"


def http_response(status: int, body: bytes) -> bytes:
    """One complete HTTP/1.1 response with DynamoDB's headers around ``body``."""
    reason = "OK" if status == 200 else "Bad Request"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/x-amz-json-1.0\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"x-amzn-RequestId: {_REQUEST_ID}\r\n"
        f"x-amz-crc32: {zlib.crc32(body)}\r\n"
        "Connection: keep-alive\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


def _error(kind: str, message: str) -> bytes:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{kind}", "message": message}
    return http_response(400, json.dumps(body).encode())


def _body(body: Mapping[str, Any]) -> bytes:
    return http_response(200, json.dumps(body, separators=(",", ":")).encode())


def _compile(responses: Responses) -> Canned:
    canned: Canned = {}
    for key, answer in responses.items():
        if isinstance(answer, Mapping):
            canned[key] = _body(answer)
        else:
            canned[key] = [(needle.encode(), _body(body)) for needle, body in answer]
    return canned


def _answer(canned: Canned, headers: bytes, body: bytes) -> bytes:
    target = ""
    for line in headers.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"x-amz-target":
            target = value.strip().decode("ascii")
            break
    operation = target.removeprefix(_TARGET_PREFIX)
    table: str | None = None
    try:
        request = json.loads(body) if body else {}
        if type(request) is dict and type(request.get("TableName")) is str:
            table = request["TableName"]
    except ValueError:
        return _error("SerializationException", "malformed JSON body")
    response = canned.get((operation, table)) or canned.get((operation, None))
    if isinstance(response, list):
        response = next((r for needle, r in response if needle in body), None)
    if response is None:
        return _error("UnknownOperationException", f"no canned answer for {target!r}")
    return response


def _content_length(headers: bytes) -> int:
    for line in headers.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _serve_connection(connection: socket.socket, canned: Canned) -> None:
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    with connection:
        while True:
            end = buffer.find(b"\r\n\r\n")
            while end < 0:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                end = buffer.find(b"\r\n\r\n")
            headers = buffer[:end]
            length = _content_length(headers)
            start = end + 4
            while len(buffer) < start + length:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            body = buffer[start : start + length]
            buffer = buffer[start + length :]
            connection.sendall(_answer(canned, headers, body))


def _serve(listener: socket.socket, canned: Canned) -> None:
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return  # the listener was closed
        threading.Thread(
            target=_serve_connection, args=(connection, canned), daemon=True
        ).start()


class LoopbackServer:
    """``with LoopbackServer(responses) as server: ... server.endpoint_url ...``."""

    def __init__(self, responses: Responses, *, in_thread: bool = False) -> None:
        self._canned = _compile(responses)
        self._in_thread = in_thread
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        port = self._listener.getsockname()[1]
        self.endpoint_url = f"http://127.0.0.1:{port}"
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> LoopbackServer:
        if self._in_thread:
            threading.Thread(
                target=_serve, args=(self._listener, self._canned), daemon=True
            ).start()
        else:
            context = multiprocessing.get_context("fork")
            self._process = context.Process(
                target=_serve, args=(self._listener, self._canned), daemon=True
            )
            self._process.start()
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(timeout=5)
            self._process = None
        self._listener.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
