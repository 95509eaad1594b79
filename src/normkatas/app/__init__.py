"""Front ends: the only place with argv, stdout, colour and exit codes.

cli, check, init, quiz, watch, class grading, the pytest plugin, Jupyter.
"""
