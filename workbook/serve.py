"""`workbook run`: serve a stage's app with reload, as a learner works on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workbook import paths
from workbook.stages import Stage


def serve(stage: Stage, target: Path, *, port: int = 8000) -> int:
    main = target / "app" / "main.py"
    if not main.exists():
        print(f"workbook: there is no {paths.shown(main)} to serve", file=sys.stderr)
        return 2
    print(f"Serving stage {stage.number} from {paths.shown(target)} with reload.")
    print(f"  API docs:  http://127.0.0.1:{port}/docs")
    print("  Stop with Ctrl+C.\n", flush=True)
    # No __pycache__ in the learner's folder, from the grader or from here.
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "fastapi", "dev", "app/main.py", "--port", str(port)]
    try:
        return subprocess.call(command, cwd=target, env=env)
    except KeyboardInterrupt:
        return 0
