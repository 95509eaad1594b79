"""`pytest --grade FILE`: one item per case, the grader's explanation on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Imported here, not in the tests: pytester removes the modules a test imports
# when the test ends, and PyYAML's C extension cannot be imported twice.
from normkatas.spec.library import KataLibrary
from tests.support import REPO
from tests.support.batch import RIGHT_BN, WRONG_LAYER_NORM, require_pipeline

pytestmark = pytest.mark.slow  # starts processes or runs many examples

pytest_plugins = ["pytester"]

HIDDEN_ONLY_FAILURE = RIGHT_BN + '''

_right = batch_normalization


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    if X.ndim == 4 and X.shape[0] == 8:
        raise ValueError(f"secret {X.shape} {float(X.sum()):.6f}")
    return _right(X, gamma, beta, epsilon)
'''


def _case_names() -> list[str]:
    return [c.name for c in KataLibrary.from_dirs([]).get("batchnorm-bchw").graded_cases]


def test_importing_the_plugin_is_cheap() -> None:
    code = (
        "import sys, normkatas.app.pytest_plugin\n"
        "heavy = [m for m in ('numpy', 'jinja2', 'msgspec', 'yaml') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "*--normkatas-grade=FILE*", "*--normkatas-kata=ID*", "*--normkatas-katas-dir=DIR*",
        "*--grade=FILE*", "*--grade-kata=ID*", "*--grade-katas-dir=DIR*",
    ])


def test_without_grade_the_plugin_stays_out_of_the_way(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_missing_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--grade", "nope.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--normkatas-grade nope.py: no such file*"])


def _run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(solution=source)
    return pytester.runpytest_subprocess("--grade", "solution.py", "-p", "no:cacheprovider",
                                         *args, timeout=180)


def test_a_right_solution_passes_one_item_per_case(pytester: pytest.Pytester) -> None:
    require_pipeline()
    result = _run(pytester, RIGHT_BN, "-v")
    names = _case_names()
    result.assert_outcomes(passed=len(names))
    for name in names:
        result.stdout.fnmatch_lines([f"*solution.py::{name} PASSED*"])


def test_a_wrong_solution_fails_with_the_diagnosis_not_a_traceback(
    pytester: pytest.Pytester,
) -> None:
    require_pipeline()
    result = _run(pytester, WRONG_LAYER_NORM)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 1
    assert outcomes.get("failed", 0) + outcomes.get("passed", 0) == len(_case_names())
    text = result.stdout.str()
    assert "Traceback" not in text and "CaseFailed" not in text and "runtest" not in text
    assert "elements differ" in text


def test_hidden_cases_show_no_data(pytester: pytest.Pytester) -> None:
    require_pipeline()
    result = _run(pytester, HIDDEN_ONLY_FAILURE, "-k", "hidden")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes().get("failed") == 1
    text = result.stdout.str()
    assert "hidden-wide" in text
    # The student's own source line may show; the message and the data may not.
    assert "secret (" not in text and "8, 5, 7, 9" not in text


def test_grade_kata_and_katas_dir_choose_the_kata(pytester: pytest.Pytester) -> None:
    require_pipeline()
    katas = pytester.mkdir("my-katas")
    source = (REPO / "katas" / "batchnorm-bchw.yaml").read_text(encoding="utf-8")
    (katas / "bn-copy.yaml").write_text(
        source.replace("id: batchnorm-bchw", "id: bn-copy", 1), encoding="utf-8"
    )
    result = _run(pytester, RIGHT_BN, "--grade-kata", "bn-copy", "--grade-katas-dir",
                  str(Path(katas)), "-v")
    result.assert_outcomes(passed=len(_case_names()))


def test_no_matching_kata_is_one_collection_error(pytester: pytest.Pytester) -> None:
    require_pipeline()
    result = _run(pytester, "def something_else():\n    return 1\n")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = result.stdout.str()
    assert "defines no function of a known kata" in text
    assert "Traceback" not in text
