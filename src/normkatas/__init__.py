"""normkatas: auto-graded katas for normalization layers, with a grader that explains mistakes."""

__version__ = "0.1.0"
