"""What the diagnosis gets (`DiagnosisInput`) and what it derives once (`Context`).

An `Item` is one evaluated call, a case or a probe: its inputs, what the
student returned (as float arrays, when it is the declared number of
outputs) and the reference's outputs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from normkatas.diagnose.families import Family, family_for, role
from normkatas.diagnose.layout import Grouping, Layout, affine_axis, expected_grouping
from normkatas.diagnose.probes import PLANS_MEMO, PREFIX, ProbePlan, plan
from normkatas.report.result import CaseResult
from normkatas.sandbox.types import Call, CallOutcome, RunOutcome
from normkatas.sandbox.values import as_outputs
from normkatas.spec.inputs import MaterializedCase
from normkatas.spec.model import Kata, Tolerance

Arrays = list[np.ndarray]
PROBE_REFERENCES_MEMO = "probe-references"
ITEM_CACHES_MEMO = "item-caches"
ITEM_CACHE_LIMIT = 20_000
"""Entries kept across submissions (a class's worth); past it they start over."""


@dataclass(frozen=True)
class DiagnosisInput:
    kata: Kata
    cases: Sequence[MaterializedCase]
    results: Sequence[CaseResult]
    """One per case, same order, verdicts already computed."""
    outcome: RunOutcome
    """Call keys: case names for cases, the probe keys for probes."""
    reference: Callable[..., list[np.ndarray]]
    reference_outputs: Mapping[str, list[np.ndarray]]
    probes: Sequence[Call] = ()
    source: str | None = None
    submission_name: str = "solution.py"
    memo: dict[str, Any] | None = None
    """Scratch space shared by every diagnosis against the same cases and probes
    (the probe plan, the reference's outputs on the probes): pass the same dict
    each time to compute those once; None: computed for this diagnosis only."""


def _floats(arrays: Sequence[np.ndarray] | None) -> Arrays | None:
    if arrays is None:
        return None
    out = []
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind not in "biuf":
            return None
        out.append(a.astype(np.float64))
    return out


def allclose(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """``np.allclose(a, b, rtol, atol, equal_nan=True)`` for arrays of one shape,
    without its per-call overhead (the fit calls it thousands of times).

    Most comparisons the fit makes are of a wrong candidate: its first element
    already differs, which plain floats tell without a single array operation
    (the same IEEE arithmetic, so the same answer)."""
    if _first_differs(a, b, rtol, atol):
        return False
    if b.dtype.kind not in "fc":
        b = np.asarray(b, dtype=np.result_type(b, 1.0))
    with np.errstate(all="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.abs(b)
        ok &= np.isfinite(b)
        ok |= a == b
        if ok.all():
            return True
        ok |= np.isnan(a) & np.isnan(b)
        return bool(ok.all())


def _first_differs(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    """The first elements of two float64 arrays of one shape fail `allclose`'s test."""
    if (a.dtype != _F64 or b.dtype != _F64 or a.shape != b.shape or not a.size
            or not isinstance(rtol, int | float) or not isinstance(atol, int | float)):
        return False
    return differs(a.item(0), b.item(0), rtol, atol)


def differs(x: float, y: float, rtol: float, atol: float) -> bool:
    """`allclose`'s test failed by one pair of elements, in plain floats."""
    if x == y or (x != x and y != y):
        return False
    return not (math.isfinite(y) and abs(x - y) <= atol + rtol * abs(y))


def first_values(arrays: Sequence[np.ndarray] | None) -> tuple[float, ...] | None:
    """The first element of each array, when every one is a non-empty float64 array."""
    if arrays is None or any(a.dtype != _F64 or not a.size for a in arrays):
        return None
    return tuple(a.item(0) for a in arrays)


_F64 = np.dtype(np.float64)


def bounds(ref: Sequence[np.ndarray], tol: Tolerance) -> tuple[np.ndarray | None, ...]:
    """For each float64 reference array, ``atol + rtol * |ref|`` where it is finite and
    -inf where it is not: `close_within` tests ``|yours - ref| <= bound`` with it."""
    out: list[np.ndarray | None] = []
    for b in ref:
        if b.dtype != _F64:
            out.append(None)
            continue
        with np.errstate(all="ignore"):
            bound = tol.atol + tol.rtol * np.abs(b)
        bound = np.where(np.isfinite(b), bound, -np.inf)
        bound.setflags(write=False)
        out.append(bound)
    return tuple(out)


def close_within(
    yours: Sequence[np.ndarray], ref: Sequence[np.ndarray],
    ref_bounds: Sequence[np.ndarray | None], tol: Tolerance,
) -> bool:
    """`close`, with the reference's side of the test computed once (`bounds`): an
    output every element of which is within its bound is close; any other is told
    by `allclose` itself (equal infinities, NaN against NaN)."""
    if len(yours) != len(ref):
        return False
    for a, b, bound in zip(yours, ref, ref_bounds, strict=False):
        if a.shape != b.shape:
            return False
        if bound is not None and a.dtype == _F64:
            if _first_differs(a, b, tol.rtol, tol.atol):
                return False
            with np.errstate(all="ignore"):
                if (np.abs(a - b) <= bound).all():
                    continue
        if not allclose(a, b, tol.rtol, tol.atol):
            return False
    return True


def close(yours: Sequence[np.ndarray], ref: Sequence[np.ndarray], tol: Tolerance) -> bool:
    """Every output within tolerance (NaN matching NaN: this is about formulas)."""
    if len(yours) != len(ref):
        return False
    for a, b in zip(yours, ref, strict=False):
        if a.shape != b.shape:
            return False
        if not allclose(a, b, tol.rtol, tol.atol):
            return False
    return True


@dataclass
class Item:
    key: str
    kwargs: Mapping[str, Any]
    call: CallOutcome | None
    outputs: Arrays | None
    reference: Arrays | None
    tol: Tolerance
    kind: str
    """``case``, ``base``, ``perturb`` or ``shrink``."""
    visible: bool
    result: CaseResult | None = None
    plan: ProbePlan | None = None
    size: int = 0
    cache: dict[Any, Any] = field(default_factory=dict)
    _separated: bool | None = field(default=None, repr=False)
    _firsts: tuple[tuple[float, ...] | None] | None = field(default=None, repr=False)
    _finite: bool | None = field(default=None, repr=False)
    _shaped: bool | None = field(default=None, repr=False)
    _first_test: tuple[tuple[float, ...] | None, float, float] | None = field(
        default=None, repr=False)

    @property
    def finite(self) -> bool:
        """No output of the student's is NaN or infinite (computed once)."""
        if self._finite is None:
            self._finite = self.outputs is None or all(
                bool(np.isfinite(a).all()) for a in self.outputs)
        return self._finite

    @property
    def first_test(self) -> tuple[tuple[float, ...] | None, float, float]:
        """`first_values`, rtol and atol, for a test in plain floats; no values when the
        tolerance is not plain numbers (then only arrays tell).  Computed once."""
        if self._first_test is None:
            rtol, atol = self.tol.rtol, self.tol.atol
            if not isinstance(rtol, int | float) or not isinstance(atol, int | float):
                self._first_test = (None, 0.0, 0.0)
            else:
                self._first_test = (self.first_values, rtol, atol)
        return self._first_test

    @property
    def first_values(self) -> tuple[float, ...] | None:
        """`first_values` of the student's outputs (computed once)."""
        if self._firsts is None:
            self._firsts = (first_values(self.outputs),)
        return self._firsts[0]

    @property
    def shaped(self) -> bool:
        """The student returned arrays of the reference's shapes (computed once)."""
        if self._shaped is None:
            self._shaped = (
                self.outputs is not None
                and self.reference is not None
                and len(self.outputs) == len(self.reference)
                and all(a.shape == b.shape
                        for a, b in zip(self.outputs, self.reference, strict=True))
            )
        return self._shaped

    @property
    def separated(self) -> bool:
        """Shaped, and the student's outputs differ from the reference's."""
        if self._separated is None:
            if self.outputs is None or self.reference is None or not self.shaped:
                self._separated = False
            else:
                self._separated = not close(self.outputs, self.reference, self.tol)
        return self._separated

    @property
    def label(self) -> str:
        if self.kind == "case":
            return f"case {self.key}"
        source = self.plan.source if self.plan is not None else "?"
        return f"a probe input cut from case {source}"


@dataclass
class Context:
    inp: DiagnosisInput
    kata: Kata
    family: Family | None
    layout: Layout | None
    expected: Grouping | None
    affine: int | None
    cases: list[Item]
    probes: list[Item]
    lines: list[str]
    output_roles: list[str | None]
    """The family role of each declared output, in `kata.returns` order."""

    @property
    def outcome(self) -> RunOutcome:
        return self.inp.outcome

    @property
    def items(self) -> list[Item]:
        return self.cases + self.probes

    def param(self, name: str) -> str:
        return role(self.kata, name) or name

    def output_index(self, output_role: str) -> int | None:
        try:
            return self.output_roles.index(output_role)
        except ValueError:
            return None

    def probe(self, kind: str) -> list[Item]:
        return [p for p in self.probes if p.kind == kind]

    def find_line(self, pattern: str) -> tuple[int, str, int, int] | None:
        """The first non-comment source line matching ``pattern``: line, text and
        the 1-based column span (end exclusive)."""
        try:
            regex = re.compile(pattern)
        except re.error:
            return None
        for number, text in enumerate(self.lines, start=1):
            code = text.split("#", 1)[0]
            match = regex.search(code)
            if match:
                return number, text.rstrip(), match.start() + 1, match.end() + 1
        return None


def _reference(
    reference: Callable[..., list[np.ndarray]], kwargs: Mapping[str, Any]
) -> Arrays | None:
    try:
        with np.errstate(all="ignore"):
            return _floats(reference(**kwargs))
    except Exception:
        return None


def _size(kata: Kata, kwargs: Mapping[str, Any]) -> int:
    x = kwargs.get(role(kata, "input") or "")
    return int(np.asarray(x).size) if x is not None else 0


def _item_caches(memo: dict[str, Any]) -> dict[tuple[str, str], dict[Any, Any]]:
    """Per item, what the formulas compute from its inputs alone (statistics, the
    outputs of a candidate formula): the same for every submission."""
    caches: dict[tuple[str, str], dict[Any, Any]] = memo.setdefault(ITEM_CACHES_MEMO, {})
    if sum(len(c) for c in caches.values()) > ITEM_CACHE_LIMIT:
        caches.clear()
    return caches


def warm_memo(
    kata: Kata,
    cases: Sequence[MaterializedCase],
    probes: Sequence[Call],
    reference: Callable[..., list[np.ndarray]],
    memo: dict[str, Any],
) -> None:
    """Fill ``memo`` (see `DiagnosisInput.memo`) with what does not depend on the
    submission: the probe plan and the reference's outputs on the probes.  Work to
    do while the student's code runs; never raises."""
    given = {c.key for c in probes}
    plans = memo.get(PLANS_MEMO)
    if plans is None:
        try:
            plans = plan(kata, cases) if given else []
        except Exception:
            plans = []
        memo[PLANS_MEMO] = plans
    references = memo.setdefault(PROBE_REFERENCES_MEMO, {})
    for p in plans:
        key = p.call.key
        if key in given and key.startswith(PREFIX) and key not in references:
            references[key] = _reference(reference, p.call.kwargs)


TIMING_STATUSES = frozenset({"timeout", "not-run"})


def _probes_complete(keys: set[str], calls: Mapping[str, CallOutcome]) -> bool:
    """Every probe call came back, with a status that does not depend on the clock."""
    for key in keys:
        call = calls.get(key)
        if call is None or call.status in TIMING_STATUSES:
            return False
    return True


def build(inp: DiagnosisInput) -> Context:
    kata = inp.kata
    n = len(kata.returns)
    tol = kata.tolerance
    memo = inp.memo if inp.memo is not None else {}
    caches = _item_caches(memo)
    cases = []
    results = {r.name: r for r in inp.results}
    calls: dict[str, CallOutcome] = {}
    for c in inp.outcome.calls:
        calls.setdefault(c.key, c)  # (like RunOutcome.call: the first of a key)
    for case in inp.cases:
        if case.spec.performance:
            continue  # a timing, not evidence
        call = calls.get(case.name)
        value = call.value if call is not None and call.status == "ok" else None
        ref = inp.reference_outputs.get(case.name)
        cases.append(
            Item(
                key=case.name,
                kwargs=case.kwargs,
                call=call,
                outputs=_floats(as_outputs(value, n)),
                reference=_floats(ref) if ref is not None else None,
                tol=case.spec.tolerance or tol,
                kind="case",
                visible=not case.spec.hidden,
                result=results.get(case.name),
                size=_size(kata, case.kwargs),
                cache=caches.setdefault(("case", case.name), {}),
            )
        )
    given = {c.key for c in inp.probes}
    if not _probes_complete(given, calls):
        given = set()  # all probes or none: what a loaded machine cut short is not used
    warm_memo(kata, inp.cases, inp.probes, inp.reference, memo)
    plans = memo[PLANS_MEMO]
    references = memo[PROBE_REFERENCES_MEMO]
    probes = []
    for p in plans:
        key = p.call.key
        if key not in given or not key.startswith(PREFIX):
            continue
        call = calls.get(key)
        value = call.value if call is not None and call.status == "ok" else None
        probes.append(
            Item(
                key=key,
                kwargs=p.call.kwargs,
                call=call,
                outputs=_floats(as_outputs(value, n)),
                reference=references[key],
                tol=tol,
                kind=p.kind,
                visible=True,
                plan=p,
                size=_size(kata, p.call.kwargs),
                cache=caches.setdefault(("probe", key), {}),
            )
        )
    outputs = kata.structure.outputs if kata.structure is not None else {}
    by_name = {name: r for r, name in outputs.items()}
    return Context(
        inp=inp,
        kata=kata,
        family=family_for(kata),
        layout=Layout(kata.structure.layout) if kata.structure is not None else None,
        expected=expected_grouping(kata),
        affine=affine_axis(kata),
        cases=cases,
        probes=probes,
        lines=(inp.source or "").splitlines(),
        output_roles=[by_name.get(o.name) for o in kata.returns],
    )
