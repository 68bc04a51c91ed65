"""Load a README example as its own module, the way FastAPI's
tests/test_tutorial imports docs_src: each test drives one example file and
asserts what the lesson says it does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from workbook import paths


def example_path(stage_name: str, name: str) -> Path:
    return paths.STAGES / stage_name / "examples" / name


def load_example(stage_name: str, name: str) -> ModuleType:
    """Import stages/<stage_name>/examples/<name> under a module name of its own."""
    path = example_path(stage_name, name)
    module_name = f"example_{stage_name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
