"""Hand-built Results for the renderer tests, and a tiny snapshot helper.

Snapshots live in tests/snapshots/render/; run with ``UPDATE_SNAPSHOTS=1`` to
rewrite them after an intended change (then review the diff).
"""

from __future__ import annotations

from collections.abc import Callable

from normkatas.report.result import (
    Captured,
    CaseResult,
    Counterexample,
    Diagnosis,
    ErrorInfo,
    Evidence,
    Frame,
    Mismatch,
    Performance,
    Result,
    Row,
    SourceLine,
)
from tests.support import TESTS, snapshot

SNAPSHOTS = TESTS / "snapshots" / "render"
HOSTILE_FILE = "sölution:名前,v%2.py"
SCRIPT = "<script>alert(1)</script>"
ANSI = "\x1b[2J\x1b[31mred\x1b[0m\x1b]8;;http://evil.example\x07link\x1b]8;;\x07"


def assert_snapshot(name: str, text: str) -> None:
    """`text` equals tests/snapshots/render/`name` (see tests/support/snapshot.py)."""
    snapshot.assert_snapshot(SNAPSHOTS / name, text)


def _inputs() -> dict[str, str]:
    return {
        "X": "float64 (2, 3, 2, 2)",
        "gamma": "float64 (3,)",
        "beta": "float64 (3,)",
        "epsilon": "float 1e-05",
    }


def passed() -> Result:
    return Result(
        grader_version="0.1.0",
        kata="batchnorm-bchw",
        kata_title="Batch normalization of a BCHW feature map",
        submission="my_solution.py",
        status="passed",
        score=10,
        max_score=10,
        cases=[
            CaseResult(name="seed-example-1", status="passed", points=1, max_points=1,
                       example=True, inputs=_inputs(), duration_ms=0.41),
            CaseResult(name="random-small", status="passed", points=2, max_points=2,
                       inputs=_inputs(), duration_ms=0.38),
            CaseResult(name="constant-channel", status="passed", points=3, max_points=3,
                       duration_ms=0.52),
            CaseResult(name="wide-float32", status="passed", points=4, max_points=4, hidden=True,
                       duration_ms=1.9),
        ],
        performance=Performance(case="wide-float32", yours_ms=1.9, reference_ms=1.5, ratio=1.27,
                                slow=False),
        duration_ms=312.5,
    )


LAYER_NORM = Diagnosis(
    id="layer-norm",
    title="statistics computed per sample over C, H, W instead of per channel",
    message=(
        "Batch normalization keeps one mean and one variance per channel, shared by every"
        " sample of the batch. This code computes them per sample, as layer normalization does."
    ),
    category="structure",
    notes=[
        "batch normalization keeps one mean and one variance per channel, shared by every"
        " sample and every position",
        "this code computes them per sample, over the channel and spatial axes, as layer"
        " normalization does",
    ],
    help="reduce over the batch and spatial axes (N, H, W) and keep the channel axis",
    help_code=(
        "mean = X.mean(axis=(0, 2, 3), keepdims=True)\nvar = X.var(axis=(0, 2, 3), keepdims=True)"
    ),
    reduced_axes=[1, 2, 3],
    expected_axes=[0, 2, 3],
    layout="NCHW",
    cases=["random-small", "wide-float32"],
    evidence=[
        Evidence(label="per-channel mean of the output", yours=[0.213, -0.402, 0.189],
                 expected=[0.0, 0.0, 0.0]),
        Evidence(label="per-sample mean of the output", yours=[0.0, 0.0],
                 expected=[0.0712, -0.0712], note="yours is zero per sample"),
    ],
    counterexample=Counterexample(
        call="batch_normalization(X=np.arange(4.0).reshape(2, 2, 1, 1), gamma=np.ones(2),"
        " beta=np.zeros(2))",
        yours="[[[[-1.]], [[1.]]], [[[-1.]], [[1.]]]]",
        reference="[[[[-1.]], [[-1.]]], [[[1.]], [[1.]]]]",
        shape=[2, 2, 1, 1],
    ),
    source=SourceLine(line=7, text="    mean = X.mean(axis=(1, 2, 3), keepdims=True)",
                      column=19, end_column=33),
)


def failed_layer_norm() -> Result:
    mismatch = Mismatch(
        output="Y", mismatched=24, total=24, max_abs_diff=1.7320508, max_rel_diff=3.1415,
        rtol=1e-5, atol=1e-6, shape_reference=[2, 3, 2, 2],
        rows=[
            Row(index=[0, 0, 0, 0], yours=0.4286012, reference=-1.2247449),
            Row(index=[0, 0, 0, 1], yours=-0.1382643, reference=0.8164966),
            Row(index=[0, 0, 1, 0], yours=1.5230298, reference=1.2247449),
        ],
    )
    return Result(
        grader_version="0.1.0",
        kata="batchnorm-bchw",
        kata_title="Batch normalization of a BCHW feature map",
        submission="my_solution.py",
        status="failed",
        score=1,
        max_score=7,
        cases=[
            CaseResult(name="seed-example-1", status="passed", points=1, max_points=1,
                       example=True, inputs=_inputs(), duration_ms=0.4),
            CaseResult(name="random-small", status="failed", points=0, max_points=2,
                       inputs=_inputs(), mismatches=[mismatch], duration_ms=0.5),
            CaseResult(name="wide-float32", status="failed", points=0, max_points=4, hidden=True,
                       mismatches=[Mismatch(output="Y", mismatched=420, total=420,
                                            max_abs_diff=2.5, max_rel_diff=9.0, rtol=1e-5,
                                            atol=1e-6, shape_reference=[4, 3, 5, 7])],
                       duration_ms=2.0),
        ],
        diagnoses=[LAYER_NORM],
        stdout=Captured(text="mean shape (2, 1, 1, 1)\nvar shape (2, 1, 1, 1)\n",
                        truncated=True, total_bytes=5120),
        performance=Performance(case="wide-float32", yours_ms=42.0, reference_ms=1.5, ratio=28.0,
                                slow=True),
        warnings=["the kata file declares no probe case; the diagnosis used the first example"],
        duration_ms=420.0,
    )


def unbiased_variance() -> Result:
    diag = Diagnosis(
        id="unbiased-variance",
        title="variance computed with ddof=1 (unbiased) instead of ddof=0",
        message="The output is scaled by sqrt((n - 1) / n) compared with the reference.",
        category="statistics",
        confidence="likely",
        help="use the population variance: X.var(axis=(0, 2, 3)) has ddof=0 by default",
        cases=["random-small"],
        evidence=[Evidence(label="ratio of output std to reference std",
                           yours=[0.9574, 0.9574, 0.9574], expected=[1.0, 1.0, 1.0])],
        source=SourceLine(line=9, text="\tvar = np.var(X, axis=(0, 2, 3), ddof=1, keepdims=True)",
                          column=34, end_column=40),
    )
    result = failed_layer_norm()
    case = result.cases[1]
    small = Mismatch(
        output="Y", mismatched=20, total=24, max_abs_diff=0.0521, max_rel_diff=0.0426,
        rtol=1e-5, atol=1e-6, shape_reference=[2, 3, 2, 2],
        rows=[Row(index=[0, 0, 0, i], yours=0.95 + i / 100, reference=1.0 + i / 100)
              for i in range(7)],
    )
    return Result(
        kata=result.kata, kata_title=result.kata_title, submission="my_solution.py",
        status="failed", score=1, max_score=3,
        cases=[result.cases[0],
               CaseResult(name=case.name, status="failed", points=0, max_points=2,
                          mismatches=[small])],
        diagnoses=[diag],
    )


def syntax_error() -> Result:
    error = ErrorInfo(kind="syntax-error", type="SyntaxError", message="'(' was never closed",
                      line=3, column=18, source="    mean = X.mean(axis=(0, 2, 3)\n")
    return Result(
        kata="layernorm-bchw", kata_title="Layer normalization of a BCHW feature map",
        submission="my_solution.py", status="error", score=0, max_score=3,
        cases=[CaseResult(name=n, status="error", points=0, max_points=p, error=error,
                          hidden=h)
               for n, p, h in (("seed-example-1", 1, False), ("random", 2, False),
                               ("big", 0, True))],
    )


def timeout() -> Result:
    frames = [
        Frame(file="my_solution.py", line=4, function="layer_normalization",
              source="    return helper(X)"),
        Frame(file="my_solution.py", line=12, function="helper", source="    while True:"),
    ]
    return Result(
        kata="layernorm-bchw", kata_title="Layer normalization of a BCHW feature map",
        submission="my_solution.py", status="failed", score=1, max_score=4,
        cases=[
            CaseResult(name="seed-example-1", status="passed", points=1, max_points=1),
            CaseResult(name="random", status="error", points=0, max_points=1,
                       error=ErrorInfo(kind="timeout", message="no result after 10 s")),
            CaseResult(name="random-2", status="error", points=0, max_points=1,
                       error=ErrorInfo(kind="timeout", message="no result after 10 s")),
            CaseResult(name="zero-variance", status="error", points=0, max_points=1,
                       error=ErrorInfo(kind="exception", type="ZeroDivisionError",
                                       message="float division by zero", frames=frames),
                       mutated=["X"]),
        ],
        stderr=Captured(text="Traceback...\n", total_bytes=13),
    )


def hidden_failing() -> Result:
    return Result(
        kata="groupnorm-bchw", kata_title="Group normalization", submission="gn.py",
        status="failed", score=2, max_score=9,
        cases=[
            CaseResult(name="seed-example-1", status="passed", points=2, max_points=2,
                       example=True),
            CaseResult(name="secret-1", status="failed", points=0, max_points=3, hidden=True,
                       inputs={"X": "float64 (4, 6, 3, 3)"},
                       mismatches=[Mismatch(output="Y", mismatched=5, total=216,
                                            max_abs_diff=0.5, max_rel_diff=0.1, rtol=1e-5,
                                            atol=1e-6)],
                       note="secret note"),
            CaseResult(name="secret-2", status="error", points=0, max_points=4, hidden=True,
                       error=ErrorInfo(kind="exception", type="ValueError",
                                       message="secret value 0.123",
                                       frames=[Frame(file="gn.py", line=3, function="f",
                                                     source="raise ValueError(X)")])),
        ],
    )


def hostile() -> Result:
    nasty = f"{SCRIPT} {ANSI} nul\x00 bell\x07 cr\roverwrite del\x7f c1\x9b bidi\u202eevil"
    diag = Diagnosis(
        id="gamma-beta-swapped",
        title=f"gamma and beta swapped {SCRIPT}",
        message=f"message {nasty}",
        category="affine",
        notes=[f"note with `backticks` | pipes | *stars* and ]]> and % and\nnewline {nasty}"],
        help="swap them: ``` fenced ```",
        help_code="y = gamma * x_hat + beta  # ``` </pre> \x1b[31m",
        cases=["case <b>1</b>"],
        evidence=[Evidence(label=f"label {SCRIPT}", yours=[float("nan"), float("inf")],
                           expected=[1.0, -float("inf")])],
        counterexample=Counterexample(call=f"f({SCRIPT})", yours=f"{ANSI}", reference="]]>"),
        source=SourceLine(line=2, text=f"    y = beta * x + gamma  # {nasty}", column=9,
                          end_column=13),
    )
    crash = ErrorInfo(kind="exception", type="RuntimeError\x1b[2J", message=nasty,
                      frames=[Frame(file=HOSTILE_FILE, line=2, function="<module>\x00",
                                    source=f"raise RuntimeError({SCRIPT!r})\x1b[0m")])
    return Result(
        kata="batchnorm-1d", kata_title="Batch normalization <i>1D</i>",
        submission=HOSTILE_FILE, status="failed", score=0.5, max_score=3,
        cases=[
            CaseResult(name="case <b>1</b>", status="failed", points=0.5, max_points=1,
                       mismatches=[Mismatch(output="y\x1b[1m", mismatched=1, total=4,
                                            max_abs_diff=float("inf"),
                                            max_rel_diff=float("nan"), rtol=1e-5, atol=1e-8,
                                            shape_yours=[4], shape_reference=[4, 1],
                                            dtype_yours="object\x07", non_finite=2,
                                            rows=[Row(index=[0], yours=None, reference=1.0)])]),
            CaseResult(name="crash", status="error", points=0, max_points=2, error=crash),
        ],
        diagnoses=[diag],
        stdout=Captured(text=f"printed {nasty}\n\ud800 lone surrogate\n", total_bytes=90),
        stderr=Captured(text="warn\x1b[5m blink\n", total_bytes=17),
        warnings=[f"warning {SCRIPT}"],
    )


ALL: dict[str, Callable[[], Result]] = {
    "passed": passed,
    "layer_norm": failed_layer_norm,
    "unbiased": unbiased_variance,
    "syntax_error": syntax_error,
    "timeout": timeout,
    "hidden": hidden_failing,
    "hostile": hostile,
}


SCHEMAS = TESTS / "schemas"


def validate(schema_name: str, data: object) -> None:
    """`data` is valid against tests/schemas/`schema_name` (Draft 2020-12)."""
    import json

    import jsonschema

    schema = json.loads((SCHEMAS / schema_name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


HIDDEN_SECRETS = ("secret value 0.123", "secret note", "float64 (4, 6, 3, 3)", "raise ValueError")
"""Strings of the hidden cases in `hidden_failing` that no format may show."""
