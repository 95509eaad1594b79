"""Class grading without the sandbox: students, keys, the summary, the gradebook, the store."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pytest

from normkatas.app.batch.collect import plan_class, safe_key, student_of
from normkatas.errors import UsageError
from tests.support.batch import RIGHT_BN, SYNTAX_ERROR, make_result, write


def test_student_is_the_file_stem_or_the_top_folder(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    alice = write(folder / "alice.py", "")
    bob = write(folder / "bob" / "src" / "solution.py", "")
    single = write(tmp_path / "carol.py", "")
    assert student_of(alice, [folder]) == "alice"
    assert student_of(bob, [folder]) == "bob"
    assert student_of(single, [folder, single]) == "carol"


@pytest.mark.parametrize(
    ("name", "key"),
    [("alice", "alice"), ("Zoë Ünal", "Zo_nal"), ("../etc", "etc"), ("...", "student"),
     ("a/b\\c", "a_b_c")],
)
def test_keys_are_safe_file_names(name: str, key: str) -> None:
    assert safe_key(name) == key


def test_plan_matches_each_file_to_its_kata(tmp_path: Path) -> None:
    from normkatas.spec.library import KataLibrary

    folder = tmp_path / "class"
    write(folder / "alice.py", RIGHT_BN)
    write(folder / "bob" / "solution.py", RIGHT_BN.replace("batch_normalization",
                                                           "layer_normalization"))
    write(folder / "bob" / "helpers.py", "def helper():\n    pass\n")
    write(folder / "carol.py", "def something_else():\n    pass\n")
    write(folder / "dave" / "a.py", RIGHT_BN)
    write(folder / "dave" / "b.py", RIGHT_BN)
    write(folder / "erin.py", SYNTAX_ERROR)
    paths = sorted(folder.rglob("*.py"))
    plan = plan_class(paths, [folder], KataLibrary.from_dirs([]), None)

    found = {s.key: (s.student, k.id) for s, k in plan.submissions}
    assert found == {
        "alice": ("alice", "batchnorm-bchw"),
        "bob": ("bob", "layernorm-bchw"),
        "dave-a": ("dave", "batchnorm-bchw"),
        "dave-b": ("dave", "batchnorm-bchw"),
        "erin": ("erin", "batchnorm-bchw"),
    }
    assert all(len(s.sha256) == 64 for s, _ in plan.submissions)
    unmatched = {(u.student, u.ignored) for u in plan.unmatched}
    assert unmatched == {("bob", True), ("carol", False)}
    assert all("no function of a known kata" in u.message for u in plan.unmatched)


def test_unknown_kata_is_a_usage_error(tmp_path: Path) -> None:
    from normkatas.spec.library import KataLibrary

    path = write(tmp_path / "a.py", RIGHT_BN)
    with pytest.raises(UsageError):
        plan_class([path], [path], KataLibrary.from_dirs([]), "no-such-kata")


def _summary():
    from normkatas.report.class_summary import StudentSummary, student_summary, summarize

    results = {
        "alice": make_result(submission="alice.py"),
        "bob": make_result(submission="bob.py", cases=(("a", "passed"), ("b", "failed")),
                           diagnoses=(("layer-norm", "normalized per sample"),)),
        "carol": make_result(submission="carol.py", cases=(("a", "failed"), ("b", "failed")),
                             diagnoses=(("layer-norm", "normalized per sample"),
                                        ("unbiased-variance", "divided by m - 1"))),
        "dan": make_result(submission="=cmd|' /C calc'!A0.py",
                           cases=(("a", "error"), ("b", "error")), message="boom"),
    }
    students = [student_summary(k, k, "0" * 64, r) for k, r in results.items()]
    students.append(StudentSummary(student="erin", key="unmatched-1-erin", file="erin.py",
                                   status="unmatched", message="defines no function"))
    return summarize(students, results, duration_s=1.5), results


def test_summary_counts_cases_scores_and_mistakes() -> None:
    summary, _ = _summary()
    assert (summary.submissions, summary.passed, summary.failed, summary.errors,
            summary.unmatched) == (4, 1, 2, 1, 1)
    assert not summary.all_passed
    (kata,) = summary.katas
    assert [(c.name, c.passed, c.total) for c in kata.cases] == [("a", 2, 4), ("b", 1, 4)]
    assert [(m.id, m.count, m.total) for m in kata.mistakes] == [
        ("layer-norm", 2, 4), ("unbiased-variance", 1, 4)]
    assert kata.mistakes[0].students == ["bob", "carol"]
    assert kata.error_kinds == {"exception": 1}
    assert [b.count for b in kata.histogram] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]
    assert kata.mean_percent == 37.5 and kata.median_percent == 25.0


def test_histogram_bins_include_one_hundred() -> None:
    from normkatas.report.class_summary import histogram

    bins = histogram([0, 9.99, 10, 55, 99.9, 100])
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert (bins[-1].low, bins[-1].high) == (90, 100)


def test_text_summary_names_mistakes_with_counts() -> None:
    from normkatas.render.classbook import render_class_text

    summary, _ = _summary()
    text = render_class_text(summary)
    assert "2 of 4 normalized per sample (layer-norm)" in text
    assert "1 of 4 divided by m - 1 (unbiased-variance)" in text
    assert "4 submissions, 1 passed, 2 failed, 1 errors, 1 unmatched" in text
    assert "\x1b" not in text


def test_gradebook_csv_columns_and_formula_cells() -> None:
    from normkatas.render.classbook import GRADEBOOK_COLUMNS, render_gradebook

    summary, _ = _summary()
    rows = list(csv.reader(io.StringIO(render_gradebook(summary))))
    assert tuple(rows[0]) == GRADEBOOK_COLUMNS
    by_student = {r[0]: dict(zip(GRADEBOOK_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert by_student["carol"]["diagnoses"] == "layer-norm;unbiased-variance"
    assert by_student["bob"]["percent"] == "50"
    assert by_student["alice"]["status"] == "passed"
    assert by_student["erin"]["status"] == "unmatched"
    assert by_student["dan"]["file"].startswith("'=")


def test_class_json_is_one_object_with_students() -> None:
    from normkatas.render.classbook import render_class_json

    summary, _ = _summary()
    data = json.loads(render_class_json(summary))
    assert data["version"] == "1.0"
    assert len(data["students"]) == 5
    assert data["katas"][0]["mistakes"][0]["id"] == "layer-norm"


def test_progress_bar_draws_only_when_enabled() -> None:
    from normkatas.app.batch.run import Progress

    stream = io.StringIO()
    bar = Progress(3, True, stream)
    for done in range(4):
        bar.update(done, 0)
    bar.done()
    assert stream.getvalue().count("\r") == 4
    assert "3/3" in stream.getvalue() and stream.getvalue().endswith("\n")
    quiet = io.StringIO()
    off = Progress(3, False, quiet)
    off.update(1, 0)
    off.done()
    assert quiet.getvalue() == ""


def test_store_writes_records_and_reads_them_back(tmp_path: Path) -> None:
    from normkatas.app.batch.collect import Submission
    from normkatas.app.batch.store import ResultStore

    store = ResultStore(tmp_path / "results", tmp_path / "results.jsonl")
    alice = Submission("alice", "alice", tmp_path / "alice.py", "alice.py", "a" * 64)
    bob = Submission("bob", "bob", tmp_path / "bob.py", "bob.py", "b" * 64)
    store.start([])
    store.add(alice, make_result(submission="alice.py"))
    store.add(bob, make_result(submission="bob.py", cases=(("a", "failed"),)))
    store.close()
    lines = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert [(d["student"], d["status"], d["sha256"][0]) for d in lines] == [
        ("alice", "passed", "a"), ("bob", "failed", "b")]
    previous = ResultStore(tmp_path / "results", None).previous()
    assert set(previous) == {"alice", "bob"}
    assert previous["bob"].result.status == "failed" and previous["bob"].sha256 == "b" * 64

    again = ResultStore(tmp_path / "results", tmp_path / "results.jsonl")
    again.start([(alice, previous["alice"].result)])
    again.close()
    assert len((tmp_path / "results.jsonl").read_text().splitlines()) == 1


def _args(**kw: object) -> argparse.Namespace:
    base = {"format": "text", "jobs": 0, "resume": False, "out": None}
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize(
    "kw", [{"format": "junit"}, {"jobs": -1}, {"resume": True}],
)
def test_bad_class_options_are_usage_errors(kw: dict[str, object]) -> None:
    from normkatas.app.batch.run import _check_options

    with pytest.raises(UsageError):
        _check_options(_args(**kw))


def test_grade_help_lists_the_class_options() -> None:
    from normkatas.app.cli import build_parser

    text = build_parser().format_help()
    for option in ("--out", "--gradebook", "--jsonl", "--class-report", "--resume", "--jobs"):
        assert option in text


def test_execution_failures_are_not_ranked_as_mistakes() -> None:
    import msgspec

    from normkatas.report.class_summary import student_summary, summarize
    from normkatas.report.result import Diagnosis

    results = {}
    for name in ("ann", "ben"):
        result = make_result(submission=f"{name}.py", cases=(("a", "error"),), message=name)
        results[name] = msgspec.structs.replace(result, diagnoses=[
            Diagnosis(id="exception", title=f"ValueError: {name}", message="",
                      category="execution"),
            Diagnosis(id="layer-norm", title=f"per sample {name == 'ben'}", message="",
                      category="structure"),
        ])
    results["cy"] = msgspec.structs.replace(results["ben"], submission="cy.py")
    students = [student_summary(k, k, "", r) for k, r in results.items()]
    (kata,) = summarize(students, results).katas
    mistakes = [(m.id, m.count, m.title) for m in kata.mistakes]
    assert mistakes == [("layer-norm", 3, "per sample True")]
    assert kata.error_kinds == {"exception": 3}
