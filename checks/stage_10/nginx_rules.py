"""Which headers nginx sets on the requests it proxies, location by location.

nginx's `proxy_set_header` is inherited from http to server to location only
by a level that sets none of its own: one `proxy_set_header` in a location
drops every one the server block set. So the headers in effect for a
location are those of the innermost level that has any."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from checks.support.deploy import nginx_conf
from checks.support.deploy.findings import Finding

# Each header a proxied request must carry, with the variables that fill it.
REQUIRED = {
    "host": ("$host", "$http_host"),
    "x-forwarded-for": ("$proxy_add_x_forwarded_for", "$remote_addr"),
    "x-forwarded-proto": ("$scheme",),
}


def _headers(block: list[dict[str, Any]]) -> dict[str, str] | None:
    found = {
        d["args"][0].lower(): " ".join(d["args"][1:])
        for d in block
        if d["directive"] == "proxy_set_header" and d.get("args")
    }
    return found or None


def missing_proxy_headers(path: Path) -> list[Finding]:
    """A finding for each location with proxy_pass that lacks a required header."""
    findings: list[Finding] = []
    try:
        parsed = nginx_conf.parse(path)
    except nginx_conf.ConfigError as error:
        return error.findings

    def visit(block: list[dict[str, Any]], inherited: dict[str, str] | None) -> None:
        here = _headers(block) or inherited
        for directive in block:
            if directive["directive"] == "proxy_pass":
                effective = here or {}
                for name, values in REQUIRED.items():
                    if not any(v in effective.get(name, "") for v in values):
                        findings.append(
                            Finding(
                                "proxy-headers",
                                nginx_conf.FILE,
                                directive.get("line"),
                                f"requests proxied here carry no `{name}` header of nginx's",
                                f"`proxy_set_header {name.title()} {values[0]};` (all at "
                                "one level: a location that sets one inherits none)",
                            )
                        )
            if directive.get("block") is not None and directive["directive"] != "upstream":
                visit(directive["block"], here)

    visit(parsed, None)
    return findings


# nginx's time units, in seconds.
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_READ_TIMEOUT = 60.0


def seconds(value: str) -> float | None:
    """An nginx time ("5s", "500ms", "1m30s", "10") in seconds; None if unreadable."""
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|s|m|h|d)?", value):
        total += int(number) * _UNITS[unit or "s"]
    return total if re.fullmatch(r"(\d+(ms|s|m|h|d)?)+", value) else None


def read_timeouts(path: Path) -> list[tuple[int | None, float]]:
    """(line of proxy_pass, proxy_read_timeout in effect there) for each
    location that proxies; nginx's default is 60 s."""
    found: list[tuple[int | None, float]] = []
    parsed = nginx_conf.parse(path)

    def visit(block: list[dict[str, Any]], inherited: float) -> None:
        here = inherited
        for directive in block:
            if directive["directive"] == "proxy_read_timeout" and directive.get("args"):
                here = seconds(directive["args"][0]) or inherited
        for directive in block:
            if directive["directive"] == "proxy_pass":
                found.append((directive.get("line"), here))
            if directive.get("block") is not None and directive["directive"] != "upstream":
                visit(directive["block"], here)

    visit(parsed, DEFAULT_READ_TIMEOUT)
    return found
