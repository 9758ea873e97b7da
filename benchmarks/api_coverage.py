"""How much of PyTorch's public API autograd_core offers, namespace by namespace.

    python -m benchmarks.api_coverage [--only NAMESPACE ...] [--summary]

For each of torch's public namespaces, the public names of its ``dir()`` (no
leading underscore, not imported from outside torch) are looked up on
ours, the namespace a ported script reaches after changing its imports; it
prints present/total per namespace, then the missing names. Needs torch.
"""
import argparse
import importlib
import textwrap
import types

NAMESPACES = {  # torch's namespace -> ours
    "torch": "autograd_core",
    "torch.Tensor": "autograd_core.Tensor",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.utils": "nn.utils",
    "torch.utils.data": "autograd_core.utils.data",
    "torch.autograd": "autograd_core.autograd",
    "torch.optim": "optim",
    "torch.optim.lr_scheduler": "optim.lr_scheduler",
    "torch.distributions": "autograd_core.distributions",
    "torch.linalg": "autograd_core.linalg",
}


def resolve(dotted):
    """The module or class named ``dotted`` (``autograd_core.Tensor``), or None where it does not exist."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            found = getattr(found, name, None)
        return found
    return None


def from_outside_torch(value):
    """Whether ``value`` is a module, class or function that torch imported from elsewhere (``os``, ``Callable``)."""
    origin = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    return isinstance(origin, str) and origin.partition(".")[0] != "torch"


def public_names(namespace):
    """``namespace``'s public names: no leading underscore, not imported from outside torch."""
    return [name for name in dir(namespace)
            if not name.startswith("_") and not from_outside_torch(getattr(namespace, name, None))]


def coverage(namespaces=NAMESPACES):
    """``{torch namespace: (present names, missing names)}`` against ours."""
    result = {}
    for theirs, ours in namespaces.items():
        reference, own = resolve(theirs), resolve(ours)
        names = public_names(reference)
        present = [n for n in names if own is not None and hasattr(own, n)]
        result[theirs] = (present, [n for n in names if n not in set(present)])
    return result


def report(result, summary=False):
    """The per-namespace counts, then (unless ``summary``) each namespace's missing names."""
    width = max(len(name) for name in result)
    lines = ["PyTorch API present in autograd_core (public names of each namespace's dir())", ""]
    total_present = total = 0
    for name, (present, missing) in result.items():
        count = len(present) + len(missing)
        total_present, total = total_present + len(present), total + count
        lines.append(f"  {name:<{width}}  {len(present):>5} / {count:<5} {100 * len(present) / max(count, 1):5.1f}%  "
                     f"(ours: {NAMESPACES.get(name, '?')})")
    lines.append(f"  {'all':<{width}}  {total_present:>5} / {total:<5} {100 * total_present / max(total, 1):5.1f}%")
    if not summary:
        for name, (_, missing) in result.items():
            if missing:
                lines += ["", f"missing from {name} ({len(missing)}):"]
                lines += textwrap.wrap(", ".join(missing), 110, initial_indent="  ", subsequent_indent="  ")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.api_coverage", description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=list(NAMESPACES), metavar="NAMESPACE",
                        help=f"this torch namespace only (repeatable): {', '.join(NAMESPACES)}")
    parser.add_argument("--summary", action="store_true", help="the counts only, not the missing names")
    args = parser.parse_args(argv)
    chosen = {name: NAMESPACES[name] for name in args.only} if args.only else NAMESPACES
    result = coverage(chosen)
    print(report(result, args.summary))
    return result


if __name__ == "__main__":
    main()
