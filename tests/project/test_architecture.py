"""docs/architecture.md shows the package as it is: every module has its line."""

from __future__ import annotations

from tests.support import REPO

DOC = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_module_has_a_line_in_the_tree() -> None:
    tree = DOC.split("## The tree, one line per module", 1)[1].split("```")[1]
    package = REPO / "src" / "normkatas"
    missing = [
        str(p.relative_to(package)) for p in sorted(package.rglob("*.py"))
        if p.name != "__init__.py" and f" {p.name} " not in f" {tree} ".replace("\n", " ")
    ]
    assert not missing, f"modules missing from docs/architecture.md: {missing}"


def test_every_folder_is_a_layer_of_the_import_contract() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    package = REPO / "src" / "normkatas"
    for folder in sorted(p for p in package.iterdir() if (p / "__init__.py").is_file()):
        assert f'"normkatas.{folder.name}' in pyproject, folder.name
