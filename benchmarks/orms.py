"""``Account`` as a PynamoDB 6 model and as a pydynox model, for the comparisons.

Both are written the way their documentation suggests, holding the same data as the
generated ``Account`` (same attribute names and DynamoDB types, ``pk``/``sk`` and
``_type`` included).  Where a library has no attribute for a type, a small custom
attribute does what users of that library write (PynamoDB: ``Decimal``, enum, ``UUID``;
pydynox has no UUID attribute, so ``external_id`` stays a ``str`` there).
"""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal
from typing import Any
from uuid import UUID

from pynamodb import attributes as pa
from pynamodb.constants import NUMBER, STRING
from pynamodb.models import Model as PynamoModel

__all__ = [
    "PynamoAccount",
    "make_pydynox_model",
    "make_pynamodb_model",
    "to_pydynox",
    "to_pynamodb",
]

PynamoAccount = Any  # a class made by make_pynamodb_model (typed Any: made at run time)


class DecimalAttribute(pa.Attribute[Decimal]):
    """An exact ``N`` attribute (PynamoDB's ``NumberAttribute`` goes through float)."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class UUIDAttribute(pa.Attribute[UUID]):
    attr_type = STRING

    def serialize(self, value: UUID) -> str:
        return str(value)

    def deserialize(self, value: str) -> UUID:
        return UUID(value)


class EnumAttribute(pa.Attribute[enum.Enum]):
    """An ``S`` attribute holding a member of ``enum_type`` by value."""

    attr_type = STRING

    def __init__(self, enum_type: type[enum.Enum], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum_type = enum_type

    def serialize(self, value: enum.Enum) -> str:
        text: str = value.value
        return text

    def deserialize(self, value: str) -> enum.Enum:
        return self.enum_type(value)


class AddressMap(pa.MapAttribute[str, Any]):
    street = pa.UnicodeAttribute()
    city = pa.UnicodeAttribute()
    postcode = pa.UnicodeAttribute(null=True)


def make_pynamodb_model(
    tier: type[enum.Enum],
    *,
    table: str,
    endpoint_url: str,
    region_name: str = "us-east-1",
) -> Any:
    """The PynamoDB ``Account`` model on ``table`` at ``endpoint_url`` (dummy creds)."""

    class PynamoDBAccount(PynamoModel):
        class Meta:
            table_name = table
            host = endpoint_url
            region = region_name
            aws_access_key_id = "AKIDBENCHMARK"
            aws_secret_access_key = "benchmark-secret"

        pk = pa.UnicodeAttribute(hash_key=True)
        sk = pa.UnicodeAttribute(range_key=True)
        type_ = pa.UnicodeAttribute(attr_name="_type", default="Account")
        account_id = pa.UnicodeAttribute()
        name = pa.UnicodeAttribute()
        email = pa.UnicodeAttribute()
        balance = DecimalAttribute()
        credit_limit = pa.NumberAttribute()
        created_at = pa.UTCDateTimeAttribute()
        active = pa.BooleanAttribute()
        tier_ = EnumAttribute(tier, attr_name="tier")
        external_id = UUIDAttribute()
        tags = pa.ListAttribute(of=pa.UnicodeAttribute)
        quotas: pa.MapAttribute[str, Any] = pa.MapAttribute()  # type: ignore[no-untyped-call]
        roles = pa.UnicodeSetAttribute(null=True)
        nickname = pa.UnicodeAttribute(null=True)
        address = AddressMap()  # type: ignore[no-untyped-call]
        fingerprint = pa.BinaryAttribute(legacy_encoding=False)

    return PynamoDBAccount


def to_pynamodb(model: Any, obj: Any) -> Any:
    """A PynamoDB model instance holding the same data as the ``Account`` ``obj``."""
    address = obj.address
    return model(
        pk="ACCOUNT#" + obj.account_id,
        sk="PROFILE",
        account_id=obj.account_id,
        name=obj.name,
        email=obj.email,
        balance=obj.balance,
        credit_limit=obj.credit_limit,
        created_at=obj.created_at,
        active=obj.active,
        tier_=obj.tier,
        external_id=obj.external_id,
        tags=list(obj.tags),
        quotas=dict(obj.quotas),
        roles=set(obj.roles) or None,
        nickname=obj.nickname,
        address=AddressMap(  # type: ignore[no-untyped-call]
            street=address.street, city=address.city, postcode=address.postcode
        ),
        fingerprint=obj.fingerprint,
    )


@dataclasses.dataclass
class PydynoxAddress:
    street: str
    city: str
    postcode: str | None = None


def make_pydynox_model(
    tier: type[enum.Enum], *, table: str, endpoint_url: str, region: str = "us-east-1"
) -> Any:
    """The pydynox ``Account`` model on ``table`` at ``endpoint_url`` (dummy creds)."""
    from pydynox import DynamoDBClient, Model, ModelConfig
    from pydynox import attributes as da

    client = DynamoDBClient(
        region=region,
        access_key="AKIDBENCHMARK",
        secret_key="benchmark-secret",
        endpoint_url=endpoint_url,
    )

    class PydynoxAccount(Model):
        model_config = ModelConfig(table=table, client=client)

        pk = da.StringAttribute(partition_key=True)
        sk = da.StringAttribute(sort_key=True)
        type_ = da.StringAttribute(alias="_type", default="Account")
        account_id = da.StringAttribute()
        name = da.StringAttribute()
        email = da.StringAttribute()
        balance = da.DecimalAttribute()
        credit_limit = da.NumberAttribute()
        created_at = da.DatetimeAttribute()
        active = da.BooleanAttribute()
        tier_ = da.EnumAttribute(tier, alias="tier")
        external_id = da.StringAttribute()
        tags = da.ListAttribute()
        quotas = da.MapAttribute()
        roles = da.StringSetAttribute()
        nickname = da.StringAttribute()
        address = da.MapAttribute(PydynoxAddress)
        fingerprint = da.BinaryAttribute()

    return PydynoxAccount


def to_pydynox(model: Any, obj: Any) -> Any:
    """A pydynox model instance holding the same data as the ``Account`` ``obj``."""
    address = obj.address
    return model(
        pk="ACCOUNT#" + obj.account_id,
        sk="PROFILE",
        account_id=obj.account_id,
        name=obj.name,
        email=obj.email,
        balance=obj.balance,
        credit_limit=obj.credit_limit,
        created_at=obj.created_at,
        active=obj.active,
        tier_=obj.tier,
        external_id=str(obj.external_id),
        tags=list(obj.tags),
        quotas=dict(obj.quotas),
        roles=set(obj.roles),
        nickname=obj.nickname,
        address=PydynoxAddress(address.street, address.city, address.postcode),
        fingerprint=obj.fingerprint,
    )


# -- comparing what each library read back -----------------------------------------


def account_fields(obj: Any) -> tuple[Any, ...]:
    """The data of a generated ``Account``, in a form the two models can match."""
    address = obj.address
    return (
        obj.account_id,
        obj.name,
        obj.email,
        obj.balance,
        obj.credit_limit,
        obj.created_at,
        obj.active,
        obj.tier,
        str(obj.external_id),
        list(obj.tags),
        dict(obj.quotas),
        set(obj.roles),
        obj.nickname,
        (address.street, address.city, address.postcode),
        obj.fingerprint,
    )


def pynamodb_fields(instance: Any) -> tuple[Any, ...]:
    """``account_fields`` of a PynamoDB ``Account`` instance."""
    address = instance.address
    return (
        instance.account_id,
        instance.name,
        instance.email,
        instance.balance,
        instance.credit_limit,
        instance.created_at,
        instance.active,
        instance.tier_,
        str(instance.external_id),
        list(instance.tags),
        instance.quotas.as_dict(),
        set(instance.roles or ()),
        instance.nickname,
        (address.street, address.city, address.postcode),
        instance.fingerprint,
    )


def pydynox_fields(instance: Any) -> tuple[Any, ...]:
    """``account_fields`` of a pydynox ``Account`` instance."""
    address = instance.address
    return (
        instance.account_id,
        instance.name,
        instance.email,
        instance.balance,
        instance.credit_limit,
        instance.created_at,
        instance.active,
        instance.tier_,
        instance.external_id,
        list(instance.tags),
        dict(instance.quotas),
        set(instance.roles or ()),
        instance.nickname,
        (address.street, address.city, address.postcode),
        instance.fingerprint,
    )
