"""Helpers of the stream tests: reading a table's stream on a server, and turning boto3's
records into the JSON a Lambda function receives."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3

from tests.backends import DUMMY_CREDENTIALS, Backend

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def read_stream(
    backend: Backend, client: DynamoDBClient, table: str
) -> list[dict[str, Any]]:
    """Every record of ``table``'s stream so far, through ``dynamodbstreams``
    (``describe_stream``, ``get_shard_iterator`` from the trim horizon, ``get_records``)."""
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    key_id, secret = DUMMY_CREDENTIALS
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=backend.endpoint_url,
        region_name=backend.region,
        aws_access_key_id=key_id if backend.dummy_credentials else None,
        aws_secret_access_key=secret if backend.dummy_credentials else None,
    )
    records: list[dict[str, Any]] = []
    try:
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        for shard in shards:
            iterator: str | None = streams.get_shard_iterator(
                StreamArn=arn,
                ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
            while iterator is not None:
                response = streams.get_records(ShardIterator=iterator)
                if not response["Records"]:
                    break
                records.extend(dict(r) for r in response["Records"])
                iterator = response.get("NextShardIterator")
    finally:
        streams.close()
    return records


def _json_default(value: object) -> object:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"not JSON: {value!r}")


def lambda_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A boto3 ``get_records`` record as Lambda delivers it: JSON (a round trip through
    text), the creation time in whole epoch seconds, binary values as base64 text."""
    shaped = copy.deepcopy(dict(record))
    created = shaped["dynamodb"]["ApproximateCreationDateTime"]
    assert isinstance(created, datetime)
    shaped["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped["eventSourceARN"] = (
        "arn:aws:dynamodb:us-east-1:123456789012:table/x/stream/y"
    )
    loaded: dict[str, Any] = json.loads(json.dumps(shaped, default=_json_default))
    return loaded
