"""Backward pass: gradients of batch normalization."""

from __future__ import annotations

from normkatas.diagnose.entry import Entry, EvidenceSpec, Text, Variant

FAMILY = frozenset({"norm-backward"})
DX = (
    "dx = {gamma} / np.sqrt(var + {epsilon}) * ({dout} - {dout}.mean(axis=0)"
    " - x_hat * ({dout} * x_hat).mean(axis=0))"
)

MEAN_VAR_CONSTANT = Entry(
    id="mean-var-constant",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("constant-stats",)),
    text=Text(
        title="dx ignores the gradient through the mean and the variance",
        notes=(
            "your dx equals {dout} * {gamma} / sqrt(var + {epsilon}), as if the mean and the"
            " variance were constants",
            "both depend on every x of the batch, which adds two terms; with them, dx sums to 0"
            " over the batch for every feature",
        ),
        help="subtract the batch means of {dout} and of {dout} * x_hat",
        help_code=DX,
    ),
    evidence=(
        EvidenceSpec("group_sum", "sum of dx over the batch, {per}, {where}", output="dx"),
    ),
)

MISSING_ONE_OVER_M = Entry(
    id="missing-1-over-m",
    category="statistics",
    families=FAMILY,
    variant=Variant("dx", ("sums", "times-m")),
    text=Text(
        title="the 1/m factors of the mean and variance gradients are missing",
        notes=(
            "your dx matches the closed form without its division by m = {m}, the number of"
            " values behind each mean",
            "the mean is a sum divided by m, so every gradient through it carries 1/m",
        ),
        help="use means over the batch, not sums, in the two correction terms",
        help_code=DX,
    ),
    evidence=(EvidenceSpec("output", "dx, {where}", output="dx"),),
)

DGAMMA_DBETA_SWAPPED = Entry(
    id="dgamma-dbeta-swapped",
    category="output",
    families=FAMILY,
    variant=Variant("order", ("dx,dbeta,dgamma", "dx,dgamma,dbeta")),  # the one not declared
    text=Text(
        title="dgamma and dbeta swapped",
        notes=(
            "your second output is sum({dout}), the gradient of the shift beta, and your third"
            " is sum({dout} * x_hat), the gradient of the scale gamma",
        ),
        help="return dgamma = sum(dout * x_hat) second and dbeta = sum(dout) third",
        help_code="return dx, ({dout} * x_hat).sum(axis=0), {dout}.sum(axis=0)",
    ),
    evidence=(EvidenceSpec("output", "{output}, {where}", output="dgamma"),),
)

ENTRIES = [MEAN_VAR_CONSTANT, MISSING_ONE_OVER_M, DGAMMA_DBETA_SWAPPED]
