"""The pytest plugin never breaks an unrelated pytest run, and names its own options."""

from __future__ import annotations

import pytest

from normkatas.app.pytest_plugin import OPTIONS, own_options

pytest_plugins = ["pytester"]

CONFTEST_WITH_GRADE = '''
def pytest_addoption(parser):
    parser.addoption("--grade", action="store", default="none", help="the project's own option")
'''

USES_IT = '''
def test_project_option(request):
    assert request.config.getoption("grade") == "A+"
'''


def test_a_conftest_with_its_own_grade_option_still_runs(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST_WITH_GRADE)
    pytester.makepyfile(test_project=USES_IT)
    result = pytester.runpytest("-p", "no:cacheprovider", "--grade", "A+")
    result.assert_outcomes(passed=1)
    help_text = pytester.runpytest("--help").stdout.str()
    assert "--normkatas-grade=FILE" in help_text
    assert "the project's own option" in help_text


def test_namespaced_options_work_next_to_the_projects_grade(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST_WITH_GRADE)
    result = pytester.runpytest("--normkatas-grade", "nope.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--normkatas-grade nope.py: no such file*"])


def test_short_aliases_exist_when_free(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--grade", "nope.py")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--normkatas-grade nope.py: no such file*"])


def test_a_collision_on_the_namespaced_option_is_one_clear_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(other_plugin='''
def pytest_addoption(parser):
    parser.addoption("--normkatas-grade", action="store_true")
''')
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "other_plugin", "--help")
    text = result.stdout.str() + result.stderr.str()
    assert "cannot register --normkatas-grade: another plugin already defines it" in text
    assert "-p no:normkatas" in text and "Traceback (most recent call last)" not in text


def test_did_you_mean_names_the_plugins_options() -> None:
    from normkatas.spec.selection import KATA_OPTION_HINT as KATA_ID_NOT_PATH

    assert "--kata" in KATA_ID_NOT_PATH
    text = own_options(KATA_ID_NOT_PATH)
    assert "--normkatas-kata" in text and "--normkatas-katas-dir" in text
    assert " --kata " not in f" {text} ".replace("--normkatas-kata", "")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("choose one with --kata ID", "choose one with --normkatas-kata ID"),
        ("rename your function, or choose a kata with --kata ID",
         "rename your function, or choose a kata with --normkatas-kata ID"),
        ("to add kata files use --katas-dir FOLDER",
         "to add kata files use --normkatas-katas-dir FOLDER"),
    ],
)
def test_own_options_rewrites_every_grade_option(message: str, expected: str) -> None:
    assert own_options(message) == expected


def test_every_option_is_namespaced() -> None:
    for name, alias, dest, _metavar, _text in OPTIONS:
        assert name.startswith("--normkatas-") and dest.startswith("normkatas_")
        assert alias.startswith("--grade")
