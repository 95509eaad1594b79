"""Running statistics: training versus evaluation mode."""

from __future__ import annotations

from normkatas.diagnose.entry import Entry, EvidenceSpec, Text, Variant

FAMILY = frozenset({"running-norm"})
UPDATE = (
    "{running_mean} = (1 - {momentum}) * {running_mean} + {momentum} * mean\n"
    "{running_var} = (1 - {momentum}) * {running_var} + {momentum} * {input}.var(axis=0, ddof=1)"
)

MOMENTUM_CONVENTION = Entry(
    id="momentum-convention",
    category="statistics",
    families=FAMILY,
    variant=Variant("momentum", ("keras",)),
    text=Text(
        title="momentum applied to the running statistic instead of the batch statistic",
        notes=(
            "you compute running = {momentum} * running + (1 - {momentum}) * batch, the"
            " convention of Keras and CS231n",
            "this kata follows PyTorch: running = (1 - {momentum}) * running + {momentum} *"
            " batch, so with {momentum} = {momentum_value} the batch statistic gets weight"
            " {momentum_value}",
        ),
        help="weight the old running value by 1 - {momentum} and the batch statistic by"
        " {momentum}",
        help_code=UPDATE,
    ),
    source=(r"\b{momentum}\s*\*\s*\w*{running_mean}", r"\b{momentum}\s*\*\s*\w*{running_var}"),
    evidence=(
        EvidenceSpec("output", "new {output}, {where}", output="running_mean"),
        EvidenceSpec("output", "new {output}, {where}", output="running_var"),
    ),
)

BIASED_RUNNING_VARIANCE = Entry(
    id="biased-running-variance",
    category="statistics",
    families=FAMILY,
    variant=Variant("running_ddof", ("0",)),
    text=Text(
        title="running variance updated with the biased batch variance",
        notes=(
            "you feed the biased variance (divided by m) into {running_var}",
            "PyTorch normalizes the batch with the biased variance but updates the running"
            " variance with the unbiased one, divided by m - 1 = {m1}: it estimates the"
            " variance of the whole data set",
        ),
        help="use ddof=1 for the variance that goes into the running average",
        help_code="{running_var} = (1 - {momentum}) * {running_var} + {momentum} *"
        " {input}.var(axis=0, ddof=1)",
    ),
    source=(r"{running_var}\s*=",),
    evidence=(EvidenceSpec("output", "new {output}, {where}", output="running_var"),),
)

BATCH_STATS_AT_INFERENCE = Entry(
    id="batch-stats-at-inference",
    category="statistics",
    families=FAMILY,
    variant=Variant("inference", ("batch", "batch-frozen")),
    text=Text(
        title="batch statistics used in evaluation mode",
        notes=(
            "with {training}=False your output is normalized with the mean and variance of the"
            " batch itself",
            "at inference a batch may hold a single sample, and its output must not depend on"
            " the other samples: evaluation mode uses the running statistics gathered during"
            " training, and returns them unchanged",
        ),
        help="when not training, normalize with {running_mean} and {running_var}",
        help_code="if not {training}:\n"
        "    x_hat = ({input} - {running_mean}) / np.sqrt({running_var} + {epsilon})",
    ),
    source=(r"if\s+(not\s+)?{training}\b",),
    evidence=(EvidenceSpec("output", "{output} in evaluation mode, {where}", output="y"),),
)

RUNNING_STATS_NOT_UPDATED = Entry(
    id="running-stats-not-updated",
    category="statistics",
    families=FAMILY,
    variant=Variant("update", ("no",)),
    text=Text(
        title="running statistics not updated in training mode",
        notes=(
            "with {training}=True the {running_mean} and {running_var} you return equal the ones"
            " passed in; training mode moves them toward the batch statistics",
        ),
        help="update both running statistics in training mode",
        help_code=UPDATE,
    ),
    evidence=(EvidenceSpec("output", "new {output}, {where}", output="running_mean"),),
)

RUNNING_UPDATED_IN_EVAL = Entry(
    id="running-updated-in-eval",
    category="statistics",
    families=FAMILY,
    variant=Variant("inference", ("running-updated",)),
    text=Text(
        title="running statistics updated in evaluation mode",
        notes=(
            "with {training}=False your output is right, normalized with the running"
            " statistics, but the {running_mean} and {running_var} you return have moved toward"
            " the batch's statistics",
            "evaluation must not change the model: the running statistics come back exactly as"
            " they were passed in",
        ),
        help="update the running statistics only when {training} is true",
        help_code="if {training}:\n    " + UPDATE.replace("\n", "\n    "),
    ),
    source=(r"{running_mean}\s*=",),
    evidence=(
        EvidenceSpec("output", "{output} in evaluation mode, {where}", output="running_mean"),
    ),
)

ENTRIES = [
    MOMENTUM_CONVENTION,
    BIASED_RUNNING_VARIANCE,
    BATCH_STATS_AT_INFERENCE,
    RUNNING_STATS_NOT_UPDATED,
    RUNNING_UPDATED_IN_EVAL,
]
