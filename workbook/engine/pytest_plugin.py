"""The grader's side of the pytest process: it classifies each check's outcome
and streams it, one JSON line per event (`workbook.engine.events`), to the file named
by `--wb-events`.

Lines are flushed as they happen, so when a learner's app kills the process
(`os._exit`, a hang stopped by the watchdog) the parent still knows every check
that finished and the one that was running.

Outcomes: `pass`; `todo` (the skeleton's `NotImplementedError("TODO …")`, or a
check's `todo()`); `fail` (the app answered wrongly); `error` (the learner's code
raised, or the app could not be loaded at all).
"""

from __future__ import annotations

import time
from typing import IO, Any

import pytest

from workbook.engine import events
from workbook.engine.classify import _excerpt, classify, unclassified
from workbook.engine.work_queue import WorkQueue
from workbook.seeds import seed_of

_sink = pytest.StashKey[IO[str]]()
_outcomes = pytest.StashKey[dict[str, dict[str, Any]]]()
# (requirement, seed or None) that a check failed, with --wb-first-failure.
_failed = pytest.StashKey[set[tuple[str | None, str | None]]]()
_order = pytest.StashKey[list[str]]()
# Each check's phases as pytest reported them: {"setup": "passed", ...}.
_phases = pytest.StashKey[dict[str, dict[str, str]]]()
OUTCOMES = frozenset({"pass", "fail", "todo", "error", "skip"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--wb-events", help="JSON-lines file the grader reads results from")
    parser.addoption("--wb-shard", default="0/1", help="run share I of N of the checks: I/N")
    parser.addoption("--wb-queue", help="take checks one at a time from this shared queue file")
    parser.addoption("--wb-spawner", help="socket of the grader's live-server spawner")
    parser.addoption("--wb-only", default="", help="grade only these requirements: 4.1,4.2")
    parser.addoption(
        "--wb-first-failure",
        action="store_true",
        help="skip the rest of a requirement's checks (under the same seed) once one fails",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--wb-events")
    if path:
        config.stash[_sink] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed at unconfigure
    config.stash[_outcomes] = {}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # The only sure sign that the child ran to the end: a watchdog's os._exit(1)
    # has the same exit code as "some checks failed".
    _emit(session.config, events.Finished(exitstatus=int(exitstatus)))


def pytest_unconfigure(config: pytest.Config) -> None:
    if _sink in config.stash:
        config.stash[_sink].close()


def _emit(config: pytest.Config, event: events.Event) -> None:
    sink = config.stash.get(_sink, None)
    if sink is not None:
        events.write(sink, event)


def requirement_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("req")
    return str(marker.args[0]) if marker and marker.args else None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Runs before --deselect, on the full list, so every share sees the same
    # numbering when the grader restarts one.
    index, count = (int(part) for part in config.getoption("--wb-shard").split("/"))
    only = config.getoption("--wb-only")
    if only:
        # Grade some requirements only (the workbook's own tests of a mutant).
        wanted = set(only.split(","))
        config.hook.pytest_deselected(items=[i for i in items if requirement_of(i) not in wanted])
        items[:] = [item for item in items if requirement_of(item) in wanted]
    checks = []
    for item in items:
        doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
        checks.append(
            events.CollectedCheck(
                nodeid=item.nodeid, req=requirement_of(item), doc=doc.strip().split("\n")[0]
            )
        )
    _emit(config, events.Collected(checks=tuple(checks)))
    # Slow checks (those given a longer timeout: a live server, many requests
    # at once) go first, so that they overlap with the quick ones.
    slow = [item for item in items if item.get_closest_marker("timeout")]
    quick = [item for item in items if not item.get_closest_marker("timeout")]
    # Stopping at the first failure (the workbook's tests of a mutant): the
    # quick checks first, so that a slow one runs only where they all pass.
    ordered = quick + slow if config.getoption("--wb-first-failure") else slow + quick
    config.stash[_order] = [item.nodeid for item in ordered]
    if config.getoption("--wb-first-failure"):
        items[:] = ordered
    if count > 1 and not config.getoption("--wb-queue"):
        # Fixed shares, where there is no shared queue: dealt round the table.
        kept = [item for position, item in enumerate(ordered) if position % count == index]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = [item for item in items if item in kept]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> bool | None:
    """With --wb-queue, run whichever check is next in the shared queue until
    none is left; otherwise pytest's own loop runs this child's share."""
    queue_file = session.config.getoption("--wb-queue")
    if not queue_file or session.testsfailed or session.config.option.collectonly:
        return None  # pytest's loop reports collection errors and --collect-only
    order = session.config.stash[_order]
    # A check that is not among the items was graded before a restart.
    present = {item.nodeid: item for item in session.items}
    with WorkQueue(queue_file) as queue:
        while (index := queue.take()) < len(order):
            item = present.get(order[index])
            if item is None:
                continue
            # The next check is unknown until it is taken, so each check is
            # torn down in full; the checks' fixtures are per check anyway.
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=None)
            if session.shouldfail or session.shouldstop:
                break
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _emit(item.config, events.Start(nodeid=item.nodeid, t=time.time(), cpu=time.process_time()))
    failed = item.config.stash.get(_failed, set())
    requirement = requirement_of(item)
    if (requirement, None) in failed or (requirement, seed_of(item.nodeid)) in failed:
        pytest.skip(f"an earlier check of {requirement} failed (--wb-first-failure)")


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest):
    # Bracket the import of the learner's app, so that if the process dies in
    # between (os._exit, a loop at module level), the grader knows where.
    if fixturedef.argname != "app":
        yield
        return
    _emit(request.config, events.Loading(nodeid=request.node.nodeid, t=time.time()))
    yield
    _emit(request.config, events.Loaded(nodeid=request.node.nodeid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    outcome = yield
    results = item.config.stash[_outcomes]
    phases = item.config.stash.setdefault(_phases, {}).setdefault(item.nodeid, {})
    try:
        report: pytest.TestReport = outcome.get_result()
    except BaseException as error:  # another plugin's hook broke: no report to read
        phases[call.when] = "broken"
        results.setdefault(item.nodeid, unclassified(item, f"{type(error).__name__}: {error}"))
        return
    phases[call.when] = report.outcome
    if item.nodeid in results:
        return  # the first problem (setup before call, call before teardown) is the one to tell
    try:
        if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
            results[item.nodeid] = classify(item, call.excinfo.value, call.when)
        elif report.skipped:
            results[item.nodeid] = {"outcome": "skip", "message": str(report.longrepr)[-300:]}
    except Exception as error:  # a bug in classify, or an exception it cannot walk
        results[item.nodeid] = unclassified(
            item, f"{type(error).__name__} while reading its exception: {_excerpt(str(error), 200)}"
        )


def verdict(item: pytest.Item) -> dict[str, Any]:
    """The outcome to report: the classified one, else a pass only when every
    phase of the check ran and passed; anything else is an error."""
    result = item.config.stash[_outcomes].get(item.nodeid)
    if result is not None:
        if result.get("outcome") not in OUTCOMES:
            return unclassified(item, f"unknown outcome {result.get('outcome')!r}")
        return result
    phases = item.config.stash.get(_phases, {}).get(item.nodeid, {})
    if phases and all(phases.get(when) == "passed" for when in ("setup", "call", "teardown")):
        return {"outcome": "pass"}
    seen = ", ".join(f"{when}: {state}" for when, state in phases.items()) or "no phase reported"
    return unclassified(item, f"it did not run to the end ({seen})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    yield
    try:
        result = verdict(item)
    except Exception as error:
        result = unclassified(item, f"{type(error).__name__}: {error}")
    if item.config.getoption("--wb-first-failure") and result.get("outcome") in ("fail", "error"):
        # Under its seed only: a check that draws no data failed for every seed.
        item.config.stash.setdefault(_failed, set()).add(
            (requirement_of(item), seed_of(item.nodeid))
        )
    _emit(
        item.config,
        events.Result(
            nodeid=item.nodeid,
            req=requirement_of(item),
            t=time.time(),
            cpu=time.process_time(),
            **result,
        ),
    )
