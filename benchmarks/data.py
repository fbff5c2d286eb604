"""Deterministic sample ``Account`` objects (the entity of ``benchmarks/bench.yaml``).

``models`` is the generated ``models`` module: the entity classes only exist once the
schema is built, so they are reached through it (typed ``Any``).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import ModuleType
from typing import Any
from uuid import UUID

__all__ = ["make_accounts"]

_FIRST = (
    "Ann",
    "Bo",
    "Chen",
    "Dara",
    "Emil",
    "Fatima",
    "Giulia",
    "Hiro",
    "Ines",
    "Jon",
)
_LAST = ("Smith", "Okafor", "Nguyen", "García", "Müller", "Kowalski", "Rossi", "Tanaka")
_CITIES = ("Lisbon", "Nairobi", "Osaka", "Toronto", "Berlin", "Lima", "Perth", "Oslo")
_TAGS = ("beta", "vip", "newsletter", "trial", "churn-risk", "partner", "eu", "us")
_ROLES = ("admin", "billing", "developer", "viewer", "support", "owner")
_QUOTAS = ("api_calls", "seats", "projects", "storage_gb", "exports", "webhooks")
_EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)


def make_accounts(models: ModuleType, count: int, seed: int = 42) -> list[Any]:
    """``count`` varied but reproducible ``Account`` objects."""
    rng = random.Random(seed)
    tiers = list(models.Tier)
    accounts: list[Any] = []
    for i in range(count):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        address = models.Address(
            street=f"{rng.randint(1, 999)} {rng.choice(_LAST)} Street",
            city=rng.choice(_CITIES),
            postcode=f"{rng.randint(10000, 99999)}" if rng.random() < 0.7 else None,
        )
        accounts.append(
            models.Account(
                account_id=f"acct-{i:08d}",
                name=f"{first} {last}",
                email=f"{first.lower()}.{i}@example.com",
                balance=Decimal(rng.randint(-50_000, 5_000_000)).scaleb(-2),
                credit_limit=rng.choice((0, 500, 1000, 5000, 25_000)),
                created_at=_EPOCH
                + timedelta(seconds=rng.randint(0, 4 * 365 * 86400))
                + timedelta(microseconds=rng.randint(0, 999_999)),
                active=rng.random() < 0.9,
                tier=rng.choice(tiers),
                external_id=UUID(int=rng.getrandbits(128), version=4),
                tags=rng.sample(_TAGS, rng.randint(1, 4)),
                quotas={q: rng.randint(1, 10_000) for q in rng.sample(_QUOTAS, 3)},
                roles=set(rng.sample(_ROLES, rng.randint(1, 3))),
                nickname=first.lower() if rng.random() < 0.5 else None,
                address=address,
                fingerprint=rng.randbytes(16),
            )
        )
    return accounts
