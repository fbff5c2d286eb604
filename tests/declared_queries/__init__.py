"""Declared queries select exactly the right items: the key conditions, filters and
scans that dynagen compiles from ``queries:`` entries, run on both servers.

``schema.yaml`` declares every key-condition shape of SPEC §3 on the table key, a local
index and global indexes (``keys_only``, ``include``, sparse, inverted); ``_model.py``
computes in Python what each query must return over awkward data (padded ints at their
ends, times a microsecond apart, strings around the separator). The tests call the
*generated* methods and compare with that selection: bounds at and next to stored values
(``test_shapes``), random ones (``test_properties``), edge values that must select nothing
or raise before any request (``test_edges``), paging of generated queries
(``test_paging``), scans (``test_scans``, ``test_shared_index_scans``) and the located
build errors of bad ``queries:`` entries (``test_build_errors``). The run-time paging loop
itself, without any schema, is proven in ``tests/query_paging/``.
"""
