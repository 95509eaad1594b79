"""Concept questions: the YAML model and its checks, judging answers, and the `Result`
an answers file becomes (rendered in every format)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from normkatas.app.quiz import ask_all
from normkatas.grading.quiz import (
    AnswersError,
    build_quiz_result,
    choice_index,
    judge,
    read_answers,
)
from normkatas.render import FORMATS, render
from normkatas.spec.load import SpecError, load_kata, parse_kata
from tests.support import REPO

ROOT = REPO
KATAS = ROOT / "katas"
ONE_D = (KATAS / "batchnorm-1d.yaml").read_text(encoding="utf-8")


def _kata(name: str = "batchnorm-bchw"):  # type: ignore[no-untyped-def]
    return load_kata(KATAS / f"{name}.yaml")


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_kata(text, "k.yaml")
    return info.value


@pytest.mark.parametrize(("kata_id", "count"), [("batchnorm-1d", 3), ("batchnorm-bchw", 4),
                                                  ("batchnorm-train-eval", 2)])
def test_bundled_questions_load(kata_id: str, count: int) -> None:
    assert len(_kata(kata_id).questions) == count


def test_the_three_normalizations_question_names_the_mislabel() -> None:
    q = next(q for q in _kata().questions if q.id == "which-is-batchnorm")
    right = next(c for c in q.choices if c.correct)
    assert "(N, H, W)" in right.text and "layer normalization" in right.explanation
    per_activation = q.choices[1]
    assert "per-activation" in per_activation.explanation


@pytest.mark.parametrize(("change", "message"), [
    ("        correct: true\n", "exactly one choice"),
    ("    answer: 5.0\n", "needs `answer`"),
    ("        explanation: >-\n          That is epsilon's job (it keeps the square root away"
     " from zero). gamma and beta\n          act after the normalization, on its result.\n",
     "wrong choice needs an `explanation`"),
])
def test_question_mistakes_are_spec_errors_with_lines(change: str, message: str) -> None:
    assert change in ONE_D
    err = _error(ONE_D.replace(change, "", 1))
    assert message in err.message and err.line is not None
    assert err.key is not None and err.key.startswith("questions[")


def test_duplicate_question_ids() -> None:
    text = ONE_D.replace("id: odd-numbers-variance", "id: why-gamma-and-beta")
    assert "duplicate question id" in _error(text).message


@pytest.mark.parametrize(("given", "index"), [("a", 0), ("B", 1), ("c)", 2), ("4", 3),
                                               ("e", None), ("", None)])
def test_choices_are_picked_by_letter_or_number(given: str, index: int | None) -> None:
    q = _kata().questions[1]
    assert choice_index(q, given) == index


def test_a_wrong_choice_shows_its_misconception() -> None:
    q = _kata().questions[0]
    verdict = judge(q, "b")
    assert not verdict.correct and verdict.feedback == q.choices[1].explanation


def test_numbers_within_tolerance_and_never_the_answer_when_wrong() -> None:
    q = next(q for q in _kata("batchnorm-1d").questions if q.id == "odd-numbers-middle-output")
    assert judge(q, 0.1057).correct and judge(q, "0.10566").correct
    wrong = judge(q, "0.10")
    assert not wrong.correct and "0.10566" not in wrong.feedback
    assert not judge(q, "ten").correct and "not a number" in judge(q, "ten").feedback


def test_answers_become_a_result_with_one_case_per_question() -> None:
    kata = _kata()
    result = build_quiz_result(kata, {"which-is-batchnorm": "c",
                                      "batchnorm-statistics-snippet": "a",
                                      "nonsense": 1}, "answers.yaml")
    assert [c.name for c in result.cases] == [q.id for q in kata.questions]
    assert [c.status for c in result.cases] == ["passed", "failed", "failed", "failed"]
    assert (result.score, result.max_score, result.status) == (1.0, 4.0, "failed")
    assert result.cases[2].note == "no answer given"
    assert any("nonsense" in w for w in result.warnings)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_output_format_renders_a_quiz_result(fmt: str) -> None:
    kata = _kata()
    result = build_quiz_result(kata, {"which-is-batchnorm": "b"}, "answers.yaml")
    out = render(result, fmt)
    if fmt == "sarif":  # code locations only: a quiz has none, its score is a property
        assert json.loads(out)["runs"][0]["results"] == []
        return
    assert "which-is-batchnorm" in out or "0/4" in out
    if fmt in ("json", "gradescope", "classroom", "exercism"):
        json.loads(out)


def test_reading_answers_files(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("kata: batchnorm-1d\nanswers:\n  odd-numbers-variance: 5\n")
    assert read_answers(path) == ("batchnorm-1d", {"odd-numbers-variance": 5})
    path.write_text("answers: [a, b]\n")
    with pytest.raises(AnswersError):
        read_answers(path)
    with pytest.raises(AnswersError, match="looks like a kata file"):
        read_answers(KATAS / "batchnorm-1d.yaml")
    path.write_text("kata: x\nanswers: {}\nextra: 1\n")
    with pytest.raises(AnswersError, match="unknown key `extra`"):
        read_answers(path)


def test_the_terminal_quiz_reads_one_line_per_question() -> None:
    kata = _kata("batchnorm-1d")
    out = io.StringIO()
    answers = ask_all(kata, io.StringIO("b\n\n"), out)
    assert answers == {"why-gamma-and-beta": "b"}
    text = out.getvalue()
    assert "question 1 of 3" in text and "not right" in text
    assert "That is epsilon's job" in text and "no answer" in text
