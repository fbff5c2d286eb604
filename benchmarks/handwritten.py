"""What a careful engineer writes by hand for ``Account`` on top of boto3.

Two codecs, both between the typed ``Account`` dataclass and what boto3 hands to/gets
from botocore (B as raw ``bytes``, as botocore's serializer base64-encodes it later):

* :func:`boto3_types_codec`: ``boto3.dynamodb.types.TypeSerializer``/``TypeDeserializer``
  plus the conversions to and from the declared Python types (what the resource layer
  needs too: :func:`boto3_types_codec` also exposes the plain-Python halves).
* :func:`low_level_codec`: a straight-line, hand-written low-level item codec (the
  "floor" of the call benchmarks: the raw client with hand-written request and
  decoding).

Both write ``created_at`` with ``isoformat()`` and read it with
``datetime.fromisoformat`` (which also reads dynagen's ``...Z`` form on Python 3.11+).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import ModuleType
from typing import Any
from uuid import UUID

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

__all__ = ["Boto3TypesCodec", "LowLevelCodec", "boto3_types_codec", "low_level_codec"]

Item = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Boto3TypesCodec:
    to_python: Callable[[Any], dict[str, Any]]
    """Account -> plain Python values (serializer / resource-layer input)."""
    from_python: Callable[[dict[str, Any]], Any]
    """plain Python values (deserializer / resource-layer output) -> Account."""
    encode: Callable[[Any], Item]
    """Account -> low-level item, through ``TypeSerializer``."""
    decode: Callable[[Item], Any]
    """low-level item -> Account, through ``TypeDeserializer``."""


def boto3_types_codec(models: ModuleType) -> Boto3TypesCodec:
    account_cls = models.Account
    address_cls = models.Address
    tier_cls = models.Tier
    serialize = TypeSerializer().serialize
    deserialize = TypeDeserializer().deserialize

    def to_python(obj: Any) -> dict[str, Any]:
        address = obj.address
        plain_address = {"street": address.street, "city": address.city}
        if address.postcode is not None:
            plain_address["postcode"] = address.postcode
        values: dict[str, Any] = {
            "pk": "ACCOUNT#" + obj.account_id,
            "sk": "PROFILE",
            "_type": "Account",
            "account_id": obj.account_id,
            "name": obj.name,
            "email": obj.email,
            "balance": obj.balance,
            "credit_limit": obj.credit_limit,
            "created_at": obj.created_at.isoformat(),
            "active": obj.active,
            "tier": obj.tier.value,
            "external_id": str(obj.external_id),
            "tags": obj.tags,
            "quotas": obj.quotas,
            "address": plain_address,
            "fingerprint": obj.fingerprint,
        }
        if obj.roles:
            values["roles"] = obj.roles
        if obj.nickname is not None:
            values["nickname"] = obj.nickname
        return values

    def from_python(values: dict[str, Any]) -> Any:
        address = values["address"]
        return account_cls(
            account_id=values["account_id"],
            name=values["name"],
            email=values["email"],
            balance=values["balance"],
            credit_limit=int(values["credit_limit"]),
            created_at=datetime.fromisoformat(values["created_at"]),
            active=values["active"],
            tier=tier_cls(values["tier"]),
            external_id=UUID(values["external_id"]),
            tags=values["tags"],
            quotas={k: int(v) for k, v in values["quotas"].items()},
            roles=values.get("roles", set()),
            nickname=values.get("nickname"),
            address=address_cls(
                street=address["street"],
                city=address["city"],
                postcode=address.get("postcode"),
            ),
            fingerprint=values["fingerprint"].value,  # boto3's Binary wrapper
        )

    def encode(obj: Any) -> Item:
        return {k: serialize(v) for k, v in to_python(obj).items()}

    def decode(item: Item) -> Any:
        return from_python({k: deserialize(v) for k, v in item.items()})

    return Boto3TypesCodec(to_python, from_python, encode, decode)


@dataclass(frozen=True, slots=True)
class LowLevelCodec:
    encode: Callable[[Any], Item]
    decode: Callable[[Item], Any]


def low_level_codec(models: ModuleType) -> LowLevelCodec:
    account_cls = models.Account
    address_cls = models.Address
    tier_cls = models.Tier
    fromisoformat = datetime.fromisoformat

    def encode(obj: Any) -> Item:
        address = obj.address
        wire_address = {"street": {"S": address.street}, "city": {"S": address.city}}
        if address.postcode is not None:
            wire_address["postcode"] = {"S": address.postcode}
        item: Item = {
            "pk": {"S": "ACCOUNT#" + obj.account_id},
            "sk": {"S": "PROFILE"},
            "_type": {"S": "Account"},
            "account_id": {"S": obj.account_id},
            "name": {"S": obj.name},
            "email": {"S": obj.email},
            "balance": {"N": str(obj.balance)},
            "credit_limit": {"N": str(obj.credit_limit)},
            "created_at": {"S": obj.created_at.isoformat()},
            "active": {"BOOL": obj.active},
            "tier": {"S": obj.tier.value},
            "external_id": {"S": str(obj.external_id)},
            "tags": {"L": [{"S": t} for t in obj.tags]},
            "quotas": {"M": {k: {"N": str(v)} for k, v in obj.quotas.items()}},
            "address": {"M": wire_address},
            "fingerprint": {"B": obj.fingerprint},
        }
        if obj.roles:
            item["roles"] = {"SS": sorted(obj.roles)}
        if obj.nickname is not None:
            item["nickname"] = {"S": obj.nickname}
        return item

    def decode(item: Item) -> Any:
        address = item["address"]["M"]
        postcode = address.get("postcode")
        nickname = item.get("nickname")
        roles = item.get("roles")
        return account_cls(
            account_id=item["account_id"]["S"],
            name=item["name"]["S"],
            email=item["email"]["S"],
            balance=Decimal(item["balance"]["N"]),
            credit_limit=int(item["credit_limit"]["N"]),
            created_at=fromisoformat(item["created_at"]["S"]),
            active=item["active"]["BOOL"],
            tier=tier_cls(item["tier"]["S"]),
            external_id=UUID(item["external_id"]["S"]),
            tags=[t["S"] for t in item["tags"]["L"]],
            quotas={k: int(v["N"]) for k, v in item["quotas"]["M"].items()},
            roles=set() if roles is None else set(roles["SS"]),
            nickname=None if nickname is None else nickname["S"],
            address=address_cls(
                street=address["street"]["S"],
                city=address["city"]["S"],
                postcode=None if postcode is None else postcode["S"],
            ),
            fingerprint=item["fingerprint"]["B"],
        )

    return LowLevelCodec(encode, decode)
