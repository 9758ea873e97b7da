"""Start N processes of a script under MPI, as torchrun starts them: ``python -m autograd_core.distributed.run``.

    python -m autograd_core.distributed.run --nproc-per-node 2 train.py --epochs 3
    python -m autograd_core.distributed.run --nproc-per-node 2 -m examples.train --distributed
    python -m autograd_core.distributed.run --nnodes 2 --nproc-per-node 2 --hostfile hosts train.py

It runs ``mpiexec`` of the installed MPI (the mpich wheel's, else the one on
PATH) with ``-n nnodes * nproc_per_node``; ``--hostfile`` lists the machines, as
MPI's hostfiles do. Each process gets RANK, WORLD_SIZE, LOCAL_RANK from MPI
when it calls ``init_process_group``. The exit status is the job's.
"""
import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def find_mpiexec():
    """The mpiexec beside this Python (the mpich wheel installs it there), else the first on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise SystemExit('autograd_core.distributed.run: no mpiexec found; pip install -e ".[distributed]" '
                         "(mpi4py and the mpich wheel) or install an MPI (Open MPI, MPICH)")
    return found


def command(args):
    """The mpiexec command line for the parsed ``args``."""
    line = [find_mpiexec(), "-n", str(args.nnodes * args.nproc_per_node)]
    if args.hostfile:
        line += ["-f", str(args.hostfile)]
    line.append(sys.executable)
    line += ["-m", args.module] if args.module else [args.script]
    return line + args.script_args


def parse_args(argv=None):
    """The launcher's options; what follows the script (or ``-m module``) is the script's own."""
    argv = list(sys.argv[1:] if argv is None else argv)
    module, script_args = None, []
    if "-m" in argv:
        at = argv.index("-m")
        if at + 1 == len(argv):
            raise SystemExit("autograd_core.distributed.run: -m needs a module name")
        argv, module, script_args = argv[:at], argv[at + 1], argv[at + 2:]
    parser = argparse.ArgumentParser(prog="python -m autograd_core.distributed.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1)
    parser.add_argument("--nnodes", type=int, default=1)
    parser.add_argument("--hostfile", type=Path, help="machines to run on, one per line (MPI's hostfile)")
    if module is None:
        parser.add_argument("script", help="the script to run (or -m module)")
        parser.add_argument("script_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if module is not None:
        args.script, args.script_args = None, script_args
    args.module = module
    if args.nproc_per_node < 1 or args.nnodes < 1:
        parser.error("--nproc-per-node and --nnodes must be at least 1")
    return args


def main(argv=None):
    done = subprocess.run(command(parse_args(argv)), env=dict(os.environ))
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
