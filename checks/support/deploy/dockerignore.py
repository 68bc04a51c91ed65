"""The build context: `.dockerignore` must leave out what does not belong in
an image (the git history, the venv, bytecode, SQLite files, the `.env` with
its secrets) and must keep what the build copies (the app, requirements.txt).

Docker's patterns are not gitignore's: they are anchored at the context's root
(`*.db` matches `shop.db` but not `data/shop.db`; `**/` reaches into folders),
a pattern that matches a folder leaves out everything in it, and a later `!`
pattern brings a path back. `ignored()` follows those rules (moby's
patternmatcher); each rule probes the paths a real stage folder has.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path, PurePosixPath

from checks.support.deploy.findings import Finding

FILE = ".dockerignore"

# What must stay out, as the path a stage folder really has, with the fix.
MUST_IGNORE = (
    (".git", "`.git`"),
    (".venv", "`.venv`"),
    ("app/__pycache__", "`**/__pycache__` (a plain `__pycache__` only matches at the top)"),
    ("shop.db", "`*.db`"),
    (".env", "`.env`"),
)
# What the Dockerfile copies, so a `*` without exceptions breaks the build.
MUST_KEEP = ("app/main.py", "requirements.txt", "deploy/gunicorn.conf.py")


def patterns(path: Path) -> list[str]:
    """The file's patterns, comments and blank lines dropped ([] if no file)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    """A Docker ignore pattern as a regex over slash-separated relative paths."""
    cleaned = str(PurePosixPath(pattern.lstrip("/"))) if pattern.strip("/") else "."
    out, index = "", 0
    while index < len(cleaned):
        char = cleaned[index]
        if cleaned.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
            continue
        if cleaned.startswith("**", index):
            out += ".*"
            index += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = cleaned.find("]", index)
            if end == -1:
                out += re.escape(char)
            else:
                out += "[" + cleaned[index + 1 : end].replace("!", "^", 1) + "]"
                index = end
        elif char == "\\" and index + 1 < len(cleaned):
            index += 1
            out += re.escape(cleaned[index])
        else:
            out += re.escape(char)
        index += 1
    return re.compile(out)


def ignored(path: str, rules: list[str]) -> bool:
    """Whether Docker leaves `path` out of the build context."""
    parts = path.split("/")
    # A path is left out when it, or a folder above it, matches; the last
    # pattern that matches decides.
    prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    verdict = False
    for rule in rules:
        exception = rule.startswith("!")
        pattern = rule[1:].strip() if exception else rule
        if any(_regex(pattern).fullmatch(prefix) for prefix in prefixes):
            verdict = not exception
    return verdict


def covers_essentials(root: Path) -> list[Finding]:
    """`.dockerignore` exists, leaves out .git, .venv, __pycache__, *.db and
    .env, and keeps the app and requirements.txt in the context."""
    path = root / FILE
    if not path.is_file():
        return [
            Finding(
                "dockerignore",
                FILE,
                None,
                "there is no .dockerignore: `COPY . .` sends .git, .venv and .env into the image",
                "create .dockerignore with .git, .venv, **/__pycache__, *.db and .env",
            )
        ]
    rules = patterns(path)
    findings = [
        Finding("dockerignore", FILE, None, f"`{probe}` is sent to the build", f"add {fix}")
        for probe, fix in MUST_IGNORE
        if not ignored(probe, rules)
    ]
    findings += [
        Finding(
            "dockerignore",
            FILE,
            None,
            f"`{probe}` is left out of the build context, so the image cannot be built",
            f"add `!{probe.split('/')[0]}` after the pattern that drops it",
        )
        for probe in MUST_KEEP
        if ignored(probe, rules)
    ]
    return findings
