"""Stage 10, requirement 10.2: the build context. .dockerignore leaves out
what has no place in an image, and requirements.txt pins what the app needs."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from checks.support import expect, fail
from checks.support.deploy import dockerignore
from checks.support.deploy.findings import expect_none

# What the image's command needs whatever the app imports.
SERVERS = ("gunicorn", "uvicorn-worker")
# An exact pin: ==, and a version with no wildcard.
EXACT = re.compile(r"^==\d[\w.+!-]*$")


@pytest.mark.req("10.2")
def test_dockerignore_leaves_out_what_has_no_place_in_an_image(target: Path) -> None:
    expect_none(
        dockerignore.covers_essentials(target),
        ".dockerignore to leave out .git, .venv, **/__pycache__, *.db and .env, and keep "
        "app/, deploy/ and requirements.txt",
    )


def _requirements(target: Path) -> dict[str, tuple[int, str, set[str]]]:
    """{canonical name: (line, specifier, extras)} of requirements.txt."""
    path = target / "requirements.txt"
    if not path.is_file():
        fail("there is no requirements.txt", expected="requirements.txt with pinned versions")
    found: dict[str, tuple[int, str, set[str]]] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split(" #", 1)[0].strip().removesuffix("\\").strip()
        if not line or line.startswith(("#", "--hash")):
            continue
        if line.startswith("-"):
            fail(
                f"requirements.txt:{number}: `{line}`: the grader reads one requirement per "
                "line, without options or other files",
                expected="name==version on every line",
            )
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            fail(f"requirements.txt:{number}: `{line}` is not a requirement: {error}")
        name = canonicalize_name(requirement.name)
        found[name] = (number, str(requirement.specifier), set(requirement.extras))
    return found


def _imported_distributions(target: Path) -> dict[str, str]:
    """{canonical distribution: the module the app imports from it}, for every
    library (not the standard library, not app itself) the app imports."""
    modules: set[str] = set()
    for path in sorted((target / "app").rglob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {alias.name.partition(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.partition(".")[0])
    owners = packages_distributions()
    found = {}
    for module in sorted(modules - set(sys.stdlib_module_names) - {"app", "__future__"}):
        for distribution in owners.get(module, []):
            found.setdefault(canonicalize_name(distribution), module)
    return found


# What a library needs at run time without the app importing it by name: the
# source's use of it, the distribution, and why. A distribution or an extra
# that brings it (`sqlalchemy[asyncio]` brings greenlet) counts as naming it.
RUN_TIME = (
    ("EmailStr", "email-validator", "pydantic's EmailStr validates with it"),
    ("OAuth2PasswordRequestForm", "python-multipart", "FastAPI reads forms with it"),
    ("Form(", "python-multipart", "FastAPI reads forms with it"),
    ("UploadFile", "python-multipart", "FastAPI reads uploads with it"),
    ("sqlalchemy.ext.asyncio", "greenlet", "SQLAlchemy's asyncio layer runs on it"),
    ("argon2", "argon2-cffi", "pwdlib hashes Argon2 with it"),
)
BROUGHT_BY = {"greenlet": ("sqlalchemy", "asyncio"), "argon2-cffi": ("pwdlib", "argon2")}
# The driver a DATABASE_URL names (postgresql+asyncpg://…) → its distribution.
DRIVERS = {"asyncpg": "asyncpg", "psycopg": "psycopg", "aiosqlite": "aiosqlite"}


def _named(name: str, pinned: dict[str, tuple[int, str, set[str]]]) -> bool:
    if name in pinned:
        return True
    bringer = BROUGHT_BY.get(name)
    return bringer is not None and bringer[1] in pinned.get(bringer[0], (0, "", set()))[2]


def _needed_at_run_time(target: Path) -> dict[str, str]:
    """{distribution: why} for what the service needs that no import names:
    the extras of the libraries it uses, and the database driver of the
    DATABASE_URL compose.yaml gives the app."""
    source = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted((target / "app").rglob("*.py"))
    )
    needed = {dist: why for marker, dist, why in RUN_TIME if marker in source}
    described = target / "compose.yaml"
    text = described.read_text(encoding="utf-8", errors="replace") if described.is_file() else ""
    for driver in set(re.findall(r"\w+\+(\w+)://", text)):
        if driver in DRIVERS:
            needed[DRIVERS[driver]] = f"compose.yaml's DATABASE_URL names the {driver} driver"
    return needed


@pytest.mark.req("10.2")
def test_requirements_pin_every_library_the_service_needs(target: Path) -> None:
    pinned = _requirements(target)
    loose = [
        f"requirements.txt:{line}: `{name}{spec}`"
        for name, (line, spec, _) in pinned.items()
        if not EXACT.match(spec)
    ]
    expect(
        not loose,
        "every requirement must name one exact version, so that every build installs the "
        "same thing:\n" + "\n".join(loose),
        expected="name==1.2.3 on every line",
    )
    needed = {name: "the image's command" for name in SERVERS}
    needed.update(
        {
            name: f"the app imports {module}"
            for name, module in _imported_distributions(target).items()
        }
    )
    needed.update(_needed_at_run_time(target))
    absent = [f"{name} ({why})" for name, why in needed.items() if not _named(name, pinned)]
    expect(
        not absent,
        "requirements.txt does not name: " + ", ".join(absent),
        expected="every distribution the service imports, pinned",
    )
