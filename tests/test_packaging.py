"""Package boundaries as users meet them: torch's module names, what pip installs."""
import importlib
import sys
import tomllib
from pathlib import Path

import autograd_core
import nn
import optim

ROOT = Path(__file__).resolve().parent.parent


def test_autograd_core_nn_and_optim_are_the_top_level_packages():
    import autograd_core.nn.functional as F
    import autograd_core.optim.lr_scheduler as lr_scheduler
    from autograd_core.nn import Linear
    assert F is nn.functional and lr_scheduler is optim.lr_scheduler and Linear is nn.Linear
    assert autograd_core.nn is nn and autograd_core.optim is optim
    assert sys.modules["autograd_core.nn.functional"] is nn.functional
    assert nn.__spec__.name == "nn" and nn.functional.__spec__.name == "nn.functional"


def test_modules_under_both_names_are_one_module():
    first = importlib.import_module("autograd_core.nn.modules.linear")
    assert first is importlib.import_module("nn.modules.linear")
    assert first.Linear is autograd_core.nn.Linear


def test_only_the_library_packages_are_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert included == ["autograd_core*", "nn*", "optim*", "viz*"]
    assert "scripts" not in config["project"]
