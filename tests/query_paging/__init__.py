"""The run-time paging loop is right on a server: ``Query`` and ``Page`` of ``_runtime``
driven by hand-written wire requests, with no schema and no generated code.

``page``/``all``/``first``/``count``, limits under a selective filter, cursors that resume
exactly where a page ended (``test_query``), responses cut at DynamoDB's 1 MB cap, scans
and ``Query.parallel`` segments (``test_scan``), on moto and dynalite. Whether the
requests that generated query methods build select the right items is proven in
``tests/declared_queries/``.
"""
