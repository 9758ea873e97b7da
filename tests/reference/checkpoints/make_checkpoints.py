"""Write the tiny PyTorch checkpoints tests/test_formats.py loads without torch.

    python tests/reference/checkpoints/make_checkpoints.py        (needs torch==2.13.0 and safetensors)

Run with torch 2.13 installed; the values are formulas test_formats.py recomputes.
"""
from pathlib import Path

import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent


def state_dict():
    """Every layout the loader must follow: strides, a storage offset, 0-d, bool, half, int64, float64."""
    return {
        "linear.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 8,
        "linear.bias": torch.tensor([0.5, -0.25]),
        "transposed": torch.arange(6, dtype=torch.float64).reshape(2, 3).t(),
        "slice": torch.arange(10, dtype=torch.float32)[2:5],
        "count": torch.tensor(7),
        "mask": torch.tensor([True, False, True]),
        "half": torch.tensor([1.5, -2.0], dtype=torch.float16),
    }


def main():
    torch.save(state_dict(), HERE / "torch_state_dict.pt")
    torch.save([torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.zeros(1), requires_grad=False)],
               HERE / "torch_parameters.pt")
    torch.save({"w": torch.ones(2)}, HERE / "torch_legacy.pt", _use_new_zipfile_serialization=False)
    save_file({k: v.contiguous() for k, v in state_dict().items()}, HERE / "state_dict.safetensors")


if __name__ == "__main__":
    main()
