"""Whole calls against the loopback endpoint: GetItem, a conditional create (PutItem
with ``attribute_not_exists(pk)``), PutItem, a conditional UpdateItem of 2 attributes
returning the new item (``attribute_exists(pk)``, ``ReturnValues=ALL_NEW``) and a
100-item Query page.

Every contender does the complete job of its API, from typed values to a typed result:
build the request, serialize, sign, send over keep-alive HTTP to ``benchmarks.loopback``
(which answers at once), parse, and decode into typed objects.  The floor is the raw
boto3 client with a hand-written request dict and hand-written decoding.

Each contender is one ``*_variants(ctx)`` function returning its ``Variant``s (one per
operation), listed in ``CONTENDERS``: adding one (another library, another generated
API) is one function there.  A contender that cannot run raises ``Skip`` with the
reason, which the report prints; a variant that does the job differently carries a
``note``, printed under the table.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key

from benchmarks import orms
from benchmarks.data import make_accounts
from benchmarks.handwritten import boto3_types_codec, low_level_codec
from benchmarks.lean import LeanClient
from benchmarks.loopback import LoopbackServer
from benchmarks.report import format_table, ratio
from benchmarks.timing import Timing, best_of

__all__ = [
    "CONTENDERS",
    "CallContext",
    "CallResult",
    "Skip",
    "Variant",
    "format_calls",
    "loopback",
    "run_calls",
]

GET, CREATE, PUT, UPDATE, QUERY = "get", "create", "put", "update", "query"
OPERATIONS = (GET, CREATE, PUT, UPDATE, QUERY)
#: How the table names each operation (``--profile`` takes the short name).
TITLES = {
    GET: "GetItem",
    CREATE: "PutItem if new",
    PUT: "PutItem",
    UPDATE: "UpdateItem ALL_NEW",
    QUERY: "Query (100 items)",
}
FLOOR = "boto3 client + hand-written request/decoding (floor)"
TABLE = "bench"
PYNAMODB_TABLE = "bench_pynamodb"  # answered with PynamoDB's datetime format
PYDYNOX_TABLE = "bench_pydynox"
REGION = "us-east-1"
ACCESS_KEY, SECRET_KEY = "AKIDBENCHMARK", "benchmark-secret"
PAGE = 100


class Skip(Exception):
    """A contender cannot run here; the message says why."""


@dataclass(frozen=True, slots=True)
class Variant:
    operation: str
    label: str
    call: Callable[[], object]
    note: str | None = None
    """How this variant's job differs from the others' (printed under the table)."""


@dataclass(frozen=True, slots=True)
class CallContext:
    package: ModuleType
    """The generated package of ``benchmarks/bench.yaml``."""
    models: ModuleType
    """The generated ``models`` module of ``benchmarks/bench.yaml``."""
    runtime: ModuleType
    """Its ``_runtime`` module."""
    endpoint_url: str
    account: Any
    """The ``Account`` that GetItem returns, PutItem writes and UpdateItem returns."""
    page: list[Any]
    """The ``Account`` objects a Query page returns."""

    @property
    def pk(self) -> str:
        return "ACCOUNT#" + str(self.account.account_id)

    @property
    def update_values(self) -> tuple[str, str]:
        """The ``name`` and ``email`` every UpdateItem sets: the account's own, so that
        the canned ``Attributes`` (the account) are the item the update makes."""
        return self.account.name, self.account.email


@dataclass(slots=True)
class CallResult:
    calls: dict[str, int]
    repeats: int
    #: (operation, label) -> best time per call
    times: dict[tuple[str, str], Timing] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    #: (operation, label) -> how that variant's job differs
    notes: dict[tuple[str, str], str] = field(default_factory=dict)


def _session() -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def _client(ctx: CallContext) -> Any:
    client = _session().client("dynamodb", endpoint_url=ctx.endpoint_url)
    _check_endpoint(client.meta.endpoint_url, ctx)
    return client


def _check_endpoint(url: str, ctx: CallContext) -> None:
    if url != ctx.endpoint_url:
        raise RuntimeError(f"a client points at {url}, not the loopback endpoint")


def _expect(got: object, want: object, what: str) -> None:
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, expected {want!r}")


#: The hand-written UpdateItem expression (and its names, for the low-level rows) of
#: the floor, the boto3 resource and the dynagen transport/reference rows; PynamoDB,
#: pydynox and the repository build their own.
_UPDATE_EXPRESSION = "SET #name = :name, #email = :email"
_UPDATE_NAMES = {"#pk": "pk", "#name": "name", "#email": "email"}


# -- contenders ---------------------------------------------------------------------


def boto3_client_variants(ctx: CallContext) -> list[Variant]:
    """The floor: raw client, hand-written low-level request and decoding."""
    client = _client(ctx)
    codec = low_level_codec(ctx.models)
    encode, decode = codec.encode, codec.decode
    account, pk = ctx.account, ctx.pk

    def get() -> Any:
        response = client.get_item(
            TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": "PROFILE"}}
        )
        item = response.get("Item")
        return None if item is None else decode(item)

    def create() -> object:
        return client.put_item(
            TableName=TABLE,
            Item=encode(account),
            ConditionExpression="attribute_not_exists(#pk)",
            ExpressionAttributeNames={"#pk": "pk"},
        )

    def put() -> object:
        return client.put_item(TableName=TABLE, Item=encode(account))

    def update() -> Any:
        response = client.update_item(
            TableName=TABLE,
            Key={"pk": {"S": pk}, "sk": {"S": "PROFILE"}},
            UpdateExpression=_UPDATE_EXPRESSION,
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames=_UPDATE_NAMES,
            ExpressionAttributeValues={":name": {"S": name}, ":email": {"S": email}},
            ReturnValues="ALL_NEW",
        )
        return decode(response["Attributes"])

    def query() -> list[Any]:
        response = client.query(
            TableName=TABLE,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": "pk"},
            ExpressionAttributeValues={":pk": {"S": pk}},
            Limit=PAGE,
        )
        return [decode(item) for item in response["Items"]]

    name, email = ctx.update_values
    _expect(get(), account, "boto3 client GetItem")
    _expect(update(), account, "boto3 client UpdateItem")
    _expect(query(), ctx.page, "boto3 client Query")
    return [
        Variant(GET, FLOOR, get),
        Variant(CREATE, FLOOR, create),
        Variant(PUT, FLOOR, put),
        Variant(UPDATE, FLOOR, update),
        Variant(QUERY, FLOOR, query),
    ]


def boto3_resource_variants(ctx: CallContext) -> list[Variant]:
    """boto3's resource layer (``Table``), converting to and from the typed object."""
    table = _session().resource("dynamodb", endpoint_url=ctx.endpoint_url).Table(TABLE)
    _check_endpoint(table.meta.client.meta.endpoint_url, ctx)
    codec = boto3_types_codec(ctx.models)
    to_python, from_python = codec.to_python, codec.from_python
    account, pk = ctx.account, ctx.pk
    label = "boto3 resource Table + typed conversion"

    def get() -> Any:
        item = table.get_item(Key={"pk": pk, "sk": "PROFILE"}).get("Item")
        return None if item is None else from_python(item)

    def create() -> object:
        return table.put_item(
            Item=to_python(account), ConditionExpression=Attr("pk").not_exists()
        )

    def put() -> object:
        return table.put_item(Item=to_python(account))

    def update() -> Any:
        response = table.update_item(
            Key={"pk": pk, "sk": "PROFILE"},
            UpdateExpression=_UPDATE_EXPRESSION,
            ConditionExpression=Attr("pk").exists(),
            ExpressionAttributeNames={"#name": "name", "#email": "email"},
            ExpressionAttributeValues={":name": name, ":email": email},
            ReturnValues="ALL_NEW",
        )
        return from_python(response["Attributes"])

    def query() -> list[Any]:
        response = table.query(KeyConditionExpression=Key("pk").eq(pk), Limit=PAGE)
        return [from_python(item) for item in response["Items"]]

    name, email = ctx.update_values
    _expect(get(), account, "boto3 resource GetItem")
    _expect(update(), account, "boto3 resource UpdateItem")
    _expect(query(), ctx.page, "boto3 resource Query")
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(UPDATE, label, update),
        Variant(QUERY, label, query),
    ]


def pynamodb_variants(ctx: CallContext) -> list[Variant]:
    """PynamoDB 6: ``Model.get``, ``save(condition=...)``, ``save``,
    ``Model(key).update(actions=..., condition=...)`` (always ``ALL_NEW``: the instance
    is refreshed from the returned attributes), ``query``."""
    model = orms.make_pynamodb_model(
        ctx.models.Tier, table=PYNAMODB_TABLE, endpoint_url=ctx.endpoint_url
    )
    instance = orms.to_pynamodb(model, ctx.account)
    pk = ctx.pk
    name, email = ctx.update_values
    not_exists, exists = model.pk.does_not_exist(), model.pk.exists()
    name_attribute, email_attribute = model.name, model.email
    label = "PynamoDB 6 Model"

    def get() -> Any:
        return model.get(pk, "PROFILE")

    def create() -> object:
        return instance.save(condition=not_exists)

    def put() -> object:
        return instance.save()

    def update() -> Any:
        item = model(pk, "PROFILE")
        item.update(
            actions=[name_attribute.set(name), email_attribute.set(email)],
            condition=exists,
        )
        return item

    def query() -> list[Any]:
        return list(model.query(pk, limit=PAGE))

    want = orms.account_fields(ctx.account)
    _expect(orms.pynamodb_fields(get()), want, label)
    _check_endpoint(model._get_connection().connection.client.meta.endpoint_url, ctx)
    _expect(orms.pynamodb_fields(update()), want, label + " update")
    _expect(len(query()), PAGE, "PynamoDB Query")
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(UPDATE, label, update),
        Variant(QUERY, label, query),
    ]


def pydynox_variants(ctx: CallContext) -> list[Variant]:
    """pydynox (Rust core): ``sync_get``, ``sync_save(condition=...)``, ``sync_save``,
    ``sync_update(..., condition=...)``, ``sync_query``.

    pydynox has no update that returns the new item as a model: ``Model.sync_update``
    sends no ``ReturnValues`` (the instance keeps the values it set locally), and its
    client's ``sync_update_item(return_values="ALL_NEW")`` returns a plain dict whose
    non-integer numbers are floats (the Decimal number schema applies to reads only), so
    ``Model.from_dict`` refuses the ``balance``.  Its update row is ``sync_update`` on a
    loaded instance, with a note; the loopback answers it as DynamoDB would, without
    ``Attributes``.
    """
    try:
        model = orms.make_pydynox_model(
            ctx.models.Tier, table=PYDYNOX_TABLE, endpoint_url=ctx.endpoint_url
        )
    except ImportError as error:
        raise Skip(f"pydynox is not importable: {error}") from None
    instance = orms.to_pydynox(model, ctx.account)
    loaded = orms.to_pydynox(model, ctx.account)  # the instance sync_update changes
    pk = ctx.pk
    name, email = ctx.update_values
    not_exists, exists = model.pk.not_exists(), model.pk.exists()
    label = "pydynox Model (Rust core)"

    def get() -> Any:
        return model.sync_get(pk=pk, sk="PROFILE")

    def create() -> object:
        instance.sync_save(condition=not_exists, full_replace=True)
        return None

    def put() -> object:
        instance.sync_save(full_replace=True)
        return None

    def update() -> Any:
        loaded.sync_update(name=name, email=email, condition=exists)
        return loaded

    def query() -> list[Any]:
        return list(model.sync_query(partition_key=pk, limit=PAGE, page_size=PAGE))

    try:
        got = get()
        create()
        put()
        updated = update()
        page = query()
    except Exception as error:  # report the reason, keep the other contenders
        raise Skip(f"pydynox failed against the loopback: {error!r}") from error
    want = orms.account_fields(ctx.account)
    _expect(orms.pydynox_fields(got), want, label)
    _expect(orms.pydynox_fields(updated), want, label + " update")
    _expect(len(page), PAGE, "pydynox Query")
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(
            UPDATE,
            label + ", no ALL_NEW",
            update,
            note=(
                "Model.sync_update sends no ReturnValues and decodes nothing: the "
                "instance keeps its local values (pydynox's ALL_NEW, on its client, "
                "returns floats that Model.from_dict refuses for a Decimal)"
            ),
        ),
        Variant(QUERY, label, query),
    ]


def _dynagen_transport_variants(ctx: CallContext, kind: str) -> list[Variant]:
    """``Transport.call`` of the ``kind`` transport + the generated codec, with the
    same hand-made requests as the floor."""
    transport = ctx.runtime.Transport.from_client(_client(ctx), kind)
    call = transport.call
    encode, decode = ctx.models.encode_account, ctx.models.decode_account
    key_item = ctx.models.account_key_item
    account = ctx.account
    account_id = account.account_id
    label = f"dynagen {kind} transport+codec"

    def get() -> Any:
        body = call(
            "GetItem", {"TableName": TABLE, "Key": key_item(account_id=account_id)}
        )
        item = body.get("Item")
        return None if item is None else decode(item)

    def create() -> object:
        return call("PutItem", _create_request(encode(account)))

    def put() -> object:
        return call("PutItem", {"TableName": TABLE, "Item": encode(account)})

    def update() -> Any:
        body = call(
            "UpdateItem", _update_request(key_item(account_id=account_id), name, email)
        )
        return decode(body["Attributes"])

    def query() -> list[Any]:
        body = call(
            "Query",
            {
                "TableName": TABLE,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ExpressionAttributeValues": {
                    ":pk": key_item(account_id=account_id)["pk"]
                },
                "Limit": PAGE,
            },
        )
        return [decode(item) for item in body["Items"]]

    name, email = ctx.update_values
    _expect(get(), account, label + " GetItem")
    _expect(update(), account, label + " UpdateItem")
    _expect(query(), ctx.page, label + " Query")
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(UPDATE, label, update),
        Variant(QUERY, label, query),
    ]


def _create_request(item: dict[str, Any]) -> dict[str, Any]:
    """The wire PutItem request of a create, written by hand."""
    return {
        "TableName": TABLE,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(#pk)",
        "ExpressionAttributeNames": {"#pk": "pk"},
    }


def _update_request(key: dict[str, Any], name: str, email: str) -> dict[str, Any]:
    """The wire UpdateItem request of the update, written by hand."""
    return {
        "TableName": TABLE,
        "Key": key,
        "UpdateExpression": _UPDATE_EXPRESSION,
        "ConditionExpression": "attribute_exists(#pk)",
        "ExpressionAttributeNames": _UPDATE_NAMES,
        "ExpressionAttributeValues": {":name": {"S": name}, ":email": {"S": email}},
        "ReturnValues": "ALL_NEW",
    }


def dynagen_fast_transport_variants(ctx: CallContext) -> list[Variant]:
    return _dynagen_transport_variants(ctx, "fast")


def dynagen_botocore_transport_variants(ctx: CallContext) -> list[Variant]:
    return _dynagen_transport_variants(ctx, "botocore")


def _dynagen_repository_variants(ctx: CallContext, kind: str) -> list[Variant]:
    """The generated repository: ``db.account.get(...)``, ``create(obj)``, ``put(obj)``,
    ``update(account_id=..., name=..., email=...)`` and the query declared in
    ``benchmarks/bench.yaml``, ``for_account(account_id=...).page(limit=100)``.

    ``create`` and ``put`` return the stored object (decoded from what they wrote), and
    ``create``/``update`` also send ``ReturnValuesOnConditionCheckFailure=ALL_OLD``.
    While the generator does not emit a ``Database`` (or it fails here), the contender
    is skipped with the reason.
    """
    database = getattr(ctx.package, "Database", None)
    if database is None:
        raise Skip("the generated package has no Database (no repositories yet)")
    account = ctx.account
    account_id = account.account_id
    name, email = ctx.update_values
    label = f"dynagen repository, {kind} transport"
    try:
        db = database(_client(ctx), table_names={"Bench": TABLE}, transport=kind)
        repository = db.account
        get_item, create_item, put_item = (
            repository.get,
            repository.create,
            repository.put,
        )
        update_item, for_account = repository.update, repository.for_account

        def get() -> Any:
            return get_item(account_id=account_id)

        def create() -> Any:
            return create_item(account)

        def put() -> Any:
            return put_item(account)

        def update() -> Any:
            return update_item(account_id=account_id, name=name, email=email)

        def query() -> list[Any]:
            items: list[Any] = for_account(account_id=account_id).page(PAGE).items
            return items

        _expect(get(), account, label + " get")
        _expect(create(), account, label + " create")
        _expect(put(), account, label + " put")
        _expect(update(), account, label + " update")
        _expect(query(), ctx.page, label + " for_account page")
    except Exception as error:  # the repositories are still being written
        raise Skip(f"the generated repository failed: {error!r}") from error
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(UPDATE, label, update),
        Variant(QUERY, label, query),
    ]


def dynagen_fast_repository_variants(ctx: CallContext) -> list[Variant]:
    return _dynagen_repository_variants(ctx, "fast")


def dynagen_botocore_repository_variants(ctx: CallContext) -> list[Variant]:
    return _dynagen_repository_variants(ctx, "botocore")


def lean_reference_variants(ctx: CallContext) -> list[Variant]:
    """Reference, not a product: the generated codec over ``benchmarks.lean`` (SigV4
    by hand over one ``http.client`` connection, no retries): the room left above
    ``Transport``."""
    client = LeanClient(ctx.endpoint_url, ACCESS_KEY, SECRET_KEY, REGION)
    call = client.call
    encode, decode = ctx.models.encode_account, ctx.models.decode_account
    key_item = ctx.models.account_key_item
    account = ctx.account
    account_id = account.account_id
    label = "reference: generated codec + minimal SigV4/http.client"

    def get() -> Any:
        body = call(
            "GetItem", {"TableName": TABLE, "Key": key_item(account_id=account_id)}
        )
        item = body.get("Item")
        return None if item is None else decode(item)

    def create() -> object:
        return call("PutItem", _create_request(encode(account)))

    def put() -> object:
        return call("PutItem", {"TableName": TABLE, "Item": encode(account)})

    def update() -> Any:
        body = call(
            "UpdateItem", _update_request(key_item(account_id=account_id), name, email)
        )
        return decode(body["Attributes"])

    def query() -> list[Any]:
        body = call(
            "Query",
            {
                "TableName": TABLE,
                "KeyConditionExpression": "#pk = :pk",
                "ExpressionAttributeNames": {"#pk": "pk"},
                "ExpressionAttributeValues": {
                    ":pk": key_item(account_id=account_id)["pk"]
                },
                "Limit": PAGE,
            },
        )
        return [decode(item) for item in body["Items"]]

    name, email = ctx.update_values
    _expect(get(), account, label + " GetItem")
    _expect(update(), account, label + " UpdateItem")
    _expect(query(), ctx.page, label + " Query")
    return [
        Variant(GET, label, get),
        Variant(CREATE, label, create),
        Variant(PUT, label, put),
        Variant(UPDATE, label, update),
        Variant(QUERY, label, query),
    ]


#: Every contender, floor first; each is one function returning its variants.
CONTENDERS: tuple[Callable[[CallContext], list[Variant]], ...] = (
    boto3_client_variants,
    boto3_resource_variants,
    pynamodb_variants,
    pydynox_variants,
    dynagen_botocore_transport_variants,
    dynagen_fast_transport_variants,
    dynagen_botocore_repository_variants,
    dynagen_fast_repository_variants,
    lean_reference_variants,
)


# -- running ------------------------------------------------------------------------


def _responses(models: ModuleType, account: Any, page: list[Any]) -> dict[Any, Any]:
    """Canned bodies: dynagen's wire form for every table but PynamoDB's, which gets
    PynamoDB's own (its ``UTCDateTimeAttribute`` reads only ``...+0000`` texts).

    PutItem gets ``{}``, UpdateItem the new item as ``Attributes`` (every contender but
    pydynox sends ``ReturnValues=ALL_NEW``; pydynox's table gets ``{}``, as DynamoDB
    answers an update without ``ReturnValues``), Query a page of ``PAGE`` items for any
    key condition (the floor's ``#pk = :pk`` as well as the declared ``for_account``).
    """
    encode = models.encode_account
    pynamo = orms.make_pynamodb_model(
        models.Tier, table=PYNAMODB_TABLE, endpoint_url="http://127.0.0.1:9"
    )

    def pynamo_item(a: Any) -> dict[str, Any]:
        item: dict[str, Any] = orms.to_pynamodb(pynamo, a).to_dynamodb_dict()
        return item

    def query_body(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}

    ours = encode(account)
    theirs = pynamo_item(account)
    return {
        ("GetItem", None): {"Item": ours},
        ("GetItem", PYNAMODB_TABLE): {"Item": theirs},
        ("PutItem", None): {},
        ("UpdateItem", None): {"Attributes": ours},
        ("UpdateItem", PYNAMODB_TABLE): {"Attributes": theirs},
        ("UpdateItem", PYDYNOX_TABLE): {},
        ("Query", None): query_body([encode(a) for a in page]),
        ("Query", PYNAMODB_TABLE): query_body([pynamo_item(a) for a in page]),
    }


@contextmanager
def loopback(package: ModuleType) -> Iterator[CallContext]:
    """Start the loopback endpoint with canned answers for the ``Account`` of
    ``package`` (the generated package of ``benchmarks/bench.yaml``)."""
    models = importlib.import_module(package.__name__ + ".models")
    runtime = importlib.import_module(package.__name__ + "._runtime")
    accounts = make_accounts(models, PAGE, seed=7)
    account = accounts[0]
    with LoopbackServer(_responses(models, account, accounts)) as server:
        # Anything that reads the environment goes to the loopback too, never AWS.
        saved = {k: os.environ.get(k) for k in _ENVIRONMENT}
        os.environ.update(_ENVIRONMENT)
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = server.endpoint_url
        try:
            yield CallContext(
                package, models, runtime, server.endpoint_url, account, accounts
            )
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            os.environ.pop("AWS_ENDPOINT_URL_DYNAMODB", None)


_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def _repeat(call: Callable[[], object], count: int) -> Callable[[], None]:
    def batch() -> None:
        for _ in range(count):
            call()

    return batch


def collect_variants(
    ctx: CallContext,
    contenders: Sequence[Callable[[CallContext], list[Variant]]] = CONTENDERS,
) -> tuple[list[Variant], dict[str, str]]:
    """Every contender's variants (checked once each), and the skipped ones' reasons."""
    variants: list[Variant] = []
    skipped: dict[str, str] = {}
    for contender in contenders:
        try:
            variants.extend(contender(ctx))
        except Skip as reason:
            skipped[contender.__name__.removesuffix("_variants")] = str(reason)
    return variants, skipped


def run_calls(ctx: CallContext, *, calls: dict[str, int], repeats: int) -> CallResult:
    """Time every variant: ``calls[operation]`` calls a batch, best of ``repeats``."""
    variants, skipped = collect_variants(ctx)
    result = CallResult(calls=calls, repeats=repeats, skipped=skipped)
    for variant in variants:  # warm-up: connections, caches, lazy imports
        _repeat(variant.call, calls[variant.operation])()
    batches = [_repeat(v.call, calls[v.operation]) for v in variants]
    for variant, timing in zip(variants, best_of(batches, repeats), strict=True):
        result.times[variant.operation, variant.label] = timing.per(
            calls[variant.operation]
        )
        if variant.note:
            result.notes[variant.operation, variant.label] = variant.note
    return result


def format_calls(result: CallResult) -> str:
    """The table: µs per call (wall and client CPU) and the ratio to the floor."""
    rows: list[list[str]] = []
    for operation in OPERATIONS:
        floor = result.times.get((operation, FLOOR))
        for (op, label), timing in result.times.items():
            if op != operation:
                continue
            rows.append(
                [
                    f"{TITLES[operation]:<{_TITLE_WIDTH}}  {label}",
                    f"{timing.wall * 1e6:.1f}",
                    f"{timing.cpu * 1e6:.1f}",
                    ratio(timing.wall, floor.wall) if floor else "-",
                    ratio(timing.cpu, floor.cpu) if floor else "-",
                ]
            )
    counts = ", ".join(f"{TITLES[op]} {n}" for op, n in result.calls.items())
    lines = [
        f"calls: loopback endpoint (another process); calls per batch: {counts}; "
        f"best batch of {result.repeats}",
        "  wall = perf_counter, includes the server's turn and scheduling waits; "
        "cpu = this process's CPU time (client cost only)",
        "",
        format_table(
            [
                f"{'operation':<{_TITLE_WIDTH}}  implementation",
                "µs/call",
                "cpu µs",
                "vs floor",
                "(cpu)",
            ],
            rows,
        ),
    ]
    for (operation, label), note in result.notes.items():
        lines.append(f"note {TITLES[operation]} / {label}: {note}")
    for name, reason in result.skipped.items():
        lines.append(f"skipped {name}: {reason}")
    return "\n".join(lines)


_TITLE_WIDTH = max(len(title) for title in TITLES.values())
