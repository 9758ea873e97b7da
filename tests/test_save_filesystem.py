"""save() to a path as a file system sees it: symlinks, temporary files of killed saves, file modes."""
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import autograd_core as torch

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinks, modes and kill -9 as POSIX has them")


def _values(path):
    return torch.load(path)["w"].numpy(force=True)


def test_save_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "model.pt"
    link = tmp_path / "latest.pt"
    torch.save({"w": torch.zeros(3)}, target)
    link.symlink_to(os.path.join("runs", "model.pt"))
    torch.save({"w": torch.ones(3)}, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "model.pt")
    np.testing.assert_array_equal(_values(target), np.ones(3))
    np.testing.assert_array_equal(_values(link), np.ones(3))
    assert sorted(os.listdir(tmp_path)) == ["latest.pt", "runs"] and os.listdir(tmp_path / "runs") == ["model.pt"]


def test_save_through_a_chain_of_links_and_a_dangling_one(tmp_path):
    first, second, target = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "c.pt"
    second.symlink_to(target)  # dangling: open() would create the target, so does save
    first.symlink_to(second)
    torch.save({"w": torch.full((2,), 7.0)}, first)
    assert first.is_symlink() and second.is_symlink() and target.is_file() and not target.is_symlink()
    np.testing.assert_array_equal(_values(target), [7.0, 7.0])


def test_a_new_file_gets_the_umask_mode_as_open_gives_it(tmp_path):
    previous = os.umask(0o027)
    try:
        with open(tmp_path / "opened.bin", "wb"):
            pass
        torch.save({"w": torch.zeros(1)}, tmp_path / "saved.pt")
    finally:
        os.umask(previous)
    saved, opened = (stat.S_IMODE(os.stat(tmp_path / name).st_mode) for name in ("saved.pt", "opened.bin"))
    assert saved == opened == 0o640


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o664, 0o600], ids=oct)
def test_saving_over_a_file_keeps_its_mode(tmp_path, mode):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(1)}, path)
    os.chmod(path, mode)
    torch.save({"w": torch.ones(1)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    np.testing.assert_array_equal(_values(path), [1.0])


def test_saving_through_a_link_keeps_the_targets_mode(tmp_path):
    target, link = tmp_path / "model.pt", tmp_path / "link.pt"
    torch.save({"w": torch.zeros(1)}, target)
    os.chmod(target, 0o604)
    link.symlink_to(target)
    torch.save({"w": torch.ones(1)}, link)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604 and link.is_symlink()


def test_a_read_only_file_is_refused_as_open_refuses_it(tmp_path):
    path = tmp_path / "frozen.pt"
    torch.save({"w": torch.zeros(1)}, path)
    os.chmod(path, 0o444)
    try:
        with open(path, "ab"):  # 'a' does not truncate: the file stays as it is
            pass
    except PermissionError:
        with pytest.raises(PermissionError):
            torch.save({"w": torch.ones(1)}, path)
        np.testing.assert_array_equal(_values(path), [0.0])
    else:  # root may write anyway, and so may save
        torch.save({"w": torch.ones(1)}, path)
        np.testing.assert_array_equal(_values(path), [1.0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444 and os.listdir(tmp_path) == ["frozen.pt"]


# A save that stops once its temporary file is fully written (before fsync and the rename), to be killed there.
_STALLED_SAVE = """
import os, sys, time
import autograd_core as torch


def stall(fd):
    print("written", flush=True)
    time.sleep(600)


os.fsync = stall
torch.save({"w": torch.zeros(8 * 2 ** 20)}, sys.argv[1])  # 32 MiB
"""


def _stalled_save(path):
    child = subprocess.Popen([sys.executable, "-c", _STALLED_SAVE, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if line != "written\n":
        child.kill()
        raise AssertionError(f"the child did not reach its save's fsync: {line!r} {child.stderr.read()[-2000:]}")
    return child


def _temporary_files(directory):
    return [name for name in os.listdir(directory) if name != "model.pt"]


@pytest.mark.parametrize("then", ["save", "load"])
def test_temporary_files_of_killed_saves_are_removed_by_the_next_save_or_load(tmp_path, then):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.arange(3.0)}, path)
    child = _stalled_save(path)
    try:
        (stale,) = _temporary_files(tmp_path)
        assert stale.startswith(".model.pt.") and os.path.getsize(tmp_path / stale) > 32 * 2 ** 20
        torch.save({"w": torch.arange(4.0)}, path)  # the child is alive: its temporary file stays
        assert _temporary_files(tmp_path) == [stale]
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL and _temporary_files(tmp_path) == [stale]
    if then == "save":
        torch.save({"w": torch.arange(5.0)}, path)
    else:
        np.testing.assert_array_equal(_values(path), np.arange(4.0))
    assert os.listdir(tmp_path) == ["model.pt"]
