"""Errors that end a `grade` run with exit status 2 (usage or spec problems)."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the command line, a file, or a kata spec: the message says which."""
