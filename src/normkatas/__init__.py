"""normkatas: auto-graded katas for normalization layers, with a grader that explains mistakes.

The public API (everything else is internal and may change)::

    import normkatas

    kata = normkatas.load_kata("batchnorm-bchw")          # a bundled id, or a path to a YAML file
    result = normkatas.grade_file("my_solution.py")       # -> normkatas.Result
    result.status, result.score, result.diagnoses

Importing the package is cheap: the grader loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from normkatas._version import __version__

if TYPE_CHECKING:
    from normkatas.app.api import grade_file, load_kata
    from normkatas.report.result import Result

__all__ = ["Result", "__version__", "grade_file", "load_kata"]

_LAZY = {
    "grade_file": "normkatas.app.api",
    "load_kata": "normkatas.app.api",
    "Result": "normkatas.report.result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'normkatas' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
