"""Cohort grading: each submission graded in a sandbox, and the integrity checks around it."""
