"""The real `grade` command: JUnit durations, exercism run.sh, the Classroom reporter."""

from __future__ import annotations

import base64
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from normkatas.render.exercism import OUTPUT_LIMIT, cut_bytes, exercism_results
from normkatas.report.result import Captured
from tests.render.test_classroom_reporter import RUNNER, report
from tests.support import REPO
from tests.support.batch import RIGHT_BN, WRONG_LAYER_NORM, env, require_pipeline, run_grade
from tests.support.render import failed_layer_norm

RUN_SH = REPO / "classroom" / "exercism" / "run.sh"


def _schema(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((REPO / "tests" / "schemas" / name).read_text())
    return data


# --- exercism, without processes -------------------------------------------------


def test_exercism_tests_carry_task_id_1() -> None:
    data = exercism_results(failed_layer_norm())
    assert data["version"] == 3
    assert [t["task_id"] for t in data["tests"]] == [1] * len(data["tests"])


def test_exercism_output_is_cut_in_bytes_never_inside_a_character() -> None:
    import msgspec

    text = "é" * 400  # 400 characters, 800 bytes
    result = msgspec.structs.replace(
        failed_layer_norm(), stdout=Captured(text=text, total_bytes=800)
    )
    (out,) = [t["output"] for t in exercism_results(result)["tests"] if "output" in t]
    assert len(out.encode("utf-8")) <= OUTPUT_LIMIT
    assert out.endswith("Please limit to 500 chars")
    assert cut_bytes("aé", 2) == "a"


# --- the real command -------------------------------------------------------------


@pytest.mark.slow
def test_junit_has_real_per_case_durations(tmp_path: Path) -> None:
    require_pipeline()
    (tmp_path / "solution.py").write_text(RIGHT_BN, encoding="utf-8")
    proc = run_grade(["solution.py", "--kata", "batchnorm-bchw", "--format", "junit"],
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    from normkatas import load_kata

    secret = {c.name for c in load_kata("batchnorm-bchw").cases if c.hidden}
    times = {tc.get("name"): float(tc.get("time", "0"))
             for tc in ET.fromstring(proc.stdout).iter("testcase")}
    visible = [t for name, t in times.items() if name not in secret]
    hidden = [t for name, t in times.items() if name in secret]
    assert visible and all(t > 0 for t in visible), visible
    assert len(set(visible)) > 1, "one time per case, not one for all"
    assert hidden and all(t == 0 for t in hidden), "a hidden case's timing is not reported"


@pytest.mark.slow
@pytest.mark.parametrize(("source", "status"), [(RIGHT_BN, "pass"), (WRONG_LAYER_NORM, "fail")],
                         ids=["right", "wrong"])
def test_exercism_run_sh(tmp_path: Path, source: str, status: str) -> None:
    import jsonschema

    require_pipeline()
    solution_dir, out = tmp_path / "in", tmp_path / "out"
    solution_dir.mkdir()
    (solution_dir / "batchnorm_bchw.py").write_text(source, encoding="utf-8")
    proc = subprocess.run(["sh", str(RUN_SH), "batchnorm-bchw", str(solution_dir), str(out)],
                          env=env(), capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, _schema("exercism.schema.json"))
    assert data["status"] == status


@pytest.mark.slow
def test_exercism_run_sh_without_a_solution_writes_an_error_result(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    proc = subprocess.run(["sh", str(RUN_SH), "batchnorm-bchw", str(tmp_path / "in"),
                           str(tmp_path / "out")], env=env(), capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["status"] == "error" and "batchnorm_bchw.py" in data["message"]


@pytest.mark.slow
@pytest.mark.parametrize("source", [RIGHT_BN, WRONG_LAYER_NORM], ids=["right", "wrong"])
def test_the_reporter_parses_the_real_classroom_output(tmp_path: Path, source: str) -> None:
    require_pipeline()
    (tmp_path / "solution.py").write_text(source, encoding="utf-8")
    proc = run_grade(["solution.py", "--kata", "batchnorm-bchw", "--format", "classroom"],
                     cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    value = base64.b64encode(proc.stdout.encode("utf-8")).decode("ascii")
    r = report({f"{RUNNER.upper()}_RESULTS": value})
    assert r.console_total.split("/")[0] == f"{float(r.classroom_points.split('/')[0]):.2f}"
    assert r.step_failed is (source is WRONG_LAYER_NORM)
    assert len(value) < 64 * 1024
