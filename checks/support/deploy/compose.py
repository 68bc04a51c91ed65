"""compose.yaml, read the way Compose reads it, checked rule by rule.

`load()` parses the file with PyYAML (anchors and `<<` merges resolved) and
notes the line of each service. The rules need to tell the services apart:
the app is what is built from this folder (`build:`), nginx is the service
whose image is nginx, the database the one whose image is PostgreSQL.

`config()` asks Docker Compose itself, where its binary is installed, as a
second opinion: the file must be valid, and it must refuse to start when the
secrets are not set (`${SECRET_KEY:?}`). It never reads the learner's `.env`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from checks.support.deploy import tools
from checks.support.deploy.findings import Finding

FILE = "compose.yaml"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL")
NOT_A_SECRET = re.compile(
    r"_(MINUTES|SECONDS|HOURS|DAYS|TTL|EXPIRE|EXPIRES|LIFETIME|LENGTH|"
    r"ALGORITHM|FILE|PATH)$"
)
# `${NAME:?message}` or `${NAME?message}`: Compose stops when NAME is not set.
REQUIRED_VARIABLE = re.compile(r"\$\{\w+:?\?[^}]*\}")
ANY_VARIABLE = re.compile(r"\$\{?\w+")
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]+:([^/\s@]+)@")


@dataclass(frozen=True)
class Compose:
    path: Path
    spec: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)  # service name → line

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services = self.spec.get("services") or {}
        return {name: body or {} for name, body in services.items() if isinstance(body, dict)}

    def _image(self, name: str) -> str:
        return str(self.services[name].get("image") or "")

    @property
    def release_steps(self) -> list[str]:
        """One-shot services (migrations): another service waits for them with
        `service_completed_successfully`, or their command runs alembic."""
        awaited = {
            name
            for body in self.services.values()
            if isinstance(body.get("depends_on"), dict)
            for name, rule in body["depends_on"].items()
            if isinstance(rule, dict) and rule.get("condition") == "service_completed_successfully"
        }
        return [
            name
            for name, body in self.services.items()
            if name in awaited or re.search(r"alembic|migrat", str(body.get("command") or ""))
        ]

    @property
    def apps(self) -> list[str]:
        """The long-running services built from this folder: the app's replicas."""
        return [
            name
            for name, body in self.services.items()
            if "build" in body
            and "nginx" not in self._image(name)
            and name not in self.release_steps
        ]

    @property
    def nginx(self) -> list[str]:
        return [name for name in self.services if re.search(r"(^|/)nginx\b", self._image(name))]

    @property
    def databases(self) -> list[str]:
        return [
            name
            for name in self.services
            if re.search(r"(^|/)(postgres|postgis)", self._image(name)) and name not in self.apps
        ]

    def finding(self, rule: str, service: str | None, message: str, hint: str) -> Finding:
        return Finding(rule, FILE, self.lines.get(service or ""), message, hint)


def load(path: Path) -> Compose:
    """Parse compose.yaml (FileNotFoundError when missing, yaml.YAMLError when
    it is not YAML; a check should report both)."""
    text = path.read_text(encoding="utf-8")
    spec = yaml.safe_load(text) or {}
    if not isinstance(spec, dict):
        raise yaml.YAMLError(f"{path.name} should be a mapping with a `services:` key")
    lines: dict[str, int] = {}
    root = yaml.compose(text)
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "services" and isinstance(value, yaml.MappingNode):
                lines = {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return Compose(path, spec, lines)


def replicas(body: dict[str, Any]) -> int:
    deploy = body.get("deploy") or {}
    for value in (deploy.get("replicas"), body.get("scale")):
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError):
                return 1
    return 1


def _build_context(body: dict[str, Any]) -> str:
    build = body.get("build")
    if isinstance(build, dict):
        return f"{build.get('context', '.')}|{build.get('dockerfile', 'Dockerfile')}"
    return f"{build}|Dockerfile"


def app_replicas(compose: Compose, minimum: int = 2) -> list[Finding]:
    """At least `minimum` copies of the app run: `deploy.replicas` (or
    `scale`), or several services built from the same Dockerfile."""
    if not compose.apps:
        return [
            compose.finding(
                "replicas",
                None,
                "no service is built from this folder (`build: .`)",
                "add an app service with `build: .`",
            )
        ]
    per_build: dict[str, int] = {}
    for name in compose.apps:
        context = _build_context(compose.services[name])
        per_build[context] = per_build.get(context, 0) + replicas(compose.services[name])
    if max(per_build.values()) >= minimum:
        return []
    return [
        compose.finding(
            "replicas",
            compose.apps[0],
            f"only {max(per_build.values())} copy of the app runs: "
            "one crash takes the service down",
            f"`deploy: {{replicas: {minimum}}}` on the app, "
            f"or {minimum} services with the same `build:`",
        )
    ]


def _published(body: dict[str, Any]) -> list[str]:
    return [
        json.dumps(port) if isinstance(port, dict) else str(port)
        for port in body.get("ports") or []
    ]


def nginx_publishes_one_port(compose: Compose) -> list[Finding]:
    """One nginx service publishes exactly one port, and the apps publish
    none: every request goes through the load balancer."""
    if not compose.nginx:
        return [
            compose.finding(
                "nginx-port",
                None,
                "no service runs nginx (`image: nginx:…`)",
                "add an `nginx` service with your deploy/nginx.conf mounted",
            )
        ]
    findings = []
    for name in compose.nginx:
        ports = _published(compose.services[name])
        if len(ports) != 1:
            findings.append(
                compose.finding(
                    "nginx-port",
                    name,
                    f"`{name}` publishes {len(ports)} ports ({', '.join(ports) or 'none'})",
                    'publish exactly one: `ports: ["8080:80"]`',
                )
            )
    for name in compose.apps:
        ports = _published(compose.services[name])
        if ports:
            findings.append(
                compose.finding(
                    "nginx-port",
                    name,
                    f"the app service `{name}` publishes {', '.join(ports)}: "
                    "clients can skip nginx",
                    "remove its `ports:` (nginx reaches it on the compose network)",
                )
            )
    return findings


def _volume_source(entry: Any) -> tuple[str, str]:
    """(source, type) of one `volumes:` entry, short or long syntax."""
    if isinstance(entry, dict):
        return str(entry.get("source", "")), str(entry.get("type", "volume"))
    source = str(entry).split(":", 1)[0] if ":" in str(entry) else ""
    kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
    return source, kind if source else "anonymous"


def nginx_mounts_the_config(compose: Compose, config: str = "deploy/nginx.conf") -> list[Finding]:
    """Each nginx service mounts the learner's nginx.conf (the file, or the
    folder holding it), else it runs the image's default configuration."""
    findings = []
    for name in compose.nginx:
        sources = [
            _volume_source(entry)[0].removeprefix("./").rstrip("/")
            for entry in compose.services[name].get("volumes") or []
        ]
        folder = config.rpartition("/")[0]
        if not any(source in (config, folder) for source in sources):
            findings.append(
                compose.finding(
                    "nginx-config",
                    name,
                    f"`{name}` does not mount {config}: it runs nginx's default configuration, "
                    "which proxies nothing",
                    f'`volumes: ["./{config}:/etc/nginx/nginx.conf:ro"]`',
                )
            )
    return findings


def _healthcheck_set(body: dict[str, Any]) -> bool:
    check = body.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable"):
        return False
    test = check.get("test")
    return bool(test) and test not in (["NONE"], "NONE")


def postgres_with_healthcheck_and_volume(compose: Compose) -> list[Finding]:
    """A PostgreSQL service with a healthcheck (pg_isready) and its data in a
    named volume declared under the top-level `volumes:`."""
    if not compose.databases:
        return [
            compose.finding(
                "database",
                None,
                "no PostgreSQL service (`image: postgres:18`)",
                "add a `db` service running PostgreSQL",
            )
        ]
    declared = set((compose.spec.get("volumes") or {}).keys())
    findings = []
    for name in compose.databases:
        body = compose.services[name]
        if not _healthcheck_set(body):
            findings.append(
                compose.finding(
                    "database",
                    name,
                    f"`{name}` has no healthcheck: nothing can wait until it accepts connections",
                    'add `healthcheck: {test: ["CMD-SHELL", "pg_isready -U $$POSTGRES_USER"]}`',
                )
            )
        named = [
            source
            for source, kind in map(_volume_source, body.get("volumes") or [])
            if kind == "volume" and source in declared
        ]
        if not named:
            findings.append(
                compose.finding(
                    "database",
                    name,
                    f"`{name}` keeps its data in the container: it is lost with the container",
                    "mount a named volume (`pgdata:/var/lib/postgresql`) "
                    "and declare it under `volumes:`",
                )
            )
    return findings


def apps_wait_for_database(compose: Compose) -> list[Finding]:
    """Every app service `depends_on` the database with `condition:
    service_healthy`, so it starts once PostgreSQL accepts connections."""
    findings = []
    for app in compose.apps:
        depends = compose.services[app].get("depends_on") or {}
        for database in compose.databases:
            condition = (
                depends.get(database, {}).get("condition") if isinstance(depends, dict) else None
            )
            if condition != "service_healthy":
                findings.append(
                    compose.finding(
                        "depends-on",
                        app,
                        f"`{app}` does not wait for `{database}` to be healthy "
                        f"({'only for it to start' if database in depends else 'not at all'})",
                        f"`depends_on: {{{database}: {{condition: service_healthy}}}}`",
                    )
                )
    return findings


def _environment(body: dict[str, Any]) -> dict[str, str]:
    """A service's variables as a dict; one named without a value (`- NAME`,
    `NAME:`) passes the shell's through, which reads as `${NAME}`."""
    environment = body.get("environment") or {}
    if isinstance(environment, list):
        pairs = [str(item).partition("=") for item in environment]
        return {name: value if sep else f"${{{name}}}" for name, sep, value in pairs}
    return {
        str(name): f"${{{name}}}" if value is None else str(value)
        for name, value in environment.items()
    }


def _names_a_secret(name: str) -> bool:
    upper = name.upper()
    return bool(SECRET_NAME.search(upper) and not NOT_A_SECRET.search(upper))


def secrets_from_environment(compose: Compose) -> list[Finding]:
    """No secret is written in compose.yaml: a variable named like a secret,
    or a URL's password, is `${NAME:?…}` (Compose refuses to start without
    it), and every app gets SECRET_KEY that way or through `env_file`."""
    findings = []
    for name, body in compose.services.items():
        environment = _environment(body)
        for variable, value in environment.items():
            password = CREDENTIALS_IN_URL.search(value)
            if password and not REQUIRED_VARIABLE.fullmatch(password.group(1)):
                findings.append(
                    compose.finding(
                        "secrets",
                        name,
                        f"`{variable}` in `{name}` has a password written in the URL",
                        "put it in the environment: `…://shop:${POSTGRES_PASSWORD:?}@db/shop`",
                    )
                )
            elif _names_a_secret(variable) and not REQUIRED_VARIABLE.search(value):
                written = (
                    "is written in the file"
                    if not ANY_VARIABLE.search(value)
                    else ("falls back to an empty or default value when it is not set")
                )
                findings.append(
                    compose.finding(
                        "secrets",
                        name,
                        f"`{variable}` in `{name}` {written}",
                        f"`{variable}: ${{{variable}:?set {variable}}}`: "
                        "Compose then refuses to start without it",
                    )
                )
        if (
            name in compose.apps
            and "SECRET_KEY" not in environment
            and not (body.get("env_file") or body.get("secrets"))
        ):
            findings.append(
                compose.finding(
                    "secrets",
                    name,
                    f"`{name}` gets no SECRET_KEY: each replica would make up its own",
                    "`SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}` under its `environment:`",
                )
            )
    return findings


def database_port_not_published(compose: Compose) -> list[Finding]:
    """The database publishes no port: only the apps, on the compose network,
    reach it."""
    return [
        compose.finding(
            "database-port",
            name,
            f"`{name}` publishes {', '.join(_published(compose.services[name]))}: "
            "the database is reachable from outside",
            "remove its `ports:`; the apps reach it as `db:5432`",
        )
        for name in compose.databases
        if compose.services[name].get("ports")
    ]


def healthcheck_in_compose(compose: Compose) -> bool:
    """Whether every app service has a healthcheck of its own (which stands
    in for the Dockerfile's HEALTHCHECK)."""
    return bool(compose.apps) and all(_healthcheck_set(compose.services[a]) for a in compose.apps)


ALL_RULES = (
    app_replicas,
    nginx_publishes_one_port,
    postgres_with_healthcheck_and_volume,
    apps_wait_for_database,
    secrets_from_environment,
    database_port_not_published,
)


@dataclass(frozen=True)
class ComposeVerdict:
    """What `docker compose config` said: exit code, the normalised file (a
    dict) when it succeeded, else its error."""

    returncode: int
    normalised: dict[str, Any] | None
    error: str


def config(path: Path, variables: dict[str, str], tool: tools.Tool | None = None) -> ComposeVerdict:
    """`docker compose -f PATH config --format json` with only `variables` in
    the environment (an empty `--env-file`, so a learner's `.env` is not
    read). No daemon is needed; the project folder is only read."""
    tool = tool or tools.compose()
    with tempfile.TemporaryDirectory(prefix="workbook-compose-") as folder:
        empty = Path(folder) / "empty.env"
        empty.write_text("")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": folder, **variables}
        done = subprocess.run(
            [
                *tool.require(),
                "--env-file",
                str(empty),
                "-f",
                str(path),
                "config",
                "--format",
                "json",
            ],
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            timeout=30,
            check=False,
        )
    if done.returncode != 0:
        return ComposeVerdict(done.returncode, None, (done.stderr or done.stdout).strip())
    try:
        return ComposeVerdict(0, json.loads(done.stdout), "")
    except json.JSONDecodeError:
        return ComposeVerdict(1, None, f"unreadable output: {done.stdout[:300]}")
