"""Files written for normkatas 0.1 keep working: its JSON reports and its kata files."""

from __future__ import annotations

import pytest

from normkatas.render import FORMATS, render
from normkatas.report.result import result_from_json
from normkatas.spec.load import load_kata
from tests.support import TESTS

FIXTURES = TESTS / "report" / "fixtures"


def test_a_0_1_report_loads() -> None:
    result = result_from_json((FIXTURES / "report-0.1.json").read_bytes())
    assert result.grader_version == "0.1.0"
    assert result.status == "failed"
    assert [d.id for d in result.diagnoses] == ["layer-norm", "unbiased-variance"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_0_1_report_renders_in_every_format(fmt: str) -> None:
    result = result_from_json((FIXTURES / "report-0.1.json").read_bytes())
    assert render(result, fmt).strip()


def test_a_0_1_kata_file_loads() -> None:
    kata = load_kata(FIXTURES / "kata-0.1.yaml")
    assert kata.id == "batchnorm-bchw" and kata.structure is not None
