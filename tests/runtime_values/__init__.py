"""The run-time's value functions are right, as functions: Python values to DynamoDB's
wire form and back, with no schema and (but for one limit check) no server.

Scalar, set and JSON codecs (``test_codecs``), the order-preserving escape of key text
(``test_key_escape``) and how a query settles key values DynamoDB would refuse
(``test_key_range``), the 400 KB item-size measure (``test_item_size``, whose limit is also
checked against each server) and page cursors: opaque, URL-safe and bound to their query
(``test_cursor``). Mostly Hypothesis properties. Codecs as generated code uses them, on a
real table, are proven in ``tests/codecs/``; the transport in ``tests/transport/``.
"""
