"""Grading one submission against one kata.

The prepared kata, reference, comparison, verdicts, timing, the Result; and the
session that starts the sandbox before anything secret is loaded.
"""
