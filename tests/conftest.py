"""Shared pytest configuration. Real-server fixtures live in tests/backends.py."""

pytest_plugins = ["tests.backends"]
