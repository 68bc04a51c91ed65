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


def _requirements(target: Path) -> dict[str, tuple[int, str]]:
    """{canonical name: (line, specifier)} of requirements.txt."""
    path = target / "requirements.txt"
    if not path.is_file():
        fail("there is no requirements.txt", expected="requirements.txt with pinned versions")
    found: dict[str, tuple[int, str]] = {}
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
        found[canonicalize_name(requirement.name)] = (number, str(requirement.specifier))
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


@pytest.mark.req("10.2")
def test_requirements_pin_every_library_the_service_needs(target: Path) -> None:
    pinned = _requirements(target)
    loose = [
        f"requirements.txt:{line}: `{name}{spec}`"
        for name, (line, spec) in pinned.items()
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
    absent = [f"{name} ({why})" for name, why in needed.items() if name not in pinned]
    expect(
        not absent,
        "requirements.txt does not name: " + ", ".join(absent),
        expected="every distribution the service imports, pinned",
    )
