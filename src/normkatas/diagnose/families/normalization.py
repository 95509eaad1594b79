"""The normalization family: y = gamma * (x - mean) / sqrt(var + eps) + beta.

Stages (first value = right):

- ``center``: ``mean`` | ``none`` (x not centred)
- ``spread`` (the variance's own form): ``own`` | ``global-mean`` (squares centred on the
  mean of the whole input) | ``sample-mean`` (centred on each sample's mean) |
  ``mean-of-parts`` (the average of per-sample variances: the spread between the
  samples' means is lost) | ``whole`` | ``layer`` | ``instance`` | ``activation``
  (computed over another normalization's axes than the mean)
- ``ddof``: ``0`` | ``1``
- ``eps``: ``inside`` | ``outside`` (sqrt(var) + eps) | ``none``
- ``scale``: ``sqrt`` | ``var`` (divide by var + eps) | ``none``
- ``affine``: ``right`` | ``swapped`` | ``none`` | ``no-gamma`` | ``no-beta`` | ``last-axis`` |
  ``gamma-first`` (gamma multiplied into the input before normalizing)
- ``var_out`` (when the kata returns the variance): ``var`` | ``std`` | ``var+eps`` |
  ``std+eps`` (sqrt(var + eps))
- ``stats_out`` (when the kata returns statistics): ``input`` | ``output`` (the
  statistics of the normalized output)

Outputs by role: ``y``, and ``mean``/``var`` with the reduced axes dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from normkatas.diagnose.families import (
    Cache,
    Stages,
    affine,
    affine_stage,
    arg,
    cached_input,
    denominator,
    group_stats,
    place,
    role,
)
from normkatas.diagnose.layout import Grouping, Layout, affine_axis, expected_grouping
from normkatas.spec.model import Kata

SPREADS = ("own", "global-mean", "sample-mean", "mean-of-parts", "whole", "layer", "instance",
           "activation")


def other_axes(layout: Layout, spread: str) -> frozenset[int] | None:
    """The axes of another normalization (``layer``: all but the batch axis...)."""
    batch = layout.batch
    if spread == "whole":
        return layout.all
    if spread == "layer" and batch is not None:
        return layout.all - {batch}
    if spread == "instance" and layout.spatial:
        return frozenset(layout.spatial)
    if spread == "activation" and batch is not None:
        return frozenset({batch})
    return None


def spreads(kata: Kata) -> tuple[str, ...]:
    """The spread variants that differ from the right variance for this kata's grouping
    (the others could never be told apart from it)."""
    if kata.structure is None:
        return ("own",)
    layout = Layout(kata.structure.layout)
    expected = expected_grouping(kata)
    if expected is None:
        return ("own",)
    out = ["own"]
    batch = layout.batch
    for spread in SPREADS[1:]:
        if spread == "global-mean":
            ok = expected.axes != layout.all or expected.grouped
        elif spread == "sample-mean":
            ok = batch is not None and layout.ndim > 1 and (
                expected.axes != layout.all - {batch} or expected.grouped)
        elif spread == "mean-of-parts":
            ok = batch is not None and batch in expected.axes and len(expected.axes) > 1 \
                and not expected.grouped
        else:
            axes = other_axes(layout, spread)
            ok = axes is not None and (axes != expected.axes or expected.grouped)
        if ok:
            out.append(spread)
    return tuple(out)


Stats = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]


def spread_stats(
    x: np.ndarray, grouping: Grouping, kwargs: Mapping[str, Any], layout: Layout, ddof: int,
    spread: str, of_x: Callable[[Grouping, int], Stats] | None = None,
) -> Stats:
    """`group_stats` with the variance in the form ``spread`` names (the mean is the
    grouping's own); raises ValueError when that form is the right one here.
    ``of_x``: `group_stats` of ``x`` itself, remembered (candidates share them)."""
    if of_x is None:
        def of_x(g: Grouping, d: int) -> Stats:
            return group_stats(x, g, kwargs, layout, d)
    mean, var, mean_small, var_small, m = of_x(grouping, ddof)
    if spread == "own":
        return mean, var, mean_small, var_small, m
    with np.errstate(all="ignore"):
        if spread in ("global-mean", "sample-mean"):
            whole = layout.all if spread == "global-mean" else layout.all - {layout.batch}
            if grouping.axes == whole and not grouping.grouped:
                raise ValueError("the variance's own mean")
            if spread == "global-mean":
                centre = np.broadcast_to(x.mean(), x.shape)
            else:
                if layout.batch is None or x.ndim < 2:
                    raise ValueError("no sample axis")
                centre, _, _, _, _ = of_x(Grouping(layout.all - {layout.batch}), 0)
            sq = (x - centre) ** 2
            var = group_stats(sq, grouping, kwargs, layout, 0)[0] * (m / max(m - ddof, 1))
        elif spread == "mean-of-parts":
            batch = layout.batch
            if batch is None or batch not in grouping.axes or len(grouping.axes) < 2 \
                    or grouping.grouped:
                raise ValueError("no parts to average")
            parts = Grouping(grouping.axes - {batch})
            _, part_var, _, _, _ = of_x(parts, ddof)
            var = group_stats(part_var, grouping, kwargs, layout, 0)[0]
        else:
            axes = other_axes(layout, spread)
            if axes is None or (axes == grouping.axes and not grouping.grouped):
                raise ValueError("not another normalization")
            _, var, _, _, _ = of_x(Grouping(axes), ddof)
        var_small = group_stats(var, grouping, kwargs, layout, 0)[2]
    return mean, var, mean_small, var_small, m


GAMMA_FIRST = ("gamma-first-input",)
"""The item's input scaled by gamma first (the "gamma-first" candidates share it)."""


class Normalization:
    name = "normalization"
    min_group = 2
    structure_role: str | None = "y"

    def stages(self, kata: Kata) -> Stages:
        stages: Stages = {
            "center": ("mean", "none"),
            "spread": spreads(kata),
            "ddof": ("0", "1"),
            "eps": ("inside", "outside", "none") if role(kata, "epsilon") else ("inside",),
            "scale": ("sqrt", "var", "none"),
            "affine": (*affine_stage(kata), "gamma-first") if role(kata, "gamma")
            else affine_stage(kata),
        }
        outputs = kata.structure.outputs if kata.structure is not None else {}
        if "var" in outputs:
            stages["var_out"] = ("var", "std", "var+eps", "std+eps") if role(kata, "epsilon") \
                else ("var", "std")
        if "var" in outputs or "mean" in outputs:
            stages["stats_out"] = ("input", "output")
        return stages

    def valid(self, variant: Mapping[str, str]) -> bool:
        scale, eps = variant.get("scale"), variant.get("eps")
        if scale == "none" and eps != "inside":
            return False
        if scale == "var" and eps == "outside":
            return False
        if scale == "none" and variant.get("spread", "own") != "own":
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
        layout, x = cached_input(kata, kwargs, cache)
        ddof = int(variant.get("ddof", "0"))
        mode = variant.get("affine", "right")
        gamma_first = mode == "gamma-first"
        if gamma_first:
            scaled = cache.get(GAMMA_FIRST)
            if scaled is None:
                gamma = place(arg(kata, kwargs, "gamma", 1.0), "right", affine_axis(kata), x.ndim)
                scaled = cache[GAMMA_FIRST] = x * gamma
            x = scaled
            mode = "no-gamma"
        spread = variant.get("spread", "own")
        key = ("stats", grouping, ddof, spread, gamma_first)
        if key not in cache:
            base = x

            def of_x(g: Grouping, d: int) -> Stats:
                known: Stats | None = cache.get(("group-stats", g, d, gamma_first))
                if known is None:
                    known = cache[("group-stats", g, d, gamma_first)] = group_stats(
                        base, g, kwargs, layout, d)
                return known

            cache[key] = spread_stats(x, grouping, kwargs, layout, ddof, spread, of_x)
        mean, var, mean_small, var_small, _ = cache[key]
        eps = float(arg(kata, kwargs, "epsilon", 0.0))
        # what the later stages share is computed once per item (the affine variants
        # share x_hat, the returned-statistics variants share y)
        hat_key = ("x_hat", key, variant.get("center", "mean"), variant.get("scale", "sqrt"),
                   variant.get("eps", "inside"))
        y_key = ("y", hat_key, mode)
        with np.errstate(all="ignore"):
            if y_key in cache:
                y = cache[y_key]
            else:
                if hat_key not in cache:
                    centred = x - mean if variant.get("center", "mean") == "mean" else x
                    cache[hat_key] = centred / denominator(
                        var, eps, variant.get("scale", "sqrt"), variant.get("eps", "inside")
                    )
                y = cache[y_key] = affine(kata, kwargs, cache[hat_key], mode)
            if variant.get("stats_out") == "output":
                _, _, mean_small, var_small, _ = group_stats(y, grouping, kwargs, layout, 0)
            var_out = {
                "std": lambda v: np.sqrt(v),
                "var+eps": lambda v: v + eps,
                "std+eps": lambda v: np.sqrt(v + eps),
            }.get(variant.get("var_out", "var"), lambda v: v)(var_small)
        return {"y": y, "mean": mean_small, "var": var_out}

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        return kwargs

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        return True


FAMILY = Normalization()
