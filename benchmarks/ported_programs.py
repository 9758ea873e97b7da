"""Run public PyTorch programs twice, with torch and with only their imports changed to autograd_core.

    python -m benchmarks.ported_programs DIR [--same-random] [--timeout S]

DIR holds the programs' files as published (their sources are listed in
``PROGRAMS``; fetch them from those repositories). Each one runs in its own
process with torch, then again with every ``import torch...`` / ``from torch...``
line pointed at ``autograd_core``; the script prints, per program, whether the
port ran, whether its printed text matches torch's once numbers are set aside,
the largest relative difference between the numbers both printed, and the
time ratio.

Programs that draw random numbers (``torch.randn``, layer initialisation) print
different numbers in the two runs, because autograd_core's generator is not
torch's Mersenne Twister. ``--same-random`` (torch installed) makes the ported
run draw those numbers from torch's generator, so that what remains is the
arithmetic: then the numbers should agree to float32 rounding.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROGRAMS = {
    "polynomial_autograd.py": "pytorch/tutorials beginner_source/examples_autograd/polynomial_autograd.py @ 92f11a1",
    "polynomial_custom_function.py":
        "pytorch/tutorials beginner_source/examples_autograd/polynomial_custom_function.py @ 02ed6c5",
    "polynomial_nn.py": "pytorch/tutorials beginner_source/examples_nn/polynomial_nn.py @ 02d7694",
    "polynomial_optim.py": "pytorch/tutorials beginner_source/examples_nn/polynomial_optim.py @ 02d7694",
    "regression.py": "pytorch/examples regression/main.py (loss = output.item(); param.data.add_(-0.1 * param.grad))",
}

_IMPORT = re.compile(r"^(\s*)import torch((?:\.\w+)*)(\s+as\s+\w+)?(\s*(?:#.*)?)$")
_FROM = re.compile(r"^(\s*)from torch((?:\.\w+)*)\s+import\b")
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")

# Run before each program under --same-random: torch's generator seeded alike in both runs...
_SEEDED = "import torch as _reference; _reference.manual_seed(0)"
# ... and, in the ported run, autograd_core's random entry points drawing from it.
_SAME_RANDOM = _SEEDED + '''
import autograd_core
from autograd_core import random as _ours

def _from_reference(make):
    def draw(*args, dtype=None, requires_grad=False, generator=None, device=None, **kwargs):
        kind = getattr(_reference, str(dtype or autograd_core.get_default_dtype()).split(".")[-1])
        values = make(*args, dtype=kind, **kwargs).numpy()
        return autograd_core.tensor(values, requires_grad=requires_grad)
    return draw

for _name in ("randn", "rand"):
    setattr(autograd_core, _name, _from_reference(getattr(_reference, _name)))

def _fill(method):
    def fill(self, *args, generator=None, **kwargs):
        kind = getattr(_reference, str(self.dtype).split(".")[-1])
        values = getattr(_reference.empty(tuple(self.shape), dtype=kind), method)(*args, **kwargs)
        with autograd_core.no_grad():
            self.copy_(autograd_core.from_numpy(values.numpy()))
        return self
    return fill

for _method in ("uniform_", "normal_"):
    setattr(autograd_core.Tensor, _method, _fill(_method))
'''


def ported_line(line):
    """One line with its torch import pointed at autograd_core; other lines unchanged."""
    found = _IMPORT.match(line)
    if found:
        indent, submodule, alias, comment = found.groups()
        if alias:
            return f"{indent}import autograd_core{submodule}{alias}{comment}"
        if submodule:  # ``import torch.nn`` binds ``torch``
            return f"{indent}import autograd_core{submodule}; import autograd_core as torch{comment}"
        return f"{indent}import autograd_core as torch{comment}"
    return _FROM.sub(lambda m: f"{m.group(1)}from autograd_core{m.group(2)} import", line)


def ported(source):
    """The program with each torch import pointed at autograd_core, nothing else changed."""
    return "\n".join(ported_line(line) for line in source.split("\n"))


def run(path, prelude=None, timeout=600):
    """(exit status, stdout + stderr, seconds) of a program run in a fresh process."""
    code = f"import runpy, sys; sys.argv = [{str(path)!r}]; runpy.run_path({str(path)!r}, run_name='__main__')"
    if prelude:
        code = prelude + "\n" + code
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True, text=True,
                          timeout=timeout, env=_environment())
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def _environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


NEGLIGIBLE = 1e-5  # numbers this small (a coefficient that should be 0) are compared absolutely


def compare(theirs, ours):
    """(same text apart from numbers, largest relative difference of the numbers, count compared)."""
    numbers_theirs, numbers_ours = _NUMBER.findall(theirs), _NUMBER.findall(ours)
    same_text = _NUMBER.sub("#", theirs) == _NUMBER.sub("#", ours)
    worst = 0.0
    for a, b in zip(numbers_theirs, numbers_ours):
        a, b = float(a), float(b)
        if a != b:
            worst = max(worst, abs(a - b) / max(abs(a), abs(b), NEGLIGIBLE))
    return same_text and len(numbers_theirs) == len(numbers_ours), worst, min(len(numbers_theirs), len(numbers_ours))


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", type=Path, help="folder holding the programs' files as published")
    parser.add_argument("--same-random", action="store_true",
                        help="draw the ported run's random numbers from torch's generator (needs torch)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    torch_prelude, ported_prelude = (_SEEDED, _SAME_RANDOM) if args.same_random else (None, None)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, origin in PROGRAMS.items():
            original = args.programs / name
            if not original.exists():
                print(f"{name}: missing from {args.programs} (source: {origin})")
                continue
            copy = Path(scratch) / name
            copy.write_text(ported(original.read_text()))
            status_t, out_t, secs_t = run(original, torch_prelude, timeout=args.timeout)
            status_o, out_o, secs_o = run(copy, ported_prelude, timeout=args.timeout)
            results.append((name, origin, status_t, out_t, secs_t, status_o, out_o, secs_o))
    for name, origin, status_t, out_t, secs_t, status_o, out_o, secs_o in results:
        print(f"== {name}  ({origin})")
        if status_t:
            print(f"   torch itself fails: {last_line(out_t)}")
            continue
        if status_o:
            print(f"   port FAILS: {last_line(out_o)}")
            continue
        same_text, worst, count = compare(out_t, out_o)
        agreement = "numbers equal" if worst == 0 else f"largest relative difference {worst:.2e}"
        print(f"   port runs; printed text {'matches' if same_text else 'DIFFERS'}; {count} numbers, {agreement}; "
              f"time {secs_o:.2f} s vs torch {secs_t:.2f} s ({secs_o / secs_t:.2f}x)")
        print(f"   torch: {last_line(out_t)}")
        print(f"   ours:  {last_line(out_o)}")
    ran = sum(1 for r in results if r[2] == 0 and r[5] == 0)
    print(f"\n{ran} of {len(results)} programs ran with only their imports changed")
    return 0 if ran == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
