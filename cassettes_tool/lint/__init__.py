"""Lint: each problem of a cassette file with a stable code, and the selection of codes a run reports."""
