"""Regenerate torch_2_13.npz: run every case in cases.py with PyTorch and record its weights and results.

    python tests/reference/make_reference.py        (needs torch==2.13.0)
"""
import sys
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402

from cases import CASES  # noqa: E402

OUTPUT = HERE / "torch_2_13.npz"


class Recorder:
    """Keeps each module's initial state as PyTorch made it."""

    def __init__(self):
        self.arrays = {}

    def weights(self, key, module):
        for name, value in module.state_dict().items():
            self.arrays[f"weights/{key}/{name}"] = value.detach().numpy().copy()
        return module


def torch_namespace():
    return types.SimpleNamespace(torch=torch, nn=torch.nn, F=torch.nn.functional, optim=torch.optim)


def main():
    if torch.__version__.split("+")[0] != "2.13.0":
        raise SystemExit(f"the reference numbers come from torch 2.13.0, found {torch.__version__}")
    torch.manual_seed(0)
    store, lib = Recorder(), torch_namespace()
    for name, (run, _, _) in CASES.items():
        for key, value in run(lib, store).items():
            store.arrays[f"results/{name}/{key}"] = np.asarray(value)
    np.savez_compressed(OUTPUT, **store.arrays)
    print(f"wrote {len(CASES)} cases ({len(store.arrays)} arrays) to {OUTPUT}")


if __name__ == "__main__":
    main()
