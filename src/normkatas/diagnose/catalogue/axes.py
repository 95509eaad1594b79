"""Structure: statistics taken over the wrong axes.

Each entry is a normalization layer, defined by the roles of the axes it
reduces over, so the same entry serves NCHW, NC and N layouts.  The kata's
own layer is described by the entry that matches its ``reduce`` axes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from normkatas.diagnose.entry import Entry, EvidenceSpec, Text
from normkatas.diagnose.layout import Grouping, Layout
from normkatas.spec.model import Kata

HELP = "compute one mean and variance {expected_per}, over {expected} ({expected_axes_text})"
SOURCE = (r"axis\s*=\s*{axes_regex}",)


def _batch(layout: Layout) -> Grouping | None:
    if layout.batch is None:
        return None
    channel = {layout.channel} if layout.channel is not None else set()
    return Grouping(layout.all - channel)


def _layer(layout: Layout) -> Grouping | None:
    if layout.batch is None or layout.ndim < 2:
        return None
    return Grouping(layout.all - {layout.batch})


def _instance(layout: Layout) -> Grouping | None:
    if layout.batch is None or layout.channel is None or not layout.spatial:
        return None
    return Grouping(frozenset(layout.spatial))


def _per_activation(layout: Layout) -> Grouping | None:
    if layout.batch is None or not layout.spatial:
        return None
    return Grouping(frozenset({layout.batch}))


def _global(layout: Layout) -> Grouping | None:
    return Grouping(layout.all) if layout.ndim > 1 else None


def _group(layout: Layout) -> Grouping | None:
    if layout.batch is None or layout.channel is None or layout.ndim < 2:
        return None
    return Grouping(layout.all - {layout.batch}, groups=0)


def _interleaved(layout: Layout) -> Grouping | None:
    if layout.batch is None or layout.channel is None or layout.ndim < 2:
        return None
    return Grouping(layout.all - {layout.batch}, groups=0, interleaved=True)


def _rows(layout: Layout) -> Grouping | None:
    if layout.channel is None or layout.batch is None:
        return None
    return Grouping(layout.all, rows_axis=layout.channel)


def _any(layout: Layout) -> Grouping | None:
    return Grouping(frozenset())


EVIDENCE = (  # your output is normalized over YOUR groups: that betrays them
    EvidenceSpec("group_mean", "mean of {output} {per}, {where}", grouping="telling"),
    EvidenceSpec("group_var", "variance of {output} {per}, {where}", grouping="telling"),
)


def _entry(
    id: str,
    name: str,
    axes: Callable[[Layout], Grouping | None],
    title: str,
    *notes: str,
    forms: dict[str, Text] | None = None,
) -> Entry:
    return Entry(
        forms=forms or {},
        id=id,
        category="structure",
        name=name,
        axes=axes,
        text=Text(title=title, notes=notes, help=HELP, help_code="{stats_code}"),
        source=SOURCE,
        evidence=EVIDENCE,
    )


PER_ACTIVATION = _entry(
    "per-activation",
    "per-activation normalization",
    _per_activation,
    "statistics computed over {reduced} alone, one mean and variance per ({kept}) activation,"
    " instead of {expected_per}",
    "you reduced over {reduced} only ({reduced_axes_text}), so every ({kept}) position gets its"
    " own mean and variance: that is the per-activation normalization of a fully connected"
    " layer; {expected_description}",
    "a convolution applies the same filter at every position, so every position of a feature"
    " map should be normalized the same way",
)

LAYER_NORM = _entry(
    "layer-norm",
    "LayerNorm",
    _layer,
    "statistics computed per sample over {reduced} instead of {expected_per}",
    "you reduced over {reduced} ({reduced_axes_text}): that is LayerNorm; {expected_description}",
)



def _not_a_layer_norm_kata(kata: Kata) -> bool:
    """On a kata that is itself a LayerNorm (over fewer axes, like D of an NTD
    sequence), "that is LayerNorm" would name the kata's own layer: the other
    axis entries say what is wrong instead."""
    names = {kata.id, *kata.tags}
    if not any(n.replace("-", "").replace("_", "").startswith("layernorm") for n in names):
        return True
    from normkatas.diagnose.layout import expected_grouping

    st, expected = kata.structure, expected_grouping(kata)
    ours = _layer(Layout(st.layout)) if st is not None else None
    # the kata's layer is this entry's own: it describes the kata and never fires
    return expected is not None and ours is not None and expected.axes == ours.axes


LAYER_NORM = dataclasses.replace(LAYER_NORM, applies=_not_a_layer_norm_kata)

INSTANCE_NORM = _entry(
    "instance-norm",
    "InstanceNorm",
    _instance,
    "statistics computed per sample and channel over {reduced} instead of {expected_per}",
    "you reduced over {reduced} ({reduced_axes_text}) separately for every sample and channel:"
    " that is InstanceNorm; {expected_description}",
)

BATCH_NORM = _entry(
    "batch-norm",
    "BatchNorm",
    _batch,
    "statistics computed {reduced_per} over {reduced} instead of {expected_per}",
    "you reduced over {reduced} ({reduced_axes_text}), pooling the whole batch: that is"
    " BatchNorm; {expected_description}",
)

GROUP_NORM = _entry(
    "group-norm",
    "GroupNorm",
    _group,
    "statistics computed per sample over groups of {block} channels instead of {expected_per}",
    "you reduced over {reduced} within blocks of {block} consecutive channels: that is"
    " GroupNorm with {groups_seen} groups; {expected_description}",
    forms={
        "block-param": Text(
            title="{groups} used as the number of channels per group instead of the number of"
            " groups",
            notes=(
                "with {groups} = {groups_value} you made groups of {block} channels, so"
                " {groups_seen} groups; GroupNorm cuts the channels into {groups} groups of"
                " C // {groups} channels each",
            ),
            help="reshape to ({groups}, C // {groups}) along the channel axis, in that order",
            help_code="{stats_code}",
        )
    },
)

INTERLEAVED_GROUPS = Entry(
    id="interleaved-groups",
    category="structure",
    name="GroupNorm with interleaved groups",
    axes=_interleaved,
    text=Text(
        title="groups made of channels {groups_seen} apart instead of {block} consecutive"
        " channels",
        notes=(
            "moving one input value changes exactly the outputs that share its statistics:"
            " {shares}",
            "that is what reshaping the channels to (C // {groups}, {groups}) gives; GroupNorm"
            " reshapes them to ({groups}, C // {groups}), so that each group holds consecutive"
            " channels",
        ),
        help="put the number of groups first in the reshape",
        help_code="{stats_code}",
    ),
    source=(r"reshape\([^)]*//\s*{groups}\s*,\s*{groups}\b", r"reshape\(",),
)

RESHAPE_WITHOUT_TRANSPOSE = Entry(
    id="reshape-without-transpose",
    category="structure",
    name="rows of the input in memory order",
    axes=_rows,
    text=Text(
        title="statistics taken over rows of {input}.reshape({rows_letter}, -1), which mix"
        " samples and {rows_noun}s",
        notes=(
            "moving one input value changes exactly the outputs that share its statistics:"
            " here a run of {run} consecutive values of {input} in memory order, not one"
            " {rows_noun}",
            "reshape keeps the memory order, so without moving the {rows_noun} axis to the"
            " front each of the {rows} rows holds parts of several samples and {rows_noun}s;"
            " {expected_description}",
        ),
        help="move the {rows_noun} axis to the front before reshaping, or reduce over the axes"
        " directly",
        help_code="{stats_code}",
    ),
    source=(r"reshape\(\s*\w+\s*,\s*-\s*1\s*\)", r"reshape\("),
)

GLOBAL_NORM = _entry(
    "global-norm",
    "one global normalization",
    _global,
    "one mean and variance for the whole input instead of {expected_per}",
    "you reduced over every axis ({reduced}), so all values share one mean and one variance;"
    " {expected_description}",
)

WRONG_AXES = _entry(
    "wrong-axes",
    "",
    _any,
    "statistics computed over {reduced} instead of over {expected}",
    "you reduced over {reduced} ({reduced_axes_text}), one mean and variance {reduced_per};"
    " {expected_description}",
)

ENTRIES = [
    PER_ACTIVATION,
    LAYER_NORM,
    INSTANCE_NORM,
    BATCH_NORM,
    INTERLEAVED_GROUPS,
    RESHAPE_WITHOUT_TRANSPOSE,
    GROUP_NORM,
    GLOBAL_NORM,
    WRONG_AXES,
]
