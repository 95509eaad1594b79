"""Grading one submission against one kata: prepared kata, reference, comparison, verdicts, timing, the Result; and the session that starts the sandbox first."""
