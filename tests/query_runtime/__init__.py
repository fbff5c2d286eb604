"""Tests of ``Page`` and ``Query`` in ``_runtime.py`` against every test backend."""
