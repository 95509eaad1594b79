"""normkatas.spec.discover: the functions a file defines, read with ast (never run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from normkatas.spec.discover import defined_functions


def write(tmp_path: Path, source: str | bytes, name: str = "student.py") -> Path:
    path = tmp_path / name
    if isinstance(source, str):
        path.write_text(source, encoding="utf-8")
    else:
        path.write_bytes(source)
    return path


def test_top_level_defs_and_aliases(tmp_path: Path) -> None:
    path = write(tmp_path, """\
import numpy as np
from math import sqrt

def helper(x):
    def inner():  # not top level
        pass
    return x

async def fetch():
    pass

def my_impl(X, gamma, beta, epsilon=1e-5):
    return X

batch_normalization = my_impl
layer_normalization = lambda X, gamma, beta, epsilon=1e-5: X
group_normalization: object = my_impl
a = b = np.mean
CONSTANT = 3
x, y = my_impl, my_impl

class Model:
    def forward(self):
        pass
""")
    assert defined_functions(path) == [
        "helper", "fetch", "my_impl", "batch_normalization", "layer_normalization",
        "group_normalization", "a", "b",
    ]


def test_blocks_that_run_on_import(tmp_path: Path) -> None:
    path = write(tmp_path, """\
try:
    import torch
    def with_torch(): pass
except ImportError:
    def without_torch(): pass
finally:
    def always(): pass

if True:
    def in_if(): pass
else:
    def in_else(): pass

with open(__file__) as f:
    def in_with(): pass

if __name__ == "__main__":
    def only_as_script(): pass

def in_if(): pass  # listed once
""")
    assert defined_functions(path) == [
        "with_torch", "without_torch", "always", "in_if", "in_else", "in_with",
    ]


def test_the_file_is_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path, f"open({str(marker)!r}, 'w').write('x')\ndef f(): pass\n")
    assert defined_functions(path) == ["f"]
    assert not marker.exists()


def test_non_ascii_names_and_content(tmp_path: Path) -> None:
    path = write(tmp_path, "# -*- coding: utf-8 -*-\n"
                 "def normalisation_é(x):\n    '''σ² — variance'''\n    return x\n"
                 "μ = normalisation_é\n")
    assert defined_functions(path) == ["normalisation_é", "μ"]


def test_other_encodings_by_cookie_and_bom(tmp_path: Path) -> None:
    latin = write(tmp_path, "# -*- coding: latin-1 -*-\n# café\ndef f(): pass\n".encode(
        "latin-1"), "latin.py")
    assert defined_functions(latin) == ["f"]
    bom = write(tmp_path, b"\xef\xbb\xbfdef g(): pass\n", "bom.py")
    assert defined_functions(bom) == ["g"]


def test_empty_file(tmp_path: Path) -> None:
    assert defined_functions(write(tmp_path, "")) == []


@pytest.mark.parametrize(
    "source",
    ["def f(:\n    pass\n", "def f():\nreturn 1\n", b"def f(): pass\n\x00\n",
     b"x = 'caf\xe9'  # not UTF-8, no cookie\ndef f(): pass\n"],
)
def test_syntax_errors_propagate(tmp_path: Path, source: str | bytes) -> None:
    with pytest.raises(SyntaxError):
        defined_functions(write(tmp_path, source))


def test_accepts_str_paths(tmp_path: Path) -> None:
    assert defined_functions(str(write(tmp_path, "def f(): pass\n"))) == ["f"]
