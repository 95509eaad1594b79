"""Cross-field checks of a kata's concept questions (``questions:``)."""

from __future__ import annotations

from normkatas.spec.model import Kata
from normkatas.spec.typecheck import Fail


def check_questions(kata: Kata, fail: Fail) -> None:
    seen: dict[str, int] = {}
    for i, q in enumerate(kata.questions):
        path = ("questions", i)
        if q.id in seen:
            fail((*path, "id"), f"duplicate question id `{q.id}` (also questions[{seen[q.id]}])")
        seen[q.id] = i
        if q.kind == "number":
            if q.answer is None:
                fail(path, "a `number` question needs `answer`")
            if q.choices:
                fail((*path, "choices"), "a `number` question has no choices")
            continue
        if q.answer is not None:
            fail((*path, "answer"), f"a `{q.kind}` question is answered by its choices;"
                 " mark the right one with `correct: true`")
        if len(q.choices) < 2:
            fail((*path, "choices"), f"a `{q.kind}` question needs at least 2 choices")
        right = [j for j, c in enumerate(q.choices) if c.correct]
        if len(right) != 1:
            fail((*path, "choices"), "exactly one choice must have `correct: true`,"
                 f" found {len(right)}")
        for j, c in enumerate(q.choices):
            if not c.correct and not c.explanation.strip():
                fail((*path, "choices", j), "a wrong choice needs an `explanation`: the"
                     " misconception that leads to it")
