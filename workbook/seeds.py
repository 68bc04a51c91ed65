"""How a check run under one seed is named, shared by the engine (which asks
for `--wb-seeds` and reads verdicts seed by seed) and the checks (which run a
check that draws random data once per seed): `test_x[wbseed-5eed01]`."""

from __future__ import annotations

import re

SEED_ID = "wbseed-"
SEED_IN_NODEID = re.compile(rf"-?{SEED_ID}[0-9A-Za-z]+")


def seed_of(nodeid: str) -> str | None:
    """The seed a check ran under with --wb-seeds, or None for a check that
    draws no random data (it ran once, for every seed)."""
    match = SEED_IN_NODEID.search(nodeid)
    return match.group(0).lstrip("-")[len(SEED_ID) :] if match else None
