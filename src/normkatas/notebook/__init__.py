"""Notebooks as submissions: a ``.ipynb`` file (or a kernel's cell history) -> one module.

    from normkatas.notebook import convert_file
    module = convert_file(Path("solution.ipynb"))
    module.source          # the Python module that is graded like any .py file
    module.locate(12)      # Origin(cell=7, line=3, shift=0): where module line 12 came from

What is kept (see `normkatas.notebook.convert` for the rule): the definitions of
the code cells and what they need; magics, shell escapes, ``skip-grade`` cells
and display-only statements are left out.  This package never imports IPython
and never runs the code it reads.
"""

from normkatas.notebook.convert import (
    Cell,
    NotebookError,
    NotebookModule,
    Origin,
    cells_of,
    convert_file,
    read_cells,
    to_module,
)

__all__ = [
    "Cell",
    "NotebookError",
    "NotebookModule",
    "Origin",
    "cells_of",
    "convert_file",
    "read_cells",
    "to_module",
]
