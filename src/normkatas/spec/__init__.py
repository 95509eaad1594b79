"""Kata specs: the YAML format, its validation and the kata catalogue on disk."""
