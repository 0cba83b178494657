"""The package's layout is its architecture: folders name the layers, and imports flow one way.

Every ``import`` in ``memlab/`` is read from the source (those written inside functions too), and the
graph they draw must have no circle and no import from a lower layer up to a higher one. ``LAYERS`` is
the order the subpackages' own docstrings state (``memlab/*/__init__.py``), lowest first; a module may
import its own layer and the layers below it.
"""

import ast
from pathlib import Path

import memlab

PACKAGE = Path(memlab.__file__).parent
LAYERS = [
    {"errors", "memory", "private_folder", "number_format", "data"},  # plain utilities and the images
    {"nets"},  # PyTorch networks and their configs
    {"sampling"},  # seed -> noise -> image, for both engines
    {"models"},  # the registry, files, the two engines
    {"training", "judging"},  # training loops; the search and its measures
    {"judgement"},  # one image, one verdict
    {"zoo"},  # a model id resolved once into an object
    {"analyses"},  # whole-model figures: audit, evaluate, membership...
    {"teaching"},  # the lessons' computations and exercises
    {"dashboard", "server"},  # the widgets; the public server
    {"cli", "__main__", "__init__"},  # the command line
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def part(module: str) -> str:
    """The top part of a memlab module's dotted name: its folder, or its file for a top-level module."""
    return module.split(".")[1] if module.count(".") else "__init__"


def imports_of(path: Path) -> set[str]:
    """Every memlab module ``path`` imports (absolute names), wherever the import is written."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("memlab.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}: relative import; memlab imports by full name")
            if node.module == "memlab":
                found |= {f"memlab.{a.name}" for a in node.names}
            elif node.module and node.module.startswith("memlab."):
                found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        dotted = ".".join(("memlab",) + path.relative_to(PACKAGE).with_suffix("").parts)
        modules[dotted.removesuffix(".__init__")] = imports_of(path)
    return modules


def test_every_module_belongs_to_a_layer():
    unknown = {part(m) for m in graph()} - set(LAYER_OF)
    assert not unknown, f"modules outside every layer of LAYERS: {unknown}"


def test_no_import_runs_up_a_layer():
    up = sorted(
        f"{m} imports {i}"
        for m, found in graph().items()
        for i in found
        if part(i) in LAYER_OF and LAYER_OF[part(i)] > LAYER_OF[part(m)]
    )
    assert not up, "imports that run up a layer:\n" + "\n".join(up)


def test_no_import_circle():
    modules = graph()
    state = {}

    def visit(m, path):
        state[m] = "open"
        for i in sorted(modules.get(m, ())):
            if i not in modules:
                continue
            if state.get(i) == "open":
                raise AssertionError("import circle: " + " -> ".join(path[path.index(i) :] + [i]))
            if i not in state:
                visit(i, path + [i])
        state[m] = "done"

    for m in sorted(modules):
        if m not in state:
            visit(m, [m])


def test_few_modules_stand_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top


def test_only_the_dashboard_imports_ipywidgets():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if "import ipywidgets" in text or "from ipywidgets" in text:
            assert path.relative_to(PACKAGE).parts[0] == "dashboard", path
