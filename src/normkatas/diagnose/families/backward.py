"""The backward family: gradients of training-mode batch norm.

Right: with x_hat = (x - mean) / std, std = sqrt(var + eps) and m values
per statistic, ``dbeta = sum(dout)``, ``dgamma = sum(dout * x_hat)`` and
``dx = gamma / std * (dout - dbeta / m - x_hat * dgamma / m)``.

Stages (first value = right):

- ``ddof``: ``0`` | ``1``
- ``eps``: ``inside`` | ``outside`` | ``none``
- ``dx``: ``right`` | ``constant-stats`` (dout * gamma / std: mean and variance
  treated as constants) | ``sums`` (the 1/m of both correction terms dropped) |
  ``times-m`` (the leading 1/m of the closed form dropped) | ``no-mean-term`` (the
  gradient through the mean left out) | ``no-var-term`` (through the variance left
  out) | ``dvar-exponent`` (dvar with (var + eps) ** -0.5 instead of ** -1.5: the
  variance term times var + eps)
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
        layout, x = input_array(kata, kwargs)
        dout = f64(arg(kata, kwargs, "dout"))
        if dout.shape != x.shape:
            raise ValueError("dout and input shapes differ")
        ddof = int(variant.get("ddof", "0"))
        key = ("stats", grouping, ddof)
        if key not in cache:
            cache[key] = group_stats(x, grouping, kwargs, layout, ddof)
        mean, var, _, _, m = cache[key]
        eps = float(arg(kata, kwargs, "epsilon", 0.0))
        axis = affine_axis(kata)
        sums = tuple(a for a in range(x.ndim) if a != axis)
        with np.errstate(all="ignore"):
            std = denominator(var, eps, "sqrt", variant.get("eps", "inside"))
            x_hat = (x - mean) / std
            dbeta = dout.sum(axis=sums, keepdims=True)
            dgamma = (dout * x_hat).sum(axis=sums, keepdims=True)
            gamma = (
                place(arg(kata, kwargs, "gamma", 1.0), "right", axis, x.ndim)
                if variant.get("affine", "right") == "right"
                else 1.0
            )
            form = variant.get("dx", "right")
            if form == "constant-stats":
                dx = dout * gamma / std
            elif form == "sums":
                dx = gamma / std * (dout - dbeta - x_hat * dgamma)
            elif form == "no-mean-term":
                dx = gamma / std * (dout - x_hat * dgamma / m)
            elif form == "no-var-term":
                dx = gamma / std * (dout - dbeta / m)
            elif form == "dvar-exponent":
                dx = gamma / std * (dout - dbeta / m - x_hat * dgamma / m * std**2)
            else:
                dx = gamma / std * (dout - dbeta / m - x_hat * dgamma / m)
                if form == "times-m":
                    dx = dx * m
            if variant.get("dgamma") == "x":
                dgamma = (dout * x).sum(axis=sums, keepdims=True)
        return {
            "dx": dx,
            "dgamma": np.squeeze(dgamma, axis=sums),
            "dbeta": np.squeeze(dbeta, axis=sums),
        }

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        return None

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        return True


FAMILY = Backward()
