"""The wrong results found by running the GitHub-like model (issue #8), on each backend.

1. An index key built from ``auto: updated`` (GSI3SK ``#{updated_at}``) follows every
   write, so "repos of an account, most recently updated first" is in the right order and
   its ``include`` projection decodes the new ``updated_at``.
2. A sparse index's key attributes (GSI2PK/GSI2SK of a fork) are written and removed
   together.
3. A nested SET into a defaulted map works on an item stored without the map.
4. The generated package passes ``mypy --strict`` with ``auto`` fields in key templates.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.github.conftest import GitHubTables, raw
from tests.repository._support import FakeClock, RequestLog


def stamp(moment: Any) -> str:
    return str(moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


@pytest.mark.parametrize("write", ["update", "describe"])
def test_writes_refresh_an_index_key_built_from_updated_at(
    gh: Any, db: Any, gh_tables: GitHubTables, clock: FakeClock, uid: str, write: str
) -> None:
    """``update`` and a declared update (``describe``) alike."""
    db.repo.create(gh.Repo(owner=uid, repo_name="a"))
    clock.advance()
    db.repo.create(gh.Repo(owner=uid, repo_name="b"))
    later = clock.advance()
    getattr(db.repo, write)(owner=uid, repo_name="a", description="new")
    stored = raw(gh_tables, f"REPO#{uid}#a", "REPO")
    assert stored["GSI3SK"] == {"S": "#" + stamp(later)}
    repos = db.repo.of_account(owner=uid).all()
    first = next(repos)  # GSI3 projects description; updated_at comes from the key
    assert (first.repo_name, first.description, first.updated_at) == ("a", "new", later)
    assert [r.repo_name for r in repos] == ["b"]


def test_sparse_index_keys_are_written_and_removed_together(
    gh: Any, db: Any, gh_tables: GitHubTables, uid: str
) -> None:
    db.repo.create(gh.Repo(owner=uid, repo_name="r"))
    stored = raw(gh_tables, f"REPO#{uid}#r", "REPO")
    assert "GSI2PK" not in stored and "GSI2SK" not in stored
    db.repo.update(owner=uid, repo_name="r", upstream_owner="up" + uid)
    stored = raw(gh_tables, f"REPO#{uid}#r", "REPO")
    assert stored["GSI2PK"] == {"S": f"REPO#up{uid}#r"}
    assert stored["GSI2SK"] == {"S": f"FORK#{uid}"}
    forks = db.repo.forks(owner="up" + uid, repo_name="r").all()
    assert [(f.owner, f.upstream_owner) for f in forks] == [(uid, "up" + uid)]
    db.repo.update(owner=uid, repo_name="r", upstream_owner=None)
    stored = raw(gh_tables, f"REPO#{uid}#r", "REPO")
    assert "GSI2PK" not in stored and "GSI2SK" not in stored
    assert db.repo.forks(owner="up" + uid, repo_name="r").first() is None


@pytest.mark.parametrize("react", ["heart", "react"])
def test_nested_set_into_a_defaulted_map_missing_from_the_item(
    gh: Any, db: Any, gh_tables: GitHubTables, uid: str, react: str
) -> None:
    """A fixed map key (``heart``) and one from a parameter (``react``, kind=heart)."""
    db.issue.create(gh.Issue(owner=uid, repo_name="r", number=1, title="t", author=uid))
    # An item written by other code, or before `reaction_counts` existed.
    gh_tables.client.update_item(
        TableName=gh_tables.name,
        Key={"PK": {"S": f"REPO#{uid}#r"}, "SK": {"S": "ISSUE#00000001"}},
        UpdateExpression="REMOVE reaction_counts",
    )
    assert db.issue.get(owner=uid, repo_name="r", number=1).reaction_counts == {}
    args = {"zero": 0, "one": 1} if react == "heart" else {"kind": "heart"}
    with RequestLog(gh_tables.client) as first:
        once = getattr(db.issue, react)(owner=uid, repo_name="r", number=1, **args)
    assert once.reaction_counts == {"heart": 1}
    with RequestLog(gh_tables.client) as second:
        twice = getattr(db.issue, react)(owner=uid, repo_name="r", number=1, **args)
    assert twice.reaction_counts == {"heart": 2}
    # Refused, the default stored, sent again; an item holding the map pays nothing.
    assert first.operations == ["UpdateItem"] * 3
    assert second.operations == ["UpdateItem"]


def test_nested_assignment_into_a_defaulted_map_missing_from_the_item(
    gh: Any, db: Any, gh_tables: GitHubTables, uid: str
) -> None:
    """The sibling case of issue #17: ``SET labels.{name} = :colour``."""
    db.issue.create(gh.Issue(owner=uid, repo_name="r", number=1, title="t", author=uid))
    gh_tables.client.update_item(
        TableName=gh_tables.name,
        Key={"PK": {"S": f"REPO#{uid}#r"}, "SK": {"S": "ISSUE#00000001"}},
        UpdateExpression="REMOVE labels",
    )
    issue = db.issue.label(owner=uid, repo_name="r", number=1, name="bug", colour="red")
    assert issue.labels == {"bug": "red"}
    issue = db.issue.label(owner=uid, repo_name="r", number=1, name="ui", colour="blue")
    assert issue.labels == {"bug": "red", "ui": "blue"}


def test_generated_package_passes_mypy_strict(gh_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "github"],
        cwd=gh_dir.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
