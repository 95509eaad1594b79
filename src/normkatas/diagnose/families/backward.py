"""The backward family: gradients of training-mode batch norm.

Right: with x_hat = (x - mean) / std, std = sqrt(var + eps) and m values
per statistic, ``dbeta = sum(dout)``, ``dgamma = sum(dout * x_hat)`` and
``dx = gamma / std * (dout - dbeta / m - x_hat * dgamma / m)``.

Stages (first value = right):

- ``ddof``: ``0`` | ``1``
- ``eps``: ``inside`` | ``outside`` | ``none``
- ``dx``: a pattern of coefficients on the terms of the gradient (`TERMS`):
  ``right`` | ``constant-stats`` (dout * gamma / std: mean and variance treated as
  constants) | ``sums`` (the 1/m of both correction terms dropped) | ``times-m`` (the
  leading 1/m of the closed form dropped) | ``no-mean-term`` (the gradient through the
  mean left out) | ``no-var-term`` (through the variance left out) | ``dvar-exponent``
  (dvar with (var + eps) ** -0.5 instead of ** -1.5: the variance term times var + eps);
  any other pattern is written ``terms:p0,p1,p2,p3;q0,q1,q2,q3`` (`encode`), each
  coefficient ``p * m ** q``: what a least-squares fit of the student's dx found
- ``dgamma``: ``x_hat`` | ``x`` (dgamma = sum(dout * x))
- ``affine``: ``right`` | ``no-gamma`` (dx without the factor gamma)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from normkatas.diagnose.families import (
    Cache,
    Stages,
    arg,
    denominator,
    f64,
    group_stats,
    input_array,
    place,
    role,
)
from normkatas.diagnose.layout import Grouping, affine_axis
from normkatas.spec.model import Kata

TERMS = ("dout", "mean", "variance", "variance-times-var")
"""The terms of dx, each times gamma / std: ``dout``; ``mean``, the batch mean of
dout; ``variance``, x_hat * mean(dout * x_hat); ``variance-times-var``, that term
times var + eps (what a dvar with the exponent -0.5 gives)."""

Coefficients = tuple[tuple[float, int], ...]
"""Per term of `TERMS`: (p, q), the coefficient p * m ** q (m values per statistic)."""

PATTERNS: dict[str, Coefficients] = {
    "right": ((1, 0), (-1, 0), (-1, 0), (0, 0)),
    "constant-stats": ((1, 0), (0, 0), (0, 0), (0, 0)),
    "sums": ((1, 0), (-1, 1), (-1, 1), (0, 0)),
    "times-m": ((1, 1), (-1, 1), (-1, 1), (0, 0)),
    "no-mean-term": ((1, 0), (0, 0), (-1, 0), (0, 0)),
    "no-var-term": ((1, 0), (-1, 0), (0, 0), (0, 0)),
    "dvar-exponent": ((1, 0), (-1, 0), (0, 0), (-1, 0)),
}
"""The named dx variants, as coefficient patterns."""

FITTED = "terms:"


def encode(coefficients: Coefficients) -> str:
    """A dx stage value: the named pattern these coefficients are, or ``terms:...``."""
    for name, pattern in PATTERNS.items():
        if tuple((float(p), q) for p, q in pattern) == tuple(
                (float(p), q) for p, q in coefficients):
            return name
    ps = ",".join(repr(float(p)) for p, _ in coefficients)
    qs = ",".join(str(q) for _, q in coefficients)
    return f"{FITTED}{ps};{qs}"


def decode(value: str) -> Coefficients:
    """The coefficients of a dx stage value; raises ValueError for an unknown one."""
    if value in PATTERNS:
        return PATTERNS[value]
    if not value.startswith(FITTED):
        raise ValueError(f"unknown dx form {value!r}")
    ps, qs = value[len(FITTED):].split(";")
    pairs = tuple(zip((float(p) for p in ps.split(",")), (int(q) for q in qs.split(",")),
                      strict=True))
    if len(pairs) != len(TERMS):
        raise ValueError("one coefficient per term")
    return pairs


class Backward:
    name = "norm-backward"
    min_group = 3
    structure_role: str | None = None

    def stages(self, kata: Kata) -> Stages:
        return {
            "ddof": ("0", "1"),
            "eps": ("inside", "outside", "none") if role(kata, "epsilon") else ("inside",),
            "dx": ("right", "constant-stats", "sums", "times-m", "no-mean-term", "no-var-term",
                   "dvar-exponent"),
            "dgamma": ("x_hat", "x"),
            "affine": ("right", "no-gamma") if role(kata, "gamma") else ("right",),
        }

    def valid(self, variant: Mapping[str, str]) -> bool:
        return True

    def evaluate(
        self,
        kata: Kata,
        kwargs: Mapping[str, Any],
        variant: Mapping[str, str],
        grouping: Grouping,
        cache: Cache,
    ) -> dict[str, np.ndarray]:
        terms, m, x_hat, dout, sums = self._terms(kata, kwargs, variant, grouping, cache)
        coefficients = decode(variant.get("dx", "right"))
        dx = np.zeros_like(dout)
        with np.errstate(all="ignore"):
            for term, (p, q) in zip(terms, coefficients, strict=True):
                if p:
                    dx = dx + (p * float(m) ** q) * term
            dbeta = dout.sum(axis=sums, keepdims=True)
            if variant.get("dgamma") == "x":
                x = f64(arg(kata, kwargs, "input"))
                dgamma = (dout * x).sum(axis=sums, keepdims=True)
            else:
                dgamma = (dout * x_hat).sum(axis=sums, keepdims=True)
        return {
            "dx": dx,
            "dgamma": np.squeeze(dgamma, axis=sums),
            "dbeta": np.squeeze(dbeta, axis=sums),
        }

    def terms(
        self,
        kata: Kata,
        kwargs: Mapping[str, Any],
        variant: Mapping[str, str],
        grouping: Grouping,
        cache: Cache,
    ) -> tuple[list[np.ndarray], int]:
        """The terms of dx (`TERMS`) under the other stages of ``variant``, and m."""
        terms, m, _, _, _ = self._terms(kata, kwargs, variant, grouping, cache)
        return terms, m

    def _terms(
        self,
        kata: Kata,
        kwargs: Mapping[str, Any],
        variant: Mapping[str, str],
        grouping: Grouping,
        cache: Cache,
    ) -> tuple[list[np.ndarray], int, np.ndarray, np.ndarray, tuple[int, ...]]:
        ddof = int(variant.get("ddof", "0"))
        where = variant.get("eps", "inside")
        with_gamma = variant.get("affine", "right") == "right"
        terms_key = ("terms", grouping, ddof, where, with_gamma)
        if terms_key in cache:
            known: tuple[list[np.ndarray], int, np.ndarray, np.ndarray, tuple[int, ...]] = \
                cache[terms_key]
            return known
        layout, x = input_array(kata, kwargs)
        dout = f64(arg(kata, kwargs, "dout"))
        if dout.shape != x.shape:
            raise ValueError("dout and input shapes differ")
        key = ("stats", grouping, ddof)
        if key not in cache:
            cache[key] = group_stats(x, grouping, kwargs, layout, ddof)
        mean, var, _, _, m = cache[key]
        eps = float(arg(kata, kwargs, "epsilon", 0.0))
        axis = affine_axis(kata)
        sums = tuple(a for a in range(x.ndim) if a != axis)
        with np.errstate(all="ignore"):
            std = denominator(var, eps, "sqrt", where)
            x_hat = (x - mean) / std
            gamma = (
                place(arg(kata, kwargs, "gamma", 1.0), "right", axis, x.ndim)
                if with_gamma
                else 1.0
            )
            scale = gamma / std
            dbeta = dout.sum(axis=sums, keepdims=True)
            dgamma = (dout * x_hat).sum(axis=sums, keepdims=True)
            variance = scale * x_hat * dgamma / m
            terms = [np.broadcast_to(scale * dout, x.shape),
                     np.broadcast_to(scale * dbeta / m, x.shape),
                     np.broadcast_to(variance, x.shape),
                     np.broadcast_to(variance * std**2, x.shape)]
        cache[terms_key] = (terms, m, x_hat, dout, sums)
        return terms, m, x_hat, dout, sums

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        return None

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        return True


FAMILY = Backward()
