"""Case verdicts: a sandbox outcome becomes a `CaseResult`, hidden data stays out.

Hidden cases keep no inputs, notes, exception messages or returned text: only
what tells pass from fail.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from normkatas.grading.compare import compare_case
from normkatas.report.result import Captured, CaseResult, ErrorInfo, Frame
from normkatas.sandbox.types import (
    CallOutcome,
    DictValue,
    ExceptionInfo,
    OtherValue,
    RunOutcome,
    SequenceValue,
    Value,
)
from normkatas.spec.inputs import MaterializedCase, describe

if TYPE_CHECKING:
    from normkatas.grading.prepared import PreparedKata

RUN_FAILURES = ("syntax-error", "import-error", "missing-function")
"""Run statuses that stop every case: the file could not be run at all."""

def case_result(
    prepared: PreparedKata,
    case: MaterializedCase,
    call: CallOutcome | None,
    visible: RunOutcome,
    files: dict[str, str],
) -> CaseResult:
    spec = case.spec
    base = CaseResult(
        name=case.name,
        status="error",
        points=0.0,
        max_points=spec.points,
        hidden=spec.hidden,
        example=spec.example,
        note="" if spec.hidden else spec.note,
        inputs={} if spec.hidden else described(prepared, case),
    )
    if call is None or call.status == "not-run":
        kind = visible.status if visible.status in RUN_FAILURES else "not-run"
        return msgspec.structs.replace(base, error=ErrorInfo(kind=kind))  # type: ignore[arg-type]
    duration = call.duration * 1000
    if call.status != "ok":
        return msgspec.structs.replace(
            base, error=error_info(call.status, call.exception, files),
            duration_ms=0.0 if spec.hidden else duration,
        )
    tol = spec.tolerance or prepared.kata.tolerance
    if spec.compare:  # views of the outputs (slices, properties)
        from normkatas.grading.views import compare_views
        from normkatas.spec.views import layout_of

        verdict = compare_views(call.value, prepared.reference_outputs[case.name],
                                prepared.output_names, spec.compare, case.kwargs,
                                layout_of(prepared.kata), tol, hidden=spec.hidden)
    else:
        verdict = compare_case(
            call.value,
            prepared.reference_outputs[case.name],
            prepared.output_names,
            tol,
            hidden=spec.hidden,
        )
    mutated = list(call.mutated) if not prepared.kata.allow_mutation else []
    passed = verdict.passed and not mutated
    error = None
    if verdict.problem in ("returned-none", "wrong-return-type", "refused"):
        error = ErrorInfo(kind="invalid-output", type=verdict.problem or "")
    return msgspec.structs.replace(
        base,
        status="passed" if passed else "failed",
        points=spec.points if passed else 0.0,
        # A hidden case's mismatch would tell its shapes and sizes; its time, how big it is.
        mismatches=[] if spec.hidden else verdict.mismatches,
        error=error,
        mutated=mutated,
        duration_ms=0.0 if spec.hidden else duration,
    )


def described(prepared: PreparedKata, case: MaterializedCase) -> dict[str, str]:
    """The case's inputs in words (the same for every submission: kept)."""
    known = prepared.descriptions.get(case.name)
    if known is None:
        known = {k: describe(v) for k, v in case.kwargs.items()}
        prepared.descriptions[case.name] = known
    return dict(known)


def file_names(submission: Path, display_name: str) -> dict[str, str]:
    """The submission's path as the sandbox reports it -> as the user named it."""
    names = {str(submission): display_name}
    with contextlib.suppress(OSError):
        names[str(submission.resolve())] = display_name
    return names


def error_info(kind: str, exc: ExceptionInfo | None, files: dict[str, str]) -> ErrorInfo:
    if exc is None:
        return ErrorInfo(kind=kind)  # type: ignore[arg-type]
    return ErrorInfo(
        kind=kind,  # type: ignore[arg-type]
        type=exc.type,
        message=exc.message,
        frames=[
            Frame(file=files.get(f.file, f.file), line=f.line, function=f.function,
                  source=f.source)
            for f in exc.frames
        ],
        line=exc.line,
        column=exc.column,
        source=exc.source,
    )


_BUILTIN_TYPES = frozenset(n for n, v in vars(builtins).items() if isinstance(v, type))


def redact(call: CallOutcome) -> CallOutcome:
    """A hidden case's outcome without any text the submission wrote.

    The exception's message goes; type names stay only when they are Python's
    own (a class the submission made, ``type(f"E{X[0]}", ...)``, could spell
    the inputs), and what the function returned keeps no repr.
    """
    exc = call.exception
    if exc is not None:
        kind = exc.type if exc.type in _BUILTIN_TYPES else "Exception"
        exc = dataclasses.replace(exc, message="", type=kind)
    value = redact_value(call.value) if call.value is not None else None
    return dataclasses.replace(call, exception=exc, value=value)


def redact_value(value: Value) -> Value:
    if isinstance(value, OtherValue):
        return OtherValue(value.type_name if value.type_name in _BUILTIN_TYPES else "object")
    if isinstance(value, SequenceValue):
        return dataclasses.replace(value, items=tuple(redact_value(v) for v in value.items))
    if isinstance(value, DictValue):
        return DictValue(tuple((k, redact_value(v)) for k, v in value.items))
    return value


def captured(data: bytes, total: int) -> Captured:
    return Captured(
        text=data.decode("utf-8", errors="replace"),
        truncated=total > len(data),
        total_bytes=max(total, len(data)),
    )
