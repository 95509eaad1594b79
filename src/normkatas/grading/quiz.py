"""Answers -> verdicts -> a `Result`, so that every renderer and class run shows them.

An answers file is YAML::

    kata: batchnorm-bchw        # optional when the command names the kata
    answers:
      which-is-batchnorm: b     # a choice by its letter (a, b, c, ...)
      running-mean-after-step: 0.37

A question is a case of the result: its points, passed or failed, and in its
note what the answer shows (for a wrong choice, the misconception written in
the kata; for a number, how far off it is, never the right value itself).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from normkatas.report.result import CaseResult, Result, Status
from normkatas.spec.answers import AnswersError, is_answers_file, read_answers
from normkatas.spec.model import Kata, Question

__all__ = [
    "AnswersError",
    "Verdict",
    "build_quiz_result",
    "is_answers_file",
    "judge",
    "judge_all",
    "letter",
    "read_answers",
]

LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Verdict:
    question: Question
    given: str | None
    """The answer as written (a letter, a number), None when missing."""
    correct: bool
    feedback: str
    """Why: the chosen choice's explanation, or how far a number is off."""
    choice: int | None = None


def letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else str(index + 1)


def choice_index(question: Question, given: Any) -> int | None:
    """The choice an answer picks: a letter (``b``, ``B``, ``b)``) or a 1-based number."""
    text = str(given).strip().lower().rstrip(").").strip()
    if len(text) == 1 and text in LETTERS[: len(question.choices)]:
        return LETTERS.index(text)
    if text.isdigit() and 1 <= int(text) <= len(question.choices):
        return int(text) - 1
    return None


def judge(question: Question, given: Any) -> Verdict:
    """One answer against one question."""
    if given is None or (isinstance(given, str) and not given.strip()):
        return Verdict(question, None, False, "no answer given")
    shown = str(given).strip()
    if question.kind == "number":
        try:
            value = float(str(given).strip())
        except ValueError:
            return Verdict(question, shown, False, f"`{shown}` is not a number")
        assert question.answer is not None
        off = abs(value - question.answer)
        if off <= question.tolerance + 1e-12 * max(1.0, abs(question.answer)):
            return Verdict(question, shown, True, question.explanation)
        return Verdict(question, shown, False,
                       f"{shown} is not within {question.tolerance:g} of the value asked for")
    index = choice_index(question, given)
    if index is None:
        options = ", ".join(letter(i) for i in range(len(question.choices)))
        return Verdict(question, shown, False, f"`{shown}` is not one of the choices ({options})")
    choice = question.choices[index]
    feedback = choice.explanation or (question.explanation if choice.correct else "")
    return Verdict(question, letter(index), choice.correct, feedback, index)


def judge_all(kata: Kata, answers: Mapping[str, Any]) -> tuple[list[Verdict], list[str]]:
    """Verdicts in the kata's order, and warnings (answers to questions it does not ask)."""
    verdicts = [judge(q, answers.get(q.id)) for q in kata.questions]
    known = {q.id for q in kata.questions}
    warnings = [f"the answers name `{key}`, which is not a question of kata {kata.id}"
                for key in answers if key not in known]
    return verdicts, warnings


def build_quiz_result(
    kata: Kata, answers: Mapping[str, Any], submission: str, *, grader_version: str = ""
) -> Result:
    """The `Result` of an answers file: one case per question."""
    verdicts, warnings = judge_all(kata, answers)
    cases = []
    for v in verdicts:
        q = v.question
        inputs = {"your answer": v.given} if v.given is not None else {}
        cases.append(CaseResult(
            name=q.id,
            status="passed" if v.correct else "failed",
            points=q.points if v.correct else 0.0,
            max_points=q.points,
            note=v.feedback,
            inputs=inputs,
        ))
    score = sum(c.points for c in cases)
    max_score = sum(c.max_points for c in cases)
    if not kata.questions:
        warnings.append(f"kata {kata.id} has no questions")
    status: Status = (
        "passed" if cases and all(c.status == "passed" for c in cases) else "failed"
    )
    return Result(
        grader_version=grader_version,
        kata=kata.id,
        kata_title=kata.title,
        submission=submission,
        status=status,
        score=score,
        max_score=max_score,
        cases=cases,
        warnings=warnings,
    )
