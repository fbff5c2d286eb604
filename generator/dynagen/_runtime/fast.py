"""The "fast" transport: signs and sends requests itself over kept-alive connections,
with the client's credentials, region, endpoint, timeouts and retry settings."""

from __future__ import annotations

import functools
import hashlib
import hmac
import http.client
import importlib
import json
import os
import select
import socket
import ssl
import threading
import types
import zlib
from collections.abc import Callable
from random import random as _random
from time import gmtime as _gmtime
from time import sleep as _sleep
from time import strftime as _strftime
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
)
from urllib.parse import quote, urlsplit

import botocore.client
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
    SSLError,
)

from .transport import Transport, _to_botocore, with_client_request_token

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


__all__ = ["FastTransport"]


def _optional_orjson() -> Any:
    """orjson when it is installed (never required), else None."""
    try:
        return importlib.import_module("orjson")
    except ImportError:
        return None


# Compact, not ASCII-escaped: byte for byte what orjson.dumps writes for a request
# (str keys; str, bool, int, None, list and dict values), so the bytes sent never
# depend on whether orjson is installed.
_stdlib_encode: Final = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False
).encode


def _dumps_stdlib(request: Any) -> bytes:
    return _stdlib_encode(request).encode("utf-8")


def _loads_orjson(data: bytes) -> Any:
    try:
        return _orjson.loads(data)
    except ValueError:  # e.g. a lone surrogate escape, which json reads
        return json.loads(data)


def _choose_json() -> None:
    """Bind ``_dumps``/``_loads`` to orjson when it is installed, else to the standard
    library. Done at the first request rather than at import (a cold start that sends
    nothing does not pay for importing orjson); threads racing here bind the same."""
    global _orjson, _dumps, _loads
    _orjson = _optional_orjson()
    _dumps = _dumps_stdlib if _orjson is None else _orjson.dumps
    _loads = json.loads if _orjson is None else _loads_orjson


def _first_dumps(request: Any) -> bytes:
    _choose_json()
    return _dumps(request)


def _first_loads(data: bytes) -> Any:
    _choose_json()
    return _loads(data)


_orjson: Any = None
_dumps: Callable[[Any], bytes] = _first_dumps
_loads: Callable[[bytes], Any] = _first_loads


_CONTENT_TYPE: Final = "application/x-amz-json-1.0"
_TARGET: Final = "DynamoDB_20120810."
_ALGORITHM: Final = "AWS4-HMAC-SHA256"

#: Events botocore emits during a call; a handler on any of them that is not
#: botocore's or boto3's own makes "fast" step aside for that operation.
_CALL_EVENTS: Final = (
    "provide-client-params",
    "before-parameter-build",
    "before-endpoint-resolution",
    "before-call",
    "request-created",
    "choose-signer",
    "before-sign",
    "before-send",
    "response-received",
    "needs-retry",
    "before-parse",
    "after-call",
    "after-call-error",
)
_OWN_MODULES: Final = ("botocore.", "boto3.")
_FOREIGN_MODULES: Final = ("botocore.stub",)

# botocore's standard retry mode (botocore/retries/standard.py), for DynamoDB
_STANDARD_MAX_ATTEMPTS: Final = 4  # DynamoDB's default total attempts in standard mode
_LEGACY_MAX_ATTEMPTS: Final = 10  # DynamoDB's default in legacy mode (_retry.json)
_THROTTLING_SCALE: Final = 1.0
_TRANSIENT_SCALE: Final = 0.025  # DynamoDB's non-throttling base scale
_LEGACY_SCALE: Final = 0.05
_MAX_BACKOFF: Final = 20.0
_RETRY_AFTER_EXTRA: Final = 5.0
_TRANSIENT_CODES: Final = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
_TRANSIENT_STATUS: Final = frozenset({500, 502, 503, 504})
_THROTTLING_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


def _handler_module(handler: Any) -> str:
    """The module a botocore event handler comes from (its class's, for objects)."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    owner = getattr(handler, "__self__", None)
    if owner is not None and not isinstance(owner, types.ModuleType):
        return str(type(owner).__module__)
    module = getattr(handler, "__module__", None)
    return str(module if isinstance(module, str) else type(handler).__module__)


def _is_own(module: str) -> bool:
    return module.startswith(_OWN_MODULES) and not module.startswith(_FOREIGN_MODULES)


def _botocore_make_api_call() -> object:
    """botocore's own ``BaseClient._make_api_call`` as found now, or None when it
    is already replaced (its code, or the code it wraps, is not botocore's)."""
    function: Any = getattr(botocore.client.BaseClient, "_make_api_call", None)
    home = os.path.dirname(botocore.client.__file__)
    inner = function
    while inner is not None:
        code = getattr(inner, "__code__", None)
        if type(inner) is not types.FunctionType or code is None:
            return None
        if os.path.dirname(code.co_filename) != home:
            return None
        inner = getattr(inner, "__wrapped__", None)
    return function


_MAKE_API_CALL: Final = _botocore_make_api_call()


def _is_botocore_make_api_call(client: Any) -> bool:
    """Whether ``client._make_api_call`` is botocore's own, not patched or wrapped
    (``mock.patch``, OpenTelemetry, X-Ray, ddtrace all replace it)."""
    method = getattr(client, "_make_api_call", None)
    return (
        type(method) is types.MethodType
        and _MAKE_API_CALL is not None
        and method.__func__ is _MAKE_API_CALL
    )


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class _Connection(http.client.HTTPConnection):
    """An HTTP or (with a TLS ``context``) HTTPS connection, with botocore's separate
    connect and read timeouts."""

    def __init__(
        self,
        host: str,
        port: int | None,
        connect_timeout: float,
        read_timeout: float,
        context: ssl.SSLContext | None,
    ) -> None:
        self.default_port = 80 if context is None else 443
        super().__init__(host, port, timeout=connect_timeout)
        self.read_timeout = read_timeout
        self.context = context

    def connect(self) -> None:
        try:
            super().connect()
            if self.context is not None:
                self.sock = self.context.wrap_socket(
                    self.sock, server_hostname=self.host
                )
        except OSError as error:
            raise _ConnectFailed(error) from error
        self.sock.settimeout(self.read_timeout)


class _ConnectFailed(Exception):
    """The connection could not be opened (the request was not sent)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle kept-alive connection was closed by the server (an idle HTTP
    connection has nothing to read but an end of file)."""
    sock = connection.sock
    if sock is None:
        return False  # closed on our side: http.client reopens it
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class _Pool:
    """Kept-alive connections to one endpoint, shared by threads (one per call)."""

    __slots__ = ("_factory", "_idle", "_lock", "_size")

    def __init__(self, factory: Callable[[], http.client.HTTPConnection], size: int):
        self._factory = factory
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._size = size

    def send(
        self, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str, dict[str, str], bytes]:
        """POST ``body``; (status, reason, lower-cased headers, response body).

        Raises ``_ConnectFailed`` or the ``OSError``/``HTTPException`` of a connection
        that failed after the request went out; the connection is then discarded.
        """
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            connection = self._factory()
        elif _dropped(connection):
            connection.close()  # the server closed it while idle: reconnect
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            data = response.read()
        except BaseException:
            connection.close()
            raise
        result = (
            response.status,
            response.reason,
            {name.lower(): value for name, value in response.getheaders()},
            data,
        )
        if response.will_close:
            connection.close()
            return result
        with self._lock:
            if len(self._idle) < self._size:
                self._idle.append(connection)
                return result
        connection.close()
        return result

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


class FastTransport(Transport):
    """The "fast" transport: dynagen signs (SigV4, signing key cached per day) and
    sends its requests itself over a thread-safe pool of kept-alive connections.

    It takes from the client, once: the region and signing name, the connect and read
    timeouts, the pool size, the retry mode and maximum attempts, the TLS settings and
    the user agent; per call: the credentials (``get_frozen_credentials()`` of the
    client's own credential object, so refreshable, assume-role and SSO credentials
    refresh as they do for the client) and, per operation and account, the endpoint
    botocore's endpoint rules give (``endpoint_url``, ``AWS_ENDPOINT_URL*``, FIPS,
    dual-stack). Retries follow botocore's standard mode (legacy mode: its DynamoDB
    delays and attempts), resending the same body bytes each time; error responses
    raise the client's own modeled ``ClientError`` subclass with the response shape
    botocore gives.

    It shows nothing to botocore's events. Instead, a call goes through the "botocore"
    path (:class:`Transport`) whenever the client would not behave as plain botocore:
    a handler that is not botocore's or boto3's own is registered for any event of the
    operation (Stubber, tracing, logging or custom hooks), moto's ``mock_aws`` is
    active, ``_make_api_call`` is patched or wrapped, or, for the whole client, a proxy
    or client certificate is configured or requests are unsigned.
    """

    __slots__ = (
        "_credentials",
        "_day_key",
        "_endpoints",
        "_legacy",
        "_max_attempts",
        "_pools",
        "_region",
        "_scope_tail",
        "_service",
        "_settings",
        "_switches",
        "_user_agent",
        "_verdicts",
        "usable",
    )

    kind = "fast"

    def __init__(self, client: DynamoDBClient) -> None:
        super().__init__(client)
        raw: Any = client
        self._pools: dict[str, _Pool] = {}
        self._endpoints: dict[tuple[str, str | None], tuple[str, str, str]] = {}
        self._verdicts: tuple[object, dict[str, bool]] = (None, {})
        self._switches: tuple[Any, ...] = ()
        self._day_key: tuple[str, str, bytes] = ("", "", b"")
        self.usable = False
        """False when every call goes the "botocore" way (see the class docstring)."""
        try:
            signer = raw._request_signer
            self._credentials = signer._credentials
            self._region: str = signer._region_name
            self._service: str = signer._signing_name
            config = raw.meta.config
            retries = config.retries or {}
            mode = retries.get("mode", "legacy")
            self._legacy = mode == "legacy"
            total = retries.get("total_max_attempts")
            if total is None and retries.get("max_attempts") is not None:
                total = retries["max_attempts"] + 1
            if total is None:
                total = _LEGACY_MAX_ATTEMPTS if self._legacy else _STANDARD_MAX_ATTEMPTS
            self._max_attempts = max(1, int(total))
            session = raw._endpoint.http_session
            verify = session._verify
            proxied = session._proxy_config.proxy_url_for(raw.meta.endpoint_url)
            client_cert = session._cert_file
            self._settings = (
                float(config.connect_timeout),
                float(config.read_timeout),
                int(config.max_pool_connections),
                verify,
            )
            self._scope_tail = f"/{self._region}/{self._service}/aws4_request"
            try:
                self._user_agent = str(raw._user_agent_creator.to_string())
            except Exception:  # noqa: BLE001 (an older botocore: any agent will do)
                self._user_agent = "Botocore dynagen-fast"
            self.usable = (
                self._credentials is not None
                and not proxied
                and client_cert is None
                and getattr(config, "signature_version", None) in (None, "v4")
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            self.usable = False  # a botocore this code does not know: stay correct

    # -- when to step aside ---------------------------------------------------------

    def _verdict(self, operation: str) -> bool:
        """Whether only botocore's and boto3's own handlers listen to ``operation``."""
        try:
            emitter = self.client.meta.events._emitter  # type: ignore[attr-defined]
            token = emitter._lookup_cache
            seen, verdicts = self._verdicts
            if seen is not token:
                verdicts = {}
                self._verdicts = (token, verdicts)
            verdict = verdicts.get(operation)
            if verdict is None:
                verdict = True
                switches = list(self._switches)
                for event in _CALL_EVENTS:
                    name = f"{event}.{self._service}.{operation}"
                    for handler in emitter._handlers.prefix_search(name):
                        module = _handler_module(handler)
                        if _is_own(module):
                            continue
                        if module.startswith("moto.") and hasattr(handler, "enabled"):
                            if handler not in switches:  # moto's mock_aws switch
                                switches.append(handler)
                            continue
                        verdict = False
                self._switches = tuple(switches)
                verdicts[operation] = verdict
        except AttributeError:
            return False
        return verdict

    def _fast_allowed(self, operation: str) -> bool:
        if not (self.usable and _is_botocore_make_api_call(self.client)):
            return False
        if not self._verdict(operation):
            return False
        return not any(switch.enabled for switch in self._switches)

    # -- sending ----------------------------------------------------------------------

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Send ``request`` to ``operation``; the wire-form response body."""
        return self.call_counted(operation, request, 0)[0]

    def call_counted(
        self, operation: str, request: dict[str, Any], budget: int
    ) -> tuple[dict[str, Any], int]:
        """See :meth:`Transport.call_counted`; at most ``budget`` attempts (when
        positive) or the client's maximum, whichever is lower."""
        if not self._fast_allowed(operation):
            return Transport.call_counted(self, operation, request, budget)
        request = with_client_request_token(operation, request)
        body = _dumps(request)
        credentials = self._credentials.get_frozen_credentials()
        if credentials is None or credentials.access_key is None:
            return Transport.call_counted(self, operation, request, budget)
        max_attempts = self._max_attempts
        if 0 < budget < max_attempts:
            max_attempts = budget
        url, host, path = self._endpoint(operation, request, credentials)
        pool = self._pools.get(url) or self._pool(url)
        target = _TARGET + operation
        payload_hash = hashlib.sha256(body).hexdigest()
        attempt = 0
        while True:
            attempt += 1
            if attempt > 1:
                credentials = self._credentials.get_frozen_credentials()
            headers = self._headers(host, path, target, payload_hash, credentials)
            error: Exception | None = None
            try:
                status, reason, response_headers, data = pool.send(path, body, headers)
            except _ConnectFailed as failed:
                error = self._connection_error(url, failed.error, connecting=True)
            except (OSError, http.client.HTTPException) as failed:
                error = self._connection_error(url, failed, connecting=False)
            if error is not None:
                if attempt >= max_attempts:
                    raise error
                _sleep(self._delay(attempt, throttled=False, retry_after=None))
                continue
            crc = response_headers.get("x-amz-crc32")
            if crc is not None and crc.isdigit() and int(crc) != zlib.crc32(data):
                if attempt >= max_attempts:
                    raise ChecksumError(
                        checksum_type="crc32",
                        expected_checksum=crc,
                        actual_checksum=str(zlib.crc32(data)),
                    )
                _sleep(self._delay(attempt, throttled=False, retry_after=None))
                continue
            if status < 300:
                decoded: dict[str, Any] = _loads(data) if data else {}
                return decoded, attempt
            client_error = self._client_error(
                operation, status, reason, response_headers, data, attempt - 1
            )
            code = client_error.response["Error"]["Code"]
            throttled = code in _THROTTLING_CODES or status == 429
            if attempt >= max_attempts or not (
                throttled or code in _TRANSIENT_CODES or status in _TRANSIENT_STATUS
            ):
                raise client_error
            _sleep(
                self._delay(
                    attempt,
                    throttled=throttled,
                    retry_after=response_headers.get("x-amz-retry-after"),
                )
            )

    def _headers(
        self,
        host: str,
        path: str,
        target: str,
        payload_hash: str,
        credentials: Any,
    ) -> dict[str, str]:
        amz_date = _strftime("%Y%m%dT%H%M%SZ", _gmtime())
        day = amz_date[:8]
        secret = credentials.secret_key
        cached_day, cached_secret, key = self._day_key
        if cached_day != day or cached_secret != secret:
            key = _sign(("AWS4" + secret).encode("utf-8"), day)
            for part in (self._region, self._service, "aws4_request"):
                key = _sign(key, part)
            self._day_key = (day, secret, key)
        token = credentials.token
        if token:
            signed = "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
            canonical_headers = (
                f"content-type:{_CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz_date}\n"
                f"x-amz-security-token:{token}\nx-amz-target:{target}\n"
            )
        else:
            signed = "content-type;host;x-amz-date;x-amz-target"
            canonical_headers = (
                f"content-type:{_CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz_date}\n"
                f"x-amz-target:{target}\n"
            )
        canonical = f"POST\n{path}\n\n{canonical_headers}\n{signed}\n{payload_hash}"
        scope = day + self._scope_tail
        to_sign = (
            f"{_ALGORITHM}\n{amz_date}\n{scope}\n"
            + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        )
        signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": _CONTENT_TYPE,
            "X-Amz-Date": amz_date,
            "X-Amz-Target": target,
            "User-Agent": self._user_agent,
            "Authorization": (
                f"{_ALGORITHM} Credential={credentials.access_key}/{scope}, "
                f"SignedHeaders={signed}, Signature={signature}"
            ),
        }
        if token:
            headers["X-Amz-Security-Token"] = token
        trace = _lambda_trace_id()
        if trace is not None:  # as botocore's add_recursion_detection_header
            headers["X-Amzn-Trace-Id"] = trace
        return headers

    def _endpoint(
        self, operation: str, request: dict[str, Any], credentials: Any
    ) -> tuple[str, str, str]:
        """(URL, Host header, path) of ``operation`` for the credentials' account."""
        account = getattr(credentials, "account_id", None)
        found = self._endpoints.get((operation, account))
        if found is not None:
            return found
        raw: Any = self.client
        url: str
        try:
            model = raw.meta.service_model.operation_model(operation)
            url = raw._resolve_endpoint_ruleset(model, request, {})[0]
        except Exception:  # noqa: BLE001 (botocore's static endpoint still applies)
            url = raw.meta.endpoint_url
        parts = urlsplit(url)
        host = parts.netloc
        if parts.port is not None and (
            (parts.scheme == "http" and parts.port == 80)
            or (parts.scheme == "https" and parts.port == 443)
        ):
            host = parts.hostname or host
        found = (url, host, parts.path or "/")
        self._endpoints[(operation, account)] = found
        return found

    def _pool(self, url: str) -> _Pool:
        connect_timeout, read_timeout, size, verify = self._settings
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        port = parts.port
        context: ssl.SSLContext | None = None
        if parts.scheme == "https":
            context = ssl.create_default_context(
                cafile=verify if isinstance(verify, str) else None
            )
            if verify is False:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE

        def factory() -> http.client.HTTPConnection:
            return _Connection(hostname, port, connect_timeout, read_timeout, context)

        pool = _Pool(factory, size)
        return self._pools.setdefault(url, pool)

    def _delay(
        self, attempt: int, *, throttled: bool, retry_after: str | None
    ) -> float:
        """botocore's delay before retry ``attempt + 1`` (``attempt`` is 1-based)."""
        if self._legacy:
            return float(min(_LEGACY_SCALE * 2 ** (attempt - 1), _MAX_BACKOFF))
        scale = _THROTTLING_SCALE if throttled else _TRANSIENT_SCALE
        delay: float = _random() * min(scale * 2 ** (attempt - 1), _MAX_BACKOFF)
        if retry_after is not None and retry_after.isdigit():
            wanted = int(retry_after) / 1000.0
            delay = max(delay, min(wanted, _RETRY_AFTER_EXTRA + delay))
        return delay

    def _client_error(
        self,
        operation: str,
        status: int,
        reason: str,
        headers: dict[str, str],
        data: bytes,
        retries: int,
    ) -> ClientError:
        """The error botocore raises for this error response: the client's modeled
        exception class, with botocore's ``response`` shape (B values as bytes)."""
        try:
            body = _loads(data) if data else None
        except ValueError:
            body = None
        members: dict[str, Any] = {}
        if type(body) is dict:
            kind = str(body.get("__type") or headers.get("x-amzn-errortype") or "")
            code = kind.rsplit("#", 1)[-1].split(":", 1)[0] or str(status)
            message = body.get("message", body.get("Message", ""))
            for name, value in body.items():
                if name != "__type":
                    members[name] = _to_botocore(value)
        else:
            code, message = str(status), reason
        response: dict[str, Any] = {
            "Error": {"Message": message, "Code": code},
            "ResponseMetadata": {
                "RequestId": headers.get("x-amzn-requestid", ""),
                "HTTPStatusCode": status,
                "HTTPHeaders": headers,
                "RetryAttempts": retries,
            },
        }
        response.update(members)
        error_class: Any = self.client.exceptions.from_code(code)
        error: ClientError = error_class(response, operation)
        return error

    @staticmethod
    def _connection_error(url: str, error: Exception, *, connecting: bool) -> Exception:
        """The botocore exception for a connection that failed (as botocore raises)."""
        if isinstance(error, ssl.SSLError):
            return SSLError(endpoint_url=url, error=error)
        if isinstance(error, (TimeoutError, socket.timeout)):
            if connecting:
                return ConnectTimeoutError(endpoint_url=url, error=error)
            return ReadTimeoutError(endpoint_url=url, error=error)
        if connecting:
            return EndpointConnectionError(endpoint_url=url, error=error)
        return ConnectionClosedError(endpoint_url=url, error=error)

    def close(self) -> None:
        """Close the kept-alive connections (new calls open new ones)."""
        for pool in list(self._pools.values()):
            pool.close()


def _lambda_trace_id() -> str | None:
    """The X-Ray trace id botocore forwards inside AWS Lambda, else None."""
    environ = os.environ
    if "AWS_LAMBDA_FUNCTION_NAME" not in environ:
        return None
    trace = environ.get("_X_AMZN_TRACE_ID")
    return None if trace is None else quote(trace, safe="-=;:+&[]{}\"',")
