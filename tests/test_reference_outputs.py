"""Parity without torch installed: every case of tests/reference/cases.py against the numbers PyTorch 2.13 gave.

The reference file is regenerated with ``python tests/reference/make_reference.py`` (torch 2.13 installed);
the parity suites that run torch side by side cover the same ground in more depth when it is installed.
"""
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch
import nn
import nn.functional as F
import optim

REFERENCE = Path(__file__).resolve().parent / "reference"
sys.path.insert(0, str(REFERENCE))

from cases import CASES  # noqa: E402

_ARRAYS = np.load(REFERENCE / "torch_2_13.npz")


class Replayer:
    """Loads each module's initial state as PyTorch made it."""

    def weights(self, key, module):
        prefix = f"weights/{key}/"
        module.load_state_dict({name[len(prefix):]: torch.tensor(_ARRAYS[name])
                                for name in _ARRAYS.files if name.startswith(prefix)})
        return module


def _recorded(name):
    prefix = f"results/{name}/"
    return {key[len(prefix):]: _ARRAYS[key] for key in _ARRAYS.files if key.startswith(prefix)}


def test_every_case_has_reference_numbers():
    recorded = {key.split("/", 1)[1].rsplit("/", 1)[0] for key in _ARRAYS.files if key.startswith("results/")}
    assert recorded == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch_2_13(name):
    run, rtol, atol = CASES[name]
    lib = types.SimpleNamespace(torch=torch, nn=nn, F=F, optim=optim)
    ours, theirs = run(lib, Replayer()), _recorded(name)
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        np.testing.assert_allclose(ours[key], expected, rtol=rtol, atol=atol, err_msg=f"{name}: {key}")
