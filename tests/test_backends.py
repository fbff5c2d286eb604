"""Tests of the test harness (tests/backends.py): real servers, isolation, markers."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from tests.backends import (
    ENDPOINT_ENV,
    FEATURE_GAPS,
    SERVER_BACKENDS,
    Backend,
    BackendServers,
    BackendStartError,
    delete_tables_with_prefix,
    dynalite_command,
    endpoint_backend,
    new_table_prefix,
    put_items,
    select_backends,
    start_server,
    wait_active,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

pytest_plugins = ["pytester"]


def create_table(client: DynamoDBClient, name: str) -> None:
    """Create a pk(S)/sk(N) on-demand table and wait until it is ACTIVE."""
    create_table_no_wait(client, name)
    wait_active(client, name)


def create_table_no_wait(client: DynamoDBClient, name: str) -> None:
    """Create a pk(S)/sk(N) on-demand table; it may still be CREATING on return."""
    client.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


# --- against every backend ------------------------------------------------------------


def test_create_put_get(backend: Backend, table_prefix: str) -> None:
    client = backend.client()
    name = f"{table_prefix}items"
    create_table(client, name)
    assert client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"

    client.put_item(
        TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "x"}}
    )
    got = client.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})
    assert got["Item"] == {"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "x"}}


def test_backend_is_described(backend: Backend) -> None:
    assert backend.name in (*SERVER_BACKENDS, "endpoint")
    assert backend.endpoint_url.startswith(("http://", "https://"))
    assert backend.region == "us-east-1" or backend.name == "endpoint"


def test_two_prefixes_do_not_collide(backend: Backend) -> None:
    client = backend.client()
    first, second = new_table_prefix(), new_table_prefix()
    assert first != second
    for prefix in (first, second):
        create_table(client, f"{prefix}shared")
        client.put_item(
            TableName=f"{prefix}shared",
            Item={"pk": {"S": "same-key"}, "sk": {"N": "0"}, "owner": {"S": prefix}},
        )
    for prefix in (first, second):
        items = client.scan(TableName=f"{prefix}shared")["Items"]
        assert items == [
            {"pk": {"S": "same-key"}, "sk": {"N": "0"}, "owner": {"S": prefix}}
        ]
        client.delete_table(TableName=f"{prefix}shared")


_PREFIXES_SEEN: dict[str, list[str]] = {}


@pytest.mark.parametrize("run", ["first", "second"])
def test_each_test_gets_its_own_prefix_and_tables(
    backend: Backend, table_prefix: str, run: str
) -> None:
    seen = _PREFIXES_SEEN.setdefault(backend.name, [])
    assert table_prefix not in seen
    seen.append(table_prefix)

    client = backend.client()
    name = f"{table_prefix}shared"
    create_table(client, name)
    client.put_item(
        TableName=name, Item={"pk": {"S": "k"}, "sk": {"N": "0"}, "run": {"S": run}}
    )
    assert client.scan(TableName=name)["Items"] == [
        {"pk": {"S": "k"}, "sk": {"N": "0"}, "run": {"S": run}}
    ]
    # The other run's table (deleted after that test by table_prefix) is never this one.
    mine = [n for n in client.list_tables()["TableNames"] if n.startswith(table_prefix)]
    assert mine == [name]


def test_table_prefix_cleanup_deletes_tables_after_the_test(backend: Backend) -> None:
    # The previous tests' tables are gone (or going: dynalite keeps DELETING ~0.5 s).
    client = backend.client()
    deadline = time.monotonic() + 5
    while True:
        left = [
            n
            for prefixes in _PREFIXES_SEEN.get(backend.name, [])
            for n in client.list_tables()["TableNames"]
            if n.startswith(prefixes)
        ]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == []


def test_delete_tables_with_prefix_deletes_only_those(backend: Backend) -> None:
    client = backend.client()
    doomed, kept = new_table_prefix(), new_table_prefix()
    for name in (f"{doomed}a", f"{doomed}b", f"{kept}a"):
        create_table_no_wait(
            client, name
        )  # dynalite: still CREATING, must be waited for
    assert sorted(delete_tables_with_prefix(client, doomed)) == [
        f"{doomed}a",
        f"{doomed}b",
    ]
    left = [n for n in client.list_tables()["TableNames"] if n.startswith(doomed)]
    statuses = [
        client.describe_table(TableName=n)["Table"]["TableStatus"] for n in left
    ]
    assert all(status == "DELETING" for status in statuses)  # dynalite takes ~0.5 s
    wait_active(client, f"{kept}a")
    client.delete_table(TableName=f"{kept}a")


@pytest.mark.parametrize("backend", ["given"])
def test_a_test_may_parametrize_backend_itself(backend: str) -> None:
    assert backend == "given"


def test_put_items_seeds_with_batch_write(backend: Backend, table_prefix: str) -> None:
    client = backend.client()
    name = f"{table_prefix}seed"
    create_table(client, name)
    started = time.monotonic()
    written = put_items(
        client,
        name,
        (
            {"pk": {"S": f"p{i % 7}"}, "sk": {"N": str(i)}, "v": {"S": "x" * 50}}
            for i in range(2000)
        ),
    )
    elapsed = time.monotonic() - started
    assert written == 2000
    count = 0
    for page in client.get_paginator("scan").paginate(TableName=name, Select="COUNT"):
        count += page["Count"]
    assert count == 2000
    assert elapsed < 10, f"seeding 2000 items took {elapsed:.1f} s"


@pytest.mark.needs("transactions")
def test_transactions_really_run(backend: Backend, table_prefix: str) -> None:
    client = backend.client()
    name = f"{table_prefix}tx"
    create_table(client, name)
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
        ]
    )
    got = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": name, "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}}},
            {"Get": {"TableName": name, "Key": {"pk": {"S": "b"}, "sk": {"N": "1"}}}},
        ]
    )
    assert [r.get("Item") for r in got["Responses"]] == [
        {"pk": {"S": "a"}, "sk": {"N": "1"}},
        {"pk": {"S": "b"}, "sk": {"N": "1"}},
    ]

    with pytest.raises(ClientError) as caught:
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": name,
                        "Item": {"pk": {"S": "c"}, "sk": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": name,
                        "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "TransactionCanceledException"
    reasons = caught.value.response.get("CancellationReasons", [])
    assert [r.get("Code") for r in reasons] == ["None", "ConditionalCheckFailed"]
    missing = client.get_item(TableName=name, Key={"pk": {"S": "c"}, "sk": {"N": "1"}})
    assert "Item" not in missing


def test_lacks_matches_feature_gaps(backend: Backend) -> None:
    for feature, gaps in FEATURE_GAPS.items():
        assert backend.lacks(feature) == gaps.get(backend.name)
        assert backend.supports(feature) is (backend.name not in gaps)


# --- pure unit tests: no server -------------------------------------------------------


def test_selection_without_endpoint_uses_both_servers() -> None:
    assert select_backends({}) == ("moto", "dynalite")
    assert select_backends({ENDPOINT_ENV: "   "}) == ("moto", "dynalite")
    assert select_backends({"OTHER": "x"}) == ("moto", "dynalite")


def test_selection_with_endpoint_is_single_endpoint_backend(tmp_path: Path) -> None:
    environ = {ENDPOINT_ENV: "http://localhost:8000"}
    assert select_backends(environ) == ("endpoint",)

    with BackendServers(environ, tmp_path) as servers:
        assert servers.names == ("endpoint",)
        got = servers.get("endpoint")
        assert got == Backend("endpoint", "http://localhost:8000", "us-east-1")
        assert servers.servers == {}  # nothing was started
        with pytest.raises(KeyError):
            servers.get("moto")


def test_endpoint_url_is_validated_and_aws_hosts_use_real_credentials() -> None:
    with pytest.raises(ValueError, match=ENDPOINT_ENV):
        select_backends({ENDPOINT_ENV: "localhost:8000"})
    aws = endpoint_backend("https://dynamodb.eu-west-1.amazonaws.com")
    assert (aws.region, aws.dummy_credentials) == ("eu-west-1", False)
    local = endpoint_backend("http://127.0.0.1:8000 ")
    assert (local.endpoint_url, local.region, local.dummy_credentials) == (
        "http://127.0.0.1:8000",
        "us-east-1",
        True,
    )


def test_missing_dynalite_says_to_run_npm_ci(tmp_path: Path) -> None:
    with pytest.raises(BackendStartError, match="npm ci"):
        dynalite_command(1234, root=tmp_path)


def test_server_that_exits_fails_with_its_log_tail(tmp_path: Path) -> None:
    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import sys; print('boom on', sys.argv[1]); sys.exit(3)",
            str(port),
        ]

    with pytest.raises(BackendStartError) as caught:
        start_server("fake", command, tmp_path / "fake.log", attempts=2)
    message = str(caught.value)
    assert "fake exited with code 3" in message
    assert "tried 2 times" in message
    assert "boom on" in message


def test_server_that_never_answers_is_killed(tmp_path: Path) -> None:
    pids: list[int] = []

    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-c",
            "import os, time; print(os.getpid(), flush=True); time.sleep(60)",
        ]

    with pytest.raises(BackendStartError, match="did not answer") as caught:
        start_server("mute", command, tmp_path / "mute.log", timeout=1.0)
    pids.extend(
        int(line) for line in (tmp_path / "mute.log").read_text().splitlines()[1:]
    )
    assert "mute.log" in str(caught.value)
    assert len(pids) == 1
    alive = subprocess.run(["ps", "-p", str(pids[0])], capture_output=True, check=False)
    assert alive.returncode != 0, "the server process is still running"


# --- the needs marker, in a nested pytest run (collection only: no server starts) -----


@pytest.fixture
def pytester(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    """Nested runs load only tests.backends (``-p``): other plugins cost ~1 s a run."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv(ENDPOINT_ENV, raising=False)
    return pytester


def test_needs_skips_with_reason_on_backend_lacking_feature(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.needs("transactions")
        def test_tx(backend):
            raise AssertionError("must not run on dynalite")
        """
    )
    # only the dynalite instance is selected; it is skipped before its fixture is set up
    result = pytester.runpytest("-p", "tests.backends", "-k", "dynalite", "-rs")
    result.assert_outcomes(skipped=1, deselected=1)
    result.stdout.fnmatch_lines(
        ["*SKIPPED*dynalite: does not implement TransactWriteItems*"]
    )
    assert "dynagen test backends" not in result.stdout.str()  # no server was started


def test_needs_with_unknown_feature_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.needs("time_travel")
        def test_x(backend):
            pass
        """
    )
    result = pytester.runpytest("-p", "tests.backends", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*unknown feature 'time_travel'*known: *transactions*"]
    )


def test_needs_without_backend_fixture_is_a_usage_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.needs("ttl")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("-p", "tests.backends", "--collect-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*does not use the backend fixture*"])


def test_tests_without_backend_are_not_parametrized(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_plain():
            pass

        def test_with(backend):
            pass
        """
    )
    result = pytester.runpytest("-p", "tests.backends", "--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "*::test_plain",
            "*::test_with[[]moto[]]",
            "*::test_with[[]dynalite[]]",
        ]
    )
