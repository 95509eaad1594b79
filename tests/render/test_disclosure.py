"""How much a failure reveals: the policy, applied before rendering, honoured by every format."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from normkatas.render import FORMATS, render
from normkatas.report.disclosure import (
    COUNTEREXAMPLE_PHRASE,
    Policy,
    PolicyError,
    Rule,
    apply_policy,
    attempt_from_metadata,
    load_policy,
)
from normkatas.report.result import CaseResult, Diagnosis, ErrorInfo, Frame, Result
from tests.support.render import LAYER_NORM, failed_layer_norm

# Values that only the full level shows: a mismatched element, an evidence
# value, the smallest failing input.
ROW_VALUE = "0.4286012"
EVIDENCE_VALUE = "0.213"
COUNTEREXAMPLE = "np.arange(4.0)"
VALUES = (ROW_VALUE, EVIDENCE_VALUE, COUNTEREXAMPLE)
HEADLINE = LAYER_NORM.title


def _render_all(result: Result) -> dict[str, str]:
    return {fmt: render(result, fmt) for fmt in FORMATS}


def test_full_is_the_result_unchanged() -> None:
    result = failed_layer_norm()
    assert apply_policy(result, Policy()) == result


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_the_values_at_full(fmt: str) -> None:
    text = render(apply_policy(failed_layer_norm(), Policy(level="full")), fmt)
    if fmt in ("text", "json", "markdown", "html", "junit", "gradescope", "exercism"):
        assert ROW_VALUE in text or EVIDENCE_VALUE in text, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_misconception_names_the_mistake_without_any_value(fmt: str) -> None:
    result = apply_policy(failed_layer_norm(), Policy(level="misconception"))
    text = render(result, fmt)
    for value in VALUES:
        assert value not in text, (fmt, value)
    assert "statistics computed per sample" in text, fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_verdict_says_pass_or_fail_only(fmt: str) -> None:
    result = apply_policy(failed_layer_norm(), Policy(level="verdict"))
    assert result.diagnoses == []
    assert all(not c.mismatches for c in result.cases)
    text = render(result, fmt)
    for value in (*VALUES, "per sample over C, H, W", "layer-norm"):
        assert value not in text, (fmt, value)
    if fmt not in ("github", "sarif"):  # code locations only: one per diagnosis or error
        assert "random-small" in text  # the case and its verdict stay


def test_per_case_rule_and_the_most_open_case_keeps_the_diagnosis() -> None:
    policy = Policy(level="verdict", rule=[Rule(case="random-small", level="misconception")])
    result = apply_policy(failed_layer_norm(), policy)
    (diagnosis,) = result.diagnoses
    assert diagnosis.counterexample is None and diagnosis.evidence == []
    # the hidden case is at verdict: the diagnosis no longer names it
    assert diagnosis.cases == ["random-small"]


def test_per_kata_rule_applies_to_that_kata_only() -> None:
    policy = Policy(rule=[Rule(kata="layernorm-bchw", level="verdict")])
    assert apply_policy(failed_layer_norm(), policy) == failed_layer_norm()
    policy = Policy(rule=[Rule(kata="batchnorm-bchw", level="verdict")])
    assert apply_policy(failed_layer_norm(), policy).diagnoses == []


def test_the_level_changes_with_the_attempt() -> None:
    """ "After three attempts, show the smallest failing input." """
    policy = Policy(level="misconception", rule=[Rule(from_attempt=4, level="full")])
    for attempt in (1, 2, 3):
        shown = apply_policy(failed_layer_norm(), policy, attempt)
        assert shown.diagnoses[0].counterexample is None, attempt
    assert apply_policy(failed_layer_norm(), policy, 4).diagnoses[0].counterexample is not None


def test_hidden_cases_never_reveal_more_than_the_hidden_level() -> None:
    result = failed_layer_norm()
    hidden = next(c for c in result.cases if c.hidden)
    policy = Policy(level="full", hidden="verdict", rule=[Rule(case=hidden.name, level="full")])
    for attempt in (1, 10):
        assert policy.level_for(result.kata, hidden, attempt) == "verdict"
    shown = apply_policy(result, policy)
    assert hidden.name not in shown.diagnoses[0].cases
    assert not next(c for c in shown.cases if c.hidden).mismatches


def test_a_diagnosis_seen_only_in_a_hidden_case_goes_at_verdict() -> None:
    result = failed_layer_norm()
    hidden = next(c for c in result.cases if c.hidden)
    only_hidden = msgspec.structs.replace(LAYER_NORM, cases=[hidden.name])
    result = msgspec.structs.replace(result, diagnoses=[only_hidden])
    assert apply_policy(result, Policy(hidden="verdict")).diagnoses == []


def test_misconception_drops_exception_messages_but_keeps_the_kind_and_line() -> None:
    error = ErrorInfo(kind="exception", type="ValueError", message="secret 3.14159",
                      frames=[Frame(file="a.py", line=2, function="f"),
                              Frame(file="a.py", line=9, function="g", source="x = 1")])
    case = CaseResult(name="c", status="error", points=0, max_points=1, error=error)
    result = Result(kata="k", submission="a.py", status="error", score=0, max_score=1,
                    cases=[case])
    shown = apply_policy(result, Policy(level="misconception")).cases[0]
    assert shown.error is not None
    assert shown.error.type == "ValueError" and shown.error.message == ""
    assert [f.line for f in shown.error.frames] == [9]
    assert "3.14159" not in render(apply_policy(result, Policy(level="misconception")), "text")
    assert apply_policy(result, Policy(level="verdict")).cases[0].error is None


def test_a_syntax_error_stays_visible_at_verdict() -> None:
    error = ErrorInfo(kind="syntax-error", type="SyntaxError", message="'(' was never closed",
                      line=3)
    case = CaseResult(name="c", status="error", points=0, max_points=1, error=error)
    result = Result(kata="k", submission="a.py", status="error", score=0, max_score=1,
                    cases=[case])
    assert apply_policy(result, Policy(level="verdict")).cases[0].error == error


def test_help_never_points_at_a_counterexample_that_is_not_there() -> None:
    """The catalogue's help for an unrecognised output mentions the input "below"."""
    from normkatas.diagnose.catalogue.outputs import UNRECOGNISED

    assert COUNTEREXAMPLE_PHRASE in UNRECOGNISED.text.help, "keep the phrase in sync"
    diag = Diagnosis(id="unrecognised", title="no known mistake matches your output",
                     message="", category="advice", help=UNRECOGNISED.text.help)
    result = msgspec.structs.replace(failed_layer_norm(), diagnoses=[diag])
    for level in ("full", "misconception"):
        shown = apply_policy(result, Policy(level=level))  # type: ignore[arg-type]
        for fmt in FORMATS:
            assert "input below" not in render(shown, fmt), (level, fmt)
    with_ce = msgspec.structs.replace(diag, counterexample=LAYER_NORM.counterexample)
    kept = apply_policy(msgspec.structs.replace(result, diagnoses=[with_ce]), Policy())
    assert COUNTEREXAMPLE_PHRASE in kept.diagnoses[0].help


# --- the policy file and Gradescope's submission metadata ----------------------


def test_policy_files_in_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "disclosure.toml"
    toml.write_text(
        'level = "misconception"\nhidden = "verdict"\n\n[[rule]]\nfrom_attempt = 4\n'
        'level = "full"\n\n[[rule]]\nkata = "batchnorm-bchw"\ncase = "large-epsilon"\n'
        'level = "verdict"\n',
        encoding="utf-8",
    )
    expected = Policy(level="misconception", hidden="verdict", rule=[
        Rule(from_attempt=4, level="full"),
        Rule(kata="batchnorm-bchw", case="large-epsilon", level="verdict"),
    ])
    assert load_policy(toml) == expected
    as_json = tmp_path / "disclosure.json"
    as_json.write_bytes(msgspec.json.encode(expected))
    assert load_policy(as_json) == expected


@pytest.mark.parametrize("text", ['level = "everything"\n', 'levle = "full"\n', "[[rule]]\n"])
def test_a_bad_policy_file_says_why(tmp_path: Path, text: str) -> None:
    path = tmp_path / "disclosure.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"disclosure\.toml"):
        load_policy(path)


def test_attempt_from_gradescope_submission_metadata(tmp_path: Path) -> None:
    # The shape of submission_metadata.json in Gradescope's autograder
    # specification (https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/):
    # previous_submissions lists the earlier submissions of this student.
    metadata = {
        "id": 123456,
        "created_at": "2026-11-30T10:00:00.000000-08:00",
        "assignment": {"id": 1, "title": "Batch normalization", "total_points": "29.0"},
        "submission_method": "upload",
        "users": [{"email": "student@example.com", "id": 1, "name": "Student"}],
        "previous_submissions": [
            {"submission_time": "2026-11-29T10:00:00.000000-08:00", "score": "10.0",
             "autograder_error": False, "results": {"score": 10.0, "tests": []}},
            {"submission_time": "2026-11-29T11:00:00.000000-08:00", "score": "12.0",
             "autograder_error": False, "results": {"score": 12.0, "tests": []}},
            {"submission_time": "2026-11-29T12:00:00.000000-08:00", "score": "20.0",
             "autograder_error": False, "results": {"score": 20.0, "tests": []}},
        ],
    }
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(metadata), encoding="utf-8")
    assert attempt_from_metadata(path) == 4
    path.write_text(json.dumps({**metadata, "previous_submissions": []}), encoding="utf-8")
    assert attempt_from_metadata(path) == 1
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(PolicyError):
        attempt_from_metadata(path)
