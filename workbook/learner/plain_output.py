"""Text for a pipe or a CI log: rich pads every cell of a table to its column's
width, so a report read from a file ends its lines in spaces. Handed to rich as
its `file`, this writer drops them, line by line, and passes the rest through."""

from __future__ import annotations

from typing import Any, TextIO


class TrimmedLines:
    """A text stream that writes each line without its trailing whitespace."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._pending = ""  # the start of a line not yet ended

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._out.write(line.rstrip() + "\n")
        return len(text)

    def flush(self) -> None:
        # Out with the line so far; its trailing spaces wait for what follows.
        shown = self._pending.rstrip()
        self._out.write(shown)
        self._pending = self._pending[len(shown) :]
        self._out.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, …
        return getattr(self._out, name)
