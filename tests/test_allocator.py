"""The glibc allocator policy set on import, and the user's way out of it."""
import os
import platform
import subprocess
import sys

import pytest

from autograd_core import _allocator

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def test_user_settings_and_opt_out_are_respected(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1000")
    assert _allocator.keep_freed_memory() is False
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    monkeypatch.setenv("AUTOGRAD_CORE_MALLOC", "system")
    assert _allocator.keep_freed_memory() is False


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_thresholds_are_set_on_glibc(monkeypatch):
    for name in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "AUTOGRAD_CORE_MALLOC"):
        monkeypatch.delenv(name, raising=False)
    assert _allocator.keep_freed_memory() is True


@pytest.mark.skipif(not GLIBC, reason="page-fault counts from getrusage on Linux")
@pytest.mark.parametrize("policy, expect_faults", [("system", True), ("", False)])
def test_a_step_that_frees_and_reallocates_stops_faulting(policy, expect_faults):
    """Twelve 1 MiB arrays made and freed together, as a training step does: under glibc's own policy each
    round page-faults through fresh memory again (about 3,000 faults); with ours the memory is reused."""
    child = ("import resource, numpy as np, autograd_core\n"
             "def faults(): return resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
             "def step(): arrays = [np.ones(1 << 18, np.float32) for _ in range(12)]\n"
             "for _ in range(3): step()\n"
             "start = faults()\n"
             "for _ in range(20): step()\n"
             "print(faults() - start)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["AUTOGRAD_CORE_MALLOC"] = policy
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True, env=env)
    faults = int(result.stdout)
    assert (faults > 20 * 1000) if expect_faults else (faults < 200), faults
