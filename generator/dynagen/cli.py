"""The ``dynagen`` command line (SPEC §2). Calls the phases; knows nothing of their insides."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from dynagen import __version__
from dynagen.diagnostics import format_json, format_text
from dynagen.output import check, write
from dynagen.pipeline import Compilation, check_schema, compile_schema
from dynagen.resources import json_schema


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
    result = compile_schema(schema, display_path(schema))
    if not result.ok or result.files is None or result.model is None:
        _report(result)
        sys.exit(1)
    directory = output if output is not None else schema.parent / result.model.package
    shown = display_path(directory)
    if check_only:
        changes = check(directory, result.files)
        for label, paths in (
            ("missing", changes.missing),
            ("stale", changes.stale),
            ("extra", changes.extra),
        ):
            for relative in paths:
                click.echo(f"{label}: {display_path(directory / relative)}")
        if not changes.clean:
            click.echo(
                f"{shown} is out of date: run `dynagen build {display_path(schema)}"
                f"{'' if output is None else ' -o ' + shown}`",
                err=True,
            )
            sys.exit(1)
        click.echo(f"{shown} is up to date")
        return
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
