"""Reference solutions: found in a solutions folder, called on copies of the inputs.

The reference runs in the grader's process (it is the project's own code);
the student's process never imports it.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from normkatas.spec.model import Kata

_MODULE_PREFIX = "_normkatas_reference_"


class ReferenceFailure(Exception):
    """The kata's reference solution cannot be loaded or does not behave."""


class Reference:
    """The kata's reference, returning its outputs as a list of arrays."""

    def __init__(self, kata: Kata, function: Callable[..., Any], path: Path) -> None:
        self.kata = kata
        self.function = function
        self.path = path

    def __call__(self, **kwargs: Any) -> list[np.ndarray]:
        copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return self._outputs(self.function(**copies))

    def timed(self, kwargs: Mapping[str, Any], runs: int = 3) -> tuple[list[np.ndarray], float]:
        """The outputs, and the fastest of ``runs`` calls in seconds (the call alone,
        on fresh copies of the inputs, as the sandbox times the student's)."""
        best = float("inf")
        out: Any = None
        for _ in range(max(1, runs)):
            copies = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
            start = time.perf_counter()
            out = self.function(**copies)
            best = min(best, time.perf_counter() - start)
        return self._outputs(out), best

    def _outputs(self, out: Any) -> list[np.ndarray]:
        n = len(self.kata.returns)
        items = [out] if n == 1 else list(out)
        if len(items) != n:
            raise ReferenceFailure(
                f"reference {self.path.name} returned {len(items)} values; "
                f"kata {self.kata.id} declares {n}"
            )
        return [np.asarray(item) for item in items]


def find_reference_file(kata: Kata, solutions_dirs: Sequence[Path]) -> Path:
    name = f"{kata.reference_module}.py"
    for folder in solutions_dirs:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in solutions_dirs) or "(no folder)"
    raise ReferenceFailure(f"kata {kata.id}: reference file {name} not found in {searched}")


def load_reference(kata: Kata, solutions_dirs: Sequence[Path]) -> Reference:
    path = find_reference_file(kata, solutions_dirs)
    module_name = _MODULE_PREFIX + str(abs(hash(str(path.resolve()))))
    module = sys.modules.get(module_name)
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise ReferenceFailure(f"kata {kata.id}: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ReferenceFailure(
                f"kata {kata.id}: importing reference {path.name} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        sys.modules[module_name] = module
    function = getattr(module, kata.reference_function, None)
    if not callable(function):
        raise ReferenceFailure(
            f"kata {kata.id}: {path.name} defines no function {kata.reference_function}"
        )
    return Reference(kata, function, path)
