"""normkatas.spec.load: YAML -> Kata, and errors that say file, line and key."""

from __future__ import annotations

import pickle
from pathlib import Path

import msgspec
import pytest

from normkatas.spec.load import SpecError, load_kata, load_yaml, parse_kata
from normkatas.spec.model import Generator, Kata

VALID = """\
# yaml-language-server: $schema=kata.schema.json
id: batchnorm-bchw
title: Batch normalization of a BCHW feature map
level: medium
statement: |
  Normalize each channel.
entry: batch_normalization
params:
  - {name: X, doc: "feature maps, shape (N, C, H, W)"}
  - {name: gamma}
  - {name: beta}
  - {name: epsilon, default: 1e-5}
returns:
  - {name: Y}
reference: batchnorm_bchw:batch_normalization
tolerance: {rtol: 1E-3, atol: 1e-6}
structure:
  family: normalization
  layout: NCHW
  reduce: [N, H, W]
  affine_axis: C
  roles: {input: X, gamma: gamma, beta: beta, epsilon: epsilon}
  outputs: {y: Y}
cases:
  - name: seed-example-1
    example: true
    args:
      X: [[[[0.5, -2e3]], [[0.25, 1.0]]]]
      gamma: [1.0, 1.0]
      beta: [0.0, 0.0]
      epsilon: 1.0e-5
    expected: {Y: [[[[0.4286, 1.0]], [[0.5, -0.5]]]]}
  - name: wide-float32
    args:
      X: {generate: normal, shape: [4, 3, 5, 7], seed: 3, dtype: float32,
          channel_offsets: [0, 50, -3], channel_scales: [1, 0.001, 4]}
      gamma: {generate: uniform, shape: [3], low: 0.5, high: 2.0, seed: 4}
      beta: [0.5, -1.0, 2.0]
    points: 2
    hidden: true
  - name: probe
    probe: true
    args:
      X: {generate: normal, shape: [2, 3, 4, 5]}
      gamma: [1, 2, 3]
      beta: [0, 0, 0]
"""


def parse(text: str) -> Kata:
    return parse_kata(text, "katas/x.yaml")


def error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse(text)
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def mutate(old: str, new: str) -> str:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def test_valid_kata_loads() -> None:
    kata = parse(VALID)
    assert kata.id == "batchnorm-bchw"
    assert [c.name for c in kata.cases] == ["seed-example-1", "wide-float32", "probe"]
    assert isinstance(kata.cases[1].args["X"], Generator)
    assert kata.reference_module == "batchnorm_bchw"


def test_load_kata_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_kata(path).entry == "batch_normalization"


# -- the YAML 1.1 float trap --------------------------------------------------


def test_exponent_without_dot_is_a_float() -> None:
    kata = parse(VALID)
    assert kata.tolerance.atol == 1e-6 and isinstance(kata.tolerance.atol, float)
    assert kata.tolerance.rtol == 1e-3
    assert kata.params[3].default == 1e-5 and isinstance(kata.params[3].default, float)
    assert kata.cases[0].args["X"] == [[[[0.5, -2000.0]], [[0.25, 1.0]]]]


def test_float_trap_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "data.yaml"
    path.write_text("a: 1e-5\nb: [1E3, -2e3, +3e+2, .5e1]\nc: 1_000.5\nd: '1e-5'\ne: 12\n")
    data = load_yaml(path)
    assert data == {"a": 1e-5, "b": [1000.0, -2000.0, 300.0, 5.0], "c": 1000.5, "d": "1e-5",
                    "e": 12}
    assert isinstance(data["e"], int)


def test_numbers_written_as_text_are_accepted_in_number_fields() -> None:
    kata = parse(mutate("tolerance: {rtol: 1E-3, atol: 1e-6}",
                        "tolerance: {rtol: '1E-3', atol: \" 2e-6 \"}"))
    assert kata.tolerance.rtol == 1e-3 and kata.tolerance.atol == 2e-6


def test_numeric_text_stays_text_in_text_fields() -> None:
    kata = parse(mutate("title: Batch normalization of a BCHW feature map", "title: '1e-5'"))
    assert kata.title == "1e-5"


def test_timestamps_stay_text() -> None:
    kata = parse(mutate("title: Batch normalization of a BCHW feature map", "title: 2024-01-01"))
    assert kata.title == "2024-01-01"


# -- error format -------------------------------------------------------------


def test_str_reads_like_a_compiler_error() -> None:
    err = SpecError("katas/x.yaml", 14, "cases[2].tolerance.atol", "must be a number")
    assert str(err) == "katas/x.yaml:14: cases[2].tolerance.atol: must be a number"
    assert str(SpecError("k.yaml", None, None, "the file is empty")) == "k.yaml: the file is empty"
    assert str(SpecError("k.yaml", 3, None, "bad")) == "k.yaml:3: bad"
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.file, copy.line, copy.key, copy.message) == (err.file, 14, err.key, err.message)


def test_wrong_type_names_line_key_and_value() -> None:
    text = mutate("    points: 2\n", "    points: 2\n    tolerance: {atol: abc}\n")
    err = error(text)
    assert err.file == "katas/x.yaml"
    assert err.line == line_of(text, "atol: abc")
    assert err.key == "cases[1].tolerance.atol"
    assert err.message == "must be a number, got the text 'abc'"
    assert str(err) == (f"katas/x.yaml:{err.line}: cases[1].tolerance.atol: "
                        "must be a number, got the text 'abc'")


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("level: medium", "level: mediun", "level", "did you mean 'medium'"),
        ("seed: 4}", "seed: 1.5}", "cases[1].args.gamma.seed", "must be a whole number"),
        ("hidden: true", "hidden: 1", "cases[1].hidden", "must be true or false"),
        ("title: Batch normalization of a BCHW feature map", "title: 2024", "title",
         "put it in quotes"),
        ("reduce: [N, H, W]", "reduce: N", "structure.reduce", "must be a list"),
        ("shape: [4, 3, 5, 7]", "shape: [4, 0, 5, 7]", "cases[1].args.X.shape[1]",
         "must be more than 0"),
        ("shape: [4, 3, 5, 7]", "shape: []", "cases[1].args.X.shape", "must not be empty"),
        ("seed: 3,", "seed: -3,", "cases[1].args.X.seed", "must be 0 or more"),
        ("generate: uniform", "generate: unifrom", "cases[1].args.gamma.generate",
         "did you mean 'uniform'"),
        ("atol: 1e-6}", "atol: .inf}", "tolerance.atol", "finite"),
        ("atol: 1e-6}", "atol: -1e-6}", "tolerance.atol", "0 or more"),
        ("id: batchnorm-bchw", "id: Batchnorm BCHW", "id", "must be a slug"),
        ("entry: batch_normalization", "entry: batch-normalization", "entry", "Python name"),
        ("reference: batchnorm_bchw:batch_normalization",
         "reference: batchnorm_bchw.batch_normalization", "reference", "`module:function`"),
        ("tolerance: {rtol: 1E-3, atol: 1e-6}", "tolerance: [1, 2]", "tolerance",
         "must be a mapping"),
        ("layout: NCHW", "layout: nchw", "structure.layout", "capital letters"),
    ],
)
def test_type_errors(old: str, new: str, key: str, words: str) -> None:
    text = mutate(old, new)
    err = error(text)
    assert err.key == key
    assert words in err.message
    assert err.line == line_of(text, new.splitlines()[0])


def test_unknown_key_suggests_the_close_match() -> None:
    text = mutate("    points: 2\n", "    points: 2\n    tolerence: {atol: 1e-3}\n")
    err = error(text)
    assert err.message == "unknown key `tolerence` in cases[1]; did you mean `tolerance`?"
    assert err.key == "cases[1].tolerence"
    assert err.line == line_of(text, "tolerence")


def test_unknown_key_without_close_match_lists_the_keys() -> None:
    err = error(mutate("level: medium", "level: medium\nwibble: 3"))
    assert "unknown key `wibble` at the top level; expected one of:" in err.message
    assert "`statement`" in err.message


def test_missing_required_key() -> None:
    err = error(mutate("entry: batch_normalization\n", ""))
    assert err.message == "missing required key `entry` at the top level"
    assert err.line == 2  # the first key (line 1 is a comment)


# -- semantic checks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "key", "words", "at"),
    [
        ("  - name: wide-float32", "  - name: seed-example-1", "cases[1].name",
         "duplicate case name `seed-example-1` (also cases[0])", ("seed-example-1", -1)),
        ("      beta: [0.5, -1.0, 2.0]", "      beta: [0.5, -1.0, 2.0]\n      bta: 1",
         "cases[1].args.bta", "did you mean `beta`", ("bta: 1", 0)),
        ("      gamma: [1.0, 1.0]\n", "", "cases[0].args", "missing argument `gamma`",
         ("args:", 0)),
        ("roles: {input: X,", "roles: {input: Xx,", "structure.roles.input",
         "`Xx` is not a parameter", ("roles:", 0)),
        ("roles: {input: X,", "roles: {imput: X,", "structure.roles.imput",
         "did you mean `input`", ("roles:", 0)),
        ("outputs: {y: Y}", "outputs: {y: Z}", "structure.outputs.y", "not a return value",
         ("outputs:", 0)),
        ("reduce: [N, H, W]", "reduce: [N, Q, W]", "structure.reduce[1]",
         "not a letter of layout `NCHW`", ("reduce:", 0)),
        ("reduce: [N, H, W]", "reduce: [0, 7]", "structure.reduce[1]", "out of range",
         ("reduce:", 0)),
        ("reduce: [N, H, W]", "reduce: [N, 0]", "structure.reduce[1]", "already listed",
         ("reduce:", 0)),
        ("affine_axis: C", "affine_axis: 4", "structure.affine_axis", "out of range",
         ("affine_axis", 0)),
        ("affine_axis: C", "affine_axis: D", "structure.affine_axis", "not a letter",
         ("affine_axis", 0)),
        ("layout: NCHW", "layout: NCHN", "structure.layout", "repeats a letter", ("layout", 0)),
        ("shape: [4, 3, 5, 7]", "shape: [4, 3, 5]", "cases[1].args.X.shape",
         "has 3 axes but structure.layout `NCHW` has 4", ("shape: [4, 3, 5]", 0)),
        ("channel_offsets: [0, 50, -3]", "channel_offsets: [0, 50]",
         "cases[1].args.X.channel_offsets", "has 2 values but axis 1", ("channel_offsets", 0)),
        ("channel_scales: [1, 0.001, 4]}", "channel_scales: [1, 0.001, 4],\n"
         "          constant_channels: [3]}", "cases[1].args.X.constant_channels[0]",
         "out of range", ("constant_channels", 0)),
        ("channel_scales: [1, 0.001, 4]}", "channel_scales: [1, 0.001, 4],\n"
         "          channel_axis: 4}", "cases[1].args.X.channel_axis", "must be an axis",
         ("channel_axis", 0)),
        ("low: 0.5, high: 2.0", "low: 2.0, high: 2.0", "cases[1].args.gamma.high",
         "must be more than low", ("high: 2.0", 0)),
        ("low: 0.5, high: 2.0", "loc: 0.5, high: 2.0", "cases[1].args.gamma.loc",
         "no effect on a `uniform` generator", ("loc: 0.5", 0)),
        ("    hidden: true", "    hidden: true\n    probe: true", "cases[2].probe",
         "only one case may be the probe", ("probe: true", -1)),
        ("    points: 2\n", "    points: 2\n    example: true\n", "cases[1].hidden",
         "example case cannot be hidden", ("hidden: true", 0)),
        ("expected: {Y:", "expected: {Z:", "cases[0].expected.Z", "not a return value",
         ("expected:", 0)),
        ("X: [[[[0.5, -2e3]], [[0.25, 1.0]]]]", "X: [[[[0.5, -2e3]], [[0.25]]]]",
         "cases[0].args.X[0][1]", "ragged list", ("X: [[[[", 0)),
        ("X: [[[[0.5, -2e3]], [[0.25, 1.0]]]]", "X: [[[[0.5, -2e3]], [[0.25, x]]]]",
         "cases[0].args.X[0][1][0][1]", "holds numbers", ("X: [[[[", 0)),
        ("  - {name: gamma}", "  - {name: gamma}\n  - {name: gamma, default: 1}",
         "params[2].name", "duplicate parameter", ("default: 1}", 0)),
    ],
)
def test_semantic_errors(
    old: str, new: str, key: str, words: str, at: tuple[str, int]
) -> None:
    text = mutate(old, new)
    err = error(text)
    assert err.key == key, str(err)
    assert words in err.message, str(err)
    needle, occurrence = at
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert err.line == lines[occurrence], str(err)


def test_integers_generator_needs_whole_bounds() -> None:
    err = error(mutate("generate: uniform, shape: [3], low: 0.5",
                       "generate: integers, shape: [3], low: 0.5"))
    assert err.key == "cases[1].args.gamma.low" and "whole number" in err.message


def test_generator_too_large() -> None:
    err = error(mutate("shape: [4, 3, 5, 7]", "shape: [4000, 3, 5000, 700]"))
    assert err.key == "cases[1].args.X.shape" and "too large" in err.message


def test_params_with_defaults_may_be_omitted() -> None:
    kata = parse(mutate("      epsilon: 1.0e-5\n", ""))
    assert "epsilon" not in kata.cases[0].args


# -- expected_atol --------------------------------------------------------------


def test_expected_atol_is_only_what_a_case_writes() -> None:
    """Written values are judged with the grading tolerance; nothing is inferred from the
    decimals written (an integer is not 'within 0.5')."""
    kata = parse(VALID)
    assert kata.cases[0].expected_atol is None
    assert kata.cases[1].expected_atol is None


def test_written_expected_atol_wins() -> None:
    text = mutate("    expected: {Y:", "    expected_atol: 0.01\n    expected: {Y:")
    assert parse(text).cases[0].expected_atol == 0.01


def test_expected_values_must_be_numbers() -> None:
    err = error(mutate("expected: {Y: [[[[0.4286, 1.0]]", "expected: {Y: [[[[0.4286, oops]]"))
    assert err.key == "cases[0].expected.Y[0][0][0][1]"


# -- YAML-level problems ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "the file is empty"),
        ("# only a comment\n", None, "the file is empty"),
        ("- a\n- b\n", 1, "top level must be a mapping"),
        ("just text\n", 1, "top level must be a mapping"),
        ("id: x\ntitle: [a, b\n", 3, "YAML syntax error"),
        ("id: x\nid: y\n", 2, "duplicate key `id` (first written on line 1)"),
        ("id: x\nparams:\n\t- name: X\n", 3, "tab character"),
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
        ("a: \x00\n", 1, "not allowed"),
        ("a: &x [*x]\n", 1, "alias refers to the mapping or list that contains it"),
        ("a: !!python/name:os.system ''\n", 1, "cannot read this value"),
        ("a: 1\nb: !custom x\n", 2, "cannot read this value"),
        ("a: !!int abc\n", 1, "cannot read this value"),
        ("? [a, b]\n: 1\n", 1, "a key must be plain text"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", 1, "nested deeper"),
        ("a: " + "[" * 3000 + "]" * 3000 + "\n", None, "nest"),
    ],
)
def test_yaml_problems(text: str, line: int | None, words: str) -> None:
    err = error(text)
    assert words in err.message, str(err)
    if line is not None:
        assert err.line == line, str(err)


@pytest.mark.slow
def test_deep_nesting_never_crashes() -> None:
    for text in ("[" * 30000, "- " * 30000 + "x", "{a: " * 20000):
        with pytest.raises(SpecError):
            parse(text)


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    err = error("\n".join(lines) + "\n")
    assert "more than" in err.message


def test_bad_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"id: x\ntitle: caf\xe9\n")
    with pytest.raises(SpecError) as info:
        load_kata(path)
    assert info.value.line == 2 and "UTF-8" in info.value.message
    assert info.value.file == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_kata(tmp_path / "nope.yaml")
    assert "cannot read" in info.value.message


def test_bom_and_non_ascii_text(tmp_path: Path) -> None:
    path = tmp_path / "k.yaml"
    text = VALID.replace("Normalize each channel.", "Normaliser chaque canal — μ, σ².")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert "σ²" in load_kata(path).statement


def test_merge_keys_and_anchors() -> None:
    text = mutate(
        "      gamma: {generate: uniform, shape: [3], low: 0.5, high: 2.0, seed: 4}",
        "      gamma: &g {generate: uniform, shape: [3], low: 0.5, high: 2.0, seed: 4}\n"
        "      beta_: {<<: *g, seed: 5}",
    ).replace("      beta: [0.5, -1.0, 2.0]\n", "").replace("beta_:", "beta:")
    kata = parse(text)
    beta = kata.cases[1].args["beta"]
    assert isinstance(beta, Generator) and beta.seed == 5 and beta.low == 0.5


def test_yaml_1_1_booleans_and_keys_as_text() -> None:
    text = mutate("    hidden: true", "    hidden: yes")
    assert parse(text).cases[1].hidden is True
    err = error(mutate("outputs: {y: Y}", "outputs: {y: Y, on: Y}"))
    assert err.key == "structure.outputs.on"


def test_param_default_unset_when_absent() -> None:
    assert parse(VALID).params[0].default is msgspec.UNSET


@pytest.mark.parametrize(
    ("default", "words"),
    [("{a: 1}", "got a mapping"), ("[[1, 2], [3]]", "ragged list"), ("[a, b]", "holds numbers")],
)
def test_param_defaults_must_be_materializable(default: str, words: str) -> None:
    text = mutate("{name: epsilon, default: 1e-5}", f"{{name: epsilon, default: {default}}}")
    err = error(text)
    assert err.key is not None and err.key.startswith("params[3].default")
    assert words in err.message
    assert err.line == line_of(text, "name: epsilon")


def test_msgspec_errors_are_mapped_back_as_a_fallback() -> None:
    from normkatas.spec._yaml import read_yaml
    from normkatas.spec.load import _from_msgspec

    doc = read_yaml(VALID)
    exc = msgspec.ValidationError("Expected `float`, got `str` - at `$.cases[1].points`")
    err = _from_msgspec(exc, doc, "k.yaml")
    assert (err.key, err.line) == ("cases[1].points", line_of(VALID, "points: 2"))
    exc = msgspec.ValidationError("Expected `int`, got `str` - at `$.cases[1].args[...].seed`")
    err = _from_msgspec(exc, doc, "k.yaml")
    assert err.key == "cases[1].args" and err.message == "Expected `int`, got `str`"


@pytest.mark.slow
def test_deep_nesting_in_a_small_thread_stack_does_not_crash() -> None:
    # libyaml's C composer recurses per level: a thread with a 512 KB stack
    # (macOS's default) dies at ~2000 levels; the loader must not get there.
    import subprocess
    import sys

    script = """if True:
        import threading
        from normkatas.spec.load import SpecError, parse_kata
        threading.stack_size(512 * 1024)
        def run():
            for text in ["[" * 1500 + "]" * 1500, "- " * 1500 + "x", "{a: " * 1500]:
                try:
                    parse_kata(text)
                except SpecError:
                    print("refused")
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    """
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused"] * 3
