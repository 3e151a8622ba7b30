"""The shape of the library, read from its source: no import circle, none back up the
layers, no private name across packages, modules of at most 400 lines."""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "cdnotes"
MAX_LINES = 400

# Lower layers never import higher ones (a module may import its own layer and below).
LAYERS = [
    {"validation", "backend", "results", "seeds", "cache", "ceiling", "stats", "plotting",
     "notebook", "data", "measurements", "words"},
    {"operators", "hessian", "layer_hessian", "whitening", "conditioning", "gradcheck",
     "timing"},
    {"layers", "structured", "shfin", "spectral", "spectral_domain", "mlp", "preconditioning",
     "models"},
    {"curvature", "train", "estimators", "benchmarking", "explorer", "adapters"},
    {"engine", "experiments", "claims", "report"},
    {"cli", "__main__"},
]


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _resolve(module: str, path: pathlib.Path, node: ast.ImportFrom) -> str:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    base = package if node.level else ""
    return ".".join(p for p in (base, node.module or "") if p)


def _imports(modules) -> list:
    """(importer, imported module, name or None) for every import of a cdnotes module."""
    out = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out += [(module, a.name, None) for a in node.names if a.name.startswith("cdnotes")]
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, path, node)
                if not target.startswith("cdnotes"):
                    continue
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    out.append((module, sub, None) if sub in modules else (module, target,
                                                                              alias.name))
    return out


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(module: str) -> int | None:
    for i, names in enumerate(LAYERS):
        if _top(module) in names:
            return i
    return None


MODULES = _modules()
IMPORTS = _imports(MODULES)


def test_every_top_level_module_has_a_layer():
    missing = sorted({_top(m) for m in MODULES if m != "cdnotes" and _layer(m) is None})
    assert missing == [], f"add these to LAYERS in {__file__}: {missing}"


def test_no_import_runs_back_up_the_layers():
    up = sorted({(a, b) for a, b, _ in IMPORTS if a != "cdnotes" and b != "cdnotes"
                 and _layer(a) is not None and _layer(b) is not None and _layer(b) > _layer(a)})
    assert up == [], "imports up the layers (lower module -> higher module):\n" + "\n".join(
        f"  {a} -> {b}" for a, b in up)


def test_no_private_name_is_imported_from_another_package():
    def package(m):
        path = MODULES.get(m)
        return m if path is not None and path.name == "__init__.py" else m.rpartition(".")[0]

    bad = sorted({(a, f"{b}.{name}" if name else b) for a, b, name in IMPORTS
                  if package(a) != package(b) and (
                      (name or "").startswith("_")
                      or b.rpartition(".")[2].startswith("_") and not b.endswith("__init__")
                      and b.rpartition(".")[2] not in ("__main__",))})
    assert bad == [], "private names imported across packages:\n" + "\n".join(
        f"  {a} imports {b}" for a, b in bad)


def test_the_imports_form_no_circle():
    graph = {m: set() for m in MODULES}
    for a, b, _ in IMPORTS:
        if b in graph and b != a and b != "cdnotes":
            graph[a].add(b)
    # a package's __init__ re-exporting its submodules is not a circle with them
    for m, path in MODULES.items():
        if path.name == "__init__.py":
            graph[m] = {b for b in graph[m] if not b.startswith(m + ".")} | {
                b for b in graph[m] if b.startswith(m + ".")}
    index, low, stack, on, circles, counter = {}, {}, [], set(), [], [0]

    def visit(v):                                   # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 and not _package_and_its_own(component):
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert circles == [], "import circles:\n" + "\n".join(f"  {c}" for c in circles)


def _package_and_its_own(component) -> bool:
    """A package __init__ and the submodules that import a sibling through it."""
    roots = [m for m in component if MODULES[m].name == "__init__.py"]
    return any(all(m == r or m.startswith(r + ".") for m in component) for r in roots)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_hold_at_most_400_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module].relative_to(ROOT.parent)}: {lines} lines"
