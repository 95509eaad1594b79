"""A class folder built from the corpus, for the class-insight tests and the screenshots.

One file per student (``<name>.py``), from two katas, with planted cases:

- `COPIED`: two students hand in the same code, the second with every local
  variable renamed and the file reformatted (`disguise`);
- `COINCIDENCE`: two students with different code that is right: both pass;
- `NO_KATA`: a file that defines no kata's function (listed as "no kata");
- `SUBTLE`: a mistake only one case catches (per-case difficulty).
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

from tests.support import TESTS

CORPUS = TESTS / "corpus"

STUDENTS: dict[str, str] = {
    "ada": "batchnorm-bchw/wrong_layer_norm.py",
    "bruno": "batchnorm-bchw/wrong_unbiased_variance.py",
    "chen": "batchnorm-bchw/wrong_epsilon_outside_sqrt.py",
    "dara": "batchnorm-bchw/wrong_layer_norm_unbiased.py",
    "eli": "batchnorm-bchw/wrong_layer_norm_three_mistakes.py",
    "fatou": "batchnorm-bchw/wrong_gamma_beta_swapped.py",
    "gus": "batchnorm-bchw/wrong_missing_epsilon.py",
    "hana": "batchnorm-bchw/wrong_instance_norm_loops.py",
    "ivan": "batchnorm-bchw/right_vectorized_keepdims.py",
    "jade": "batchnorm-bchw/right_channel_rows.py",
    "kofi": "batchnorm-bchw/wrong_index_error.py",
    "lena": "batchnorm-bchw/wrong_unbiased_missing_epsilon.py",
    "mo": "batchnorm-bchw/wrong_layer_norm_loops_missing_beta.py",
    "nia": "layernorm-bchw/wrong_batch_norm.py",
    "omar": "layernorm-bchw/right_flatten_samples.py",
    "pia": "layernorm-bchw/wrong_unbiased_variance_loops.py",
    "ravi": "layernorm-bchw/wrong_instance_norm.py",
}
COPIED = ("sam", "tess", "batchnorm-bchw/wrong_einsum_unbiased_swapped.py")
"""(original, copier, corpus file): the copier renamed the variables and reformatted."""
COINCIDENCE = ("uma", "victor", "batchnorm-bchw/right_welford.py",
               "batchnorm-bchw/right_einsum.py")
"""Two students, two different right solutions."""
NO_KATA = ("zoe", "def normalise(values):\n    return values\n")
SUBTLE = ("will", """\
import numpy as np


def batch_normalization(X, gamma, beta, epsilon=1e-5):
    mean = X.mean(axis=(0, 2, 3), keepdims=True)
    var = np.maximum(X.var(axis=(0, 2, 3), keepdims=True), 3e-5)
    X_hat = (X - mean) / np.sqrt(var + epsilon)
    return gamma.reshape(1, -1, 1, 1) * X_hat + beta.reshape(1, -1, 1, 1)
""")
"""A subtle mistake (a floor under the variance) that only the tiny-variance case catches."""
SUBTLE_CASE = "tiny-and-constant-channels"


def _source(relative: str) -> str:
    text = (CORPUS / relative).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):  # the corpus expectation header
        lines.pop(0)
    return "".join(lines)


def disguise(source: str) -> str:
    """The same computation with every local variable renamed and the layout changed."""
    tree = ast.parse(source)
    keep = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            keep.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, ast.FunctionDef):
            keep.add(node.name)
            keep.update(a.arg for a in node.args.args + node.args.kwonlyargs)
    stored = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Store) and n.id not in keep}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in stored:
            node.id = f"my_{node.id.lower()}_value"
    body = ast.unparse(tree)
    lines = ["# my own solution, written from scratch", ""]
    for line in body.splitlines():
        lines.append(line)
        if line.strip().startswith("def "):
            lines.append("    # normalise every channel")
    return "\n".join(lines) + "\n\n\n# end of file\n"


def build(folder: Path) -> dict[str, Path]:
    """Write the class into `folder`; student name -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {name: _source(rel) for name, rel in STUDENTS.items()}
    original, copier, rel = COPIED
    files[original] = _source(rel)
    files[copier] = disguise(_source(rel))
    first, second, rel_a, rel_b = COINCIDENCE
    files[first], files[second] = _source(rel_a), _source(rel_b)
    files[NO_KATA[0]] = NO_KATA[1]
    files[SUBTLE[0]] = SUBTLE[1]
    out = {}
    for name, text in sorted(files.items()):
        path = folder / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out
