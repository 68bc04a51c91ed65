"""The learner's commands: check's report, hints, progress, reset, watch, and make run."""
