"""A rule's verdict: what is wrong, where (file and line) and how to fix it.

Every static rule of the deployment checks (Dockerfile, .dockerignore,
compose.yaml, nginx.conf) returns a list of `Finding`s; an empty list means the
rule holds. `expect_none` turns a non-empty list into one check failure that
lists each finding on its own line, so a learner sees every place at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from checks.support.failures import fail


@dataclass(frozen=True)
class Finding:
    """One thing a rule found wrong. `line` is the learner's line (1-based), or
    None when the problem is something missing from the whole file."""

    rule: str
    file: str
    line: int | None
    message: str
    hint: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} (fix: {self.hint})"


def expect_none(findings: list[Finding], expected: str) -> None:
    """Fail the check, listing every finding, unless there are none."""
    if findings:
        fail("\n".join(str(finding) for finding in findings), expected=expected)
