"""The backward pass by least squares: dx fitted on the terms of the true gradient,
each coefficient named; the discrete variants are named coefficient patterns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from normkatas.diagnose.context import build
from normkatas.diagnose.families.backward import PATTERNS, decode, encode
from normkatas.diagnose.fit import all_stages
from normkatas.diagnose.terms import coefficient_text, describe, differences, fit_terms, formula
from tests.diagnose.harness import run

KATA = "batchnorm-backward"
HEAD = '''import numpy as np


def batch_norm_backward(dout, x, gamma, epsilon=1e-5):
    n = x.shape[0]
    std = np.sqrt(x.var(axis=0) + epsilon)
    x_hat = (x - x.mean(axis=0)) / std
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
'''


def _fit(tmp_path: Path, dx_line: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "solution.py"
    path.write_text(HEAD + f"    dx = {dx_line}\n    return dx, dgamma, dbeta\n")
    result = run(KATA, path)
    ctx = build(result.inp)
    assert ctx.expected is not None
    return result, fit_terms(ctx, all_stages(ctx), [(ctx.expected, 0)])


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_named_patterns_encode_to_their_names(name: str) -> None:
    assert encode(PATTERNS[name]) == name
    assert decode(name) == PATTERNS[name]


def test_other_patterns_round_trip() -> None:
    coefficients = ((1.0, 0), (-0.5, 0), (-1.0, 1), (0.0, 0))
    value = encode(coefficients)
    assert value.startswith("terms:")
    assert decode(value) == coefficients
    with pytest.raises(ValueError):
        decode("terms:1.0,2.0;0,0")


def test_describe_finds_the_power_of_m() -> None:
    seen = [(m, np.array([1.0, -float(m), -float(m), 0.0])) for m in (3, 4, 7)]
    assert describe(seen) == PATTERNS["sums"]
    noisy = [(m, np.array([1.0, -m / (m - 1), -1.0, 0.0])) for m in (3, 4, 7)]
    assert describe(noisy) is None  # N / (N - 1) is no p * N ** q


def test_words() -> None:
    assert coefficient_text(-1.0, 1) == "-N"
    assert coefficient_text(0.5, -1) == "0.5/N"
    assert differences("no-mean-term") == [("the mean term", "0", "-1")]
    assert formula(PATTERNS["right"]) == (
        "gamma / std * (dout - mean(dout) - x_hat * mean(dout * x_hat))")


def test_a_halved_variance_term_is_fitted_and_named(tmp_path: Path) -> None:
    result, found = _fit(
        tmp_path, "gamma / std * (dout - dout.mean(axis=0) - 0.5 * x_hat * dgamma / n)")
    assert found is not None
    assert found.coefficients == ((1.0, 0), (-1.0, 0), (-0.5, 0), (0.0, 0))
    assert result.ids == {"dx-term-coefficients"}
    (d,) = result.diagnoses
    assert "the variance term: its coefficient is -0.5, it should be -1" in d.notes
    assert d.evidence[0].yours == [1, -1, -0.5] and d.evidence[0].expected == [1, -1, -1]


def test_a_named_pattern_keeps_its_entry(tmp_path: Path) -> None:
    result, found = _fit(tmp_path, "gamma / std * (dout - x_hat * dgamma / n)")
    assert found is not None and found.candidate.variant["dx"] == "no-mean-term"
    assert result.ids == {"dx-missing-mean-term"}


def test_a_dx_outside_the_terms_is_not_claimed(tmp_path: Path) -> None:
    """A mean over N - 1 gives no fixed coefficient: the fit claims nothing and the
    discrete fit (today's behaviour) has the last word."""
    result, found = _fit(
        tmp_path, "gamma / std * (dout - dbeta / (n - 1) - x_hat * dgamma / n)")
    assert found is None
    assert "dx-term-coefficients" not in result.ids
