"""`grade` with a disclosure policy: the real command, every level, the attempt from Gradescope."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.batch import WRONG_LAYER_NORM, require_pipeline, run_grade

pytestmark = pytest.mark.slow


def _grade(tmp_path: Path, *extra: str) -> dict[str, object]:
    (tmp_path / "solution.py").write_text(WRONG_LAYER_NORM, encoding="utf-8")
    proc = run_grade(["solution.py", "--kata", "batchnorm-bchw", "--format", "json", *extra],
                     cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data: dict[str, object] = json.loads(proc.stdout)
    return data


def _first_diagnosis(data: dict[str, object]) -> dict[str, object]:
    diagnoses = data["diagnoses"]
    assert isinstance(diagnoses, list) and diagnoses
    first: dict[str, object] = diagnoses[0]
    return first


def test_levels_on_the_command_line(tmp_path: Path) -> None:
    require_pipeline()
    full = _grade(tmp_path)
    assert _first_diagnosis(full)["counterexample"] is not None
    misconception = _grade(tmp_path, "--reveal", "misconception")
    assert _first_diagnosis(misconception)["counterexample"] is None
    assert all(not c["mismatches"] for c in misconception["cases"])  # type: ignore[attr-defined]
    verdict = _grade(tmp_path, "--reveal", "verdict")
    assert verdict["diagnoses"] == []
    assert verdict["score"] == full["score"], "the policy never changes the points"


def test_after_three_attempts_show_the_smallest_failing_input(tmp_path: Path) -> None:
    require_pipeline()
    policy = tmp_path / "disclosure.toml"
    policy.write_text('level = "misconception"\n\n[[rule]]\nfrom_attempt = 4\nlevel = "full"\n',
                      encoding="utf-8")
    metadata = tmp_path / "submission_metadata.json"
    for previous, shown in ((2, False), (3, True)):
        metadata.write_text(json.dumps({"previous_submissions": [{}] * previous}),
                            encoding="utf-8")
        data = _grade(tmp_path, "--reveal-policy", str(policy),
                      "--submission-metadata", str(metadata))
        assert (_first_diagnosis(data)["counterexample"] is not None) is shown, previous


def test_a_bad_policy_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text(WRONG_LAYER_NORM, encoding="utf-8")
    (tmp_path / "p.toml").write_text('level = "all"\n', encoding="utf-8")
    proc = run_grade(["solution.py", "--reveal-policy", "p.toml"], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("grade: error: p.toml:")
    assert "Traceback" not in proc.stderr


def test_html_heatmaps_only_at_full(tmp_path: Path) -> None:
    require_pipeline()
    (tmp_path / "solution.py").write_text(WRONG_LAYER_NORM, encoding="utf-8")
    pages = {}
    for level in ("full", "misconception"):
        proc = run_grade(["solution.py", "--kata", "batchnorm-bchw", "--format", "html",
                          "--reveal", level], cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        pages[level] = proc.stdout
    assert '<div class="heatmaps">' in pages["full"]
    assert '<div class="heatmaps">' not in pages["misconception"]


def test_allowed_arrays_follow_the_policy() -> None:
    import argparse

    from normkatas.app.student_view import allowed_arrays
    from tests.support.render import failed_layer_norm

    result = failed_layer_norm()
    arrays = {c.name: "array" for c in result.cases}
    args = argparse.Namespace(reveal="misconception", reveal_policy=None, attempt=None,
                              submission_metadata=None)
    assert allowed_arrays(args, result, arrays) == {}
    args.reveal = "full"
    assert allowed_arrays(args, result, arrays) == arrays
