"""Import a learner's `app` package afresh, turning every way it can break into
one readable sentence.

Runs inside the grader's pytest process. A syntax error, a missing module, an
exception or `sys.exit()` at import, no `app` object, an `app` that is not an
ASGI application: each becomes an `AppLoadError` whose message says what, where
(file, line, the line itself) and what to do. Infinite loops and `os._exit()`
cannot be caught here; the grader's watchdog and the parent process handle them.
"""

from __future__ import annotations

import importlib
import linecache
import sys
import traceback
from pathlib import Path
from typing import Any

APP_PACKAGE = "app"
APP_MODULE = "app.main"


class AppLoadError(Exception):
    """The learner's app could not be loaded; the message is for the learner."""


def _purge_app_modules() -> None:
    # Every check gets a freshly imported app: module-level state (an in-memory
    # list, a cached settings object) must not leak from one check to the next.
    for name in list(sys.modules):
        if name == APP_PACKAGE or name.startswith(APP_PACKAGE + "."):
            del sys.modules[name]
    importlib.invalidate_caches()


def _relative(filename: str, target: Path) -> str:
    try:
        return str(Path(filename).resolve().relative_to(target.parent))
    except ValueError:
        return filename


def _learner_frame(error: BaseException, target: Path) -> traceback.FrameSummary | None:
    """The innermost traceback frame that is in the learner's code."""
    frames = traceback.extract_tb(error.__traceback__)
    root = str(target.resolve())
    for frame in reversed(frames):
        if frame.filename.startswith(root):
            return frame
    return None


def where(error: BaseException, target: Path) -> str:
    """`app/main.py, line 7:  x = 1 / 0` for the learner's frame, or ''."""
    frame = _learner_frame(error, target)
    if frame is None:
        return ""
    line = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
    return f"{_relative(frame.filename, target)}, line {frame.lineno}:\n    {line}"


def _syntax_message(error: SyntaxError, target: Path) -> str:
    filename = _relative(error.filename or "?", target)
    text = (error.text or "").rstrip("\n")
    stripped = text.lstrip()
    caret = ""
    if error.offset and stripped:
        column = max(error.offset - (len(text) - len(stripped)), 1)
        caret = "\n    " + " " * (column - 1) + "^"
    kind = type(error).__name__
    return (
        f"{kind} in {filename}, line {error.lineno}: {error.msg}\n"
        f"    {stripped}{caret}\n"
        "Python could not read this file, so none of the checks could run. "
        "Fix the line above (or the one just before it)."
    )


def load_app(target: Path) -> Any:
    """Import `app.main` from `target` afresh and return its `app` object."""
    target = target.resolve()
    main_file = target / "app" / "main.py"
    if not main_file.exists():
        raise AppLoadError(
            f"There is no {_relative(str(main_file), target)}: the grader looks for an "
            "`app` package with a `main.py` module that defines `app = FastAPI(...)`."
        )
    _purge_app_modules()
    # Importing the learner's code must leave their folder byte for byte as it
    # was: no __pycache__ next to their files (the grader's children keep
    # compiled code under a pycache prefix instead).
    if not sys.pycache_prefix:
        sys.dont_write_bytecode = True
    if sys.path[0] != str(target):
        sys.path.insert(0, str(target))
    try:
        module = importlib.import_module(APP_MODULE)
    except SyntaxError as error:  # includes IndentationError and TabError
        raise AppLoadError(_syntax_message(error, target)) from None
    except SystemExit as error:
        raise AppLoadError(
            f"Your app called sys.exit({error.code!r}) while it was being imported.\n"
            f"{where(error, target)}\n"
            "An app module must only define things; start servers with `make run`."
        ) from None
    except ModuleNotFoundError as error:
        location = where(error, target)
        raise AppLoadError(
            f"Importing your app failed: there is no module named {error.name!r}.\n"
            f"{location}\n"
            "Check the spelling of the import, or that the module exists in app/."
        ) from None
    except BaseException as error:  # a learner's code may raise anything at import
        raise AppLoadError(
            f"Importing your app raised {type(error).__name__}: {error}\n{where(error, target)}"
        ) from None

    app = getattr(module, "app", None)
    if app is None:
        raise AppLoadError(
            "app/main.py has no variable named `app`. The grader (and `fastapi dev`) "
            "look for it there: `app = FastAPI(...)`."
        )
    if not callable(app):
        raise AppLoadError(
            f"`app` in app/main.py is a {type(app).__name__}, not an application. "
            "It should be `app = FastAPI(...)`."
        )
    from fastapi import FastAPI

    if not isinstance(app, FastAPI):
        raise AppLoadError(
            f"`app` in app/main.py is a {type(app).__name__}, not a FastAPI application. "
            "It should be `app = FastAPI(...)`."
        )
    return app
