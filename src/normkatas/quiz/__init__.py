"""Concept questions: a kata's ``questions:`` asked in a terminal (`grade quiz`) or
answered in a file and graded into a `Result` like a solution."""
