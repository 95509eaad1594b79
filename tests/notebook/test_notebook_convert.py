"""A notebook -> the module that is graded, and the map from its lines back to cells."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import msgspec
import pytest

from normkatas.app.starter import starter_notebook
from normkatas.notebook import Cell, NotebookError, Origin, convert_file, read_cells, to_module
from normkatas.notebook.remap import remap_result
from normkatas.report.result import (
    CaseResult,
    Diagnosis,
    ErrorInfo,
    Frame,
    Result,
    SourceLine,
)
from normkatas.spec.discover import functions_in
from normkatas.spec.load import load_kata
from normkatas.spec.resources import data_dir
from tests.notebook.notebooks import WRONG, WRONG_LINE, student_cells, write_notebook


def module_of(*sources: str) -> str:
    return to_module([Cell(i + 1, s) for i, s in enumerate(sources)]).source


def test_the_student_notebook_keeps_the_function_and_what_it_needs(tmp_path: Path) -> None:
    module = convert_file(write_notebook(tmp_path / "nb.ipynb", student_cells(WRONG)))
    assert module.source == "import numpy as np\n" + WRONG + "\n"
    ast.parse(module.source)
    # module line 1 is cell 2's line 3; the function starts at cell 4, line 1
    assert module.locate(1) == Origin(2, 3)
    assert module.locate(2) == Origin(4, 1)
    assert module.locate(4) == Origin(4, 3)
    assert module.text(Origin(4, 3)) == WRONG_LINE
    assert module.locate(99) is None and module.locate(None) is None
    assert module.left_out == (5,)  # the plotting cell


def test_magics_shell_escapes_and_help_are_left_out() -> None:
    source = module_of(
        "%matplotlib inline\n!pip install numpy\nfiles = !ls\nt = %timeit f()\nnp.mean?\n"
        "import numpy as np\n"
        "def f(x):\n    %time y = 1\n    return np.sum(x)"
    )
    assert "%" not in source and "!" not in source and "?" not in source
    tree = ast.parse(source)
    assert [type(n).__name__ for n in tree.body] == ["Import", "FunctionDef"]


def test_cell_magics_and_skip_grade_cells_are_left_out_but_grade_cells_count() -> None:
    cells = [
        Cell(1, "%%timeit\ndef f(): pass"),
        Cell(2, "def g(): pass", tags=("skip-grade",)),
        Cell(3, "%%grade batchnorm-bchw\ndef h(): pass"),
        Cell(4, "def k(): pass", kind="markdown"),
    ]
    module = to_module(cells)
    assert functions_in(module.source) == ["h"]
    assert module.locate(1) == Origin(3, 2)


def test_plotting_and_trying_the_function_do_not_run() -> None:
    source = module_of(
        "import numpy as np\nimport matplotlib.pyplot as plt\nimport seaborn as sns",
        "def f(x):\n    return np.mean(x)",
        "X = np.random.randn(3)\nprint(f(X))\nplt.plot(f(X))\nfor i in range(3):\n    sns.x(i)",
    )
    assert source == "import numpy as np\ndef f(x):\n    return np.mean(x)\n"


def test_globals_the_function_reads_are_kept_with_what_they_need() -> None:
    source = module_of(
        "import numpy as np\nimport math",
        "EPS = math.sqrt(1e-10)\nscale = np.ones(3)\nunused = np.zeros(2)",
        "def helper(x):\n    return x * scale\n",
        "def f(x, eps=EPS):\n    return helper(x) + eps",
    )
    tree = ast.parse(source)
    kept = [ast.unparse(n).split("\n")[0] for n in tree.body]
    assert kept == ["import numpy as np", "import math", "EPS = math.sqrt(1e-10)",
                    "scale = np.ones(3)", "def helper(x):", "def f(x, eps=EPS):"]


def test_a_local_name_equal_to_a_global_does_not_pull_the_global_in() -> None:
    source = module_of(
        "X = load_data()\nout = f(X)",
        "def f(X):\n    out = X + 1\n    return out",
    )
    assert source == "def f(X):\n    out = X + 1\n    return out\n"


def test_aliases_lambdas_decorators_and_shared_lines() -> None:
    module = to_module([
        Cell(1, "import functools\ndef impl(x): return x\nf = impl; print(f(1))\n"
                "g = lambda x: x\n@functools.cache\ndef h(x):\n    return x"),
    ])
    assert module.source == (
        "import functools\ndef impl(x): return x\nf = impl\ng = lambda x: x\n"
        "@functools.cache\ndef h(x):\n    return x\n"
    )
    assert module.locate(3) == Origin(1, 3, 0)
    semicolon = to_module([Cell(1, "x = 1; y = 2\ndef f(): return y")])
    assert semicolon.source.startswith("y = 2\n")
    assert semicolon.locate(1) == Origin(1, 1, 7)  # column 1 of the module is column 8


def test_a_cell_that_does_not_parse_is_kept_whole() -> None:
    module = to_module([
        Cell(1, "import numpy as np"),
        Cell(2, "def f(x):\n    return np.sqrt(x +\n"),
    ])
    assert module.source.startswith("import numpy as np\ndef f(x):\n    return np.sqrt(x +")
    with pytest.raises(SyntaxError) as info:
        ast.parse(module.source)
    assert info.value.lineno is not None
    assert module.locate(info.value.lineno) is not None


def test_context_cells_only_give_what_the_graded_cell_needs() -> None:
    module = to_module(
        [Cell(1, "import numpy as np\ndef old(x): return x"), Cell(2, "def f(: broken"),
         Cell(3, "def f(x): return np.mean(x)")],
        root_cells={3},
    )
    assert module.source == "import numpy as np\ndef f(x): return np.mean(x)\n"


def test_future_imports_are_left_out() -> None:
    assert module_of("from __future__ import annotations\ndef f(x: int) -> int: return x") == (
        "def f(x: int) -> int: return x\n"
    )


def test_not_a_notebook_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(NotebookError, match="not a notebook"):
        read_cells(bad)
    bad.write_text('{"worksheets": []}', encoding="utf-8")
    with pytest.raises(NotebookError, match="nbformat 4"):
        read_cells(bad)


def test_source_as_one_string_and_tags_are_read(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "source": "def f(): pass", "metadata": {"tags": ["skip-grade"]}},
        {"cell_type": "code", "source": "def g(): pass", "metadata": {}},
    ]}), encoding="utf-8")
    assert [(c.number, c.tags) for c in read_cells(path)] == [(1, ("skip-grade",)), (2, ())]
    assert convert_file(path).source == "def g(): pass\n"


def test_remap_points_every_location_at_the_cell() -> None:
    module = to_module([Cell(1, "import numpy as np"), Cell(2, "# mine\n" + WRONG)])
    # WRONG_LINE is module line 4 (import, def, comment, mean...)
    assert module.text(module.locate(4) or Origin(0, 0)) == WRONG_LINE
    result = Result(
        kata="k", submission="converted/x.py", status="failed", score=0, max_score=1,
        cases=[CaseResult(name="c", status="error", points=0, max_points=1, error=ErrorInfo(
            kind="exception", type="ValueError", line=4, column=5, source="module text",
            frames=[Frame(file="converted/x.py", line=4, function="f", source="x"),
                    Frame(file="numpy/core.py", line=10, function="mean")]))],
        diagnoses=[Diagnosis(id="layer-norm", title="t", message="see line 4",
                             category="statistics", help="fix line 4, not line 40",
                             source=SourceLine(line=4, text="module", column=5, end_column=9))],
    )
    out = remap_result(result, module, display="nb.ipynb")
    assert out.submission == "nb.ipynb"
    src = out.diagnoses[0].source
    assert src == SourceLine(line=4, text=WRONG_LINE, column=5, end_column=9, cell=2)
    assert out.diagnoses[0].help == "fix cell 2, line 4, not line 40"
    assert out.diagnoses[0].message == "see cell 2, line 4"
    error = out.cases[0].error
    assert error is not None
    assert (error.cell, error.line, error.source) == (2, 4, WRONG_LINE)
    assert error.frames[0] == Frame(file="nb.ipynb", line=4, function="f", source=WRONG_LINE,
                                    cell=2)
    assert error.frames[1].cell is None and error.frames[1].file == "numpy/core.py"
    assert msgspec.json.decode(msgspec.json.encode(out), type=Result) == out


KATA_FILES = sorted(data_dir("katas").glob("*.yaml"))


@pytest.mark.parametrize("path", KATA_FILES, ids=lambda p: p.stem)
def test_starter_notebooks_have_statement_signature_and_grading_cell(path: Path) -> None:
    kata = load_kata(path)
    data = json.loads(starter_notebook(kata))
    assert data["nbformat"] == 4
    cells = read_cells_from(data)
    markdown, function, _, grading = cells
    assert kata.statement.strip().split("\n")[0] in markdown.source
    assert f"def {kata.signature}" in markdown.source
    assert f"def {kata.entry}(" in function.source
    assert f'normkatas.grade({kata.entry}, kata="{kata.id}")' in grading.source
    module = to_module(cells)
    assert functions_in(module.source) == [kata.entry]
    assert "normkatas" not in module.source  # the grading cell is not part of the submission


def read_cells_from(data: object) -> list[Cell]:
    from normkatas.notebook import cells_of

    return cells_of(data)
