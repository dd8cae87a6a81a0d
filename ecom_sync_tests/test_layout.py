"""The package's shape: stand-ins live apart, layers import only downwards, no circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Lowest first: a module may import its own layer and the layers before it.
LAYERS = (
    ("ecom_sync.paths", "ecom_sync.config", "ecom_sync.crashpoints"),
    ("ecom_sync.sources",),
    ("ecom_sync.warehouse",),
    ("ecom_sync.publish",),
    ("ecom_sync.destinations",),
    ("ecom_sync.config_loader", "ecom_sync.erasure"),
    ("ecom_sync.defs", "ecom_sync.report"),
    ("ecom_sync.definitions", "ecom_sync.orchestration", "ecom_sync.sync_modes"),
    ("ecom_sync.demo", "ecom_sync.cli"),
)


def module_files(package: str) -> dict[str, Path]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imported_modules(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, at any depth of the file, except under
    ``if TYPE_CHECKING:`` (annotations only)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # ``from pkg import submodule`` imports the submodule; ``from mod import x`` mod.
            found.update(f"{module}.{alias.name}" for alias in node.names)
            found.add(module)

    Visitor().visit(ast.parse(path.read_text()))
    return found


def resolve(imported: set[str], known: dict[str, Path], own: str) -> set[str]:
    out = set()
    for module in imported:
        while module and module not in known:
            module = module.rpartition(".")[0]
        if module and module != own:
            out.add(module)
    return out


def graph(package: str) -> dict[str, set[str]]:
    files = module_files(package)
    edges = {}
    for name, path in files.items():
        edges[name] = resolve(imported_modules(name, path), files, name)
        # ``from pkg import submodule``: the package itself is not a dependency then.
        edges[name] -= {m for m in edges[name] if any(e.startswith(m + ".") for e in edges[name])}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def layer_of(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


@pytest.mark.parametrize("package", ["ecom_sync", "ecom_sandbox"])
def test_no_import_circle(package: str) -> None:
    assert cycles(graph(package)) == []


def test_stand_ins_are_imported_only_by_the_demo_entry_point() -> None:
    offenders = sorted(
        name for name, path in module_files("ecom_sync").items()
        if not name.startswith("ecom_sync.demo")
        and any(m.split(".")[0] == "ecom_sandbox" for m in imported_modules(name, path))
    )
    assert offenders == []


def test_stand_ins_do_not_import_the_pipeline() -> None:
    offenders = sorted(
        name for name, path in module_files("ecom_sandbox").items()
        if any(m.split(".")[0] == "ecom_sync" for m in imported_modules(name, path))
    )
    assert offenders == []


def test_layers_import_only_downwards() -> None:
    edges = graph("ecom_sync")
    unplaced = sorted(m for m in edges if m != "ecom_sync" and layer_of(m) is None)
    assert unplaced == [], "place these modules in LAYERS"
    upward = sorted(
        f"{a} -> {b}" for a, deps in edges.items() for b in deps
        if a != "ecom_sync" and b != "ecom_sync" and layer_of(b) > layer_of(a)  # type: ignore[operator]
    )
    assert upward == []
