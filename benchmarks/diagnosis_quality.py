"""How often the diagnosis names the right mistake: precision and recall per
misconception over the corpus of labelled solutions (tests/corpus/<kata>/).

    python benchmarks/diagnosis_quality.py              # the table
    python benchmarks/diagnosis_quality.py --markdown   # the table for the README
    python benchmarks/diagnosis_quality.py --json       # the numbers
    python benchmarks/diagnosis_quality.py --repeat 2   # also: the same report every run

Every file is graded through the real pipeline (the sandbox, `prepare`,
`grade_submission`), as `grade` does.  Each corpus file's header names the
mistakes it makes (``# diagnoses: unbiased-variance``); right solutions name
none.  For each misconception id:

- precision: of the files diagnosed with it, the share whose label has it;
- recall: of the files labelled with it, the share diagnosed with it.

``--repeat N`` grades everything N times and fails (exit 1) when any
diagnosis differs between runs.  Exit 1 too when a right solution gets a
diagnosis or a label is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the corpus headers are read as the tests read them

from tests.support.corpus import header_fields  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"


@dataclass(frozen=True)
class Graded:
    path: Path
    label: frozenset[str]
    status: str
    found: frozenset[str]
    report: str
    """The diagnoses as JSON: compared across runs."""


def label_of(path: Path) -> tuple[str, frozenset[str]]:
    fields = header_fields(path)
    ids = frozenset(d.strip() for d in fields.get("diagnoses", "").split(",") if d.strip())
    return fields.get("expect", ""), ids


def grade_corpus(files: list[Path]) -> list[Graded]:
    from normkatas.grading.session import open_session
    from normkatas.spec.library import KataLibrary

    # the sandbox starts before any kata or reference is loaded
    load = lambda: KataLibrary.from_dirs([ROOT / "katas"], bundled=False)  # noqa: E731
    with open_session(load=load) as session:
        import msgspec

        from normkatas.grading.prepare import grade_submission, prepare

        sandbox, library = session.sandbox, session.library
        out = []
        prepared = {}
        for path in files:
            kata_id = path.parent.name
            if kata_id not in prepared:
                kata = library.get(kata_id)
                prepared[kata_id] = prepare(kata, [library.solutions_dir_for(kata_id)])
            result = grade_submission(path, prepared[kata_id], sandbox, display_name=path.name)
            _, label = label_of(path)
            report = msgspec.json.encode(result.diagnoses).decode()
            out.append(Graded(path, label, result.status,
                              frozenset(d.id for d in result.diagnoses), report))
        return out


def scores(graded: list[Graded]) -> dict[str, dict[str, float | int]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for g in graded:
        for i in g.found & g.label:
            tp[i] += 1
        for i in g.found - g.label:
            fp[i] += 1
        for i in g.label - g.found:
            fn[i] += 1
    table = {}
    for i in sorted(set(tp) | set(fp) | set(fn)):
        found, labelled = tp[i] + fp[i], tp[i] + fn[i]
        table[i] = {
            "files": labelled,
            "true_positives": tp[i],
            "false_positives": fp[i],
            "missed": fn[i],
            "precision": round(tp[i] / found, 3) if found else 1.0,
            "recall": round(tp[i] / labelled, 3) if labelled else 1.0,
        }
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("-k", dest="kata", help="only this kata's folder")
    args = parser.parse_args(argv)
    files = sorted(p for p in CORPUS.glob("*/*.py") if p.name.startswith(("right_", "wrong_")))
    if args.kata:
        files = [p for p in files if p.parent.name == args.kata]
    runs = [grade_corpus(files) for _ in range(max(1, args.repeat))]
    graded = runs[0]
    unstable = [g.path for r in runs[1:] for g, h in zip(graded, r, strict=True)
                if g.report != h.report]
    right = [g for g in graded if g.path.name.startswith("right_")]
    right_diagnosed = [g for g in right if g.found]
    table = scores([g for g in graded if g.path.name.startswith("wrong_")] + right)
    exact = sum(g.found == g.label for g in graded)
    summary = {
        "files": len(graded),
        "wrong": len(graded) - len(right),
        "right": len(right),
        "exactly_as_labelled": exact,
        "right_with_a_diagnosis": len(right_diagnosed),
        "runs": len(runs),
        "unstable": sorted({str(p.relative_to(ROOT)) for p in unstable}),
    }
    if args.json:
        print(json.dumps({"summary": summary, "misconceptions": table}, indent=1))
    else:
        print(_table(table, markdown=args.markdown))
        print()
        print(f"{summary['files']} files ({summary['wrong']} wrong, {summary['right']} right):"
              f" {exact} diagnosed exactly as labelled; right solutions with a diagnosis:"
              f" {len(right_diagnosed)}" + (f"; identical over {len(runs)} runs: "
                                            f"{'yes' if not unstable else 'NO'}"
                                            if len(runs) > 1 else ""))
        for g in graded:
            if g.found != g.label:
                print(f"  {g.path.relative_to(CORPUS)}: labelled {sorted(g.label)},"
                      f" diagnosed {sorted(g.found)}")
    ok = not unstable and not right_diagnosed and exact == len(graded)
    return 0 if ok else 1


def _table(table: dict[str, dict[str, float | int]], *, markdown: bool) -> str:
    head = ("misconception", "files", "precision", "recall")
    rows = [(i, str(t["files"]), f"{t['precision']:.2f}", f"{t['recall']:.2f}")
            for i, t in table.items()]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[c]) for r in [head, *rows]) for c in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True))
                     for r in [head, *rows])


if __name__ == "__main__":
    sys.exit(main())
