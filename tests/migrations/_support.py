"""Helpers of the migration tests: schemas as data, builds through the CLI, runners.

A test's schema history is a list of dicts (each dumped to YAML and built in turn into
one package directory with ``dynagen build``), so each step's migration is what a user
would get. :func:`runner` makes a :class:`Migrator` over a backend with the test's
table prefix and a console that records what it printed.
"""

from __future__ import annotations

import copy
import io
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from click.testing import CliRunner, Result
from dynagen.cli import main as dynagen_main
from dynagen.migrate import Connection, Migrator
from dynagen.migration_files import MigrationFile, read_history
from dynagen.render import HEADER_PREFIX
from rich.console import Console

from tests.backends import DUMMY_CREDENTIALS, ENDPOINT_ENV, Backend

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def library(package: str = "lib") -> dict[str, Any]:
    """A small schema every backend can create: one table, one GSI, one entity."""
    return {
        "dynagen": 1,
        "package": package,
        "tables": {
            "Library": {
                "name": "library",
                "partition_key": "pk",
                "sort_key": "sk",
                "indexes": {"gsi1": {"partition_key": "gsi1pk", "sort_key": "gsi1sk"}},
            }
        },
        "entities": {
            "Book": {
                "table": "Library",
                "key": {
                    "pk": "BOOK#{book_id}",
                    "sk": "BOOK",
                    "gsi1pk": "AUTHOR#{author}",
                    "gsi1sk": "BOOK#{book_id}",
                },
                "attributes": {
                    "book_id": "string",
                    "author": "string",
                    "title": "string",
                    "isbn": "string",
                    "edition": {"type": "int", "default": 1},
                },
            }
        },
    }


def changed(schema: dict[str, Any], **paths: Any) -> dict[str, Any]:
    """A deep copy of ``schema`` with ``a__b__c=value`` set (``None`` deletes)."""
    out = copy.deepcopy(schema)
    for dotted, value in paths.items():
        parts = dotted.split("__")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return out


def invoke(*args: str) -> Result:
    """Run ``dynagen`` in-process; with the dummy credentials the local servers take
    (a run against real AWS, ``DYNAGEN_TEST_ENDPOINT``, keeps the normal chain)."""
    env: dict[str, str | None] = {}
    if not os.environ.get(ENDPOINT_ENV, "").strip():
        key_id, secret = DUMMY_CREDENTIALS
        env = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
    return CliRunner().invoke(dynagen_main, list(args), env=env)


class Project:
    """A schema file and the package directory it builds into, across versions."""

    def __init__(self, root: Path, package: str = "lib") -> None:
        self.root = root
        self.schema = root / "schema.yaml"
        self.package_dir = root / "out" / package

    def write_schema(self, schema: dict[str, Any]) -> None:
        self.schema.write_text(yaml.safe_dump(schema, sort_keys=False), "utf-8")

    def build(self, schema: dict[str, Any] | None = None) -> Result:
        if schema is not None:
            self.write_schema(schema)
        return invoke("build", str(self.schema), "-o", str(self.package_dir))

    def built(self, schema: dict[str, Any]) -> list[MigrationFile]:
        """Build ``schema`` (which must build) and return the migration history."""
        result = self.build(schema)
        assert result.exit_code == 0, result.output
        return self.history()

    def history(self) -> list[MigrationFile]:
        history, problems = read_history(self.package_dir, HEADER_PREFIX)
        assert not problems, problems
        return history

    def migration_names(self) -> list[str]:
        return [m.name for m in self.history()]


class Recorder(Console):
    """A console whose output the test reads back (no colour, no wrapping)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        super().__init__(
            file=self.buffer, highlight=False, soft_wrap=True, color_system=None
        )

    @property
    def text(self) -> str:
        return self.buffer.getvalue()


def runner(
    backend: Backend,
    prefix: str,
    project: Project,
    *,
    client: DynamoDBClient | None = None,
    **options: Any,
) -> Migrator:
    """A migrator over ``project``'s history on ``backend``, with a recording console."""
    return Migrator(
        client or backend.client(),
        Connection(table_prefix=prefix),
        project.history(),
        console=Recorder(),
        owner=options.pop("owner", f"test-{uuid.uuid4().hex[:6]}"),
        **options,
    )


def printed(migrator: Migrator) -> str:
    console = migrator.console
    assert isinstance(console, Recorder)
    return console.text


def connection_args(backend: Backend, prefix: str) -> list[str]:
    return [
        "--endpoint-url",
        backend.endpoint_url,
        "--region",
        backend.region,
        "--table-prefix",
        prefix,
    ]


class CallLog:
    """Records (operation, table name) of every call a client sends while registered."""

    def __init__(self, client: DynamoDBClient) -> None:
        self.client = client
        self.calls: list[tuple[str, str]] = []

    def _handler(self, model: Any, params: Any, **kwargs: Any) -> None:
        self.calls.append((model.name, str(params.get("TableName", ""))))

    def __enter__(self) -> CallLog:
        self.client.meta.events.register(
            "before-parameter-build.dynamodb", self._handler
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.meta.events.unregister(
            "before-parameter-build.dynamodb", self._handler
        )

    def count(self, operation: str, table: str) -> int:
        return self.calls.count((operation, table))
