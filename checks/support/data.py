"""Random data for checks, so that an app that hard-codes answers cannot pass.

Each check gets its own generator, seeded from the run's seed and the check's
name: a failure can be replayed with the same seed (`--seed`).
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_ADJECTIVES = (
    "amber",
    "brisk",
    "cosy",
    "dusty",
    "eager",
    "fuzzy",
    "gentle",
    "hazel",
    "icy",
    "jolly",
    "keen",
    "lucky",
    "misty",
    "noble",
    "olive",
    "proud",
)
_NOUNS = (
    "anvil",
    "basket",
    "candle",
    "drum",
    "easel",
    "flute",
    "globe",
    "hammock",
    "ink",
    "jacket",
    "kettle",
    "lantern",
    "mug",
    "notebook",
    "oar",
    "pillow",
)
_FIRST = ("ada", "bo", "cleo", "dev", "emil", "fay", "gus", "hana", "ivo", "jun", "kai", "lea")


class RandomData:
    def __init__(self, seed: str) -> None:
        self.random = random.Random(seed)

    def token(self, length: int = 6) -> str:
        return "".join(self.random.choices(string.ascii_lowercase + string.digits, k=length))

    def product_name(self) -> str:
        adjective, noun = self.random.choice(_ADJECTIVES), self.random.choice(_NOUNS)
        return f"{adjective.title()} {noun} {self.token(4)}"

    def username(self) -> str:
        return f"{self.random.choice(_FIRST)}_{self.token(5)}"

    def email(self) -> str:
        return f"{self.username()}@example.com"

    def password(self) -> str:
        return f"Pw-{self.token(12)}"

    def price(self, low: float = 1, high: float = 500) -> float:
        return round(self.random.uniform(low, high), 2)

    def integer(self, low: int = 1, high: int = 10_000) -> int:
        return self.random.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return self.random.choice(options)
