"""The normalization family: y = gamma * (x - mean) / sqrt(var + eps) + beta.

Stages (first value = right):

- ``center``: ``mean`` | ``none`` (x not centred)
- ``ddof``: ``0`` | ``1``
- ``eps``: ``inside`` | ``outside`` (sqrt(var) + eps) | ``none``
- ``scale``: ``sqrt`` | ``var`` (divide by var + eps) | ``none``
- ``affine``: ``right`` | ``swapped`` | ``none`` | ``no-gamma`` | ``no-beta`` | ``last-axis``
- ``var_out`` (when the kata returns the variance): ``var`` | ``std``

Outputs by role: ``y``, and ``mean``/``var`` with the reduced axes dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from normkatas.diagnose.families import (
    Cache,
    Stages,
    affine,
    affine_stage,
    arg,
    denominator,
    group_stats,
    input_array,
    role,
)
from normkatas.diagnose.layout import Grouping
from normkatas.spec.model import Kata


class Normalization:
    name = "normalization"
    min_group = 2
    structure_role: str | None = "y"

    def stages(self, kata: Kata) -> Stages:
        stages: Stages = {
            "center": ("mean", "none"),
            "ddof": ("0", "1"),
            "eps": ("inside", "outside", "none") if role(kata, "epsilon") else ("inside",),
            "scale": ("sqrt", "var", "none"),
            "affine": affine_stage(kata),
        }
        outputs = kata.structure.outputs if kata.structure is not None else {}
        if "var" in outputs:
            stages["var_out"] = ("var", "std")
        return stages

    def valid(self, variant: Mapping[str, str]) -> bool:
        scale, eps = variant.get("scale"), variant.get("eps")
        if scale == "none" and eps != "inside":
            return False
        if scale == "var" and eps == "outside":
            return False
        # ddof changes nothing when the variance is not used at all
        return not (scale == "none" and variant.get("ddof") != "0" and "var_out" not in variant)

    def evaluate(
        self,
        kata: Kata,
        kwargs: Mapping[str, Any],
        variant: Mapping[str, str],
        grouping: Grouping,
        cache: Cache,
    ) -> dict[str, np.ndarray]:
        layout, x = input_array(kata, kwargs)
        ddof = int(variant.get("ddof", "0"))
        key = ("stats", grouping, ddof)
        if key not in cache:
            cache[key] = group_stats(x, grouping, kwargs, layout, ddof)
        mean, var, mean_small, var_small, _ = cache[key]
        eps = float(arg(kata, kwargs, "epsilon", 0.0))
        with np.errstate(all="ignore"):
            centred = x - mean if variant.get("center", "mean") == "mean" else x
            x_hat = centred / denominator(
                var, eps, variant.get("scale", "sqrt"), variant.get("eps", "inside")
            )
            y = affine(kata, kwargs, x_hat, variant.get("affine", "right"))
            var_out = np.sqrt(var_small) if variant.get("var_out") == "std" else var_small
        return {"y": y, "mean": mean_small, "var": var_out}

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        return kwargs

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        return True


FAMILY = Normalization()
