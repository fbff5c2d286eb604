"""The ``dynagen`` command line (SPEC §2). Calls the phases; knows nothing of their insides."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dynagen import __version__
from dynagen.diagnostics import format_json, format_text
from dynagen.output import check, write
from dynagen.pipeline import Compilation, check_schema, compile_schema
from dynagen.render import HEADER_PREFIX
from dynagen.resources import json_schema

if TYPE_CHECKING:
    from dynagen.migrate import Migrator

# The `migrate` commands import boto3, botocore and the runtime (about half a second)
# inside their functions, so that `build`, `check` and `validate` never pay for them.


def display_path(path: Path) -> str:
    """``path`` relative to the working directory where it can be."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _report(result: Compilation) -> None:
    click.echo(
        format_text(result.diagnostics, {result.display_name: result.source}),
        err=True,
        nl=False,
    )


def _report_history(directory: Path) -> None:
    click.echo(
        f"the migration history in {display_path(directory / 'migrations')} cannot be "
        "trusted: restore the migration files as dynagen wrote them (from version "
        "control); migrations are append-only, so a change belongs in a new one",
        err=True,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="dynagen")
def main() -> None:
    """Generate a typed Python data-access package for DynamoDB from a YAML schema."""


@main.command()
@click.argument("schema", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    help="The package directory to write (default: <package>/ beside the schema).",
)
@click.option(
    "--check", "check_only", is_flag=True, help="Write nothing; exit 1 if stale."
)
def build(schema: Path, output: Path | None, check_only: bool) -> None:
    """Validate SCHEMA and write the generated package."""
    result = compile_schema(
        schema,
        display_path(schema),
        output if output is not None else lambda model: schema.parent / model.package,
    )
    if not result.ok or result.files is None or result.model is None:
        _report(result)
        sys.exit(1)
    directory = output if output is not None else schema.parent / result.model.package
    shown = display_path(directory)
    edited = [(p.path, p.message) for p in result.history_problems]
    if check_only:
        changes = check(directory, result.files)
        for label, paths in (
            ("missing", changes.missing),
            ("stale", changes.stale),
            ("extra", changes.extra),
        ):
            for relative in paths:
                click.echo(f"{label}: {display_path(directory / relative)}")
        for relative, message in edited:
            click.echo(f"edited: {display_path(directory / relative)} ({message})")
        if edited:
            _report_history(directory)
            sys.exit(1)
        if not changes.clean:
            click.echo(
                f"{shown} is out of date: run `dynagen build {display_path(schema)}"
                f"{'' if output is None else ' -o ' + shown}`",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{shown} is up to date")
        return
    if edited:
        for relative, message in edited:
            click.echo(
                f"error: {display_path(directory / relative)} is {message}", err=True
            )
        _report_history(directory)
        sys.exit(1)
    changes = write(directory, result.files)
    total = len(changes.missing) + len(changes.stale) + len(changes.extra)
    click.echo(
        f"wrote {shown}: {len(changes.missing)} created, {len(changes.stale)} updated, "
        f"{len(changes.extra)} removed"
        if total
        else f"{shown} is up to date"
    )


@main.command()
@click.argument("schema", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def validate(schema: Path, output_format: str) -> None:
    """Validate SCHEMA and report every error."""
    result, _ = check_schema(schema, display_path(schema))
    if output_format == "json":
        click.echo(format_json(result.diagnostics), nl=False)
    elif result.diagnostics:
        _report(result)
    else:
        click.echo(f"{result.display_name}: ok")
    sys.exit(0 if result.ok else 1)


@main.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the schema language (for editors)."""
    click.echo(json.dumps(json_schema(), indent=2))


# --------------------------------------------------------------------------------------
# dynagen migrate
# --------------------------------------------------------------------------------------


def _table_name_option(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    names: dict[str, str] = {}
    for value in values:
        table_id, sep, name = value.partition("=")
        if not sep or not table_id or not name:
            raise click.BadParameter(f"{value!r} is not ID=NAME", ctx, param)
        names[table_id] = name
    return names


def _segments_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[range, int] | None:
    """``A-B/TOTAL`` (0-based, inclusive) or ``A/TOTAL``."""
    if value is None:
        return None
    span, sep, total_text = value.partition("/")
    first, _, last = span.partition("-")
    try:
        total = int(total_text)
        start = int(first)
        end = int(last) if last else start
    except ValueError:
        raise click.BadParameter(f"{value!r} is not A-B/TOTAL", ctx, param) from None
    if not sep or not 0 <= start <= end < total or total > 1_000_000:
        raise click.BadParameter(
            f"{value!r}: need 0 <= A <= B < TOTAL (segments are numbered from 0)",
            ctx,
            param,
        )
    return range(start, end + 1), total


def _connection_options(
    command: Callable[..., None],
) -> Callable[..., None]:
    for option in reversed(
        [
            click.argument(
                "package_dir",
                type=click.Path(exists=True, file_okay=False, path_type=Path),
            ),
            click.option("--endpoint-url", help="DynamoDB endpoint (default: AWS's)."),
            click.option("--region", help="AWS region (default: boto3's)."),
            click.option(
                "--table-prefix",
                default="",
                help="Prefix of every physical table name.",
            ),
            click.option(
                "--table-name",
                "table_names",
                multiple=True,
                callback=_table_name_option,
                metavar="ID=NAME",
                help="The full physical name of one logical table (repeatable).",
            ),
        ]
    ):
        command = option(command)
    return command


def _migrator(
    package_dir: Path,
    endpoint_url: str | None,
    region: str | None,
    table_prefix: str,
    table_names: dict[str, str],
) -> Migrator:
    from botocore.exceptions import BotoCoreError

    from dynagen.migrate import Connection, MigrateError, Migrator, check_table_names
    from dynagen.migration_files import read_history

    history, problems = read_history(package_dir, HEADER_PREFIX)
    for problem in problems:
        click.echo(
            f"error: {display_path(package_dir / problem.path)} is {problem.message}",
            err=True,
        )
    if problems:
        _report_history(package_dir)
        sys.exit(1)
    if not history:
        click.echo(
            f"error: {display_path(package_dir)} has no migrations; run `dynagen build`",
            err=True,
        )
        sys.exit(1)
    connection = Connection(endpoint_url, region, table_prefix, table_names)
    try:
        check_table_names(connection, history)
        client = connection.client()
    except (MigrateError, BotoCoreError) as exc:
        raise click.UsageError(str(exc)) from exc
    return Migrator(client, connection, history)


@main.group()
def migrate() -> None:
    """Plan, apply and list a generated package's migrations."""


@migrate.command("plan")
@_connection_options
def migrate_plan(package_dir: Path, **options: Any) -> None:
    """Pending migrations and drift between the schema and the live tables."""
    migrator = _migrator(package_dir, **options)
    drift = _guarded(migrator.plan)
    sys.exit(1 if drift else 0)


@migrate.command("apply")
@_connection_options
@click.option(
    "--dry-run", is_flag=True, help="Print what would be done; change nothing."
)
@click.option(
    "--allow-table-deletion",
    is_flag=True,
    help="Let a migration delete a table that left the schema (and its items).",
)
@click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another runner's lock before giving up.",
)
@click.option(
    "--segments",
    callback=_segments_option,
    metavar="A-B/TOTAL",
    help="Run only backfill scan segments A to B of TOTAL (shared-out backfills).",
)
@click.option(
    "--max-items-per-second",
    type=click.FloatRange(min=0, min_open=True),
    help="Cap on the items a backfill writes per second (all segments together).",
)
def migrate_apply(
    package_dir: Path,
    dry_run: bool,
    allow_table_deletion: bool,
    lock_wait: float,
    segments: tuple[range, int] | None,
    max_items_per_second: float | None,
    **options: Any,
) -> None:
    """Apply pending migrations, waiting for tables and indexes to become ACTIVE."""
    from dynagen.backfill import BackfillOptions

    migrator = _migrator(package_dir, **options)
    migrator.backfill_options = BackfillOptions(
        segments=segments[0] if segments else None,
        total=segments[1] if segments else None,
        max_items_per_second=max_items_per_second,
    )
    _guarded(
        lambda: migrator.apply(
            dry_run=dry_run,
            allow_table_deletion=allow_table_deletion,
            lock_wait=lock_wait,
        )
    )


@migrate.command("status")
@_connection_options
def migrate_status(package_dir: Path, **options: Any) -> None:
    """Applied and pending migrations."""
    migrator = _migrator(package_dir, **options)
    _guarded(migrator.status)


T = TypeVar("T")


def _guarded(action: Callable[[], T]) -> T:
    from botocore.exceptions import BotoCoreError, ClientError

    from dynagen.backfill import BackfillError
    from dynagen.migrate import MigrateError

    try:
        return action()
    except (MigrateError, BackfillError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except (BotoCoreError, ClientError) as exc:
        click.echo(f"error: DynamoDB: {exc}", err=True)
        sys.exit(1)
