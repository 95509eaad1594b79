"""A notebook's code cells -> one Python module, with a map back to cells and lines.

The rule (what a graded notebook keeps):

1. Markdown and raw cells, cells tagged ``skip-grade`` and cells that start
   with a cell magic (``%%timeit``, ``%%capture``...) are left out.  A cell
   that starts with ``%%grade KATA`` counts as plain code (its first line is
   left out).
2. In the other cells, lines that are IPython syntax rather than Python are
   left out: line magics (``%matplotlib inline``), shell escapes
   (``!pip install ...``, ``files = !ls``) and help (``np.mean?``).
3. Of the statements that remain, the module keeps every function and class
   definition (and aliases such as ``batch_normalization = my_impl``), and
   then, repeatedly, every statement that binds a name kept code reads
   (imports, constants, helpers).  Everything else is left out: calls made
   to try the function, prints, plots, data loading.  So a plotting cell does
   not run unless the graded code needs a name it defines, and an import such
   as ``import matplotlib.pyplot as plt`` is only kept when kept code uses
   ``plt``.
4. A cell that is not valid Python (after step 2) is kept whole, so that the
   report shows its syntax error at the cell and line where it is.

Kept statements stay in notebook order, so a function defined twice is the
later one, as in a kernel run top to bottom.  ``from __future__`` imports are
left out.  Cells are numbered from 1 at the top of the notebook, counting
every cell (Markdown included), the way a reader counts them.
"""

from __future__ import annotations

import ast
import builtins
import json
import re
import symtable
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from normkatas.errors import UsageError

SKIP_TAG = "skip-grade"
GRADE_MAGIC = "%%grade"

_IPYTHON_LINE = re.compile(
    r"""^\s*(?:[%!?]            # %magic, !shell, ?help
        |[\w.,\s]+=\s*[%!]      # x = !ls, t = %timeit f()
        )
      |\S\?\??\s*$              # np.mean?  np.mean??
    """,
    re.VERBOSE,
)
_WORD = re.compile(r"[^\W\d]\w*")
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


class NotebookError(UsageError, ValueError):
    """The file is not a notebook this grader can read (a usage error: exit status 2)."""


@dataclass(frozen=True)
class Cell:
    number: int
    """The label a report shows: ``cell 7``."""
    source: str
    tags: tuple[str, ...] = ()
    kind: str = "code"


@dataclass(frozen=True)
class Origin:
    """Where one line of the module comes from."""

    cell: int
    line: int
    """1-based line in the cell."""
    shift: int = 0
    """Column 1 of the module line is column ``1 + shift`` of the cell's line."""


@dataclass(frozen=True)
class NotebookModule:
    source: str
    origins: tuple[Origin | None, ...]
    """``origins[n - 1]``: where module line ``n`` comes from."""
    cell_lines: dict[int, list[str]] = field(default_factory=dict)
    """The original lines of every code cell, by cell number."""
    left_out: tuple[int, ...] = ()
    """Code cells none of whose statements were kept."""

    def locate(self, line: int | None) -> Origin | None:
        if line is None or not 1 <= line <= len(self.origins):
            return None
        return self.origins[line - 1]

    def text(self, origin: Origin) -> str:
        lines = self.cell_lines.get(origin.cell, [])
        return lines[origin.line - 1] if 1 <= origin.line <= len(lines) else ""


def read_cells(path: Path) -> list[Cell]:
    """The cells of an nbformat 4 file (``.ipynb``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path}: not a notebook: invalid JSON at line {exc.lineno}") from None
    return cells_of(data, str(path))


def cells_of(data: object, name: str = "notebook") -> list[Cell]:
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{name}: not a notebook in nbformat 4 (no list of cells)")
    cells: list[Cell] = []
    for number, raw in enumerate(data["cells"], start=1):
        if not isinstance(raw, dict):
            continue
        source = raw.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        metadata = raw.get("metadata")
        tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
        cells.append(
            Cell(
                number=number,
                source=str(source),
                tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
                kind=str(raw.get("cell_type", "code")),
            )
        )
    return cells


def convert_file(path: Path) -> NotebookModule:
    return to_module(read_cells(path))


def python_lines(source: str) -> list[str] | None:
    """The cell's lines with IPython-only lines blanked, or None for a left-out cell magic."""
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        words = lines[first].split()
        if words[0] != GRADE_MAGIC:
            return None
        lines[first] = ""
    try:
        ast.parse("\n".join(lines))
        return lines
    except SyntaxError:
        pass
    return [_blank(line) if _IPYTHON_LINE.search(line) else line for line in lines]


def _blank(line: str) -> str:
    """An IPython-only line -> ``pass`` at its indentation (a block may need a statement)."""
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}pass" if indent else ""


@dataclass
class _Stmt:
    cell: int
    node: ast.stmt | None
    """None: a cell that is not valid Python, kept whole."""
    lines: list[str]
    binds: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    root: bool = False
    star: bool = False


def to_module(
    cells: Sequence[Cell], *, root_cells: Collection[int] | None = None
) -> NotebookModule:
    """The module of `cells`; see the module docstring for what is kept.

    ``root_cells``: only these cells' definitions are graded; other cells give
    only what those need, and their syntax errors are ignored (used for a
    kernel's history, where earlier cells are context).  Default: every cell.
    """
    stmts: list[_Stmt] = []
    cell_lines: dict[int, list[str]] = {}
    code_cells: list[int] = []
    for cell in cells:
        if cell.kind != "code" or SKIP_TAG in cell.tags:
            continue
        cell_lines[cell.number] = cell.source.split("\n")
        lines = python_lines(cell.source)
        if lines is None:
            continue
        code_cells.append(cell.number)
        is_root = root_cells is None or cell.number in root_cells
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            if is_root:  # what it reads is unknown: every word in it may be a name
                words = set(_WORD.findall("\n".join(lines)))
                stmts.append(_Stmt(cell.number, None, lines, uses=words, root=True))
            continue
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            stmts.append(_analyse(_Stmt(cell.number, node, lines), is_root))
    _mark_aliases(stmts)
    kept = _closure(stmts)
    return _emit([s for i, s in enumerate(stmts) if i in kept], cell_lines, code_cells)


def _analyse(stmt: _Stmt, is_root: bool) -> _Stmt:
    node = stmt.node
    assert node is not None
    stmt.star = isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    try:
        table = symtable.symtable(ast.unparse(node), "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        stmt.uses = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    else:
        for sym in table.get_symbols():
            if sym.is_assigned() or sym.is_imported() or sym.is_namespace():
                stmt.binds.add(sym.get_name())
            if sym.is_referenced():
                stmt.uses.add(sym.get_name())
        stmt.uses |= set(_globals_below(table))
    if is_root:
        stmt.root = isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ) or (isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Lambda))
    return stmt


def _globals_below(table: symtable.SymbolTable) -> Iterable[str]:
    for child in table.get_children():
        for sym in child.get_symbols():
            if sym.is_global() or (child.get_type() == "class" and sym.is_referenced()
                                   and not sym.is_assigned()):
                yield sym.get_name()
        yield from _globals_below(child)


def _mark_aliases(stmts: list[_Stmt]) -> None:
    """``entry = my_impl`` (a defined function or an imported attribute) is a definition too."""
    defined = {name for s in stmts if s.root for name in s.binds}
    imported = {
        name for s in stmts if isinstance(s.node, (ast.Import, ast.ImportFrom)) for name in s.binds
    }
    for s in stmts:
        node = s.node
        if s.root or not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        value = node.value
        base = value
        while isinstance(base, ast.Attribute):
            base = base.value
        alias = isinstance(value, ast.Name) and value.id in defined | imported
        attribute = isinstance(value, ast.Attribute) and isinstance(base, ast.Name)
        if alias or (attribute and isinstance(base, ast.Name) and base.id in imported):
            s.root = True


def _closure(stmts: list[_Stmt]) -> set[int]:
    kept = {i for i, s in enumerate(stmts) if s.root}
    needed: set[str] = set().union(*(stmts[i].uses for i in kept)) if kept else set()
    while True:
        more = {i for i, s in enumerate(stmts) if i not in kept and s.binds & needed}
        if not more:
            bound = set().union(*(s.binds for s in stmts)) if stmts else set()
            if needed - bound - _BUILTINS:
                more = {i for i, s in enumerate(stmts) if i not in kept and s.star}
        if not more:
            return kept
        kept |= more
        for i in more:
            needed |= stmts[i].uses


def _emit(
    stmts: list[_Stmt], cell_lines: dict[int, list[str]], code_cells: list[int]
) -> NotebookModule:
    out: list[str] = []
    origins: list[Origin | None] = []
    for s in stmts:
        if s.node is None:
            for n, line in enumerate(s.lines, start=1):
                out.append(line)
                origins.append(Origin(s.cell, n))
            continue
        for text, origin in _statement_lines(s):
            out.append(text)
            origins.append(origin)
    used = {s.cell for s in stmts}
    return NotebookModule(
        source="\n".join(out) + ("\n" if out else ""),
        origins=tuple(origins),
        cell_lines=cell_lines,
        left_out=tuple(c for c in code_cells if c not in used),
    )


def _statement_lines(s: _Stmt) -> list[tuple[str, Origin]]:
    """The statement's own text, line by line; a line shared with another statement is cut."""
    node = s.node
    assert node is not None and node.end_lineno is not None and node.end_col_offset is not None
    first, start_col = node.lineno, node.col_offset
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        first = min(d.lineno for d in decorators)
        start_col = min(d.col_offset for d in decorators if d.lineno == first) - 1
    last = node.end_lineno
    out: list[tuple[str, Origin]] = []
    for n in range(first, last + 1):
        raw = s.lines[n - 1].encode("utf-8")
        text, shift = raw, 0
        if n == last:
            rest = raw[node.end_col_offset :].strip()
            if rest and not rest.startswith(b"#"):
                text = raw[: node.end_col_offset]
        if n == first and start_col > 0:
            shift = len(raw[:start_col].decode("utf-8", "replace"))
            text = text[start_col:]
        out.append((text.decode("utf-8", "replace"), Origin(s.cell, n, shift)))
    return out
