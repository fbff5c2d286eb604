"""Generated entities and codecs, proven by running generated code.

The package under test is built from ``tests/codecs/schema.yaml`` (every
attribute type of SPEC §3) by the session fixture in ``conftest.py``.
"""
