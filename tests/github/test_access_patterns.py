"""Every access pattern of the GitHub-like model (``tests/github/schema.yaml``), on each
backend: accounts, repos and forks, issues and pull requests, stars, reactions and
counters (``touch: false``), and the contribution graph (``upsert: true``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.github.conftest import GitHubTables, raw
from tests.repository._support import FakeClock


def test_account_is_created_once(gh: Any, db: Any, uid: str) -> None:
    account = db.account.create(gh.Account(name=uid, email=f"{uid}@example.com"))
    assert db.account.get(name=uid) == account
    with pytest.raises(gh.AlreadyExistsError) as caught:
        db.account.create(gh.Account(name=uid, email="other@example.com"))
    error = caught.value
    assert error.entity == "Account"
    assert error.key == db.account.key(name=uid)
    assert error.item == account
    assert "Account" in str(error) and repr(uid) in str(error)


def test_repos_of_an_account_most_recently_updated_first(
    gh: Any, db: Any, clock: FakeClock, uid: str
) -> None:
    for name in ("a", "b", "c"):
        db.repo.create(gh.Repo(owner=uid, repo_name=name))
        clock.advance()
    db.repo.describe(owner=uid, repo_name="a", description="first")
    page = db.repo.of_account(owner=uid).page(limit=2)
    assert [r.repo_name for r in page.items] == ["a", "c"]
    assert page.items[0].description == "first"
    rest = db.repo.of_account(owner=uid).page(limit=2, cursor=page.cursor)
    assert [r.repo_name for r in rest.items] == ["b"]
    assert db.repo.of_account(owner=uid).count() == 3


def test_forks_of_a_repo(gh: Any, db: Any, uid: str) -> None:
    db.repo.create(gh.Repo(owner=uid, repo_name="lib"))
    for forker in ("f1" + uid, "f2" + uid):
        db.repo.create(gh.Repo(owner=forker, repo_name="lib", upstream_owner=uid))
    db.repo.create(gh.Repo(owner="x" + uid, repo_name="lib"))  # not a fork
    forks = db.repo.forks(owner=uid, repo_name="lib").all()
    assert sorted(f.owner for f in forks) == ["f1" + uid, "f2" + uid]


def test_star_counts_without_touching_the_repo(
    gh: Any, db: Any, gh_tables: GitHubTables, clock: FakeClock, uid: str
) -> None:
    repo = db.repo.create(gh.Repo(owner=uid, repo_name="r"))
    before = raw(gh_tables, f"REPO#{uid}#r", "REPO")
    clock.advance()
    for username in ("s1", "s2"):
        db.star.create(gh.Star(owner=uid, repo_name="r", username=username + uid))
        starred = db.repo.star(owner=uid, repo_name="r")
    assert starred.star_count == 2
    assert starred.updated_at == repo.updated_at  # touch: false
    after = raw(gh_tables, f"REPO#{uid}#r", "REPO")
    assert after["GSI3SK"] == before["GSI3SK"]
    stargazers = db.star.stargazers(owner=uid, repo_name="r").all()
    assert sorted(s.username for s in stargazers) == ["s1" + uid, "s2" + uid]
    starred_by = db.star.starred_by(username="s1" + uid).all()
    assert [(s.owner, s.repo_name) for s in starred_by] == [(uid, "r")]


def test_touch_false_offers_no_expected_version(gh: Any, db: Any) -> None:
    import inspect

    star = inspect.signature(db.repo.star).parameters
    record = inspect.signature(db.contribution.record).parameters
    assert "expected_version" not in star
    assert "expected_version" in record


def test_issues_and_pull_requests_of_a_repo(gh: Any, db: Any, uid: str) -> None:
    db.repo.create(gh.Repo(owner=uid, repo_name="r"))
    for title in ("bug", "feature", "docs"):
        number = db.repo.next_number(owner=uid, repo_name="r").issue_count
        db.issue.create(
            gh.Issue(owner=uid, repo_name="r", number=number, title=title, author=uid)
        )
    number = db.repo.next_number(owner=uid, repo_name="r").issue_count
    db.pull_request.create(
        gh.PullRequest(owner=uid, repo_name="r", number=number, title="fix", author=uid)
    )
    issues = db.issue.of_repo(owner=uid, repo_name="r").all()
    assert [(i.number, i.title) for i in issues] == [
        (3, "docs"),
        (2, "feature"),
        (1, "bug"),
    ]
    prs = db.pull_request.of_repo(owner=uid, repo_name="r").all()
    assert [(p.number, p.title) for p in prs] == [(4, "fix")]
    db.pull_request.create(
        gh.PullRequest(owner=uid, repo_name="r", number=5, title="wip", author=uid)
    )
    merged = db.pull_request.merge(owner=uid, repo_name="r", number=4)
    assert merged.merged is True
    with pytest.raises(gh.ConditionFailedError):
        db.pull_request.merge(owner=uid, repo_name="r", number=4)
    still_open = db.pull_request.open_of_repo(owner=uid, repo_name="r").all()
    assert [p.number for p in still_open] == [5]


def test_closing_an_issue_moves_it_between_status_lists(
    gh: Any, db: Any, uid: str
) -> None:
    for number in (1, 2):
        db.issue.create(
            gh.Issue(owner=uid, repo_name="r", number=number, title="t", author=uid)
        )
    closed = db.issue.close(owner=uid, repo_name="r", number=1)  # literals only
    assert closed.status == gh.IssueStatus.CLOSED
    open_ = db.issue.with_status(owner=uid, repo_name="r", status=gh.IssueStatus.OPEN)
    done = db.issue.with_status(owner=uid, repo_name="r", status=gh.IssueStatus.CLOSED)
    assert [i.number for i in open_.all()] == [2]
    assert [i.number for i in done.all()] == [1]
    assert [i.number for i in db.issue.open_issues(owner=uid, repo_name="r").all()] == [
        2
    ]


def test_closing_a_closed_issue_names_entity_and_key(
    gh: Any, db: Any, uid: str
) -> None:
    db.issue.create(gh.Issue(owner=uid, repo_name="r", number=7, title="t", author=uid))
    closed = db.issue.close(owner=uid, repo_name="r", number=7)
    with pytest.raises(gh.ConditionFailedError) as caught:
        db.issue.close(owner=uid, repo_name="r", number=7)  # condition: status = 'open'
    error = caught.value
    assert type(error) is gh.ConditionFailedError
    assert error.entity == "Issue"
    assert error.key == db.issue.key(owner=uid, repo_name="r", number=7)
    assert error.item == closed
    assert str(error) == f"the condition of the write failed: Issue {error.key!r}"


def test_reactions_count_per_kind(gh: Any, db: Any, uid: str) -> None:
    db.issue.create(gh.Issue(owner=uid, repo_name="r", number=1, title="t", author=uid))
    for _ in range(3):
        issue = db.issue.heart(owner=uid, repo_name="r", number=1, zero=0, one=1)
    for kind in ("rocket", "+1", "rocket", "a.b"):
        issue = db.issue.react(owner=uid, repo_name="r", number=1, kind=kind)
    assert issue.reaction_counts == {"heart": 3, "rocket": 2, "+1": 1, "a.b": 1}
    assert issue.updated_at == issue.created_at  # react: touch: false


def test_a_map_key_is_checked_before_any_request(gh: Any, uid: str) -> None:
    from tests.repository._support import closed_client

    offline = gh.Database(closed_client())
    with pytest.raises(ValueError, match="map key cannot be empty"):
        offline.issue.react(owner=uid, repo_name="r", number=1, kind="")
    with pytest.raises(TypeError, match="map key"):
        offline.issue.react(owner=uid, repo_name="r", number=1, kind=3)


def test_a_missing_repo_is_not_found(gh: Any, db: Any, uid: str) -> None:
    with pytest.raises(gh.NotFoundError):
        db.repo.star(owner=uid, repo_name="missing")
    with pytest.raises(gh.NotFoundError):
        db.issue.react(owner=uid, repo_name="r", number=99, kind="eyes")


def test_contribution_graph_is_counted_by_upsert(
    gh: Any, db: Any, clock: FakeClock, uid: str
) -> None:
    first = db.contribution.record(username=uid, day=date(2024, 5, 1), commits=2)
    assert (first.commits, first.version, first.created_at) == (2, 1, clock.now)
    created = clock.now
    clock.advance()
    again = db.contribution.record(username=uid, day=date(2024, 5, 1), commits=3)
    assert (again.commits, again.version) == (5, 2)
    assert again.created_at == created and again.updated_at == clock.now
    db.contribution.record(username=uid, day=date(2024, 5, 3), commits=1)
    db.contribution.record(username=uid, day=date(2024, 6, 1), commits=1)
    graph = db.contribution.graph(
        username=uid, start=date(2024, 5, 1), end=date(2024, 5, 31)
    ).all()
    assert [(c.day.day, c.commits) for c in graph] == [(1, 5), (3, 1)]
    with pytest.raises(gh.VersionConflictError) as caught:
        db.contribution.record(
            username=uid, day=date(2024, 5, 1), commits=1, expected_version=1
        )
    assert caught.value.entity == "Contribution"
    assert caught.value.key == db.contribution.key(username=uid, day=date(2024, 5, 1))
    assert "Contribution" in str(caught.value)
