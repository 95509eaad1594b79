"""A whole-file error explained by a diagnosis (an import error naming the module)
gets one block, the diagnosis's, and in the terminal report it comes before the
cases: the one useful line is never behind a generic one."""

from __future__ import annotations

import pytest

from normkatas.render import FORMATS, render
from normkatas.report.result import CaseResult, Diagnosis, ErrorInfo, Result, SourceLine

GENERIC = "error[import-error]: the file could not be imported"
NAMED = "module torch is not available to the grader"


def _result() -> Result:
    error = ErrorInfo(kind="import-error", type="ModuleNotFoundError",
                      message="No module named 'torch'")
    diagnosis = Diagnosis(
        id="import-error", title=NAMED, message="", category="execution",
        notes=["the grader runs your file with Python's standard library and numpy only"],
        help="remove the import of torch and write batch_normalization with numpy",
        source=SourceLine(line=1, text="import torch"),
    )
    return Result(
        kata="batchnorm-bchw", kata_title="Batch normalization", submission="bn.py",
        status="error", score=0, max_score=3,
        cases=[CaseResult(name=f"case-{i}", status="error", points=0, max_points=1, error=error)
               for i in range(3)],
        diagnoses=[diagnosis],
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_generic_block_gives_way_to_the_diagnosis(fmt: str) -> None:
    text = render(_result(), fmt)
    assert "torch" in text
    assert GENERIC not in text


def test_the_terminal_report_names_the_module_before_the_cases() -> None:
    text = render(_result(), "text")
    assert text.index(NAMED) < text.index("cases")
    assert text.count(NAMED) == 1


def test_an_unexplained_import_error_keeps_its_block() -> None:
    result = _result()
    result.diagnoses = []
    assert GENERIC in render(result, "text")


@pytest.mark.parametrize(("fmt", "cases"), [("markdown", "| case |"), ("html", "cases-heading")])
def test_the_documents_name_the_module_before_the_cases(fmt: str, cases: str) -> None:
    text = render(_result(), fmt)
    assert text.index(NAMED) < text.index(cases)
