"""Shared pytest configuration. Real-server fixtures live in tests/backends.py.

Hypothesis explores new examples on every local run; CI (``HYPOTHESIS_PROFILE=ci``, set
by ``.ci/run``) replays a fixed sequence, so that main stays green on the examples it has
passed and a failure found locally is reproduced with its printed blob.
"""

import os

import pytest
from hypothesis import settings

pytest_plugins = ["tests.backends"]

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", params=("fast", "botocore"))
def transport_kind(request: pytest.FixtureRequest) -> str:
    """The ``Database(transport=...)`` a test runs with: a test using this fixture
    (or the repository tests' ``db``, the query suites' seeded tables) runs under
    both transports. Session-scoped, so module fixtures may use it too."""
    value: str = request.param
    return value
