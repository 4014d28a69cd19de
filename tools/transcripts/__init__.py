"""Transcripts to training data: `python -m tools.transcripts --help` (or `make stories`)."""
