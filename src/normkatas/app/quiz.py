"""`grade quiz KATA`: a kata's concept questions in a terminal; and answers files
(`grade answers.yaml`), graded into a `Result` like a solution.

Exit status of `grade quiz`: 0 every answer right; 1 some answer wrong or
missing; 2 usage error (unknown kata, a kata without questions).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from normkatas.errors import UsageError

if TYPE_CHECKING:
    from normkatas.grading.quiz import Verdict
    from normkatas.report.result import Result
    from normkatas.spec.library import KataLibrary
    from normkatas.spec.model import Kata, Question

CatalogueFactory = Callable[[Sequence[Path]], "KataLibrary"]
WIDTH = 88


def answers_result(kata: Kata, path: Path, display: str | None = None) -> Result:
    """The result of one answers file for ``kata`` (the file's own `kata:` is not
    checked here: the caller chose the kata)."""
    from normkatas import __version__
    from normkatas.grading.quiz import AnswersError, build_quiz_result, read_answers

    try:
        _, answers = read_answers(path)
    except AnswersError as exc:
        raise UsageError(str(exc)) from None
    return build_quiz_result(kata, answers, display or str(path), grader_version=__version__)


def grade_answers_file(
    args: argparse.Namespace, path: Path, catalogue_factory: CatalogueFactory
) -> int:
    """`grade answers.yaml`: the answers graded and rendered in ``args.format``."""
    from normkatas.app.exits import EXIT_FAILED, EXIT_PASSED
    from normkatas.app.output import emit, render_result
    from normkatas.spec.selection import select_kata

    catalogue = catalogue_factory(args.katas_dir)
    kata = select_kata(path, catalogue, args.kata)
    result = answers_result(kata, path)
    emit(args, render_result(args, result), result_for_summary=result)
    return EXIT_PASSED if result.status == "passed" else EXIT_FAILED


# -- the terminal quiz ---------------------------------------------------------------------


def _wrap(text: str, indent: str = "") -> list[str]:
    out: list[str] = []
    for para in text.strip().split("\n\n"):
        out.extend(textwrap.wrap(" ".join(para.split()), WIDTH, initial_indent=indent,
                                 subsequent_indent=indent) or [""])
    return out


def question_text(number: int, total: int, q: Question) -> str:
    from normkatas.grading.quiz import letter

    lines = [f"question {number} of {total} ({q.id}, {q.points:g} point"
             f"{'s' if q.points != 1 else ''})", *_wrap(q.ask, "  ")]
    for i, choice in enumerate(q.choices):
        if q.kind == "snippet":
            lines.append(f"  {letter(i)})")
            lines.extend("      " + line for line in choice.text.rstrip().splitlines())
        else:
            first, *rest = _wrap(choice.text, "     ") or [""]
            lines.append(f"  {letter(i)}) {first.strip()}")
            lines.extend(rest)
    if q.kind == "number":
        lines.append("  (a number)")
    return "\n".join(lines) + "\n"


def verdict_text(v: Verdict) -> str:
    head = "right" if v.correct else ("no answer" if v.given is None else "not right")
    lines = [f"  = {head}"]
    if v.feedback and v.feedback != "no answer given":
        lines.extend(_wrap(v.feedback, "    "))
    if v.correct and v.question.explanation and v.feedback != v.question.explanation:
        lines.extend(_wrap(v.question.explanation, "    "))
    return "\n".join(lines) + "\n"


def ask_all(kata: Kata, stdin: TextIO, stdout: TextIO) -> dict[str, Any]:
    """Ask every question on ``stdout``, read one line per answer from ``stdin``."""
    from normkatas.grading.quiz import judge

    answers: dict[str, Any] = {}
    total = len(kata.questions)
    stdout.write(f"{kata.id}: {total} question{'s' if total != 1 else ''}"
                 " (answer with a letter, or a number; an empty line skips)\n\n")
    for n, q in enumerate(kata.questions, 1):
        stdout.write(question_text(n, total, q))
        stdout.write("answer: ")
        stdout.flush()
        line = stdin.readline()
        if not line:  # end of input: the rest stays unanswered
            stdout.write("\n")
            break
        given = line.strip()
        if not _interactive(stdin):
            stdout.write(given + "\n")  # piped input: show it as if typed
        if given:
            answers[q.id] = given
        stdout.write(verdict_text(judge(q, given or None)) + "\n")
    return answers


def _interactive(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_quiz(argv: list[str], catalogue_factory: CatalogueFactory) -> int:
    p = argparse.ArgumentParser(
        prog="grade quiz",
        description="Ask a kata's concept questions in the terminal.",
    )
    p.add_argument("kata")
    p.add_argument("--katas-dir", action="append", type=Path, default=[])
    p.add_argument("--save", type=Path, metavar="FILE",
                   help="write your answers to FILE (an answers file `grade FILE` grades)")
    args = p.parse_args(argv)
    from normkatas.grading.quiz import build_quiz_result
    from normkatas.spec.selection import kata_by_id

    kata = kata_by_id(catalogue_factory(args.katas_dir), args.kata)
    if not kata.questions:
        with_questions = [k.id for k in catalogue_factory(args.katas_dir).all() if k.questions]
        raise UsageError(f"kata {kata.id} has no questions; katas with questions: "
                         + (", ".join(with_questions) or "none"))
    answers = ask_all(kata, sys.stdin, sys.stdout)
    result = build_quiz_result(kata, answers, "<terminal>")
    sys.stdout.write(f"score: {result.score:g}/{result.max_score:g}\n")
    if args.save is not None:
        from normkatas.app.output import write_atomic

        lines = [f"kata: {kata.id}", "answers:"]
        lines += [f"  {key}: {_yaml_scalar(value)}" for key, value in answers.items()]
        write_atomic(args.save, "\n".join(lines) + "\n")
        sys.stdout.write(f"wrote {args.save}: grade it with `grade {args.save}`\n")
    return 0 if result.status == "passed" else 1


def _yaml_scalar(value: Any) -> str:
    import json

    return json.dumps(str(value))  # a JSON string is a YAML string
