"""What a grading child tells the grader: one JSON line per event.

The child (pytest with `workbook.engine.pytest_plugin`) writes these to the file named
by `--wb-events`, flushing each line as it happens, so that when a learner's app
kills the process the grader still knows every check that finished and the one
that was running. The grader (`workbook.engine.grading`) reads them back. This module
is the whole protocol: one dataclass per event, `write` and `read`.

In the order a child writes them:
- `Collected`: every check it will grade (node id, requirement, first doc line);
- per check, `Start`; `Loading` and `Loaded` around the import of the learner's
  app (a death between them is a crash while importing); then `Result`;
- `Finished`, when pytest ends normally.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar


@dataclass(frozen=True)
class CollectedCheck:
    nodeid: str
    req: str | None
    doc: str = ""


@dataclass(frozen=True)
class Collected:
    name: ClassVar[str] = "collected"
    checks: tuple[CollectedCheck, ...] = ()


@dataclass(frozen=True)
class Start:
    name: ClassVar[str] = "start"
    nodeid: str
    t: float  # wall clock, time.time()
    cpu: float  # the child's CPU time, time.process_time()


@dataclass(frozen=True)
class Loading:
    name: ClassVar[str] = "loading"
    nodeid: str
    t: float


@dataclass(frozen=True)
class Loaded:
    name: ClassVar[str] = "loaded"
    nodeid: str


@dataclass(frozen=True)
class Result:
    """A check's verdict, as the plugin classified it (see `pytest_plugin.classify`)."""

    name: ClassVar[str] = "result"
    nodeid: str
    req: str | None = None
    # "pass", "fail", "todo", "error" or "skip"; anything else is reported as an error.
    outcome: str = ""
    message: str = ""
    expected: str | None = None
    sent: dict[str, Any] | None = None  # {"method", "url", "body"}
    got: dict[str, Any] | None = None  # {"status", "content_type", "body"}
    kind: str | None = None  # for errors: "load", "crash", "timeout", "grader", …
    t: float | None = None
    cpu: float | None = None


@dataclass(frozen=True)
class Finished:
    name: ClassVar[str] = "finished"
    exitstatus: int = 0


Event = Collected | Start | Loading | Loaded | Result | Finished
_KINDS: dict[str, type[Event]] = {
    kind.name: kind for kind in (Collected, Start, Loading, Loaded, Result, Finished)
}


def write(sink: IO[str], event: Event) -> None:
    """Append `event` to `sink` as one line, flushed at once."""
    fields = dataclasses.asdict(event)
    sink.write(json.dumps({"event": event.name, **fields}) + "\n")
    sink.flush()


def decode(data: dict[str, Any]) -> Event | None:
    """The event a decoded line holds, or None for a kind this grader does not know.
    Fields it does not know are ignored; missing ones take their defaults."""
    kind = _KINDS.get(str(data.get("event")))
    if kind is None:
        return None
    known = {f.name for f in dataclasses.fields(kind)}
    values = {key: value for key, value in data.items() if key in known}
    if kind is Collected:
        values["checks"] = tuple(
            CollectedCheck(nodeid=c["nodeid"], req=c.get("req"), doc=c.get("doc", ""))
            for c in values.get("checks", ())
        )
    return kind(**values)


def read(path: Path) -> list[Event]:
    """Every event in the file so far; a last line cut short by a kill ends it."""
    if not path.exists():
        return []
    events: list[Event] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = decode(json.loads(line))
        except (json.JSONDecodeError, TypeError, KeyError):
            break  # a line cut short by a kill
        if event is not None:
            events.append(event)
    return events
