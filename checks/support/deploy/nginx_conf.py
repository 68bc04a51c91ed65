"""The learner's deploy/nginx.conf, made runnable on loopback by the grader.

The file is written for a container: `listen 80`, `server api1:8000`, logs in
/var/log/nginx. `rewrite()` parses it with crossplane (nginx's grammar, each
directive with its line) and changes only what ties it to that container:

- every `listen` becomes a loopback port the grader chose (one per port the
  learner listens on), so nothing else on the machine is reached or clashes;
- every `server` of every `upstream` becomes one of the grader's backends, in
  order (`expand_single`: a lone `server api:8000`, which Compose resolves to
  every replica, becomes one line per backend), and `resolve` is dropped;
- logs, pid and temporary files go to the grader's private folder, and the
  grader adds its own access log: one JSON line per request with the probe id
  the traffic helpers send and the backends nginx tried (`$upstream_addr`),
  which is how a check knows which backend answered, and whether nginx retried;
- `include mime.types` points at a copy in the private folder; other includes
  (outside the learner's file) are dropped and listed in `notes`.

Everything else (timeouts, `proxy_next_upstream`, headers, limits) is the
learner's, untouched. `line_of` maps each line of the rewritten file back to
the learner's line, so nginx's own errors can point at the learner's file.
"""

from __future__ import annotations

import grp
import os
import pwd
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crossplane

from checks.support.deploy.findings import Finding
from checks.support.live import free_port

FILE = "deploy/nginx.conf"
Directive = dict[str, Any]
# Where the grader's own nginx access log records each request.
LOG_FORMAT = (
    '{"probe":"$http_x_workbook_probe","method":"$request_method","uri":"$request_uri",'
    '"status":"$status","upstream":"$upstream_addr","upstream_status":"$upstream_status",'
    '"request_time":"$request_time"}'
)
MIME_TYPES = """types {
    text/html html;
    text/plain txt;
    application/json json;
}
"""
# Main-context directives that would daemonise nginx, write outside the
# private folder or need a user or module that a container has and this
# machine may not; the grader sets its own.
DROPPED_MAIN = {"daemon", "pid", "user", "error_log", "load_module", "lock_file"}
DROPPED_ANYWHERE = {"access_log", "error_log"}
TEMP_PATHS = ("client_body_temp_path", "proxy_temp_path")


class ConfigError(Exception):
    """The learner's file does not parse; `findings` say where."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("; ".join(str(f) for f in findings))
        self.findings = findings


@dataclass
class Rewritten:
    """The grader's runnable copy of the learner's nginx.conf."""

    folder: Path
    config: Path
    access_log: Path
    error_log: Path
    # Each port the learner listens on → the loopback port it became.
    listen_ports: dict[str, int]
    # Each upstream's name → the learner's server addresses, in order.
    upstreams: dict[str, list[str]]
    # Each line of the rewritten file → the learner's line (None: the grader's).
    line_of: dict[int, int | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        """The port to send requests to (the first one the learner listens on)."""
        return next(iter(self.listen_ports.values()))


def parse(path: Path) -> list[Directive]:
    """The file's directives (crossplane's payload, includes not followed);
    ConfigError with the learner's line when it does not parse."""
    if not path.is_file():
        raise ConfigError(
            [
                Finding(
                    "nginx-parse",
                    FILE,
                    None,
                    "there is no deploy/nginx.conf",
                    "write deploy/nginx.conf",
                )
            ]
        )
    payload = crossplane.parse(str(path), single=True, comments=False, check_ctx=True)
    errors = [error for config in payload["config"] for error in config["errors"]]
    if errors:
        raise ConfigError(
            [
                Finding(
                    "nginx-parse",
                    FILE,
                    error.get("line"),
                    str(error["error"]).replace(f" in {path}:{error.get('line')}", ""),
                    "nginx reads this file as a list of `directive args;` and `block { … }`",
                )
                for error in errors
            ]
        )
    return payload["config"][0]["parsed"]


def _directive(name: str, *args: str, block: list[Directive] | None = None) -> Directive:
    made: Directive = {"directive": name, "line": None, "args": list(args)}
    if block is not None:
        made["block"] = block
    return made


def _walk(block: list[Directive]) -> list[Directive]:
    found = []
    for directive in block:
        found.append(directive)
        found += _walk(directive.get("block") or [])
    return found


def _listen_key(address: str) -> str:
    """The port a `listen` argument names (`80`, `[::]:80`, `0.0.0.0:80`)."""
    return address.rsplit(":", 1)[-1] if ":" in address else address


def _rewrite_listens(block: list[Directive], ports: dict[str, int], first_port: int) -> None:
    for server in (d for d in _walk(block) if d["directive"] == "server" and "block" in d):
        seen: set[int] = set()
        kept = []
        for directive in server["block"]:
            if directive["directive"] != "listen":
                kept.append(directive)
                continue
            key = _listen_key(directive["args"][0])
            if key not in ports:
                ports[key] = first_port if not ports else free_port()
            port = ports[key]
            if port in seen:  # `listen 80` and `listen [::]:80` are one port on loopback
                continue
            seen.add(port)
            options = [a for a in directive["args"][1:] if not a.startswith("ipv6only")]
            kept.append({**directive, "args": [f"127.0.0.1:{port}", *options]})
        server["block"] = kept


def _rewrite_upstreams(
    block: list[Directive], backends: list[int], expand_single: bool, down: frozenset[int]
) -> dict[str, list[str]]:
    upstreams: dict[str, list[str]] = {}
    for upstream in (d for d in _walk(block) if d["directive"] == "upstream"):
        servers = [d for d in upstream.get("block") or [] if d["directive"] == "server"]
        upstreams[upstream["args"][0]] = [s["args"][0] for s in servers]
        if not servers:
            continue
        if expand_single and len(servers) == 1:
            servers = [dict(servers[0]) for _ in backends]
        rewritten = []
        for index, server in enumerate(servers):
            options = [
                a for a in server["args"][1:] if a != "resolve" and not a.startswith("service=")
            ]
            port = backends[index % len(backends)]
            if port in down and "down" not in options:
                options.append("down")  # drained: nginx sends it nothing new
            rewritten.append({**server, "args": [f"127.0.0.1:{port}", *options]})
        others = [d for d in upstream["block"] if d["directive"] != "server"]
        upstream["block"] = rewritten + others
    return upstreams


def _drop(block: list[Directive], names: set[str]) -> list[Directive]:
    kept = []
    for directive in block:
        if directive["directive"] in names:
            continue
        if "block" in directive:
            directive = {**directive, "block": _drop(directive["block"], names)}
        kept.append(directive)
    return kept


def _includes(block: list[Directive], folder: Path, notes: list[str]) -> list[Directive]:
    kept = []
    for directive in block:
        if directive["directive"] == "include":
            target = directive["args"][0]
            if target.endswith("mime.types"):
                kept.append({**directive, "args": [str(folder / "mime.types")]})
            else:
                notes.append(
                    f"line {directive['line']}: `include {target}` is not read by the grader "
                    "(put what it holds in deploy/nginx.conf)"
                )
            continue
        if "block" in directive:
            directive = {**directive, "block": _includes(directive["block"], folder, notes)}
        kept.append(directive)
    return kept


def _worker_user() -> list[Directive]:
    """Run as root, nginx would hand its workers to `nobody`, who cannot write
    the private folder; keep them as the grader's own user instead."""
    if os.geteuid() != 0:
        return []
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    return [_directive("user", user, group)]


def _number_lines(block: list[Directive], line_of: dict[int, int | None], line: int) -> int:
    """Number the lines as crossplane.build writes them: one line per
    directive, and one more for each block's closing brace."""
    for directive in block:
        line_of[line] = directive.get("line")
        line += 1
        if "block" in directive:
            line = _number_lines(directive["block"], line_of, line)
            line_of[line] = directive.get("line")
            line += 1
    return line


def rewrite(
    source: Path,
    folder: Path,
    backends: list[int],
    *,
    listen_port: int | None = None,
    expand_single: bool = True,
    proxy_bind: str | None = None,
    down: frozenset[int] = frozenset(),
) -> Rewritten:
    """Write the runnable copy of `source` into `folder` (created) and say what
    changed. `backends` are the loopback ports of the app's processes.
    `proxy_bind` is the address nginx connects to them from: another loopback
    address than the client's, so the app can tell nginx from its caller.
    The backends on the `down` ports are marked `down`: drained, as a
    rolling restart takes a replica out of nginx before it stops it."""
    folder.mkdir(parents=True, exist_ok=True)
    parsed = parse(source)
    notes: list[str] = []
    ports: dict[str, int] = {}
    parsed = _drop(parsed, DROPPED_ANYWHERE)
    parsed = [d for d in parsed if d["directive"] not in DROPPED_MAIN]
    parsed = _includes(parsed, folder, notes)
    _rewrite_listens(parsed, ports, listen_port or free_port())
    upstreams = _rewrite_upstreams(parsed, backends, expand_single, down)
    if not ports:
        notes.append("no `listen` directive: nginx listens on port 80 (or 8000 unprivileged)")

    access_log, error_log = folder / "access.log", folder / "error.log"
    for http in (d for d in parsed if d["directive"] == "http"):
        grader = [
            _directive("log_format", "workbook_upstream", "escape=json", LOG_FORMAT),
            _directive("access_log", str(access_log), "workbook_upstream"),
            *(_directive(name, str(folder / name.removesuffix("_path"))) for name in TEMP_PATHS),
            *([_directive("proxy_bind", proxy_bind)] if proxy_bind else []),
        ]
        http["block"] = grader + http["block"]
    header = [
        _directive("daemon", "off"),
        _directive("pid", str(folder / "nginx.pid")),
        _directive("error_log", str(error_log), "notice"),
        *_worker_user(),
    ]
    parsed = header + parsed
    (folder / "mime.types").write_text(MIME_TYPES)
    config = folder / "nginx.conf"
    config.write_text(crossplane.build(parsed, indent=4) + "\n")
    line_of: dict[int, int | None] = {}
    _number_lines(parsed, line_of, 1)
    return Rewritten(folder, config, access_log, error_log, ports, upstreams, line_of, notes)
