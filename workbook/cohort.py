"""`workbook grade`: grade a folder of learner submissions into one gradebook.

Each subfolder is one learner's copy of the workbook (or of the stage folder).
Submissions are graded in parallel, one process per core, each with its own
time cap; a submission that is empty, crashes or hangs gets a row saying so, and
the run always finishes. Out come `gradebook.csv` and one JSON per learner.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import traceback
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbook import grading
from workbook.stages import Stage, find

SUBMISSION_CAP = float(os.environ.get("WORKBOOK_SUBMISSION_TIMEOUT", "60"))


@dataclass
class Graded:
    learner: str
    result: dict[str, Any]  # the JSON shape of `workbook check --json`


def _failed(stage: Stage, message: str) -> dict[str, Any]:
    return {
        "stage": stage.name,
        "number": stage.number,
        "status": "error",
        "passed": 0,
        "total": len(stage.requirements),
        "error": message,
        "requirements": [
            {"id": r.id, "summary": r.summary, "status": "error", "message": message}
            for r in stage.requirements
        ],
    }


def grade_one(stage_name: str, folder: str, cap: float) -> dict[str, Any]:
    """Grade one submission; never raises (runs in a pool worker)."""
    stage = find(stage_name)
    try:
        target = grading.resolve_target(stage, folder)
        if not (target / "app").is_dir():
            return _failed(stage, "empty submission: no app/ package for this stage")
        return grading.grade_stage(stage, target, workers=1, stage_timeout=cap).to_json()
    except Exception:  # one bad submission must not stop the cohort
        return _failed(
            stage, "the grader failed on this submission:\n" + traceback.format_exc(limit=3)
        )


def submissions(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def grade_all(
    stage: Stage, folder: Path, *, jobs: int, cap: float, on_done: Any = None
) -> list[Graded]:
    """Grade every submission in `folder`; `on_done(graded)` after each one."""
    learners = submissions(folder)
    grading.preload()  # once, here: the pool's workers are forked from this process
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    graded: list[Graded] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures: dict[Future[Any], str] = {
            pool.submit(grade_one, stage.name, str(path), cap): path.name for path in learners
        }
        for future in as_completed(futures):
            learner = futures[future]
            try:
                result = future.result()
            except Exception as error:  # a worker that died outright
                result = _failed(stage, f"the grader's worker died: {error}")
            item = Graded(learner, result)
            graded.append(item)
            if on_done is not None:
                on_done(item)
    return sorted(graded, key=lambda g: g.learner)


def write_gradebook(stage: Stage, graded: list[Graded], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    book = out / "gradebook.csv"
    ids = [r.id for r in stage.requirements]
    with open(book, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "stage", "passed", "total", "status", "error", *ids])
        for item in graded:
            result = item.result
            statuses = {r["id"]: r["status"] for r in result["requirements"]}
            error = (result.get("error") or "").splitlines()
            writer.writerow(
                [
                    item.learner,
                    stage.name,
                    result["passed"],
                    result["total"],
                    result["status"],
                    error[0] if error else "",
                    *(statuses.get(i, "") for i in ids),
                ]
            )
    for item in graded:
        (out / f"{item.learner}.json").write_text(
            json.dumps(item.result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return book
