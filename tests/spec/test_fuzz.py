"""Fuzzing the kata loader: any input gives a Kata or a SpecError, never a traceback."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from normkatas.spec._yaml import read_yaml
from normkatas.spec.inputs import materialize
from normkatas.spec.load import SpecError, load_kata, parse_kata
from normkatas.spec.model import Generator, Kata
from normkatas.spec.resources import data_dir

pytestmark = pytest.mark.slow  # starts processes or runs many examples

SEED_KATA = """\
id: batchnorm-bchw
title: Batch normalization
statement: Normalize each channel.
entry: batch_normalization
params:
  - {name: X}
  - {name: gamma}
  - {name: beta}
  - {name: epsilon, default: 1e-5}
returns: [{name: Y}]
reference: batchnorm_bchw:batch_normalization
tolerance: {rtol: 1e-5, atol: 1e-6}
structure:
  family: normalization
  layout: NCHW
  reduce: [N, H, W]
  affine_axis: C
  roles: {input: X, gamma: gamma, beta: beta, epsilon: epsilon}
  outputs: {y: Y}
cases:
  - name: example
    example: true
    args:
      X: [[[[0.5, -2e3]], [[0.25, 1.0]]]]
      gamma: [1.0, 1.0]
      beta: [0.0, 0.0]
    expected: {Y: [[[[0.4286, 1.0]], [[0.5, -0.5]]]]}
  - name: generated
    args:
      X: {generate: normal, shape: [4, 3, 5, 7], seed: 3, dtype: float32,
          channel_offsets: [0, 50, -3], channel_scales: [1, 0.001, 4], constant_channels: [1]}
      gamma: {generate: uniform, shape: [3], low: 0.5, high: 2.0, seed: 4}
      beta: {generate: integers, shape: [3], low: -2, high: 3, round: 1}
      epsilon: 1e-3
    tolerance: {atol: 1e-4}
    points: 2
    hidden: true
  - name: probe
    probe: true
    args:
      X: {generate: arange, shape: [2, 3, 4, 5], start: -1, step: 0.01}
      gamma: {generate: constant, shape: [3], value: 1.5}
      beta: [0, 0, 0]
"""

SEEDS = [SEED_KATA] + [p.read_text(encoding="utf-8")
                       for p in sorted(data_dir("katas").glob("*.yaml"))]
FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8),
    st.sampled_from(["abc", "1e-5", "1E3", "-2e3", " 1e-5 ", "NCHW", "N", "C", "Q",
                     "nope:missing", "a.b:c", "", "normal", "float32", "yes", "~", "x" * 50]),
)
VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["name", "args", "generate", "shape", "seed", "atol",
                                       "X", "tolerence", "low", "zzz"]), inner, max_size=3),
    max_leaves=8,
)


def check_outcome(run: Any, text: str) -> None:
    """The one property: a Kata (that materializes) or a SpecError that says where."""
    try:
        kata = run()
    except SpecError as err:
        assert err.file and err.message and isinstance(err.message, str)
        # YAML breaks lines at \n, \r, NEL and the Unicode separators too; splitlines()
        # knows them all (and a few more, which only loosens the bound).
        assert err.line is None or 1 <= err.line <= len(text.splitlines()) + 2, str(err)
        assert err.key is None or isinstance(err.key, str)
        assert str(err).startswith(err.file)
        return
    assert isinstance(kata, Kata)
    sizes = [math.prod(a.shape) for c in kata.cases for a in c.args.values()
             if isinstance(a, Generator)]
    if sum(sizes) <= 100_000:
        for case in materialize(kata):
            assert set(case.kwargs) == {p.name for p in kata.params}
            for value in case.kwargs.values():
                assert not isinstance(value, np.ndarray) or value.dtype.kind in "fiub"


def walk_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += walk_paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += walk_paths(v, (*prefix, i))
    return out


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def mutate_tree(data: Any, draw: Any) -> Any:
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in walk_paths(data) if p]
        if not paths:
            return data
        path = draw(st.sampled_from(paths))
        parent, last = get(data, path[:-1]), path[-1]
        op = draw(st.sampled_from(["delete", "rename", "scalar", "value", "wrap", "axes"]))
        if op == "delete":
            del parent[last]
        elif op == "rename" and isinstance(parent, dict):
            new = draw(st.sampled_from([last + "e", last[:-1], last.upper(), "tolerence", "x"]))
            parent[new] = parent.pop(last)
        elif op == "scalar":
            parent[last] = draw(SCALARS)
        elif op == "value":
            parent[last] = draw(VALUES)
        elif op == "wrap":
            parent[last] = draw(st.sampled_from([[parent[last]], {"value": parent[last]}]))
        else:
            parent[last] = draw(st.lists(st.one_of(st.integers(-6, 9), st.sampled_from("NCHWQ")),
                                         max_size=5))
    return data


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_data(seed: str, data: st.DataObject) -> None:
    tree = read_yaml(seed).data
    tree = mutate_tree(tree, data.draw)
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    check_outcome(lambda: parse_kata(text, "fuzz.yaml"), text)


def mutate_text(text: str, draw: Any) -> str:
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True) or [""]
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "truncate",
                                   "indent", "number"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            j = draw(st.integers(0, len(lines[i])))
            junk = draw(st.text(max_size=6) | st.sampled_from(
                ["\t", ": ", "- ", "[", "]", "{", "'", '"', "&a ", "*a", "!!int ", "<<: ", "#"]))
            lines[i] = lines[i][:j] + junk + lines[i][j:]
        elif op == "replace":
            lines[i] = draw(st.sampled_from(["atol: abc\n", "  tolerance: {atol: 'abc'}\n",
                                             "reference: nope:missing\n", "shape: [0]\n",
                                             "reduce: [7, Q]\n", "---\n", "\n"]))
        elif op == "truncate":
            lines = lines[:i]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["  ", "\t", " "])) + lines[i]
        else:
            lines[i] = lines[i].replace(draw(st.sampled_from(["1", "0", "3", "5"])),
                                        draw(st.sampled_from(["-1", "1e400", "abc", "99", "0"])))
        text = "".join(lines)
    return text


@FUZZ
@given(st.sampled_from(SEEDS), st.data())
def test_mutated_text(seed: str, data: st.DataObject) -> None:
    text = mutate_text(seed, data.draw)
    check_outcome(lambda: parse_kata(text, "fuzz.yaml"), text)


@FUZZ
@given(st.text(max_size=200))
@example("0:\x850")  # NEL is a YAML line break: the error is on line 3 of one "line"
def test_random_text(text: str) -> None:
    check_outcome(lambda: parse_kata(text, "fuzz.yaml"), text)


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "kata.yaml"


@FUZZ
@given(raw=st.binary(max_size=200) | st.sampled_from(SEEDS).map(str.encode).flatmap(
    lambda b: st.integers(0, len(b)).flatmap(
        lambda i: st.binary(min_size=1, max_size=4).map(lambda junk: b[:i] + junk + b[i:]))))
def test_random_bytes(fuzz_file: Path, raw: bytes) -> None:
    fuzz_file.write_bytes(raw)
    text = raw.decode("utf-8", errors="replace")
    check_outcome(lambda: load_kata(fuzz_file), text)


def test_seeds_are_valid() -> None:
    for seed in SEEDS:
        check_outcome(lambda seed=seed: parse_kata(seed), seed)
        assert isinstance(parse_kata(seed), Kata)
