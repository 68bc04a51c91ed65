"""The grading engine: runs a stage's checks in child processes, reads their
events and classifies every outcome."""
