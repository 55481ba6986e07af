"""Banks and hashes for tests, built through the real services (S23). Hashes are random bits."""

from __future__ import annotations

import random
from collections.abc import Sequence

from flagdesk.accounts.models import User
from flagdesk.cases.models import Item
from flagdesk.matching.models import BankEntry, HashBank, ItemSignal
from flagdesk.matching.services.banks import EntryInput, add_entries, create_bank
from flagdesk.matching.signal_types import ComputedSignal, Vpdq
from flagdesk.matching.signal_types.vpdq import Frame


def random_pdq(seed: int) -> str:
    return random.Random(seed).getrandbits(256).to_bytes(32, "big").hex()


def flip(value: str, bits: int, *, seed: int = 0) -> str:
    """The hash with ``bits`` distinct bits flipped: exactly that Hamming distance away."""
    number = int(value, 16)
    for position in random.Random(seed).sample(range(256), bits):
        number ^= 1 << position
    return number.to_bytes(32, "big").hex()


def video_value(seed: int, frames: int = 10, *, quality: int = 90) -> str:
    rng = random.Random(seed)
    return Vpdq.serialise(
        [Frame(random_pdq(rng.getrandbits(32)), quality, float(t)) for t in range(frames)]
    )


def bank(actor: User, name: str = "Own cases", **fields: object) -> HashBank:
    return create_bank(actor=actor, name=name, **fields)  # type: ignore[arg-type]


def add(
    target: HashBank,
    actor: User,
    *signals: tuple[str, str] | tuple[str, str, int],
    item: Item | None = None,
) -> list[BankEntry]:
    entries = [
        EntryInput(
            signal_type=s[0],
            value=s[1],
            quality=s[2] if len(s) > 2 else 90,
            item=item,  # type: ignore[misc]
        )
        for s in signals
    ]
    return add_entries(target, entries, actor=actor).added


def item_signals(item: Item, signals: Sequence[ComputedSignal]) -> list[ItemSignal]:
    """Hashes recorded for an item as if computed from an upload (no media needed)."""
    from flagdesk.matching.services.banks import value_key

    return [
        ItemSignal.objects.create(
            item=item,
            signal_type=s.signal_type,
            value=s.value,
            value_key=value_key(s.signal_type, s.value),
            quality=s.quality,
            source=ItemSignal.Source.ANALYST,
        )
        for s in signals
    ]
