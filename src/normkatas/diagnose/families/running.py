"""The running-statistics family: batch norm in training and in evaluation mode.

Right (PyTorch's conventions): training normalizes with the batch mean and
biased variance and returns ``(1 - momentum) * running + momentum * batch``
(the unbiased variance feeds the running variance); evaluation normalizes
with the running statistics and returns them unchanged.

Stages (first value = right):

- ``spread`` (the variance's own form, as in the normalization family): ``own`` |
  ``global-mean`` | ``sample-mean`` | ``whole`` | ``layer`` ... (only those that differ
  from the right variance here); the running variance is fed the same form when it is
  centred elsewhere, its own when it is taken over other axes (it has another shape)
- ``ddof``: ``0`` | ``1`` (variance used to normalize)
- ``eps``: ``inside`` | ``outside`` | ``none``
- ``affine``: ``right`` | ``swapped`` | ``none`` | ``no-gamma`` | ``no-beta`` |
  ``gamma-first`` (gamma multiplied into the input first: the statistics, the running
  ones included, are those of gamma * x)
- ``momentum``: ``torch`` | ``keras`` (momentum weights the old running value)
- ``running_ddof``: ``1`` | ``0`` (variance fed to the running average)
- ``inference``: ``running`` | ``batch`` (the flag ignored: eval mode behaves like
  training) | ``batch-frozen`` (batch statistics, running ones returned unchanged) |
  ``running-updated`` (running statistics used, but updated as in training)
- ``update``: ``yes`` | ``no`` (training returns the running statistics unchanged)
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
    f64,
    input_array,
    place,
    role,
)
from normkatas.diagnose.families.normalization import spread_stats, spreads
from normkatas.diagnose.layout import Grouping, Layout, affine_axis
from normkatas.spec.model import Kata

CENTRED_ELSEWHERE = ("global-mean", "sample-mean", "mean-of-parts")


class Running:
    name = "running-norm"
    min_group = 2
    structure_role: str | None = "y"

    def stages(self, kata: Kata) -> Stages:
        return {
            "spread": spreads(kata),
            "ddof": ("0", "1"),
            "eps": ("inside", "outside", "none") if role(kata, "epsilon") else ("inside",),
            "affine": (*affine_stage(kata), "gamma-first") if role(kata, "gamma")
            else affine_stage(kata),
            "momentum": ("torch", "keras"),
            "running_ddof": ("1", "0"),
            "inference": ("running", "batch", "batch-frozen", "running-updated"),
            "update": ("yes", "no"),
        }

    def valid(self, variant: Mapping[str, str]) -> bool:
        if variant.get("update") == "no":
            return variant.get("momentum") == "torch" and variant.get("running_ddof") == "1"
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
        mode = variant.get("affine", "right")
        if mode == "gamma-first":
            x = x * place(arg(kata, kwargs, "gamma", 1.0), "right", affine_axis(kata), x.ndim)
            mode = "no-gamma"
        spread = variant.get("spread", "own")
        old_mean = f64(arg(kata, kwargs, "running_mean"))
        old_var = f64(arg(kata, kwargs, "running_var"))
        momentum = float(arg(kata, kwargs, "momentum", 0.1))
        eps = float(arg(kata, kwargs, "epsilon", 0.0))
        training = bool(arg(kata, kwargs, "training", True))
        inference = variant.get("inference", "running")
        use_batch = training or inference not in ("running", "running-updated")
        update = (training or inference in ("batch", "running-updated")) and \
            variant.get("update", "yes") == "yes"

        def stats(ddof: int, form: str = spread) -> tuple[
            np.ndarray, np.ndarray, np.ndarray, np.ndarray, int
        ]:
            key = ("stats", grouping, ddof, form, variant.get("affine") == "gamma-first")
            if key not in cache:
                cache[key] = spread_stats(x, grouping, kwargs, layout, ddof, form)
            result: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] = cache[key]
            return result

        with np.errstate(all="ignore"):
            if use_batch:
                mean, var, _, _, _ = stats(int(variant.get("ddof", "0")))
            else:
                axis = affine_axis(kata)
                mean = np.broadcast_to(place(old_mean, "right", axis, x.ndim), x.shape)
                var = np.broadcast_to(place(old_var, "right", axis, x.ndim), x.shape)
            x_hat = (x - mean) / denominator(var, eps, "sqrt", variant.get("eps", "inside"))
            y = affine(kata, kwargs, x_hat, mode)
            new_mean, new_var = old_mean, old_var
            if update:
                _, _, batch_mean, _, _ = stats(0)
                # a variance centred elsewhere is fed to the running one as it is; one over
                # other axes has another shape, so the running one gets its own
                fed = spread if spread in CENTRED_ELSEWHERE else "own"
                _, _, _, batch_var, _ = stats(int(variant.get("running_ddof", "1")), fed)
                if batch_mean.shape != old_mean.shape:
                    raise ValueError("statistics do not match the running buffers")
                keep = momentum if variant.get("momentum") == "keras" else 1.0 - momentum
                new_mean = keep * old_mean + (1.0 - keep) * batch_mean
                new_var = keep * old_var + (1.0 - keep) * batch_var
        return {"y": y, "running_mean": new_mean, "running_var": new_var}

    def probe_kwargs(self, kata: Kata, kwargs: dict[str, Any]) -> dict[str, Any] | None:
        training = role(kata, "training")
        if training is not None:
            kwargs[training] = True
        return kwargs

    def accepts(self, kata: Kata, kwargs: Mapping[str, Any]) -> bool:
        x = np.asarray(arg(kata, kwargs, "input"))
        batch = Layout(kata.structure.layout).batch if kata.structure is not None else None
        training = bool(arg(kata, kwargs, "training", True))
        return not training or batch is None or x.shape[batch] >= 2


FAMILY = Running()
