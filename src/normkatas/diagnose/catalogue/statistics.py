"""Statistics: the mean, the variance and epsilon in the wrong form."""

from __future__ import annotations

from normkatas.diagnose.entry import Entry, EvidenceSpec, Text, Variant

X_HAT = "x_hat = ({input} - mean) / np.sqrt(var + {epsilon})"
SMALLEST = EvidenceSpec(
    "smallest_group",
    "{output} where the input varies least (variance {group_var}), {where}",
)

UNBIASED_VARIANCE = Entry(
    id="unbiased-variance",
    category="statistics",
    variant=Variant("ddof", ("1",)),
    text=Text(
        title="variance divided by m - 1 instead of m",
        notes=(
            "your output matches the formula with the unbiased variance (ddof=1), which divides"
            " the sum of squares by m - 1",
            "normalization uses the biased variance, divided by m: with m = {m} values per"
            " statistic your normalized values come out sqrt({m1}/{m}) = {factor} times the"
            " right ones",
        ),
        help="use the biased variance, numpy's default ddof=0",
        help_code="var = {var_call}",
    ),
    forms={
        "norm-backward": Text(
            title="variance divided by m - 1 instead of m in the backward pass",
            notes=(
                "your gradients match the ones of the unbiased variance (ddof=1), which divides"
                " the sum of squares by m - 1",
                "the forward pass normalized with the biased variance, divided by m = {m}: its"
                " gradient must use the same x_hat and sqrt(var + {epsilon}); with ddof=1 x_hat"
                " comes out sqrt({m1}/{m}) = {factor} times too small, and dx and dgamma with it",
            ),
            help="recompute the variance with numpy's default ddof=0",
            help_code="var = {var_call}",
        )
    },
    source=(r"ddof\s*=\s*1", r"/\s*\(\s*\w+\s*-\s*1\s*\)", r"-\s*1\s*\)"),
    evidence=(
        EvidenceSpec(
            "group_ratio",
            "variance of your {output} ÷ the same with ddof=0, {per}",
            note="(m - 1)/m = {m1}/{m} = {ratio}",
            grouping="observed",
        ),
        EvidenceSpec("output", "{output}, {where}", output="var"),
        EvidenceSpec("output", "{output}, {where}", output="dx"),
    ),
)

EPSILON_OUTSIDE_SQRT = Entry(
    id="epsilon-outside-sqrt",
    category="statistics",
    variant=Variant("eps", ("outside",)),
    text=Text(
        title="epsilon added outside the square root",
        notes=(
            "you divide by sqrt(var) + {epsilon} instead of sqrt(var + {epsilon})",
            "the two agree while the variance is much larger than epsilon, and drift apart"
            " when it is close to epsilon or smaller (a nearly constant group)",
        ),
        help="move epsilon inside the square root",
        help_code=X_HAT,
    ),
    source=(
        r"sqrt\([^()]*\)\s*\+\s*\w*{epsilon}\w*",
        r"\.std\([^()]*\)\s*\+\s*\w*{epsilon}\w*",
        r"\+\s*{epsilon}\b",
    ),
    evidence=(SMALLEST, EvidenceSpec("output", "{output}, {where}", output="dx")),
)

MISSING_EPSILON = Entry(
    id="missing-epsilon",
    category="statistics",
    variant=Variant("eps", ("none",)),
    text=Text(
        title="epsilon left out of the denominator",
        notes=(
            "you divide by sqrt(var) instead of sqrt(var + {epsilon})",
            "a constant group has variance 0, so its values become 0/0 = NaN, and a tiny"
            " variance blows them up; epsilon keeps the division finite",
        ),
        help="add epsilon to the variance, inside the square root",
        help_code=X_HAT,
    ),
    source=(r"np\.sqrt\(\s*\w*var\w*\s*\)", r"\.std\(", r"/\s*\w*(std|sigma|sd)\w*\b"),
    evidence=(SMALLEST, EvidenceSpec("output", "{output}, {where}", output="dx")),
)

MISSING_SQRT = Entry(
    id="missing-sqrt",
    category="statistics",
    variant=Variant("scale", ("var",)),
    text=Text(
        title="divided by the variance instead of the standard deviation",
        notes=(
            "your output equals (x - mean) / (var + {epsilon}): the square root is missing",
            "dividing by the variance leaves each group with variance 1 / var instead of 1",
        ),
        help="divide by the square root of var + epsilon",
        help_code=X_HAT,
    ),
    source=(r"/\s*\(\s*\w*var\w*\s*\+\s*\w*{epsilon}\w*\s*\)", r"/\s*\w*var\w*\b"),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

MISSING_VARIANCE = Entry(
    id="missing-variance",
    category="statistics",
    variant=Variant("scale", ("none",)),
    text=Text(
        title="output centred but not divided by the standard deviation",
        notes=(
            "your output equals x - mean: each group keeps its own spread instead of being"
            " scaled to variance 1",
        ),
        help="divide the centred values by sqrt(var + epsilon)",
        help_code=X_HAT,
    ),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

MISSING_MEAN = Entry(
    id="missing-mean",
    category="statistics",
    variant=Variant("center", ("none",)),
    text=Text(
        title="mean not subtracted before dividing by the standard deviation",
        notes=(
            "your output equals x / sqrt(var + {epsilon}): each group keeps its mean (scaled)"
            " instead of being centred at 0",
        ),
        help="subtract the mean before dividing",
        help_code=X_HAT,
    ),
    evidence=(EvidenceSpec("group_mean", "mean of {output} {per}, {where}"),),
)

VARIANCE_AROUND_GLOBAL_MEAN = Entry(
    id="variance-around-global-mean",
    category="statistics",
    variant=Variant("spread", ("global-mean",)),
    text=Text(
        title="variance centred on the mean of the whole input, not on the mean you subtract",
        notes=(
            "the mean you subtract is right ({expected_per}), but your variance averages the"
            " squares of x minus ONE mean of the whole input",
            "the spread between the groups' means is then counted as variance, so every group"
            " is divided by too large a number",
        ),
        help="centre the squares on the same mean you subtract, {expected_per}",
        help_code="{stats_code}",
    ),
    source=(r"\(\s*\w+\s*-\s*\w+\.mean\(\s*\)\s*\)", r"np\.mean\(\s*\w+\s*\)"),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

VARIANCE_AROUND_SAMPLE_MEAN = Entry(
    id="variance-around-sample-mean",
    category="statistics",
    variant=Variant("spread", ("sample-mean",)),
    text=Text(
        title="variance centred on each sample's mean, not on the mean you subtract",
        notes=(
            "the mean you subtract is right ({expected_per}), but your variance averages the"
            " squares of x minus the mean of each sample",
            "the two means differ, so the squares are taken around another centre and the"
            " result is not the variance of the values you normalize",
        ),
        help="centre the squares on the same mean you subtract, {expected_per}",
        help_code="{stats_code}",
    ),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

MEAN_OF_VARIANCES = Entry(
    id="mean-of-variances",
    category="statistics",
    variant=Variant("spread", ("mean-of-parts",)),
    text=Text(
        title="variance taken as the average of per-sample variances",
        notes=(
            "your variance is the mean over the batch of each sample's own variance {expected_per}",
            "that misses the spread BETWEEN the samples' means: the variance of the pooled values"
            " is the average variance plus the variance of the means",
        ),
        help="compute the variance of all the pooled values at once, {expected_per}",
        help_code="var = {var_call}",
    ),
    source=(r"\bvar\w*\s*=\s*\w+\.mean\(", r"\bvar\w*\s*=\s*np\.mean\("),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

VARIANCE_OTHER_AXES = Entry(
    id="variance-other-axes",
    category="statistics",
    variant=Variant("spread", ("whole", "layer", "instance", "activation")),
    text=Text(
        title="mean and variance computed over different axes",
        notes=(
            "the mean you subtract is right ({expected_per}), but your variance is taken"
            " {spread_per} (over {spread_axes_text})",
            "both statistics must describe the same group of values: the variance of the values"
            " you centre",
        ),
        help="compute the variance over the same axes as the mean, {expected_axes_text}",
        help_code="var = {var_call}",
    ),
    source=(r"\.var\(", r"np\.var\("),
    evidence=(EvidenceSpec("group_var", "variance of {output} {per}, {where}"),),
)

ENTRIES = [
    UNBIASED_VARIANCE,
    EPSILON_OUTSIDE_SQRT,
    MISSING_EPSILON,
    MISSING_SQRT,
    MISSING_VARIANCE,
    MISSING_MEAN,
    VARIANCE_AROUND_GLOBAL_MEAN,
    VARIANCE_AROUND_SAMPLE_MEAN,
    MEAN_OF_VARIANCES,
    VARIANCE_OTHER_AXES,
]
