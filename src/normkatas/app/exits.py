"""The exit statuses of `grade`, defined once.

0  every graded case passed (or the command did what it was asked)
1  the submission failed a case or could not be run
2  a usage, spec or platform problem: the message says which, and how to fix it
3  an internal error of the grader (a bug: please report it)
4  class grading: every student was graded, but some result could not be written (disk full)
130  interrupted (Ctrl-C)
"""

from __future__ import annotations

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_NOT_WRITTEN = 4
EXIT_INTERRUPTED = 130
