"""Run public PyTorch programs twice, with torch and with only their imports changed to autograd_core.

    python -m benchmarks.ported_programs DIR [--same-random] [--timeout S] [--only NAME ...]

DIR holds the programs' files as published (their sources are listed in
``PROGRAMS``; fetch them from those repositories). Each one runs in its own
process, in a scratch copy of its file (or folder: ``STEPS`` lists the commands
of a program made of several files, run in order in one folder), with torch,
then again with every ``import torch...`` / ``from torch...`` line pointed at
``autograd_core``; the script prints, per program, whether the port ran, whether
its printed text matches torch's once numbers (and object addresses) are set
aside, the largest relative difference between the numbers both printed, and
the time ratio. A program that fails with torch itself is reported and not ported.

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
    "autogradqs_tutorial.py": "pytorch/tutorials beginner_source/basics/autogradqs_tutorial.py @ 1532c0d",
    "word_embeddings_tutorial.py": "pytorch/tutorials beginner_source/nlp/word_embeddings_tutorial.py @ 016d0cc",
    "sequence_models_tutorial.py": "pytorch/tutorials beginner_source/nlp/sequence_models_tutorial.py @ f77e1c2",
    "neural_networks_tutorial.py": "pytorch/tutorials beginner_source/blitz/neural_networks_tutorial.py @ 06dc977",
    "what_is_state_dict.py": "pytorch/tutorials recipes_source/recipes/what_is_state_dict.py @ 0a7e686",
    "defining_a_neural_network.py": "pytorch/tutorials recipes_source/recipes/defining_a_neural_network.py @ 0a7e686",
    "time_sequence_prediction": "pytorch/examples time_sequence_prediction/ (generate_sine_wave.py @ 2b456e8, "
                                "train.py @ 04b1f3c)",
}

# A folder program runs these commands in order, in one scratch copy of its folder; a file runs alone, no arguments.
STEPS = {
    "time_sequence_prediction": (("generate_sine_wave.py",), ("train.py", "--device", "cpu", "--steps", "1")),
}

_IMPORT = re.compile(r"^(\s*)import torch((?:\.\w+)*)(\s+as\s+\w+)?(\s*(?:#.*)?)$")
_FROM = re.compile(r"^(\s*)from torch((?:\.\w+)*)\s+import\b")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")  # ``<AddBackward0 object at 0x7f...>`` differs in any two runs
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

_own_manual_seed = autograd_core.manual_seed

def _manual_seed(seed):  # the program's own torch.manual_seed(s) reseeds torch's generator too
    _reference.manual_seed(seed)
    return _own_manual_seed(seed)

autograd_core.manual_seed = _manual_seed
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


def run(path, prelude=None, timeout=600, arguments=()):
    """(exit status, stdout + stderr, seconds) of a program run in a fresh process."""
    argv = [str(path), *arguments]
    code = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_path({str(path)!r}, run_name='__main__')"
    if prelude:
        code = prelude + "\n" + code
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=path.parent, capture_output=True, text=True,
                          timeout=timeout, env=_environment())
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


def commands(name):
    """The (file, *arguments) commands that run a program, in order."""
    return STEPS.get(name, ((name,),))


def scratch_copy(original, folder, port):
    """Copy a program (one file, or a folder's Python files) into folder, its imports ported when ``port``."""
    root = original if original.is_dir() else original.parent
    for file in sorted(original.rglob("*.py")) if original.is_dir() else [original]:
        target = folder / file.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = file.read_text()
        target.write_text(ported(text) if port else text)
    return folder


def run_all(folder, name, prelude, timeout):
    """(exit status, output, seconds) of a program's commands run in order in folder, stopping at a failure."""
    status, output, seconds = 0, "", 0.0
    for file, *arguments in commands(name):
        status, out, secs = run(folder / file, prelude, timeout, arguments)
        output, seconds = output + out, seconds + secs
        if status:
            break
    return status, output, seconds


def _environment():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONHASHSEED"] = "0"  # programs that enumerate a set of words build the same vocabulary in both runs
    return env


NEGLIGIBLE = 1e-5  # numbers this small (a coefficient that should be 0) are compared absolutely


def compare(theirs, ours):
    """(same text apart from numbers, largest relative difference of the numbers, count compared)."""
    theirs, ours = _ADDRESS.sub("0x", theirs), _ADDRESS.sub("0x", ours)
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
    parser.add_argument("--only", action="append", metavar="NAME", help="run this program only (repeatable)")
    args = parser.parse_args(argv)
    torch_prelude, ported_prelude = (_SEEDED, _SAME_RANDOM) if args.same_random else (None, None)
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, origin in PROGRAMS.items():
            if args.only and name not in args.only:
                continue
            original = args.programs / name
            if not original.exists():
                print(f"{name}: missing from {args.programs} (source: {origin})")
                continue
            theirs = scratch_copy(original, Path(scratch) / "torch" / name, port=False)
            ours = scratch_copy(original, Path(scratch) / "ours" / name, port=True)
            status_t, out_t, secs_t = run_all(theirs, name, torch_prelude, args.timeout)
            status_o, out_o, secs_o = (None, "", 0.0) if status_t else run_all(ours, name, ported_prelude,
                                                                                args.timeout)
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
    runnable = [r for r in results if r[2] == 0]  # a program torch itself cannot run is no test of the port
    ran = sum(1 for r in runnable if r[5] == 0)
    skipped = len(results) - len(runnable)
    print(f"\n{ran} of {len(runnable)} programs ran with only their imports changed"
          + (f" ({skipped} more fail with torch itself)" if skipped else ""))
    return 0 if ran == len(runnable) else 1


if __name__ == "__main__":
    sys.exit(main())
