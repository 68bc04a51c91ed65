"""The grader's own Dockerfile rules: the ones hadolint does not have (it says
nothing when there is no USER at all, nor about the order of the layers).

`load()` parses the file with dockerfile-parse; each rule takes the result and
returns findings (an empty list when the rule holds), each with the learner's
line and a fix. Rules look at the final stage (the image that runs) unless they
say otherwise; a multi-stage build that installs its dependencies in a builder
stage and copies them over passes the same rules as a single-stage one.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from dockerfile_parse import DockerfileParser

from checks.support.deploy.findings import Finding

FILE = "Dockerfile"

# Files that describe dependencies; copying only these before installing keeps
# the install layer cached until they change.
DEPENDENCY_FILES = re.compile(
    r"(^|/)(requirements[\w.-]*\.(txt|in)|constraints[\w.-]*\.txt|pyproject\.toml|"
    r"uv\.lock|poetry\.lock|Pipfile(\.lock)?|setup\.cfg)$"
)
INSTALL = re.compile(r"\b(pip3?|uv\s+pip|python3?\s+-m\s+pip)\s+install\b|\buv\s+sync\b")
# Words that make a variable's name a secret; configuration about secrets
# (ACCESS_TOKEN_EXPIRE_MINUTES, PASSWORD_MIN_LENGTH) is not one.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL")
NOT_A_SECRET = re.compile(
    r"_(MINUTES|SECONDS|HOURS|DAYS|TTL|EXPIRE|EXPIRES|LIFETIME|LENGTH|"
    r"ALGORITHM|FILE|PATH|URL_PATH)$"
)
# `pip install --upgrade pip` and the like install the installer, not the app.
TOOLING_ONLY = re.compile(
    r"\binstall\s+(--?[\w-]+(=\S+)?\s+)*((pip|setuptools|wheel|uv)([=<>~!]=?\S*)?\s*)+$"
)
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
ROOT_USERS = {"root", "0"}
INSTALL_HINT = "`COPY requirements.txt .` then `RUN pip install --no-cache-dir -r requirements.txt`"
SMALL_BASE = re.compile(r"slim|alpine|distroless|minimal", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    """One instruction: its keyword, its text after the keyword, its first
    line (1-based) and the build stage it belongs to (0 for the first FROM)."""

    keyword: str
    value: str
    line: int
    stage: int


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    instructions: tuple[Instruction, ...]
    # The image each FROM names, build ARGs substituted, in FROM order.
    bases: tuple[str, ...]
    stage_names: tuple[str | None, ...]

    @property
    def final_stage(self) -> tuple[Instruction, ...]:
        last = len(self.bases) - 1
        return tuple(i for i in self.instructions if i.stage == last)

    def of(self, keyword: str, *, final: bool = True) -> list[Instruction]:
        pool = self.final_stage if final else self.instructions
        return [i for i in pool if i.keyword == keyword]


def load(path: Path) -> Dockerfile:
    """Parse the Dockerfile at `path` (FileNotFoundError when there is none)."""
    with path.open("rb") as stream:
        parser = DockerfileParser(fileobj=stream)
        structure = parser.structure
        bases = tuple(parser.parent_images)
    instructions, names, stage = [], [], -1
    for item in structure:
        keyword = item["instruction"].upper()
        if keyword == "COMMENT":
            continue
        if keyword == "FROM":
            stage += 1
            words = item["value"].split()
            names.append(words[2] if len(words) >= 3 and words[1].upper() == "AS" else None)
        instructions.append(
            Instruction(keyword, item["value"], item["startline"] + 1, max(stage, 0))
        )
    return Dockerfile(path, tuple(instructions), bases, tuple(names))


def _finding(rule: str, line: int | None, message: str, hint: str) -> Finding:
    return Finding(rule, FILE, line, message, hint)


def _options_and_words(value: str) -> tuple[list[str], list[str]]:
    """COPY/ADD/RUN text split into its `--flag` options and the rest."""
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    options = [w for w in words if w.startswith("--")]
    return options, [w for w in words if not w.startswith("--")]


def _copy_sources(instruction: Instruction) -> list[str] | None:
    """The sources of a COPY/ADD from the build context (None for --from=…)."""
    value = instruction.value.strip()
    if value.startswith("["):
        try:
            words = [str(w) for w in json.loads(value)]
        except json.JSONDecodeError:
            words = value.split()
        options: list[str] = []
    else:
        options, words = _options_and_words(value)
    if any(option.startswith("--from") for option in options):
        return None
    return words[:-1]


def _is_source_copy(instruction: Instruction) -> bool:
    if instruction.keyword not in {"COPY", "ADD"}:
        return False
    sources = _copy_sources(instruction)
    return bool(sources) and not all(DEPENDENCY_FILES.search(s) for s in sources or [])


def pinned_slim_base(dockerfile: Dockerfile) -> list[Finding]:
    """Every FROM names a tag that pins a version (not `latest`, not untagged);
    the image that runs is a small one (slim, alpine, distroless)."""
    findings = []
    froms = dockerfile.of("FROM", final=False)
    stages_so_far: set[str] = set()
    for index, (instruction, image) in enumerate(zip(froms, dockerfile.bases, strict=False)):
        name = dockerfile.stage_names[index]
        # `FROM builder` names a stage of this file, `scratch` is empty: no tag to pin.
        names_a_stage = image.lower() in stages_so_far or image == "scratch"
        if name:
            stages_so_far.add(name.lower())
        if names_a_stage:
            continue
        repository, _, digest = image.partition("@")
        tag = repository.rsplit(":", 1)[1] if ":" in repository.rsplit("/", 1)[-1] else ""
        if not tag and not digest:
            findings.append(
                _finding(
                    "pinned-base",
                    instruction.line,
                    f"`FROM {image}` has no tag, so it means latest",
                    "name a version and a slim variant, e.g. `FROM python:3.13-slim`",
                )
            )
        elif tag == "latest" or (tag and not digest and not re.search(r"\d", tag)):
            findings.append(
                _finding(
                    "pinned-base",
                    instruction.line,
                    f"`FROM {image}` follows a moving tag; the next build may get another Python",
                    "pin the version: `FROM python:3.13-slim`",
                )
            )
        pinned = not findings or findings[-1].line != instruction.line
        if pinned and index == len(froms) - 1 and not SMALL_BASE.search(image):
            findings.append(
                _finding(
                    "pinned-base",
                    instruction.line,
                    f"the image that runs starts from `{image}`, a full image (compilers, "
                    "hundreds of MB the app never uses)",
                    "start the final stage from a slim one, e.g. `python:3.13-slim`",
                )
            )
    return findings


def _installs_the_app(run: str) -> bool:
    """Whether one of the RUN's commands installs packages other than pip's
    own tooling (`pip install --upgrade pip` does not count)."""
    commands = re.split(r"&&|;|\|\|", run)
    return any(INSTALL.search(c) and not TOOLING_ONLY.search(c.strip()) for c in commands)


def dependencies_before_source(dockerfile: Dockerfile) -> list[Finding]:
    """Dependencies are installed from a copied requirements file before the
    app's source is copied in the same stage, so a code change does not
    reinstall every package."""
    installs = [i for i in dockerfile.of("RUN", final=False) if _installs_the_app(i.value)]
    if not installs:
        return [
            _finding(
                "dependencies-first",
                None,
                "no `RUN pip install` installs the app's dependencies",
                INSTALL_HINT,
            )
        ]
    findings = []
    for install in installs:
        stage = [i for i in dockerfile.instructions if i.stage == install.stage]
        before = [i for i in stage if i.line < install.line]
        early_source = next((i for i in before if _is_source_copy(i)), None)
        if early_source:
            findings.append(
                _finding(
                    "dependencies-first",
                    early_source.line,
                    f"`{early_source.keyword} {early_source.value}` copies the source before "
                    f"`pip install` (line {install.line}): every code change reinstalls everything",
                    "copy requirements.txt alone, install, and only then copy the app",
                )
            )
        copied_requirements = any(
            i.keyword in {"COPY", "ADD"}
            and any(DEPENDENCY_FILES.search(s) for s in (_copy_sources(i) or []))
            for i in before
        )
        from_file = re.search(
            r"(-r|--requirement)\s|\buv\s+sync\b|install\s+(\S+\s+)*\.(\s|$)", install.value
        )
        if early_source and from_file:
            continue  # the order is the problem, already said
        if not (copied_requirements and from_file) and not re.search(
            r"--mount=type=bind", install.value
        ):
            findings.append(
                _finding(
                    "dependencies-first",
                    install.line,
                    f"`RUN {install.value}` does not install from a copied requirements file, "
                    "so the versions are whatever is newest on the day of the build",
                    INSTALL_HINT,
                )
            )
    return findings


def _env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """The NAME=value pairs of an ENV or ARG (the old `ENV NAME value` too)."""
    try:
        words = shlex.split(instruction.value)
    except ValueError:
        words = instruction.value.split()
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    pairs = []
    for word in words:
        name, _, value = word.partition("=")
        pairs.append((name, value))
    return pairs


def _env_before(dockerfile: Dockerfile, instruction: Instruction) -> dict[str, str]:
    values: dict[str, str] = {}
    for env in dockerfile.instructions:
        if env.stage == instruction.stage and env.keyword == "ENV" and env.line < instruction.line:
            values.update(_env_pairs(env))
    return values


def pip_no_cache_dir(dockerfile: Dockerfile) -> list[Finding]:
    """Every `pip install` leaves no download cache in the image: the
    `--no-cache-dir` flag, `PIP_NO_CACHE_DIR` set before it, or a BuildKit
    cache mount (uv: `--no-cache`, `UV_NO_CACHE`, or a cache mount)."""
    findings = []
    for run in dockerfile.of("RUN", final=False):
        if not INSTALL.search(run.value) or "--mount=type=cache" in run.value:
            continue
        env = _env_before(dockerfile, run)
        uses_uv = bool(re.search(r"\buv\s+(pip|sync)\b", run.value))
        if uses_uv:
            cached = "--no-cache" not in run.value and not env.get("UV_NO_CACHE")
        else:
            cached = "--no-cache-dir" not in run.value and env.get(
                "PIP_NO_CACHE_DIR", ""
            ).lower() not in {"1", "true", "yes", "on", "off", "0"}
        if cached:
            findings.append(
                _finding(
                    "no-cache-dir",
                    run.line,
                    f"`RUN {run.value}` keeps pip's download cache in the image (tens of MB)",
                    "add `--no-cache-dir` to `pip install`",
                )
            )
    return findings


def non_root_user(dockerfile: Dockerfile) -> list[Finding]:
    """The image runs as a user other than root: the last USER of the final
    stage (the one in force when the container starts) names someone else."""
    users = dockerfile.of("USER")
    command = (dockerfile.of("CMD") or dockerfile.of("ENTRYPOINT") or [None])[-1]
    if not users:
        return [
            _finding(
                "non-root-user",
                command.line if command else None,
                "there is no USER, so the app runs as root inside the container",
                "add `USER 10001` (a numeric id that owns nothing) before `CMD`",
            )
        ]
    last = users[-1]
    user = last.value.strip().split(":", 1)[0]
    if user in ROOT_USERS:
        return [
            _finding(
                "non-root-user",
                last.line,
                f"`USER {last.value}` runs the app as root",
                "switch to an unprivileged user: `USER 10001`",
            )
        ]
    return []


def _exec_form(value: str) -> bool:
    try:
        words = json.loads(value)
    except json.JSONDecodeError:
        return False
    return isinstance(words, list) and bool(words) and all(isinstance(w, str) for w in words)


def exec_form_cmd(dockerfile: Dockerfile) -> list[Finding]:
    """The container's command (CMD, and ENTRYPOINT if there is one) is in
    exec form, so the server is PID 1 and receives SIGTERM; in shell form a
    `/bin/sh -c` receives it and the server is killed without a graceful stop."""
    commands = dockerfile.of("CMD")[-1:] + dockerfile.of("ENTRYPOINT")[-1:]
    if not commands:
        return [
            _finding(
                "exec-form-cmd",
                None,
                "the image has no CMD: the container would not start the app",
                'add `CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "app.main:app"]`',
            )
        ]
    return [
        _finding(
            "exec-form-cmd",
            command.line,
            f"`{command.keyword} {command.value}` is in shell form: SIGTERM reaches `/bin/sh`, "
            "not the server, so a stop cuts requests off",
            f'write it as a JSON list: `{command.keyword} ["gunicorn", "-c", …]`',
        )
        for command in commands
        if not _exec_form(command.value)
    ]


def healthcheck(dockerfile: Dockerfile, *, in_compose: bool = False) -> list[Finding]:
    """The image has a HEALTHCHECK (not `NONE`), or compose.yaml gives the app
    service one (`in_compose`)."""
    checks = dockerfile.of("HEALTHCHECK")
    if in_compose or (checks and checks[-1].value.strip().upper() != "NONE"):
        return []
    return [
        _finding(
            "healthcheck",
            checks[-1].line if checks else None,
            "nothing tells Docker whether the app answers: a hung container counts as healthy",
            'add `HEALTHCHECK CMD ["python", "-c", "import urllib.request; '
            "urllib.request.urlopen('http://127.0.0.1:8000/health')\"]` (slim images have no curl)",
        )
    ]


def _is_secret(name: str, value: str) -> bool:
    upper = name.upper()
    return bool(
        (SECRET_NAME.search(upper) and not NOT_A_SECRET.search(upper))
        or CREDENTIALS_IN_URL.search(value)
    )


def no_secret_in_env_or_arg(dockerfile: Dockerfile) -> list[Finding]:
    """No ENV or ARG, in any stage, names a secret or holds credentials: both
    stay readable in the image's history (`docker history`, `docker inspect`)."""
    findings = []
    for instruction in dockerfile.instructions:
        if instruction.keyword not in {"ENV", "ARG"}:
            continue
        for name, value in _env_pairs(instruction):
            if _is_secret(name, value):
                findings.append(
                    _finding(
                        "no-secret",
                        instruction.line,
                        f"`{instruction.keyword} {name}` bakes a secret into the image, "
                        "where anyone "
                        "who pulls it can read it",
                        f"pass {name} when the container starts (compose: "
                        f"`{name}: ${{{name}:?}}`), never at build time",
                    )
                )
    return findings


def command_port(dockerfile: Dockerfile) -> int | None:
    """The port the container's command binds, when its arguments say it
    (`--port 8000`, `-b 0.0.0.0:8000`, `--bind=…`); None when a config file
    (gunicorn.conf.py's `bind`) decides."""
    commands = dockerfile.of("ENTRYPOINT")[-1:] + dockerfile.of("CMD")[-1:]
    words: list[str] = []
    for command in commands:
        words += json.loads(command.value) if _exec_form(command.value) else command.value.split()
    for index, word in enumerate(words):
        flag, _, inline = word.partition("=")
        if flag in {"--port", "-p", "-b", "--bind"}:
            value = inline or (words[index + 1] if index + 1 < len(words) else "")
            match = re.search(r"(\d+)$", value)
            if match:
                return int(match.group(1))
    return None


def expose_matches(dockerfile: Dockerfile, port: int) -> list[Finding]:
    """The final stage EXPOSEs `port`, the port the server binds."""
    exposes = dockerfile.of("EXPOSE")
    ports = {word.split("/", 1)[0] for expose in exposes for word in expose.value.split()}
    if str(port) in ports:
        return []
    if not exposes:
        return [
            _finding(
                "expose",
                None,
                f"the image does not say which port it serves (the app binds {port})",
                f"add `EXPOSE {port}`",
            )
        ]
    return [
        _finding(
            "expose",
            exposes[-1].line,
            f"`EXPOSE {exposes[-1].value}` does not match the port the server binds ({port})",
            f"`EXPOSE {port}`, or bind the port you expose",
        )
    ]


ALL_RULES = (
    pinned_slim_base,
    dependencies_before_source,
    pip_no_cache_dir,
    non_root_user,
    exec_form_cmd,
    healthcheck,
    no_secret_in_env_or_arg,
)
