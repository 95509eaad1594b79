"""The instructor check report (`grade check`), as text or JSON.

Text follows compiler practice: every finding starts with ``file:line:``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from normkatas.report.check import CheckReport, ExpectedMismatch, Reproduction


def _num(x: float | None) -> str:
    return "none" if x is None else f"{x:.6g}"


def where(report: CheckReport, line: int | None) -> str:
    """``file:line: `` (or less, when either is unknown)."""
    if report.file is None:
        return ""
    return f"{report.file}:{line}: " if line is not None else f"{report.file}: "


def reproduction(r: Reproduction) -> str:
    if r.kind == "mistake":
        return f"the mistake `{r.name}` ({r.title})"
    if r.kind == "rounded":
        return f"{r.name} rounded to {r.decimals} decimals before scaling and shifting"
    also = ""
    if r.low is not None and r.high is not None:
        also = f"; any value from {_num(r.low)} to {_num(r.high)} does;"
    return f"{r.name} = {_num(r.value)} (the case has {_num(r.was)}{also or ')'}".replace(
        ";;", ";").rstrip(";") + (")" if also else "")


def written_lines(m: ExpectedMismatch, *, note: bool) -> list[str]:
    """The headline and its notes for written values of one output of one case."""
    head = f"case `{m.case}`: "
    if m.problem == "unknown-output":
        known = ", ".join(m.known)
        return [head + f"written values for `{m.output}`, but the kata declares no output"
                f" {m.output} (its outputs: {known})"]
    if m.problem == "shape":
        shape = "values that are not numbers" if m.written_shape is None else (
            f"shape {tuple(m.written_shape)}")
        return [head + f"written {m.output} has {shape}; the reference returns shape"
                f" {tuple(m.reference_shape or [])}"]
    index = ", ".join(str(i) for i in m.index)
    tolerance = f"rtol {_num(m.rtol)}, atol {_num(m.atol)}"
    if note:
        lines = [head + f"written {m.output} differs from the reference by up to"
                 f" {_num(m.max_abs_diff)}, beyond the grading tolerance ({tolerance}) and"
                 f" within the case's expected_atol {_num(m.expected_atol)}"]
    else:
        lines = [head + f"written {m.output} disagrees with the reference in {m.mismatched}"
                 f" of {m.total} values",
                 f"= largest difference {_num(m.max_abs_diff)} at {m.output}[{index}]:"
                 f" written {_num(m.written)}, the reference gives {_num(m.computed)};"
                 f" grading accepts {tolerance}"
                 + (f" and the case's expected_atol {_num(m.expected_atol)}"
                    if m.expected_atol is not None else "")]
    if m.reproduced_by:
        lines.append("= these values match the reference with "
                     + "; or with ".join(reproduction(r) for r in m.reproduced_by))
    if note:
        return lines
    if m.reproduced_by:
        lines.append("= help: write the values the reference gives for this case's arguments,"
                     " or change the case to the arguments the values were computed with")
    elif m.printed_rounding:
        half = 0.5 * 10.0 ** -m.decimals
        lines.append(f"= help: the values are printed with {m.decimals} decimals, coarser than"
                     " the grading tolerance; write more decimals, or accept the printout"
                     f" openly with `expected_atol: {half:g}`")
    else:
        lines.append("= help: write the values the reference returns for this case")
    return lines


def render_checks(reports: Sequence[CheckReport], fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        import msgspec

        data = [{**msgspec.to_builtins(r), "ok": r.ok} for r in reports]
        return msgspec.json.format(msgspec.json.encode(data), indent=2).decode() + "\n"
    from markupsafe import Markup

    from normkatas.render._jinja import render_template

    codes = {"ok": "\x1b[32m", "bad": "\x1b[31m", "note": "\x1b[36m", "b": "\x1b[1m",
             "r": "\x1b[0m"}
    styles = {k: Markup(v if color else "") for k, v in codes.items()}
    return render_template(
        "check.txt.j2", reports=list(reports), s=styles,
        failing=sum(1 for r in reports if not r.ok),
        where=where, written_lines=written_lines,
    )
