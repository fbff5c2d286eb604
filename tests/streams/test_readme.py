"""The README's stream examples run as written: the Lambda handler on events of the
example package, and the local loop against the moto server of the test session."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest

from tests.backends import Backend
from tests.generated_package import imported_package

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "generated_example" / "shop"


def readme_block(first_line: str) -> str:
    """The README's Python code block that starts with ``first_line``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    found = [b for b in blocks if b.startswith(first_line)]
    assert len(found) == 1, f"the README has no single block starting {first_line!r}"
    return found[0]


def lambda_record(
    name: str, item: dict[str, Any], sequence: str, *, images: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ApproximateCreationDateTime": 1714564800,
        "Keys": {"pk": item["pk"], "sk": item["sk"]},
        "SequenceNumber": sequence,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if images and name != "REMOVE":
        body["NewImage"] = item
    if images and name != "INSERT":
        body["OldImage"] = item
    return {"eventName": name, "eventSource": "aws:dynamodb", "dynamodb": body}


def test_readme_lambda_handler(capsys: pytest.CaptureFixture[str]) -> None:
    with imported_package(EXAMPLE) as shop:
        namespace: dict[str, Any] = {}
        exec(readme_block("# handler.py"), namespace)
        customer = shop.models.encode_customer(
            shop.Customer(customer_id="c1", email="ann@example.com")
        )
        order = shop.models.encode_order(
            shop.Order(
                order_id=UUID(int=7),
                customer_id="c1",
                status=shop.OrderStatus.SHIPPED,
                total=Decimal("3"),
                lines=[],
                created_at=shop._runtime.parse_datetime("2024-05-01T12:00:00Z"),
            )
        )
        corrupt = copy.deepcopy(customer)
        corrupt["points"] = {"S": "many"}
        event = {
            "Records": [
                lambda_record("INSERT", customer, "10"),
                lambda_record("MODIFY", order, "11"),
                lambda_record("MODIFY", corrupt, "12"),
                lambda_record("REMOVE", customer, "13", images=False),
            ]
        }
        response = namespace["handler"](event, None)
    assert response == {"batchItemFailures": [{"itemIdentifier": "12"}]}
    assert capsys.readouterr().out.splitlines() == [
        "welcome ann@example.com",
        "order OrderKey(customer_id='c1', created_at=datetime.datetime(2024, 5, 1, 12, "
        "0, tzinfo=datetime.timezone.utc), order_id=UUID("
        "'00000000-0000-0000-0000-000000000007')) is shipped",
        "removed Customer CustomerKey(customer_id='c1')",
        "skipped cannot decode Customer.points of item with key {'pk': {'S': "
        "'CUSTOMER#c1'}, 'sk': {'S': 'PROFILE'}}: stored with another DynamoDB type "
        "(no 'N')",
    ]


@pytest.mark.needs("streams")
def test_readme_local_stream_loop(
    backend: Backend, table_prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if not backend.dummy_credentials:
        pytest.skip(f"{backend.name}: the example is written for a local server")
    code = readme_block("# follow_stream.py")
    code = code.replace("http://127.0.0.1:5000", backend.endpoint_url)
    code = code.replace('"dev-', f'"{table_prefix}')
    assert backend.endpoint_url in code and table_prefix in code
    namespace: dict[str, Any] = {}
    try:
        with imported_package(EXAMPLE):
            exec(code, namespace)
    finally:
        client: DynamoDBClient | None = namespace.get("client")
        if client is not None:  # the schema protects its tables; the cleanup deletes
            for name in client.list_tables()["TableNames"]:
                if name.startswith(table_prefix):
                    client.update_table(TableName=name, DeletionProtectionEnabled=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["INSERT", "CustomerKey(customer_id='c1')"],
        ["MODIFY", "CustomerKey(customer_id='c1')"],
    ]
    assert lines[0].startswith("INSERT CustomerKey(customer_id='c1') None -> Customer(")
    assert "name=None" in lines[1].split(" -> ")[0]
    assert "name='Ann'" in lines[1].split(" -> ")[1]
