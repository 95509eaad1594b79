"""Values written in a kata file (a case's ``expected``), judged like grading judges.

A written value agrees with the reference when grading would accept it as a
student's answer: ``|written - reference| <= atol + rtol * |reference|`` with
the case's (or the kata's) grading tolerance, through the same comparison
(`normkatas.grading.compare.compare_array`).  A case may say otherwise in the
open with ``expected_atol``: values within it are accepted, but when they are
outside the grading tolerance the check still flags them (a note, not an
error), so a printout that is off stays visible.

When written values disagree, the check runs the diagnosis in reverse: it
looks for one change to the case's own inputs or to the reference's formula
that reproduces them.  Candidates:

- one numeric scalar argument (``epsilon``, ``momentum``, a scalar ``gamma``)
  set to another round value (0, 1e-5, 2, ...);
- ``x_hat`` rounded to 0-4 decimals before scaling and shifting (normalization
  katas with ``gamma`` and ``beta``);
- a mistake of the diagnosis catalogue (the unbiased variance, epsilon outside
  the square root, other axes...), simulated by the kata's formula family.

A candidate reproduces the values when it agrees within the grading
tolerance where the reference does not, or, failing that, within the
precision the values are printed with (half a unit of their last decimal)
where the reference does not.  The findings are data
(`normkatas.report.check.ExpectedMismatch`, `Reproduction`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import msgspec
import numpy as np

from normkatas.grading.compare import compare_array
from normkatas.report.check import ExpectedMismatch, Reproduction
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata, Tolerance

Reference = Callable[..., Sequence[np.ndarray]]
Locate = Callable[[tuple[str | int, ...]], int | None]

ROUND_VALUES: tuple[float, ...] = (
    0.0, *(m * 10.0**k for k in range(-12, 4) for m in (1.0, 2.0, 3.0, 5.0))
)
"""The values a scalar argument is tried at when looking for what reproduces a printout."""
XHAT_DECIMALS = (0, 1, 2, 3, 4)


def _no_line(path: tuple[str | int, ...]) -> int | None:
    return None


def check_written(
    kata: Kata,
    reference: Reference,
    cases: Sequence[MaterializedCase],
    outputs: Mapping[str, Sequence[np.ndarray]],
    locate: Locate = _no_line,
) -> tuple[list[ExpectedMismatch], list[ExpectedMismatch]]:
    """(errors, notes) about the written expected values of every case."""
    names = [o.name for o in kata.returns]
    errors: list[ExpectedMismatch] = []
    notes: list[ExpectedMismatch] = []
    for position, case in enumerate(cases):
        written = case.spec.expected
        if not written or case.name not in outputs:
            continue
        index = _case_index(kata, case, position)
        tol = case.spec.tolerance or kata.tolerance
        open_atol = case.spec.expected_atol
        for name, value in written.items():
            line = locate(("cases", index, "expected", name)) or locate(("cases", index))
            base = ExpectedMismatch(case=case.name, output=name, line=line, rtol=tol.rtol,
                                    atol=tol.atol, expected_atol=open_atol)
            if name not in names:
                errors.append(msgspec.structs.replace(base, problem="unknown-output",
                                                      known=list(names)))
                continue
            computed = np.asarray(outputs[case.name][names.index(name)], dtype=np.float64)
            given = _as_array(value)
            if given is None or given.shape != computed.shape:
                errors.append(msgspec.structs.replace(
                    base, problem="shape",
                    written_shape=None if given is None else list(given.shape),
                    reference_shape=list(computed.shape),
                ))
                continue
            verdict = compare_array(given, computed, name, tol, hidden=False)
            if not verdict.mismatched:
                continue
            diff = np.abs(given - computed)
            worst = tuple(int(i) for i in np.unravel_index(int(np.nanargmax(
                np.where(np.isfinite(diff), diff, np.inf))), diff.shape)) if diff.size else ()
            found = _reproduce(kata, reference, case, name, names.index(name), given,
                               computed, tol)
            within_open = open_atol is not None and bool(np.all(diff <= open_atol))
            decimals = _decimals(given)
            largest = float(np.nanmax(diff)) if diff.size else 0.0
            finding = msgspec.structs.replace(
                base,
                problem="values",
                index=list(worst),
                written=float(given[worst]) if diff.size else None,
                computed=float(computed[worst]) if diff.size else None,
                mismatched=verdict.mismatched,
                total=verdict.total,
                max_abs_diff=largest,
                decimals=decimals,
                printed_rounding=largest <= 0.5 * 10.0**-decimals * (1 + 1e-9),
                reproduced_by=found,
            )
            if not within_open:
                errors.append(finding)
            elif found or not finding.printed_rounding:
                notes.append(finding)  # a printout the case's precision does not explain
    return errors, notes


def _case_index(kata: Kata, case: MaterializedCase, fallback: int) -> int:
    for i, c in enumerate(kata.cases):
        if c is case.spec or c.name == case.name:
            return i
    return fallback


def _as_array(value: Any) -> np.ndarray | None:
    try:
        given = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return given


def _decimals(values: np.ndarray) -> int:
    """The most decimals among the values as written (shortest repr, at most 17)."""
    most = 0
    for v in values.ravel()[:10_000]:
        if not np.isfinite(v):
            continue
        text = repr(float(v))
        mantissa, _, exponent = text.partition("e")
        decimals = len(mantissa.partition(".")[2].rstrip("0"))
        decimals -= int(exponent) if exponent else 0
        most = max(most, decimals)
    return min(most, 17)


# -- the diagnosis in reverse -----------------------------------------------------------


def _agrees(given: np.ndarray, candidate: np.ndarray, tol: Tolerance) -> bool:
    """`compare_array`'s rule, ``|given - candidate| <= atol + rtol * |candidate|``."""
    if candidate.shape != given.shape or not np.all(np.isfinite(candidate)):
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(given - candidate) <= tol.atol + tol.rtol * np.abs(candidate)))


def _reproduce(
    kata: Kata, reference: Reference, case: MaterializedCase, name: str, slot: int,
    given: np.ndarray, computed: np.ndarray, tol: Tolerance,
) -> list[Reproduction]:
    """The simplest explanations, best tier first: an argument within the grading
    tolerance, a rounding within it, a catalogue mistake within it, then the same
    within the printed precision (only when the reference is not within the printed
    precision itself).  Later kinds are only computed when earlier ones explain nothing."""
    printed = Tolerance(rtol=0.0, atol=0.5 * 10.0 ** -_decimals(given) * (1 + 1e-9))
    reference_printed = _agrees(given, computed, printed)
    seen: dict[str, list[tuple[Reproduction, np.ndarray]]] = {}
    kinds: tuple[tuple[str, Callable[[], Iterator[tuple[Reproduction, np.ndarray]]]], ...] = (
        ("argument", lambda: _arguments(kata, reference, case, slot)),
        ("rounded", lambda: _rounded_xhat(kata, reference, case, slot)),
        ("mistake", lambda: _mistakes(kata, case, slot)),
    )
    for kind, make in kinds:
        seen[kind] = list(make())
        strict = [(_error(given, c), r) for r, c in seen[kind] if _agrees(given, c, tol)]
        if strict:
            return _simplest(strict)
    if reference_printed:
        return []
    for kind, _ in kinds:
        loose = [(_error(given, c), r) for r, c in seen[kind] if _agrees(given, c, printed)]
        if loose:
            return _simplest(loose)
    return []


def _error(given: np.ndarray, candidate: np.ndarray) -> float:
    return float(np.max(np.abs(candidate - given))) if given.size else 0.0


def _simplest(found: list[tuple[float, Reproduction]]) -> list[Reproduction]:
    """One reproduction per name: the closest, with the range of values that also do."""
    out = []
    for name in dict.fromkeys(r.name for _, r in found):
        mine = [(e, r) for e, r in found if r.name == name]
        best = min(mine, key=lambda item: (item[0], -(item[1].decimals or 0)))[1]
        values = [r.value for _, r in mine if r.value is not None]
        if best.kind == "argument" and len(values) > 1:
            best = msgspec.structs.replace(best, low=min(values), high=max(values))
        out.append(best)
    return out


def _call(reference: Reference, kwargs: Mapping[str, Any], slot: int) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            out = reference(**kwargs)
        return np.asarray(out[slot], dtype=np.float64)
    except Exception:  # a candidate the reference refuses reproduces nothing
        return None


def _arguments(
    kata: Kata, reference: Reference, case: MaterializedCase, slot: int
) -> Iterator[tuple[Reproduction, np.ndarray]]:
    for param in kata.params:
        value = case.kwargs.get(param.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        for other in ROUND_VALUES:
            if np.isclose(other, float(value), rtol=1e-9, atol=0.0):
                continue
            got = _call(reference, {**case.kwargs, param.name: other}, slot)
            if got is not None:
                yield Reproduction(kind="argument", name=param.name, value=other,
                                   was=float(value)), got


def _mistakes(
    kata: Kata, case: MaterializedCase, slot: int
) -> Iterator[tuple[Reproduction, np.ndarray]]:
    from normkatas.diagnose.coverage import mistake_outputs

    for mistake, title, outputs in mistake_outputs(kata, dict(case.kwargs)):
        if slot < len(outputs):
            yield Reproduction(kind="mistake", name=mistake, title=title), outputs[slot]


def _rounded_xhat(
    kata: Kata, reference: Reference, case: MaterializedCase, slot: int
) -> Iterator[tuple[Reproduction, np.ndarray]]:
    """y = gamma * round(x_hat, d) + beta, from three calls of the reference
    (it is linear in gamma and beta)."""
    s = kata.structure
    if s is None or s.family != "normalization":
        return
    gamma, beta = s.roles.get("gamma"), s.roles.get("beta")
    y = s.outputs.get("y")
    if not gamma or not beta or y is None or kata.returns[slot].name != y:
        return
    g, b = case.kwargs.get(gamma), case.kwargs.get(beta)
    if g is None or b is None:
        return
    one = np.ones_like(np.asarray(g, dtype=np.float64))
    zero = np.zeros_like(np.asarray(b, dtype=np.float64))
    full = _call(reference, case.kwargs, slot)
    x_hat = _call(reference, {**case.kwargs, gamma: one, beta: zero}, slot)
    scaled = _call(reference, {**case.kwargs, beta: zero}, slot)
    if full is None or x_hat is None or scaled is None:
        return
    with np.errstate(all="ignore"):
        scale = np.where(x_hat != 0, scaled / np.where(x_hat != 0, x_hat, 1.0), 0.0)
    for d in XHAT_DECIMALS:
        candidate = full + scale * (np.round(x_hat, d) - x_hat)
        if np.allclose(candidate, np.round(full, d), rtol=0.0, atol=1e-12):
            continue  # the same as printing the output with d decimals: no explanation
        yield Reproduction(kind="rounded", name="x_hat", decimals=d), candidate
