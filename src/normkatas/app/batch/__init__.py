"""Class grading: many submissions, one sandbox, a gradebook and a class report."""
