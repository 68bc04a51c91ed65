"""Checks that measure time, made fair to a busy machine.

A timing check compares a figure (how long GET / took while the database was
locked, how long a signup took with a slow mail server) with a limit. On a
loaded machine a correct app can be slow once, so a timing check built on this
module:

1. takes a **baseline** in the same run: the same server's time for something
   that cannot be held up by the mistake the check looks for (an idle GET /, a
   read that sends no email). The limit grows with it: `allowance()`.
2. **retries before it blames**: `attempts()` measures again, up to a few times,
   and passes on the first figure under the limit. A mistake (a blocking call,
   an awaited email) makes every attempt slow; a busy moment rarely does.
3. tells **proof from thin evidence**: a failure is stated with certainty only
   when every attempt reached the figure the mistake itself produces (the time
   the lock was held, the email's delay) or got no answer at all. Otherwise the
   check still fails, closed, but its message says "the machine may be busy:
   run again" (`BUSY`), with the figures and the baseline.
4. never presents its own **timeout** as a measurement: an attempt that got no
   answer is a `Sample` without seconds, told as "no answer within 8 s".
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

BUSY = "the machine may be busy: run again"
ATTEMPTS = 3


@dataclass(frozen=True)
class Sample:
    """One measurement: `seconds`, or None when nothing came back within
    `timeout` (the check's own limit, which is no measurement of the app)."""

    seconds: float | None
    timeout: float
    # The figure the mistake the check looks for would produce in this attempt
    # (the time a lock was held, an email's delay): reaching it is proof.
    proof: float = float("inf")

    @property
    def answered(self) -> bool:
        """Whether the probe got an answer at all."""
        return self.seconds is not None

    def shown(self) -> str:
        """The figure as the report shows it ("no answer within 8 s")."""
        if self.seconds is None:
            return f"no answer within {self.timeout:g} s"
        return f"{self.seconds:.2f} s"

    def proves(self) -> bool:
        """The mistake, not a busy moment: no answer at all, or as slow as the
        mistake makes it."""
        return self.seconds is None or self.seconds >= self.proof


@dataclass
class Verdict:
    """What the attempts add up to."""

    allowed: float
    baseline: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether one attempt was under the limit."""
        return any(s.seconds is not None and s.seconds < self.allowed for s in self.samples)

    @property
    def certain(self) -> bool:
        """Every attempt was as slow as the mistake makes it (a failure to state
        as a fact); False means the evidence is thin."""
        return bool(self.samples) and all(sample.proves() for sample in self.samples)

    @property
    def best(self) -> Sample:
        """The quickest attempt that got an answer."""
        answered = [s for s in self.samples if s.seconds is not None]
        if answered:
            return min(answered, key=lambda s: s.seconds or 0.0)
        return self.samples[-1]

    def figures(self) -> str:
        """`1.31 s, 1.22 s and no answer within 8 s`"""
        shown = [sample.shown() for sample in self.samples]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    def tries(self) -> str:
        """ "in each of 3 tries", or "once"."""
        return f"in each of {len(self.samples)} tries" if len(self.samples) > 1 else "once"

    def thin(self) -> str:
        """The sentence for a failure the figures do not prove."""
        return (
            f"slower than the {self.allowed:.2f} s allowed {self.tries()}, but not as slow "
            f"as the mistake this check looks for makes it, while the same server answered "
            f"a plain request in {self.baseline:.2f} s: {BUSY}"
        )


def baseline(measure: Callable[[], float | None], count: int = 3) -> float:
    """The median of `count` runs of `measure`: how quick the same server is
    right now at something the mistake cannot slow down. A run that got no
    answer counts as none (the check's own timeout is no measurement)."""
    figures = [value for value in (measure() for _ in range(count)) if value is not None]
    return statistics.median(figures) if figures else 0.0


def allowance(limit: float, baseline_seconds: float, factor: float = 3.0) -> float:
    """The limit on this machine now: the criterion's `limit`, plus `factor`
    times what the baseline shows the machine to need for the plain request."""
    return limit + factor * baseline_seconds


def attempts(
    measure: Callable[[], Sample],
    *,
    allowed: float,
    baseline_seconds: float,
    count: int = ATTEMPTS,
) -> Verdict:
    """Measure up to `count` times, stopping at the first figure under
    `allowed` (a pass) or once an attempt gives no answer at all (the mistake
    beyond doubt, and each further wait would cost the full timeout)."""
    verdict = Verdict(allowed=allowed, baseline=baseline_seconds)
    for _ in range(count):
        sample = measure()
        verdict.samples.append(sample)
        if verdict.passed or not sample.answered:
            break
    return verdict
