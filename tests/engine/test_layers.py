"""The layers, checked from the source: imports only point down, and no module imports
itself back through others (docs/design.md, "Layers")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "trialrules"

#: Each layer (a folder of the package) and its rank: a module may import only its own
#: layer or lower ones.
RANK = {
    "values": 0,
    "engine": 1,
    "kinds": 2,
    "protocol": 3,
    "formats": 4,
    "tools": 5,
    "protocols": 6,
    "testing": 6,
    "cli": 7,
}
TOP = 8  # trialrules/__init__.py and trialrules/__main__.py


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _rank(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return TOP
    return RANK.get(parts[1], TOP)


def _imports(path: Path) -> set[str]:
    """Every trialrules module this file imports when it runs, at module level or inside
    functions (imports under ``if TYPE_CHECKING:`` serve annotations only)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: never imported when running
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("trialrules"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("trialrules"):
                continue
            out.add(target)
            for alias in node.names:  # "from . import codec" imports a module
                if (PACKAGE.parent / (target.replace(".", "/") + f"/{alias.name}.py")).exists() \
                        or (PACKAGE.parent / target.replace(".", "/") / alias.name).is_dir():
                    out.add(f"{target}.{alias.name}")
    return out


def _graph() -> dict[str, set[str]]:
    return {_module(p): _imports(p) - {_module(p)} for p in sorted(PACKAGE.rglob("*.py"))}


def test_imports_only_point_down() -> None:
    wrong = sorted(f"{m} ({_rank(m)}) imports {t} ({_rank(t)})"
                   for m, targets in _graph().items() for t in targets if _rank(t) > _rank(m))
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = _graph()
    # A package's __init__ re-exporting its own modules is not a cycle: an edge from a
    # module to its own package is its parent being imported first (Python does that).
    edges = {m: {t for t in ts if t in graph and not m.startswith(t + ".")}
             for m, ts in graph.items()}
    cycles = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_folders_are_the_layers() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= set(RANK), folders - set(RANK)
