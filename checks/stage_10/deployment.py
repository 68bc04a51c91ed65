"""What stage 10's checks share: the learner's service deployed natively.

`Deployment` is the stage's service as the checks run it: the schema made by
the learner's migrations, run once as a release step (`alembic upgrade head`),
two Gunicorn backends started from deploy/gunicorn.conf.py on one database,
and nginx serving the learner's deploy/nginx.conf rewritten to their loopback
ports. nginx connects to the backends from 127.0.0.2 (`proxy_bind`), the
grader's client calls nginx from 127.0.0.1, and the backends trust proxy
headers from 127.0.0.2 only: so a log line can tell the client from nginx.

The deployment is built once per grading child (a session fixture) and
`heal()`ed before each check that uses it: every backend running and not
stopped, nginx restarted so that no backend is held as failed.

While a file of the stage folder still holds `TODO 10.k`, a failing check of
10.k is to do, not wrong (conftest.py): the skeleton's starting state.
"""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from checks.support.database import Database
from checks.support.deploy import backends, compose, nginx_conf, nginx_server, traffic
from checks.support.deploy.backends import Backends
from checks.support.deploy.nginx_conf import ConfigError
from checks.support.failures import fail

# Where nginx connects to the backends from, when this machine has it (every
# Linux routes all of 127/8 to the loopback; macOS has only 127.0.0.1).
NGINX_ADDRESS = "127.0.0.2"
# Hash passwords cheaply: the checks log in hundreds of times, and the cost is
# stage 8's business. The first admin may create products (10.9).
ADMIN = {"username": "grader_admin", "email": "admin@example.com", "password": "admin-passw0rd!"}
FAST_HASHES = {"ARGON2_MEMORY_COST": "1024", "ARGON2_TIME_COST": "1"}
# The files of the stage folder a TODO can stand in, besides app/.
LEARNER_FILES = (
    "Dockerfile",
    ".dockerignore",
    "compose.yaml",
    "requirements.txt",
    "deploy/gunicorn.conf.py",
    "deploy/nginx.conf",
)


def has_address(address: str) -> bool:
    """Whether this machine can bind `address` (a second loopback address)."""
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


def service_environment(database_url: str, secret_key: str) -> dict[str, str]:
    """What every backend of one deployment is started with."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "FIRST_ADMIN_USERNAME": ADMIN["username"],
        "FIRST_ADMIN_EMAIL": ADMIN["email"],
        "FIRST_ADMIN_PASSWORD": ADMIN["password"],
        **FAST_HASHES,
    }


def release(root: Path, database_url: str, folder: Path) -> None:
    """The release step: `alembic upgrade head`, once, before any backend starts."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(root / "alembic.ini"), "upgrade", "head"],
        cwd=folder,
        env={**backends.environment(), "DATABASE_URL": database_url, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        fail(
            "the release step `alembic upgrade head` failed, so no backend can start:\n"
            + (done.stderr or done.stdout)[-1200:],
            expected="the stage 9 migrations to build the schema",
        )


def tables(database_url: str) -> list[str]:
    """The tables the database holds (in the check's schema, on PostgreSQL)."""
    database = Database(database_url)
    if database.is_sqlite:
        found = database.rows("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        found = database.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    return sorted(str(row[0]) for row in found if not str(row[0]).startswith("sqlite_"))


@dataclass
class Service:
    """Two backends of the learner's app on one database, without nginx: what
    10.3 and 10.6 need, so they do not stand or fall with nginx.conf."""

    root: Path
    database_url: str
    backends: Backends
    # Whether the backends trust proxy headers from NGINX_ADDRESS (this
    # machine has it), else from 127.0.0.1, the client's own address.
    separate_addresses: bool

    @property
    def database(self) -> Database:
        return Database(self.database_url)

    def heal(self) -> None:
        """Every backend running (again) and answering, none stopped."""
        stopped = []
        for backend in self.backends:
            backend.resume()
            if not backend.running():
                backend.start(wait=False)
                stopped.append(backend)
        for backend in stopped:
            backend.wait_until_healthy()

    def count(self, table: str, where: str, *params: object) -> int:
        rows = self.database.rows(f"SELECT count(*) FROM {table} WHERE {where}", *params)
        return int(rows[0][0])


@dataclass
class Deployment:
    """The service behind nginx."""

    service: Service
    nginx: nginx_server.Nginx
    proxy: traffic.Proxy
    notes: list[str] = field(default_factory=list)

    @property
    def backends(self) -> Backends:
        return self.service.backends

    @property
    def database(self) -> Database:
        return self.service.database

    @property
    def separate_addresses(self) -> bool:
        return self.service.separate_addresses

    def count(self, table: str, where: str, *params: object) -> int:
        return self.service.count(table, where, *params)

    rewrite: Callable[[frozenset[int]], nginx_conf.Rewritten] | None = None

    def heal(self) -> None:
        """Every backend up, and nginx fresh: holding none of them as failed."""
        self.service.heal()
        self.drain(frozenset())
        self.nginx.restart()

    def drain(self, ports: frozenset[int]) -> None:
        """Mark the backends on `ports` down in nginx (none: all back in), and
        reload it without dropping a request."""
        if self.rewrite is None or ports == self._drained:
            return
        self.nginx.reload(self.rewrite(ports))
        self._drained = ports

    _drained: frozenset[int] = frozenset()


def _replicated(root: Path) -> set[str]:
    """The compose.yaml services that run as two or more replicas: one
    `server api:8000` names all of them, as Compose's DNS answers."""
    path = root / "compose.yaml"
    try:
        described = compose.load(path)
    except Exception:  # a broken or missing compose.yaml is 10.5's to report
        return set()
    return {name for name in described.apps if compose.replicas(described.services[name]) >= 2}


def _rewrite(
    root: Path,
    folder: Path,
    ports: list[int],
    separate: bool,
    down: frozenset[int] = frozenset(),
    port: int | None = None,
) -> nginx_conf.Rewritten:
    """The learner's nginx.conf on the backends' ports (those on `down` marked
    down), listening on `port` (else a free one). A lone upstream server
    stands for every backend only when it names a replicated service: `server
    api1:8000` alone sends everything to api1."""
    options = {"proxy_bind": NGINX_ADDRESS if separate else None, "down": down, "listen_port": port}
    source = root / nginx_conf.FILE
    rewritten = nginx_conf.rewrite(source, folder, ports, expand_single=False, **options)
    replicated = _replicated(root)
    lone = [servers[0] for servers in rewritten.upstreams.values() if len(servers) == 1]
    if any(address.rpartition(":")[0] in replicated for address in lone):
        rewritten = nginx_conf.rewrite(source, folder, ports, expand_single=True, **options)
    return rewritten


@contextlib.contextmanager
def serve(root: Path, database_url: str, folder: Path) -> Iterator[Service]:
    """The release step, then two backends of the learner's app on `database_url`."""
    release(root, database_url, folder / "release")
    separate = has_address(NGINX_ADDRESS)
    env = service_environment(database_url, secrets.token_hex(32))
    # The trusted address is the grader's to set, as a deployment would set
    # it: the learner's forwarded_allow_ips names their Compose network. (10.3
    # reads the learner's own value.)
    extra = ("--forwarded-allow-ips", NGINX_ADDRESS if separate else "127.0.0.1")
    with Backends(root, folder / "backends", env, extra_args=extra) as started:
        yield Service(root, database_url, started, separate)


@contextlib.contextmanager
def behind_nginx(service: Service, folder: Path) -> Iterator[Deployment]:
    """The learner's nginx.conf, rewritten to the service's backends, served."""
    try:
        rewritten = _rewrite(
            service.root, folder, service.backends.ports, service.separate_addresses
        )
    except ConfigError as error:
        fail(
            "deploy/nginx.conf does not parse:\n" + "\n".join(str(f) for f in error.findings),
            expected="a configuration nginx can read",
        )
    except OSError as error:
        fail(f"deploy/nginx.conf cannot be read: {error}", expected="deploy/nginx.conf")
    problems = nginx_server.check_config(rewritten)
    if problems:
        fail(
            "nginx -t refuses deploy/nginx.conf:\n" + "\n".join(str(p) for p in problems),
            expected="`nginx -t` to pass",
        )
    with nginx_server.Nginx(rewritten) as nginx, traffic.Proxy(nginx) as proxy:
        notes = list(rewritten.notes)
        if not service.separate_addresses:
            notes.append(
                f"{NGINX_ADDRESS} is not a loopback address here: the client's "
                "address is checked in nginx.conf, not in the logs"
            )

        def rewrite(down: frozenset[int]) -> nginx_conf.Rewritten:
            return _rewrite(
                service.root,
                folder,
                service.backends.ports,
                service.separate_addresses,
                down,
                port=rewritten.port,  # the port the checks' client calls
            )

        yield Deployment(service, nginx, proxy, notes, rewrite)
