"""`workbook new-stage NN slug "Title"`: a new stage that `make test` picks up
at once. It starts from the previous stage's solution (stage N+1's skeleton is
stage N's solution plus new TODOs) with one example requirement, its check,
three mutants and a README outline, all to be replaced by the real thing.
See docs/instructors.md."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from workbook import paths
from workbook.authoring.consistency import record
from workbook.authoring.mutants import PATCH
from workbook.authoring.patches import files_of, make, write_files
from workbook.stages import Stage, StageError, all_stages, load_stage

SLUG = re.compile(r"^[a-z][a-z0-9_]*$")

STAGE_TOML = '''\
title = "{title}"
summary = """\\
TODO: one paragraph on what the learner builds in this stage.\\
"""
objectives = [
    "TODO: what the learner can do after this stage",
]

# One [[requirements]] table per thing the grader checks. The id is "{number}.k";
# the summary says exactly what is checked (paths, status codes, fields); the
# hints climb from a nudge to nearly the answer.
[[requirements]]
id = "{number}.1"
summary = "GET /stage-{nn} answers 200 {{\\"stage\\": {number}}}"
hints = [
    "Which decorator registers a GET route?",
    "Add @app.get(\\"/stage-{nn}\\") above a function that returns a dict.",
    "return {{\\"stage\\": {number}}}",
]
'''

README = """\
# Stage {number} · {title}

TODO: one paragraph: what the learner builds, and where their code lives
(`stages/{name}/app/`).

## Why this matters

TODO

## Concepts

TODO: each concept with a short runnable snippet.

```python
from fastapi import FastAPI

app = FastAPI()


@app.get("/stage-{nn}")
def read_stage() -> dict[str, int]:
    return {{"stage": {number}}}
```

## Tasks

1. **{number}.1** TODO: the first task.

## Acceptance criteria

- **{number}.1** GET /stage-{nn} answers 200 {{"stage": {number}}}

## Try it by hand

```sh
make run STAGE={number}
curl -s http://127.0.0.1:8000/stage-{nn}
```

## Common mistakes

TODO

## Cheat sheet

TODO

## Interview questions

TODO: questions, each with an answer.

## Further reading

TODO
"""

EXAMPLE_ROUTE = """

# Example requirement from `workbook new-stage`: replace it with the stage's own.
@app.get("/stage-{nn}")
def read_stage_{nn}() -> dict[str, int]:
    return {{"stage": {number}}}
"""
# What the skeleton has in place of the example route's body.
ANSWER_TODO = 'raise NotImplementedError("TODO {number}.1: answer {{\\"stage\\": {number}}}")'

CHECK = '''\
"""Stage {number}: {title}."""

import pytest

from checks.support import expect_json, expect_status


@pytest.mark.req("{number}.1")
def test_stage_route_answers(client):
    """GET /stage-{nn} answers 200 {{"stage": {number}}}."""
    response = client.get("/stage-{nn}")
    expect_status(response, 200)
    expect_json(response, {{"stage": {number}}}, exact=True)
'''

# Three mistakes in the example route: (description, the line, the line mutated).
ROUTE = '@app.get("/stage-{nn}")'
ANSWER = 'return {{"stage": {number}}}'
MUTANTS = {
    "wrong_status": (
        "Answers 201 instead of 200",
        ROUTE,
        '@app.get("/stage-{nn}", status_code=201)',
    ),
    "wrong_number": (
        "Answers the previous stage's number",
        ANSWER,
        'return {{"stage": {previous}}}',
    ),
    "wrong_path": ("Serves the route at the wrong path", ROUTE, '@app.get("/stage{nn}")'),
}


MINIMAL_APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


class ScaffoldError(Exception):
    """The stage cannot be created (taken number, bad slug, …)."""


def _replaced(files: dict[str, str], line: str, by: str) -> dict[str, str]:
    main = files["app/main.py"]
    return {**files, "app/main.py": main.replace(line, by)}


def create(number: int, slug: str, title: str) -> Stage:
    if not 1 <= number <= 99:
        raise ScaffoldError("the stage number must be between 1 and 99")
    if not SLUG.match(slug):
        raise ScaffoldError(f"{slug!r} is not a slug: lower-case letters, digits and _")
    existing = all_stages()
    if any(stage.number == number for stage in existing):
        raise ScaffoldError(f"stage {number} exists already")
    nn, name = f"{number:02d}", f"{number:02d}_{slug}"
    fields = {"number": number, "nn": nn, "title": title.replace('"', "'"), "name": name}
    stage_folder, solution = paths.STAGES / name, paths.SOLUTIONS / name
    checks, mutants = paths.CHECKS / f"stage_{nn}", paths.MUTANTS / name
    for folder in (stage_folder, solution, checks, mutants):
        if folder.exists():
            raise ScaffoldError(f"{paths.shown(folder)} exists already")

    stage_folder.mkdir(parents=True)
    (stage_folder / "stage.toml").write_text(STAGE_TOML.format(**fields), encoding="utf-8")
    (stage_folder / "README.md").write_text(README.format(**fields), encoding="utf-8")

    previous = [stage for stage in existing if stage.number < number]
    if previous and (previous[-1].solution / "app").is_dir():
        # The previous stage's solution: its requirements are done by the time
        # a learner reaches this stage.
        shutil.copytree(
            previous[-1].solution / "app",
            solution / "app",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    else:
        (solution / "app").mkdir(parents=True)
        (solution / "app" / "__init__.py").write_text("")
        (solution / "app" / "main.py").write_text(MINIMAL_APP)
    main = solution / "app" / "main.py"
    main.write_text(
        main.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXAMPLE_ROUTE.format(**fields),
        encoding="utf-8",
    )

    checks.mkdir(parents=True)
    (checks / "__init__.py").write_text("")
    (checks / "test_example.py").write_text(CHECK.format(**fields), encoding="utf-8")

    values = {"nn": nn, "number": number, "previous": number - 1}
    solution_files = files_of(solution)
    answer = ANSWER.format(**values)
    skeleton = _replaced(solution_files, answer, ANSWER_TODO.format(**values))
    write_files(stage_folder, skeleton)
    for kind, (description, line, mutated) in MUTANTS.items():
        folder = mutants / kind
        folder.mkdir(parents=True)
        (folder / "mutant.toml").write_text(
            f'requirement = "{number}.1"\ndescription = "{description}"\n', encoding="utf-8"
        )
        wrong = _replaced(solution_files, line.format(**values), mutated.format(**values))
        (folder / PATCH).write_text(make(solution_files, wrong), encoding="utf-8")
    try:
        stage = load_stage(stage_folder)
    except StageError as error:  # pragma: no cover - the templates are ours
        raise ScaffoldError(str(error)) from error
    record(stage)
    return stage


def created_paths(stage: Stage) -> list[Path]:
    return [stage.folder, stage.solution, stage.checks, stage.mutants]
