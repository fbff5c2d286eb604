"""Pytest plugin: the real DynamoDB-compatible servers integration tests run against.

Loaded from ``tests/conftest.py`` (``pytest_plugins = ["tests.backends"]``).

Contract
--------
* ``backend`` (fixture, session scope): a :class:`Backend`. Every test that requests it,
  directly or through another fixture, is parametrized over the available backends, with
  ids ``moto`` and ``dynalite`` (``test_x[moto]``, ``test_x[dynalite]``). A server is
  started the first time a test needs it, once per session, on a free port of 127.0.0.1,
  and terminated at session end. Tests that never request ``backend`` start nothing;
  ``-k moto`` starts only moto.
* ``DYNAGEN_TEST_ENDPOINT=URL``: no server is started; the only backend is named
  ``endpoint`` and talks to that URL (DynamoDB Local, real AWS, ...). For an
  ``*.amazonaws.com`` URL the region is taken from the host name and the normal AWS
  credential chain is used; for any other URL the dummy credentials
  ``testing``/``testing`` are used.
* ``table_prefix`` (fixture, function scope): a prefix unique to the test, like
  ``"t1a2b3c4d5e-"``. Name every table ``f"{table_prefix}..."`` so tests never see each
  other's tables or items. When the test also uses ``backend``, tables whose name starts
  with the prefix are deleted after the test (best effort: failures become warnings).
* ``@pytest.mark.needs(feature)``: the test needs a behaviour some backends lack. On
  such a backend the test is skipped with ``"<backend>: <reason>"`` (visible with
  ``-ra``). The features and reasons are the table :data:`FEATURE_GAPS`, taken from
  ``/work/shared/BACKENDS.md``; an unknown feature name, or ``needs`` on a test that
  does not use ``backend``, is a usage error at collection. A test can also branch on
  :meth:`Backend.lacks` / :meth:`Backend.supports`.
* A server that does not start fails the whole session (``pytest.exit``) with the reason
  and the tail of its log; a missing backend is never a silent skip.

Speed
-----
Single ``PutItem`` calls run at roughly 430/s on moto and 1,000/s on dynalite;
``BatchWriteItem`` of 25 at 6,000-9,500 items/s. Seed test data with :func:`put_items`
(or your own ``BatchWriteItem`` loop), never with one ``PutItem`` per item. Data that
many tests only read can be seeded once in a module- or session-scoped fixture built on
``backend``; name its tables with :func:`new_table_prefix` and delete them at its
teardown (:func:`delete_tables_with_prefix`), since ``table_prefix`` is per test.
``backend`` is session-scoped, so pytest groups tests by backend: all ``moto`` instances
run, then all ``dynalite`` ones.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        WriteRequestTypeDef,
        WriteRequestUnionTypeDef,
    )

__all__ = [
    "DEFAULT_REGION",
    "DUMMY_CREDENTIALS",
    "ENDPOINT_ENV",
    "FEATURE_GAPS",
    "SERVER_BACKENDS",
    "Backend",
    "BackendServers",
    "BackendStartError",
    "delete_tables_with_prefix",
    "dynalite_command",
    "endpoint_backend",
    "free_port",
    "moto_command",
    "new_table_prefix",
    "put_items",
    "select_backends",
    "start_server",
    "wait_active",
]

ENDPOINT_ENV: Final = "DYNAGEN_TEST_ENDPOINT"
"""Environment variable naming an endpoint URL to use instead of the local servers."""

SERVER_BACKENDS: Final[tuple[str, ...]] = ("moto", "dynalite")
"""Backends this plugin starts itself, in parametrization order."""

DEFAULT_REGION: Final = "us-east-1"
DUMMY_CREDENTIALS: Final = ("testing", "testing")

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
"""Repository root: has ``package.json`` and, after ``npm ci``, ``node_modules``."""

START_TIMEOUT: Final = 20.0
"""Seconds a server gets to answer ``ListTables`` after being launched."""

_LOG_TAIL_LINES: Final = 40
_START_ATTEMPTS: Final = 3  # a free port can be taken between choosing and binding it

_TRANSACTIONS_MISSING: Final = "does not implement TransactWriteItems/TransactGetItems"

FEATURE_GAPS: Final[Mapping[str, Mapping[str, str]]] = {
    "transactions": {"dynalite": _TRANSACTIONS_MISSING},
    "transact_get_over_25": {
        "moto": "caps TransactGetItems at 25 items (DynamoDB allows 100)",
        "dynalite": _TRANSACTIONS_MISSING,
    },
    "idempotency_token": {
        "moto": "does not implement TransactWriteItems ClientRequestToken idempotency",
        "dynalite": _TRANSACTIONS_MISSING,
    },
    "old_item_on_condition_failure": {
        "dynalite": "ignores ReturnValuesOnConditionCheckFailure "
        "(no Item in the error)",
    },
    "gsi_update": {
        "dynalite": "silently ignores UpdateTable GlobalSecondaryIndexUpdates "
        "(create/delete)",
    },
    "ttl": {"dynalite": "does not implement UpdateTimeToLive"},
    "pitr": {
        "dynalite": "does not implement "
        "UpdateContinuousBackups/DescribeContinuousBackups"
    },
    "tags": {"dynalite": "accepts tags and drops them"},
    "streams": {"dynalite": "accepts StreamSpecification and drops it"},
    "deletion_protection": {
        "dynalite": "accepts DeletionProtectionEnabled and drops it"
    },
    "global_tables": {
        "moto": "accepts replicas but does not reflect them",
        "dynalite": "refuses replicas",
    },
    "canonical_numbers": {
        "moto": "returns numbers as sent (1E+100, 0.10, -0), not canonical, "
        "and accepts out-of-range numbers",
    },
    "batch_write_limits": {
        "moto": "accepts BatchWriteItem with more than 25 writes "
        "or two writes to one key",
    },
    "item_size_limit": {"moto": "limits items to 405,000 bytes (DynamoDB: 409,600)"},
    "stream_reenable": {
        "moto": "refuses to enable a stream again on a table whose stream was "
        "disabled (StreamAlreadyEnabledException)",
        "dynalite": "accepts StreamSpecification and drops it",
    },
    "atomic_conditional_writes": {
        "moto": "conditional writes racing from many threads are not atomic "
        "(two can both succeed)",
    },
}
"""``{feature: {backend name: why that backend cannot serve a test needing it}}``.

Keep in step with ``/work/shared/BACKENDS.md``. A backend absent from a feature's
mapping (including ``endpoint``) is assumed to have the feature.
"""


# --------------------------------------------------------------------------------------
# Backend description and helpers usable from any test
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """One DynamoDB-compatible endpoint a test runs against.

    ``name`` is ``"moto"``, ``"dynalite"`` or ``"endpoint"``
    (``DYNAGEN_TEST_ENDPOINT``). ``dummy_credentials`` is False only for real AWS, where
    the default credential chain is used.
    """

    name: str
    endpoint_url: str
    region: str = DEFAULT_REGION
    dummy_credentials: bool = True

    def client(self, config: Config | None = None) -> DynamoDBClient:
        """Return a new low-level DynamoDB client for this backend.

        With dummy credentials it needs no AWS configuration on the machine. It comes
        from boto3's default session, whose client creation is not thread-safe: make
        clients before starting threads.
        """
        if self.dummy_credentials:
            key_id, secret = DUMMY_CREDENTIALS
            return boto3.client(
                "dynamodb",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
                config=config,
            )
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            config=config,
        )

    def wait_active(
        self, client: DynamoDBClient, table_name: str, timeout: float = 30.0
    ) -> None:
        """Same as the module function :func:`wait_active`."""
        wait_active(client, table_name, timeout=timeout)

    def lacks(self, feature: str) -> str | None:
        """Why this backend cannot serve ``feature``, or None if it can.

        Raises KeyError for a feature that is not in :data:`FEATURE_GAPS`.
        """
        return FEATURE_GAPS[feature].get(self.name)

    def supports(self, feature: str) -> bool:
        """True when :meth:`lacks` has no reason for ``feature``."""
        return self.lacks(feature) is None


def wait_active(
    client: DynamoDBClient,
    table_name: str,
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
) -> None:
    """Block until the table and all its global secondary indexes are ACTIVE.

    Call it after CreateTable/UpdateTable: dynalite keeps a new table CREATING for about
    0.5 s and refuses writes (and DeleteTable) meanwhile; real DynamoDB takes longer.
    Raises TimeoutError with the last seen status after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    status = "not found"
    while True:
        try:
            table = client.describe_table(TableName=table_name)["Table"]
        except client.exceptions.ResourceNotFoundException:
            status = "not found"
        else:
            status = table.get("TableStatus", "?")
            indexes = {
                gsi.get("IndexName", "?"): gsi.get("IndexStatus", "?")
                for gsi in table.get("GlobalSecondaryIndexes", [])
            }
            if status == "ACTIVE" and all(s == "ACTIVE" for s in indexes.values()):
                return
            if indexes:
                status = f"{status}, indexes {indexes}"
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"table {table_name!r} not ACTIVE after {timeout} s ({status})"
            )
        time.sleep(interval)


def put_items(
    client: DynamoDBClient,
    table_name: str,
    items: Iterable[Mapping[str, AttributeValueTypeDef]],
    *,
    max_rounds: int = 20,
) -> int:
    """Write ``items`` (low-level AttributeValue maps) by BatchWriteItem, 25 a request.

    The way to seed test data: about 15-20x faster than one PutItem per item.
    Unprocessed items are resent (up to ``max_rounds`` tries per batch, then
    RuntimeError). Items must not repeat a key within a chunk of 25 (DynamoDB and
    dynalite refuse that).
    Returns the number of items written.
    """
    written = 0
    chunk: list[WriteRequestTypeDef] = []

    def flush() -> None:
        pending: Sequence[WriteRequestUnionTypeDef] = chunk
        for attempt in range(max_rounds):
            response = client.batch_write_item(RequestItems={table_name: pending})
            pending = response.get("UnprocessedItems", {}).get(table_name, [])
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 1.0))
        raise RuntimeError(
            f"{len(pending)} items still unprocessed after {max_rounds} tries"
        )

    for item in items:
        chunk.append({"PutRequest": {"Item": dict(item)}})
        if len(chunk) == 25:
            flush()
            written += len(chunk)
            chunk = []
    if chunk:
        flush()
        written += len(chunk)
    return written


def new_table_prefix() -> str:
    """A fresh table-name prefix: ``"t"``, 10 hex digits, ``"-"``."""
    return f"t{uuid.uuid4().hex[:10]}-"


# --------------------------------------------------------------------------------------
# Backend selection (pure functions)
# --------------------------------------------------------------------------------------


def select_backends(environ: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the backends the session parametrizes over, given an environment.

    ``("endpoint",)`` when ``DYNAGEN_TEST_ENDPOINT`` is set and not blank, else
    :data:`SERVER_BACKENDS`. Raises ValueError for an endpoint that is not an http(s)
    URL.
    """
    url = environ.get(ENDPOINT_ENV, "").strip()
    if not url:
        return SERVER_BACKENDS
    endpoint_backend(url)  # validate early
    return ("endpoint",)


def endpoint_backend(url: str) -> Backend:
    """The ``endpoint`` backend for a ``DYNAGEN_TEST_ENDPOINT`` URL.

    Raises ValueError unless ``url`` is an absolute http or https URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{ENDPOINT_ENV} must be an http(s) URL, got {url!r}")
    host = parts.hostname
    if host.endswith(".amazonaws.com"):
        # dynamodb.<region>.amazonaws.com, or a FIPS / dual-stack variant of it
        labels = host.split(".")
        region = labels[1] if len(labels) >= 4 else DEFAULT_REGION
        return Backend("endpoint", url.strip(), region, dummy_credentials=False)
    return Backend("endpoint", url.strip())


# --------------------------------------------------------------------------------------
# Server processes
# --------------------------------------------------------------------------------------


class BackendStartError(RuntimeError):
    """A backend server could not be started; the message says why, with log tail."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that was free a moment ago (bound to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def moto_command(port: int) -> list[str]:
    """Command line of moto's server on ``port``; BackendStartError if not installed."""
    if (
        importlib.util.find_spec("moto") is None
        or importlib.util.find_spec("flask") is None
    ):
        raise BackendStartError(
            f"moto's server is not installed in {sys.executable}: run "
            "`pip install -e '.[dev]'` (it pins moto[server])"
        )
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def dynalite_command(port: int, root: Path = PROJECT_ROOT) -> list[str]:
    """Command line of dynalite (from ``root/node_modules``) on ``port``.

    Raises BackendStartError, telling to run ``npm ci``, when dynalite is not installed,
    and when no ``node`` executable is on PATH.
    """
    cli = root / "node_modules" / "dynalite" / "cli.js"
    if not cli.is_file():
        raise BackendStartError(
            f"dynalite is not installed ({cli} is missing): run `npm ci` in {root} "
            "(package-lock.json pins dynalite 4.0.0; needs node >= 20)"
        )
    node = shutil.which("node")
    if node is None:
        raise BackendStartError(
            "dynalite needs node (>= 20) on PATH, and none was found"
        )
    return [node, str(cli), "--host", "127.0.0.1", "--port", str(port)]


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn making the kernel SIGTERM the server when pytest dies (even by -9).

    Linux only (prctl PR_SET_PDEATHSIG); None elsewhere. prctl is looked up here, in the
    parent, so the forked child runs no dynamic loading before exec.
    """
    if sys.platform != "linux":
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


def _answers(endpoint_url: str) -> bool:
    """True when a DynamoDB ListTables call to ``endpoint_url`` gets any HTTP answer."""
    probe = Backend("probe", endpoint_url).client(
        Config(connect_timeout=0.5, read_timeout=2, retries={"max_attempts": 1})
    )
    try:
        probe.list_tables(Limit=1)
    except ClientError:
        return True  # an error response is still an answer
    except BotoCoreError:
        return False
    finally:
        probe.close()
    return True


def _log_tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(log unreadable: {exc})"
    tail = text.splitlines()[-lines:]
    return "\n".join(tail) if tail else "(log is empty)"


@dataclass
class ServerProcess:
    """A running server: its process, URL, log file and how long it took to answer."""

    name: str
    endpoint_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    startup_seconds: float
    _log_file: IO[bytes] = field(repr=False)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout`` s, and reap it."""
        try:
            if self.process.poll() is None:
                _signal_group(self.process, signal.SIGTERM)
                try:
                    self.process.wait(timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(self.process, signal.SIGKILL)
                    self.process.wait(timeout)
        finally:
            self._log_file.close()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    # The server runs in its own session (start_new_session): its group id is its pid.
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signum)


def start_server(
    name: str,
    command: Callable[[int], Sequence[str]],
    log_path: Path,
    *,
    cwd: Path = PROJECT_ROOT,
    timeout: float = START_TIMEOUT,
    attempts: int = _START_ATTEMPTS,
) -> ServerProcess:
    """Launch ``command(port)`` on a free port and wait until it answers DynamoDB calls.

    stdout and stderr go to ``log_path`` (appended to across attempts). A server that
    exits during start-up is retried on another port up to ``attempts`` times (the port
    may have been taken meanwhile); one that neither exits nor answers within
    ``timeout`` seconds is killed. Raises BackendStartError with the reason and the log
    tail.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    failure = ""
    for attempt in range(1, attempts + 1):
        port = free_port()
        argv = list(command(port))
        endpoint_url = f"http://127.0.0.1:{port}"
        log_file = log_path.open("ab")
        log_file.write(f"$ {' '.join(argv)}  (attempt {attempt})\n".encode())
        log_file.flush()
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent_hook(),
            )
        except OSError as exc:
            log_file.close()
            raise BackendStartError(f"{name}: cannot run {argv[0]}: {exc}") from exc
        server = ServerProcess(name, endpoint_url, process, log_path, 0.0, log_file)
        deadline = started + timeout
        while True:
            code = process.poll()
            if code is not None:
                failure = f"{name} exited with code {code} during start-up"
                server.stop()
                break
            if _answers(endpoint_url) and process.poll() is None:
                server.startup_seconds = time.monotonic() - started
                return server
            if time.monotonic() >= deadline:
                server.stop()
                raise BackendStartError(
                    f"{name} did not answer at {endpoint_url} within {timeout:.0f} s.\n"
                    f"Log {log_path}, last lines:\n{_log_tail(log_path)}"
                )
            time.sleep(0.05)
    raise BackendStartError(
        f"{failure} (tried {attempts} times).\n"
        f"Log {log_path}, last lines:\n{_log_tail(log_path)}"
    )


class BackendServers:
    """The session's backends: starts each server the first time it is asked for.

    ``get`` is thread-safe. ``stop`` terminates every started server and can be called
    more than once. A start failure is remembered and re-raised, never retried.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        log_dir: Path,
        *,
        commands: Mapping[str, Callable[[int], Sequence[str]]] | None = None,
    ) -> None:
        self.names: tuple[str, ...] = select_backends(environ)
        self._endpoint_url = environ.get(ENDPOINT_ENV, "").strip()
        self.log_dir = log_dir
        self._commands: Mapping[str, Callable[[int], Sequence[str]]] = commands or {
            "moto": moto_command,
            "dynalite": dynalite_command,
        }
        self._lock = threading.Lock()
        self._backends: dict[str, Backend] = {}
        self._errors: dict[str, BackendStartError] = {}
        self.servers: dict[str, ServerProcess] = {}
        self.started: list[tuple[str, str, float, Path]] = []
        """(name, endpoint URL, seconds until it answered, log path) of each started."""
        self._admin_clients: dict[str, DynamoDBClient] = {}

    def get(self, name: str) -> Backend:
        """The backend called ``name``, starting its server if needed.

        Raises KeyError for a name not in :attr:`names`, BackendStartError if it won't
        start.
        """
        if name not in self.names:
            raise KeyError(f"unknown backend {name!r}; this session has {self.names}")
        with self._lock:
            if name in self._backends:
                return self._backends[name]
            if name in self._errors:
                raise self._errors[name]
            if name == "endpoint":
                backend = endpoint_backend(self._endpoint_url)
            else:
                try:
                    server = start_server(
                        name, self._commands[name], self.log_dir / f"{name}.log"
                    )
                except BackendStartError as exc:
                    self._errors[name] = exc
                    raise
                self.servers[name] = server
                self.started.append(
                    (name, server.endpoint_url, server.startup_seconds, server.log_path)
                )
                backend = Backend(name, server.endpoint_url)
            self._backends[name] = backend
            return backend

    def preflight(self, names: Iterable[str]) -> None:
        """Check, without starting anything, that the named servers can be launched.

        Raises BackendStartError (e.g. dynalite not installed: run ``npm ci``), so a
        session fails before its first test rather than after all moto tests ran.
        """
        for name in names:
            if name in self._commands and name not in self._backends:
                self._commands[name](0)

    def admin_client(self, backend: Backend) -> DynamoDBClient:
        """A client shared by the harness itself (cleanup), one per backend."""
        with self._lock:
            client = self._admin_clients.get(backend.name)
            if client is None:
                client = self._admin_clients[backend.name] = backend.client()
            return client

    def stop(self) -> None:
        """Terminate and reap every server started so far."""
        with self._lock:
            for client in self._admin_clients.values():
                client.close()
            self._admin_clients.clear()
            servers = list(self.servers.values())
            self.servers.clear()
            self._backends = {
                n: b for n, b in self._backends.items() if n == "endpoint"
            }
        for server in servers:
            server.stop()

    def __enter__(self) -> BackendServers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def delete_tables_with_prefix(client: DynamoDBClient, prefix: str) -> list[str]:
    """Delete every table whose name starts with ``prefix``; return their names.

    Lists all tables (moto does not list them in name order, so ExclusiveStartTableName
    cannot be used to jump to the prefix). A table still CREATING/UPDATING, which cannot
    be deleted yet, is waited for first. Deletion is not waited for.
    """
    names: list[str] = []
    for page in client.get_paginator("list_tables").paginate():
        names.extend(n for n in page.get("TableNames", []) if n.startswith(prefix))
    for name in names:
        try:
            client.delete_table(TableName=name)
        except client.exceptions.ResourceNotFoundException:
            continue
        except client.exceptions.ResourceInUseException:
            wait_active(client, name, timeout=10.0)
            client.delete_table(TableName=name)
    return names


# --------------------------------------------------------------------------------------
# Pytest hooks and fixtures
# --------------------------------------------------------------------------------------

_NAMES_KEY: Final = pytest.StashKey[tuple[str, ...]]()
_SERVERS_KEY: Final = pytest.StashKey[BackendServers]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs(feature): the test needs a backend feature; it is skipped, with the "
        "reason, on backends that lack it (see FEATURE_GAPS in tests/backends.py)",
    )
    try:
        config.stash[_NAMES_KEY] = select_backends(os.environ)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from exc


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize every test using ``backend`` over the session's backends.

    A test that parametrizes ``backend`` itself (``@pytest.mark.parametrize``) is left
    alone.
    """
    if "backend" not in metafunc.fixturenames:
        return
    for marker in metafunc.definition.iter_markers("parametrize"):
        argnames = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(argnames, str):
            argnames = [name.strip() for name in argnames.split(",")]
        if "backend" in argnames:
            return
    names = metafunc.config.stash[_NAMES_KEY]
    metafunc.parametrize("backend", names, ids=names, indirect=True)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Validate ``needs`` markers; skip each test on backends lacking its feature."""
    for item in items:
        markers = list(item.iter_markers("needs"))
        if not markers:
            continue
        callspec = getattr(item, "callspec", None)
        params: Mapping[str, object] = callspec.params if callspec is not None else {}
        backend_name = params.get("backend")
        for marker in markers:
            if (
                len(marker.args) != 1
                or marker.kwargs
                or not isinstance(marker.args[0], str)
            ):
                raise pytest.UsageError(
                    f"{item.nodeid}: use @pytest.mark.needs('feature'), "
                    "one feature per marker"
                )
            feature = marker.args[0]
            if feature not in FEATURE_GAPS:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown feature {feature!r} in "
                    f"@pytest.mark.needs; known: {', '.join(sorted(FEATURE_GAPS))}"
                )
            if not isinstance(backend_name, str):
                raise pytest.UsageError(
                    f"{item.nodeid}: @pytest.mark.needs({feature!r}) on a test that "
                    "does not use the backend fixture"
                )
            reason = FEATURE_GAPS[feature].get(backend_name)
            if reason is not None:
                item.add_marker(pytest.mark.skip(reason=f"{backend_name}: {reason}"))
                break


def _backends_to_run(items: Iterable[pytest.Item]) -> set[str]:
    """Backend names the selected, not skipped-by-marker items are parametrized with."""
    names: set[str] = set()
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("backend") if callspec is not None else None
        if isinstance(name, str) and item.get_closest_marker("skip") is None:
            names.add(name)
    return names


@pytest.fixture(scope="session")
def backend_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendServers]:
    """The session's :class:`BackendServers`; stops the started servers at the end."""
    servers = BackendServers(os.environ, tmp_path_factory.mktemp("backend-logs"))
    request.config.stash[_SERVERS_KEY] = servers
    try:
        servers.preflight(_backends_to_run(request.session.items))
    except BackendStartError as exc:
        pytest.exit(f"a test backend is unavailable: {exc}", returncode=1)
    with servers:
        yield servers


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest, backend_servers: BackendServers) -> Backend:
    """The backend this test runs against (parametrized: ``moto``, ``dynalite``).

    A server that cannot start ends the session with its reason and log tail.
    """
    name = request.param
    assert isinstance(name, str), (
        "the backend fixture is parametrized by pytest_generate_tests"
    )
    try:
        return backend_servers.get(name)
    except BackendStartError as exc:
        pytest.exit(f"test backend {name!r} is unavailable: {exc}", returncode=1)


@pytest.fixture
def table_prefix(request: pytest.FixtureRequest) -> Iterator[str]:
    """A table-name prefix unique to this test, e.g. ``"t1a2b3c4d5e-"``.

    If the test uses ``backend``, its tables named with the prefix are deleted
    afterwards.
    """
    prefix = new_table_prefix()
    if "backend" not in request.fixturenames:
        yield prefix
        return
    backend_ = request.getfixturevalue("backend")
    if not isinstance(backend_, Backend):  # the test parametrized "backend" itself
        yield prefix
        return
    servers: BackendServers = request.getfixturevalue("backend_servers")
    yield prefix
    try:
        delete_tables_with_prefix(servers.admin_client(backend_), prefix)
    except (BotoCoreError, ClientError, TimeoutError) as exc:
        warnings.warn(
            f"could not delete tables {prefix}* on {backend_.name}: {exc}",
            pytest.PytestWarning,
            stacklevel=1,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    servers = terminalreporter.config.stash.get(_SERVERS_KEY, None)
    if servers is None or not servers.started:
        return
    terminalreporter.section("dynagen test backends", sep="-")
    for name, url, seconds, log in servers.started:
        terminalreporter.write_line(
            f"{name}: {url}, answered after {seconds:.2f} s, log {log}"
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    servers = config.stash.get(_SERVERS_KEY, None)
    if servers is not None:
        servers.stop()  # backstop; normally done by the backend_servers fixture
