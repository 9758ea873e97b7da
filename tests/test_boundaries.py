"""nn, optim and viz (and the examples and benchmarks) use only autograd_core's public API.

autograd_core's private names are the ``_``-prefixed names it defines: its private
modules, its module-level names, and the attributes of its classes and of the
objects it makes (a Tensor, recorded nodes, a leaf's AccumulateGrad...). A *use*
is an import, an attribute access, or a string naming an attribute in
``getattr``/``setattr``/``hasattr``/``delattr``. A package may define a private
name of its own that happens to share a spelling (nn's ``Module._apply``): its
definitions (functions, classes, module-level names, ``self.<name>`` attributes,
``__slots__``) make the name its own. The array seam, ``autograd_core.arrays``, is
public (docs/architecture.md).
"""
import abc
import ast
import collections
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import autograd_core
from autograd_core.autograd.graph import AccumulateGrad, Node
from autograd_core.function import edge_of

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("nn", "optim", "viz", "examples", "benchmarks")
ATTRIBUTE_CALLS = ("getattr", "setattr", "hasattr", "delattr")


def _is_private(name):
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name != "_"


def _python_made(name):
    """Names Python itself puts in a class's namespace (namedtuple's ``_asdict``, ABC's ``_abc_impl``...)."""
    namedtuple_class = collections.namedtuple("Sample", "field")
    return name in vars(namedtuple_class) or name in vars(abc.ABC)


def _autograd_core_modules():
    names = [info.name for info in pkgutil.walk_packages(autograd_core.__path__, "autograd_core.")]
    return [autograd_core] + [importlib.import_module(name) for name in names]


def _class_attributes(cls):
    names = set(vars(cls))
    slots = vars(cls).get("__slots__", ())
    names.update([slots] if isinstance(slots, str) else slots)
    return names


def _sample_objects():
    """Objects autograd_core makes, for the attributes they get only when used (set in ``__init__``, say)."""
    x = autograd_core.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).exp()
    leaf_node, _ = edge_of(x)
    handle = y.register_hook(lambda g: g)
    return [x, y, y.grad_fn, leaf_node, handle, autograd_core.Generator(), autograd_core.Size((2,))]


def autograd_core_private_names():
    """Every private name autograd_core defines, mapped to where (for the failure message)."""
    found = {}
    for module in _autograd_core_modules():
        short = module.__name__.rpartition(".")[2]
        if _is_private(short):
            found.setdefault(short, module.__name__)
        for name, value in vars(module).items():
            if _is_private(name):
                found.setdefault(name, module.__name__)
            if inspect.isclass(value) and value.__module__.startswith("autograd_core"):
                for klass in value.__mro__:
                    if klass.__module__.startswith("autograd_core"):
                        for attribute in _class_attributes(klass):
                            if _is_private(attribute) and not _python_made(attribute):
                                found.setdefault(attribute, f"{klass.__module__}.{klass.__qualname__}")
    for obj in _sample_objects():
        for attribute in getattr(obj, "__dict__", {}):
            if _is_private(attribute):
                found.setdefault(attribute, type(obj).__qualname__)
    return found


def _sources(package):
    return sorted((ROOT / package).rglob("*.py"))


def _own_definitions(trees):
    """The names a package's files define: functions, classes, module- and class-level names, ``self.x``
    attributes, ``__slots__`` and import aliases."""
    own = set()
    for tree in trees:
        bodies = [tree.body]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(node.name)
                if isinstance(node, ast.ClassDef):
                    bodies.append(node.body)
            elif isinstance(node, ast.alias) and node.asname:
                own.add(node.asname)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                    and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                own.add(node.attr)
        for statement in (s for body in bodies for s in body):
            targets = getattr(statement, "targets", None) or [getattr(statement, "target", None)]
            names = {n.id for t in targets if t is not None for n in ast.walk(t) if isinstance(n, ast.Name)}
            own.update(names)
            if "__slots__" in names:
                own.update(c.value for c in ast.walk(statement.value) if isinstance(c, ast.Constant))
    return own


def _imported_module_is_private(module):
    parts = module.split(".")
    return parts[0] == "autograd_core" and any(_is_private(p) for p in parts[1:])


def _uses(tree, private, own):
    """``(line, name, how)`` for each use of a private autograd_core name in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "autograd_core":
            if _imported_module_is_private(node.module):
                yield node.lineno, node.module, "import of a private module"
            for alias in node.names:
                if _is_private(alias.name):
                    yield node.lineno, alias.name, f"imported from {node.module}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _imported_module_is_private(alias.name):
                    yield node.lineno, alias.name, "import of a private module"
        elif isinstance(node, ast.Attribute):
            if node.attr in private and node.attr not in own:
                yield node.lineno, node.attr, f"attribute defined by {private[node.attr]}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_CALLS:
            for arg in node.args[1:2]:
                if isinstance(arg, ast.Constant) and arg.value in private and arg.value not in own:
                    yield node.lineno, arg.value, f"{node.func.id}() of an attribute defined by {private[arg.value]}"


def private_uses(paths, private):
    """``"file:line: name (how)"`` for every use, in ``paths`` (one package's files), of a name in ``private``."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in paths}
    own = _own_definitions(trees.values())
    found = []
    for path, tree in trees.items():
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for line, name, how in sorted(_uses(tree, private, own)):
            found.append(f"{shown}:{line}: {name} ({how})")
    return found


@pytest.fixture(scope="module")
def private():
    return autograd_core_private_names()


def test_the_private_names_are_found(private):
    """The introspection finds what the packages used to reach for, so an empty list cannot pass silently."""
    for name in ("_new", "_version_counter", "_requires_grad", "_output_index", "_saved", "_saved_versions",
                 "_apply_inplace", "_check_dim", "_grad_accumulator", "_hooks", "_record", "_util", "_BY_NUMPY"):
        assert name in private, name
    assert issubclass(AccumulateGrad, Node)


def test_the_checker_names_file_and_line(tmp_path, private):
    source = tmp_path / "sample.py"
    source.write_text("from autograd_core.tensor import Tensor, _new\n"
                      "from autograd_core.ops._util import write_out\n"
                      "import autograd_core._allocator\n"
                      "from autograd_core.arrays import kernels\n"
                      "def step(p, t):\n"
                      "    p._version_counter[0] += 1\n"
                      "    return getattr(t, '_output_index'), t.array, t._private_of_mine\n"
                      "class Mine:\n"
                      "    def _record(self):\n"
                      "        return self._record()\n")
    found = [line.split(": ", 1)[1] for line in private_uses([source], private)]
    assert [entry.split(" ")[0] for entry in found] == ["_new", "autograd_core.ops._util", "autograd_core._allocator",
                                                       "_version_counter", "_output_index"]
    assert all(line.startswith(str(source)) for line in private_uses([source], private))


@pytest.mark.parametrize("package", PACKAGES)
def test_package_uses_only_the_public_api(package, private):
    found = private_uses(_sources(package), private)
    assert not found, f"{package} uses autograd_core's private names:\n" + "\n".join(found)
