# The fixtures that load the app under test (`app`, `client`, `data`, …) live in
# checks/support/fixtures.py; the grader runs the checks with this file's folder
# as pytest's rootdir, so they are available to every check.
pytest_plugins = ["checks.support.fixtures"]
