"""Starter files (`grade init KATA`): valid Python, the exact signature, a useful docstring."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import msgspec
import pytest

from normkatas.app.starter import format_default, starter_source
from normkatas.spec.inputs import materialize
from normkatas.spec.load import load_kata
from normkatas.spec.model import Kata, Output, Param
from normkatas.spec.resources import data_dir

KATA_FILES = sorted(data_dir("katas").glob("*.yaml"))


def _load(path: Path) -> Kata:
    return load_kata(path)


def _function(source: str, entry: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<starter>", "exec"), namespace)
    return namespace[entry]


def _kata(**changes: Any) -> Kata:
    base: dict[str, Any] = {
        "id": "demo",
        "title": "Demo kata",
        "statement": "Do it.",
        "entry": "solve",
        "params": [Param(name="X", doc="input, shape (N, C)")],
        "returns": [Output(name="Y", doc="output, shape (N, C)")],
    }
    base.update(changes)
    return Kata(**base)


@pytest.mark.parametrize("path", KATA_FILES, ids=[p.stem for p in KATA_FILES])
def test_starter_for_every_bundled_kata(path: Path) -> None:
    kata = _load(path)
    source = starter_source(kata)
    tree = ast.parse(source)
    assert "import numpy as np" in source
    assert all(len(line) <= 100 for line in source.splitlines())
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert [f.name for f in functions] == [kata.entry, *(f.name for f in kata.functions)]

    fn = _function(source, kata.entry)
    params = list(inspect.signature(fn).parameters.values())
    assert [p.name for p in params] == [p.name for p in kata.params]
    for got, want in zip(params, kata.params, strict=True):
        if want.default is msgspec.UNSET or want.kind == "dict":  # a dict's default: entries
            assert got.default is inspect.Parameter.empty
        else:
            assert got.default == want.default
            assert type(got.default) is type(want.default)

    doc = " ".join((fn.__doc__ or "").split())
    items: list[Any] = [*kata.params, *kata.returns]
    for item in items:
        assert f"{item.name} : {' '.join(item.doc.split())}" in doc
    if len(kata.returns) > 1:
        assert "A tuple (" + ", ".join(r.name for r in kata.returns) + ")" in doc


@pytest.mark.parametrize("path", KATA_FILES, ids=[p.stem for p in KATA_FILES])
def test_starter_raises_not_implemented_on_every_case(path: Path) -> None:
    kata = _load(path)
    fn = _function(starter_source(kata), kata.entry)
    for case in materialize(kata):
        with pytest.raises(NotImplementedError, match=kata.entry):
            fn(**case.kwargs)


def test_batchnorm_bchw_starter_reads_as_expected() -> None:
    source = starter_source(_load(data_dir("katas") / "batchnorm-bchw.yaml"))
    assert "def batch_normalization(X, gamma, beta, epsilon=1e-5):\n" in source
    assert "    X : feature maps, shape (N, C, H, W)\n" in source
    assert "    raise NotImplementedError(" in source
    assert "grade --show batchnorm-bchw" in source


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e-5, "1e-5"),
        (1e-12, "1e-12"),
        (0.1, "0.1"),
        (1e16, "1e+16"),
        (2, "2"),
        (True, "True"),
        (None, "None"),
        ("mean", "'mean'"),
        ([1, 2.5], "[1, 2.5]"),
    ],
)
def test_format_default(value: Any, text: str) -> None:
    assert format_default(value) == text
    assert ast.literal_eval(text) == value


def test_format_default_rejects_what_is_not_a_literal() -> None:
    with pytest.raises(ValueError, match="literal"):
        format_default(float("nan"))


def test_docs_with_quotes_and_backslashes_stay_valid_python() -> None:
    tricky = 'uses """triple quotes""", a \\ backslash, \\n and a final quote"'
    kata = _kata(
        title='The "odd" one',
        params=[Param(name="X", doc=tricky), Param(name="eps", default=1e-5)],
        returns=[Output(name="Y", doc="ends with a backslash \\")],
    )
    source = starter_source(kata)
    fn = _function(source, "solve")
    assert tricky in " ".join(fn.__doc__.split())
    assert "ends with a backslash \\" in fn.__doc__
    assert "(default 1e-5)" in fn.__doc__


def test_params_without_docs_and_mutation_allowed() -> None:
    kata = _kata(params=[Param(name="X")], allow_mutation=True)
    fn = _function(starter_source(kata), "solve")
    assert "    X\n" in fn.__doc__
    assert "Do not modify" not in fn.__doc__


def test_long_signature_is_wrapped() -> None:
    params = [Param(name=f"parameter_number_{i}", default=0.5) for i in range(8)]
    source = starter_source(_kata(params=params))
    assert source.count("def solve(") == 1
    assert all(len(line) <= 100 for line in source.splitlines())
    fn = _function(source, "solve")
    assert len(inspect.signature(fn).parameters) == 8


def test_keyword_parameter_name_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid Python name"):
        starter_source(_kata(params=[Param(name="lambda")]))


def test_parameter_without_default_after_one_with_is_refused() -> None:
    kata = _kata(params=[Param(name="a", default=1), Param(name="b")])
    with pytest.raises(ValueError, match="not valid Python"):
        starter_source(kata)


def test_grade_init_writes_the_starter(tmp_path: Path) -> None:
    from normkatas.app.cli import main

    target = tmp_path / "mine.py"
    assert main(["init", "batchnorm-bchw", "--output", str(target)]) == 0
    kata = _load(data_dir("katas") / "batchnorm-bchw.yaml")
    assert target.read_text(encoding="utf-8") == starter_source(kata)
