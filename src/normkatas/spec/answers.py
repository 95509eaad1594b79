"""A quiz answers file: which kata it answers, and the answers by question id.

    kata: batchnorm-bchw        # optional when the command names the kata
    answers:
      which-is-batchnorm: b
      running-mean-after-step: 0.37

Judging the answers is `normkatas.grading.quiz`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

ANSWER_SUFFIXES = (".yaml", ".yml")


class AnswersError(ValueError):
    """An answers file that cannot be read as answers."""


def is_answers_file(path: Path) -> bool:
    return path.suffix.lower() in ANSWER_SUFFIXES


def read_answers(path: Path) -> tuple[str | None, dict[str, Any]]:
    """(the kata id the file names, if any; the answers by question id)."""
    from normkatas.spec.load import SpecError, load_yaml

    try:
        data = load_yaml(path)
    except SpecError as exc:
        raise AnswersError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        hint = ""
        if isinstance(data, dict) and "cases" in data and "entry" in data:
            hint = f"; this looks like a kata file: check it with `grade check {path}`"
        raise AnswersError(f"{path}: an answers file is a mapping with an `answers:` mapping"
                           f" (question id: answer){hint}")
    kata = data.get("kata")
    if kata is not None and not isinstance(kata, str):
        raise AnswersError(f"{path}: `kata` is a kata id")
    unknown = sorted(set(data) - {"kata", "answers"})
    if unknown:
        raise AnswersError(f"{path}: unknown key `{unknown[0]}` (an answers file has `kata`"
                           " and `answers`)")
    return kata, {str(k): v for k, v in data["answers"].items()}
