"""Sequence cases in kata files: what loads, what is an error (with its line), and
how steps expand into calls."""

from __future__ import annotations

import numpy as np
import pytest

from normkatas.spec.inputs import materialize, materialize_sequences
from normkatas.spec.load import SpecError, parse_kata
from normkatas.spec.sequence import Source

HEAD = """\
id: seq
title: t
statement: s
entry: forward
params:
  - {name: x}
  - {name: p, kind: dict, default: {eps: 1.0e-5}}
returns:
  - {name: out}
  - {name: cache, opaque: true}
functions:
  - name: backward
    params: [{name: dout}, {name: cache}]
    returns: [{name: dx}]
cases:
"""
TRAIN = """\
  - name: loop
    steps:
      - name: train
        repeat: 3
        carry: {p: p}
        args:
          x: {generate: normal, shape: [4, 2], seed: 10}
          p.mode: train
      - carry: {p: train.p}
        args:
          p.mode: test
      - call: backward
        carry: {cache: train.cache}
        args:
          dout: [[1.0, 2.0]]
"""


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_kata(text, "k.yaml")
    return info.value


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_steps_expand_into_calls_with_their_sources() -> None:
    kata = parse_kata(HEAD + TRAIN)
    assert materialize(kata) == []  # a sequence is not a single call
    [seq] = materialize_sequences(kata)
    steps = seq.steps
    assert [s.function.name for s in steps] == ["forward"] * 4 + ["backward"]
    assert [s.checked for s in steps] == [False] * 4 + [True]
    # the first call takes its args; each repetition carries the dict from the one before
    assert steps[0].carry == {} and steps[0].kwargs["p"]["mode"] == "train"
    assert steps[0].kwargs["p"]["eps"] == 1e-5  # the dict's defaults
    assert steps[1].carry == {"p": Source(0, "arg", "p")}
    assert steps[2].carry == {"p": Source(1, "arg", "p")}
    # seeds advance per repetition
    assert not np.array_equal(steps[0].kwargs["x"], steps[1].kwargs["x"])
    # the next step inherits x (same function) and writes only mode into the carried dict
    assert steps[3].carry == {"p": Source(2, "arg", "p")}
    assert steps[3].kwargs["p"] == {"mode": "test"}
    np.testing.assert_array_equal(steps[3].kwargs["x"], steps[0].kwargs["x"])
    # the backward pass reads the cache of the last repetition of `train`
    assert steps[4].carry == {"cache": Source(2, "out", "cache", 1)}
    assert set(steps[4].kwargs) == {"dout"}


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("      - call: backward", "      - call: backwrd", "call: backwrd",
         "did you mean `backward`"),
        ("carry: {cache: train.cache}", "carry: {cache: trian.cache}", "carry: {cache: trian",
         "did you mean `train`"),
        ("carry: {cache: train.cache}", "carry: {cache: train.nope}", "carry: {cache: train.nope",
         "neither an output nor a parameter of `forward`"),
        ("          p.mode: train", "          x.mode: train", "x.mode",
         "not declared `kind: dict`"),
        ("          p.mode: test", "          p: {mode: test}", "p: {mode", "write its entries as"),
        ("          dout: [[1.0, 2.0]]", "          doubt: [[1.0, 2.0]]", "doubt",
         "did you mean `dout`"),
    ],
)
def test_step_errors_name_their_line(old: str, new: str, needle: str, message: str) -> None:
    text = (HEAD + TRAIN).replace(old, new)
    err = _error(text)
    assert message in str(err), str(err)
    assert err.line == _line(text, needle), str(err)


def test_the_first_step_cannot_carry_unless_it_repeats() -> None:
    text = (HEAD + TRAIN).replace("        repeat: 3\n", "")
    err = _error(text)
    assert "no earlier step to carry from" in str(err)


def test_a_missing_argument_of_a_step() -> None:
    text = (HEAD + TRAIN).replace("          dout: [[1.0, 2.0]]\n", "          {}\n")
    text = text.replace("        args:\n          {}\n", "")
    err = _error(text)
    assert "missing argument `dout` of `backward`" in str(err)


def test_a_sequence_case_gives_its_arguments_in_its_steps() -> None:
    text = (HEAD + TRAIN).replace("  - name: loop\n", "  - name: loop\n    args: {x: [1.0]}\n")
    assert "gives its arguments in the steps" in str(_error(text))


def test_dict_parameters_only_in_steps() -> None:
    text = HEAD + "  - name: one\n    args: {x: [1.0], p.mode: train}\n"
    assert "dict parameters are given in the steps" in str(_error(text))


def test_a_structure_may_read_dict_entries() -> None:
    text = (HEAD + TRAIN).replace("cases:\n", """\
structure:
  family: running-norm
  layout: NC
  reduce: [N]
  roles: {running_mean: p.running_mean, training: p.mode, epsilon: p.eps}
  outputs: {y: out, running_mean: p.running_mean}
cases:
""")
    kata = parse_kata(text)
    assert kata.structure is not None and kata.structure.roles["training"] == "p.mode"
    bad = text.replace("running_mean: p.running_mean}", "running_mean: q.running_mean}")
    assert "`q.running_mean` is not a return value" in str(_error(bad))


def test_a_step_compares_views_of_its_results() -> None:
    views = """\
        compare:
          - {output: out, statistic: mean, over: [0], equals: 0.0}
"""
    text = (HEAD + TRAIN).replace("          p.mode: test\n", "          p.mode: test\n" + views)
    [seq] = materialize_sequences(parse_kata(text))
    assert [v.output for v in seq.steps[3].views] == ["out"]
    bad = text.replace("{output: out, statistic", "{output: dx, statistic")
    assert "`dx` is not a result of `forward`" in str(_error(bad))
    both = text.replace("        compare:\n", "        outputs: [out]\n        compare:\n")
    assert "either `outputs` or views" in str(_error(both))


def test_a_steps_generator_is_checked_like_a_cases() -> None:
    text = (HEAD + TRAIN).replace("seed: 10}", "seed: 10, low: 1.0}")
    err = _error(text)
    assert "`low` has no effect on a `normal` generator" in str(err)
    assert err.line == _line(text, "x: {generate")


def test_a_further_function_may_read_the_arguments_behind_what_it_was_carried() -> None:
    structure = """\
    structure:
      family: norm-backward
      layout: NC
      reduce: [N]
      roles: {dout: dout, input: cache@x, epsilon: cache@p.eps}
      outputs: {dx: dx}
"""
    text = (HEAD + TRAIN).replace("    returns: [{name: dx}]\n",
                                  "    returns: [{name: dx}]\n" + structure)
    [fn] = parse_kata(text).functions
    assert fn.structure is not None and fn.structure.roles["input"] == "cache@x"
    bad = text.replace("input: cache@x", "input: cach@x")
    err = _error(bad)
    assert "`cach` (before @) is not a parameter of function `backward`" in str(err)
    assert err.line == _line(bad, "roles: {dout")
    assert "is not a return value of function `backward`" in str(
        _error(text.replace("outputs: {dx: dx}", "outputs: {dx: dy}")))
