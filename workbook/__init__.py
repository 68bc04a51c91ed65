"""The FastAPI Workbook's grader and command-line tool."""
