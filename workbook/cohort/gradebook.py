"""The gradebook of a cohort run: one CSV row per learner (a column per
requirement, the flags and the notes) and one JSON file per learner beside it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from workbook.cohort.cohort import Graded
from workbook.stages import Stage


def _cell(text: str) -> str:
    """A learner's text in a spreadsheet cell: never a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_gradebook(stage: Stage, graded: list[Graded], out: Path) -> Path:
    """Write the gradebook into `out`; the CSV file's path."""
    out.mkdir(parents=True, exist_ok=True)
    book = out / "gradebook.csv"
    ids = [r.id for r in stage.requirements]
    with open(book, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["learner", "stage", "passed", "total", "status", "error", *ids, "flags", "notes"]
        )
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
                    _cell(error[0]) if error else "",
                    *(statuses.get(i, "") for i in ids),
                    "; ".join(item.flags),
                    _cell(" ".join(item.notes)),
                ]
            )
    for item in graded:
        payload = {**item.result, "flags": item.flags, "notes": item.notes}
        (out / f"{item.learner}.json").write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return book
