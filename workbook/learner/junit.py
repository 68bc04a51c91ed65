"""Results as JUnit XML: one test case per requirement, for CI systems that
show it (GitLab, Jenkins, GitHub test reporters)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any


def write(results: list[tuple[str, dict[str, Any]]], path: Path) -> None:
    """`results`: (suite name, the JSON shape of `workbook check --json`) pairs."""
    root = ET.Element("testsuites")
    for name, result in results:
        statuses = [r["status"] for r in result["requirements"]]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(statuses)),
            failures=str(statuses.count("fail") + statuses.count("todo")),
            errors=str(statuses.count("error")),
            skipped="0",
        )
        if result.get("error"):
            ET.SubElement(suite, "system-err").text = result["error"]
        for requirement in result["requirements"]:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=name,
                name=f"{requirement['id']} {requirement['summary']}",
            )
            if requirement["status"] == "pass":
                continue
            tag = "error" if requirement["status"] == "error" else "failure"
            message = requirement["message"] or requirement["status"]
            element = ET.SubElement(
                case, tag, type=requirement["status"], message=message.splitlines()[0][:200]
            )
            element.text = message
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
