"""JUnit XML, as GitLab, Jenkins and most CI dashboards read it.

One ``<testsuite>`` per submission (named after the kata and the file), one
``<testcase>`` per case (``classname`` = kata id).  A failed case carries a
``<failure>`` whose message is the first diagnosis title about it (or
``mismatch``) and whose text is the terminal rendering of that case and its
diagnoses; a case that could not run carries an ``<error>``.  Hidden cases
carry no data.  ``time`` is the case's own duration (`CaseResult.duration_ms`,
measured around the call in the sandbox), in seconds.  Every string goes
through `clean`, so the document is valid XML 1.0 whatever the student printed.
"""

from __future__ import annotations

from dataclasses import dataclass

from normkatas.render import _view as v
from normkatas.render._sanitize import clean_line
from normkatas.render.text import case_text
from normkatas.report.result import CaseResult, Result


@dataclass(frozen=True)
class TestCase:
    name: str
    classname: str
    time: str
    kind: str
    """``""`` (passed), ``failure`` or ``error``."""
    type: str
    message: str
    text: str


def _seconds(ms: float) -> str:
    """Seconds with microseconds: a case takes well under a millisecond, which
    three decimals would show as ``0.000``.  Jenkins' junit-10.xsd (SUREFIRE_TIME)
    allows up to six decimals."""
    if not ms > 0 or ms == float("inf"):
        return "0.000000"
    return f"{ms / 1000:.6f}"


def _testcase(result: Result, case: CaseResult, verbose: bool) -> TestCase:
    base = {"name": case.name, "classname": result.kata, "time": _seconds(case.duration_ms)}
    if case.status == "passed":
        return TestCase(**base, kind="", type="", message="", text="")
    about = v.diagnoses_for(result, case)
    kind: str
    type_: str
    if case.status == "error" and case.error is not None:
        kind, type_ = "error", case.error.kind
        message = v.error_phrase(case.error, hidden=case.hidden)
    elif case.status == "error":
        kind, type_, message = "error", "error", "the case could not be run"
    else:
        kind = "failure"
        type_ = about[0].id if about else "mismatch"
        message = v.headline(about[0]) if about else "mismatch"
    text = v.HIDDEN_NOTE if case.hidden else case_text(result, case, verbose=verbose)
    return TestCase(**base, kind=kind, type=type_, message=clean_line(message), text=text)


def render_junit(result: Result, *, verbose: bool = False) -> str:
    from normkatas.render._jinja import render_template

    cases = [_testcase(result, c, verbose) for c in result.cases]
    return render_template(
        "junit.xml.j2",
        result=result,
        suite_name=f"{result.kata} {result.submission}",
        cases=cases,
        tests=len(cases),
        failures=sum(1 for c in cases if c.kind == "failure"),
        errors=sum(1 for c in cases if c.kind == "error"),
        time=_seconds(result.duration_ms),
    )
