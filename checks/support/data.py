"""Random data for checks, so that an app that hard-codes answers cannot pass.

Each check gets its own generator, seeded from the run's seed and the check's
name: a failure can be replayed with the same seed (`--seed`).

The READMEs promise text, not ASCII: names, usernames, emails and search terms
are drawn from several scripts (Latin with accents and "ß", Greek, Cyrillic,
CJK), in mixed case, and at both ends of their length bounds as well as in
between. A rule that only holds for plain lowercase ASCII (a pattern that
refuses capitals, a search done with lower() where casefold() is promised)
then fails. Every letter used is one code point in NFC form, is no digit, and
folds the same whatever its case (`c.upper().casefold() == c.casefold()`), so
that what a check computes with casefold() is what a correct app computes.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

# Letters beyond ASCII, by script; each script has capitals and small letters
# (CJK has no case), so mixed case is drawn from every script.
_LATIN = "ÄÖÜäöüßéèêçñøåæœÉÈÇÑØÅÆŁłĉŝž"
_GREEK = "αβγδεζηθλμνξπρστφχψωΑΒΓΔΘΛΠΣΦΩ"
_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщыэюяБГДЖЗИЛПФЦЧШЭЮЯ"
_CJK = "漢字茶碗山川花鳥風月"
LETTERS = string.ascii_letters + _LATIN + _GREEK + _CYRILLIC + _CJK
# Usernames may hold digits and "_" too; ASCII digits only ("١" is a digit to int()).
_USERNAME_CHARACTERS = LETTERS + string.digits + "_"

_ADJECTIVES = (
    "amber",
    "Brisk",
    "cosy",
    "ÜNÏCÖDÉ",
    "Ünïcödé",
    "große",
    "Żółty",
    "Ωραίο",
    "жёлтый",
    "Straße",
    "gentle",
    "漢字",
    "Ærøsk",
    "lucky",
    "ĉiela",
    "MISTY",
)
_NOUNS = (
    "anvil",
    "Basket",
    "crème",
    "drum",
    "Éclair",
    "Flöte",
    "λάμπα",
    "Hammock",
    "чайник",
    "茶碗",
    "kettle",
    "LANTERN",
    "Maßkrug",
    "notebook",
    "Øre",
    "pillow",
)
# A word and a search term that finds it only under casefold(): "ß".lower() is
# "ß", while "SS".casefold() and "ß".casefold() are both "ss".
FOLDING_PAIRS = (
    ("Straße", "STRASSE"),
    ("Fußweg", "FUSSW"),
    ("Maßband", "MASSB"),
    ("Größe", "GRÖSSE"),
    ("weiß", "WEISS"),
)
_DOMAINS = ("example.com", "example.org", "mail.example.net")


class RandomData:
    """Random names, emails, prices and ids for one check, from one seed."""

    def __init__(self, seed: str) -> None:
        self.random = random.Random(seed)
        # Values handed out by this generator: names, usernames and emails are
        # unique within one check even where they are only three characters.
        self._issued: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value.casefold() not in self._issued:
                self._issued.add(value.casefold())
                return value
        raise RuntimeError("could not draw a value that was not drawn before")

    def _length(self, low: int, high: int) -> int:
        """A length in [low, high]: the ends as often as the inside, since code
        that is off by one fails only at an end."""
        roll = self.random.random()
        if roll < 0.25:
            return low
        if roll < 0.5:
            return high
        return self.random.randint(low, high)

    def token(self, length: int = 6) -> str:
        """Lowercase ASCII letters and digits: for keys, tags and filler, where the
        text itself is not what the check is about."""
        return "".join(self.random.choices(string.ascii_lowercase + string.digits, k=length))

    def letters(self, length: int) -> str:
        """`length` letters from every script, in mixed case."""
        return "".join(self.random.choices(LETTERS, k=length))

    def text(self, low: int, high: int) -> str:
        """Letters from every script with a length in [low, high], often at an end."""
        return self.letters(self._length(low, high))

    def product_name(self, max_length: int = 100) -> str:
        """A unique product name of 3 to `max_length` characters: words in several
        scripts and cases, sometimes one short word, sometimes exactly the longest."""

        def make() -> str:
            roll = self.random.random()
            if roll < 0.15:
                return self.letters(self.random.randint(3, 5))
            adjective, noun = self.random.choice(_ADJECTIVES), self.random.choice(_NOUNS)
            name = f"{adjective} {noun} {self.letters(4)}"
            if roll < 0.4:
                while len(name) < max_length:
                    name += f" {self.random.choice(_NOUNS + _ADJECTIVES)}"
                name = name[:max_length].rstrip()
                name += self.letters(max_length - len(name))
            return name[:max_length]

        return self._unique(make)

    def username(self, max_length: int = 32) -> str:
        """A unique username of 3 to `max_length` characters (stage 2's bounds):
        letters of every script in mixed case, digits and "_", never all digits."""

        def make() -> str:
            length = self._length(3, max_length)
            rest = self.random.choices(_USERNAME_CHARACTERS, k=length - 1)
            return self.random.choice(LETTERS) + "".join(rest)

        return self._unique(make)

    def email(self) -> str:
        """A unique valid address: a local part of 1 to 64 characters in any script
        and case (kept as sent), a lowercase domain (an app may lowercase it)."""

        def make() -> str:
            local = self.letters(self._length(1, 64))
            if len(local) > 4 and self.random.random() < 0.5:
                cut = self.random.randint(1, len(local) - 2)
                local = f"{local[:cut]}.{local[cut + 1 :]}"
            return f"{local}@{self.random.choice(_DOMAINS)}"

        return self._unique(make)

    def search_term(self, name: str, low: int = 1, high: int = 6) -> str:
        """A piece of `name` of `low` to `high` characters from inside one of its
        words, its case scrambled: a search that ignores case must find it."""
        words = [word for word in name.split() if len(word) >= low] or [name]
        word = self.random.choice(words)
        size = self.random.randint(min(low, len(word)), min(high, len(word)))
        start = self.random.randint(0, len(word) - size)
        piece = word[start : start + size]
        return "".join(c.upper() if self.random.random() < 0.5 else c.lower() for c in piece)

    def folding_pair(self) -> tuple[str, str]:
        """(word, term): the term finds the word under casefold(), never under lower()."""
        return self.random.choice(FOLDING_PAIRS)

    def password(self) -> str:
        """A valid password: "Pw-" and 12 random letters."""
        return f"Pw-{self.token(12)}"

    def price(self, low: float = 1, high: float = 500) -> float:
        """A price in [low, high], to the cent."""
        return round(self.random.uniform(low, high), 2)

    def integer(self, low: int = 1, high: int = 10_000) -> int:
        """An integer in [low, high]."""
        return self.random.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        """One of `options`."""
        return self.random.choice(options)
