"""Weight averaging: stochastic weight averaging (Izmailov et al.) and exponential moving averages.

``AveragedModel`` keeps a copy of a model whose parameters (and buffers, with
``use_buffers=True``) are the running average of the model's; ``SWALR`` anneals
the learning rate to a constant SWA rate; ``update_bn`` recomputes the batch-norm
statistics of the averaged weights with one pass over the data.
"""
import copy
import itertools
import math

import numpy as np

import autograd_core
from autograd_core.arrays import array_module, kernels
from autograd_core.autograd.graph import increment_version
from nn.modules.module import Module
from nn.modules.normalization import _BatchNorm

from .lr_scheduler import LRScheduler, _per_group
from .optimizer import lerp_weight

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


def _lerp_(averaged, current, weight):
    """``averaged.lerp_(current, weight)`` in place, rounded as PyTorch's CPU kernel rounds it."""
    array = averaged.array
    work = array if array.flags.c_contiguous else array_module(array).ascontiguousarray(array)
    end = current.array.astype(array.dtype, order="C", copy=False)
    kernels("optim", work).lerp_(work.reshape(-1), end.reshape(-1), weight=lerp_weight(weight, array.dtype))
    if work is not array:
        array[...] = work
    increment_version(averaged)


def get_ema_multi_avg_fn(decay=0.999):
    """An ``AveragedModel`` ``multi_avg_fn``: each average moves ``1 - decay`` of the way to the model's value."""
    _check_decay(decay)

    def ema_update(ema_param_list, current_param_list, _):
        with autograd_core.no_grad():
            if ema_param_list[0].is_floating_point():
                for ema, current in zip(ema_param_list, current_param_list):
                    _lerp_(ema, current, 1 - decay)
            else:
                for ema, current in zip(ema_param_list, current_param_list):
                    ema.copy_(ema * decay + current * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """An ``AveragedModel`` ``multi_avg_fn``: the equal-weight running mean of every value seen."""
    def swa_update(averaged_param_list, current_param_list, num_averaged):
        with autograd_core.no_grad():
            if averaged_param_list[0].is_floating_point():
                weight = np.float32(1) / np.float32(int(num_averaged) + 1)
                for averaged, current in zip(averaged_param_list, current_param_list):
                    _lerp_(averaged, current, float(weight))
            else:  # PyTorch's foreach addcdiv refuses integer tensors
                raise RuntimeError(f"Integer division with addcdiv is no longer supported: get_swa_multi_avg_fn "
                                   f"cannot average {averaged_param_list[0].dtype} tensors (an integer buffer "
                                   "with use_buffers=True); use the default average or an avg_fn")
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """An ``AveragedModel`` ``avg_fn``: ``decay * average + (1 - decay) * value``."""
    _check_decay(decay)

    def ema_update(ema_param, current_param, num_averaged):
        with autograd_core.no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """An ``AveragedModel`` ``avg_fn``: ``average + (value - average) / (num_averaged + 1)``."""
    def swa_update(averaged_param, current_param, num_averaged):
        with autograd_core.no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _check_decay(decay):
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


class AveragedModel(Module):
    """A deep copy of ``model`` whose weights ``update_parameters(model)`` averages with the model's.

    The average is SWA's equal-weight mean unless ``avg_fn(averaged, current, n_averaged)`` (returning the
    new value) or ``multi_avg_fn(averaged_list, current_list, n_averaged)`` (updating in place) says otherwise;
    ``use_buffers=True`` averages the buffers too (else they are copied from the model).
    """

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", autograd_core.tensor(0, dtype=autograd_core.long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged_tensors(self, model):
        if self.use_buffers:
            return (itertools.chain(self.module.parameters(), self.module.buffers()),
                    itertools.chain(model.parameters(), model.buffers()))
        return self.parameters(), model.parameters()

    def update_parameters(self, model):
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        averaged_tensors, model_tensors = self._averaged_tensors(model)
        averaged, current = [], []
        first = int(self.n_averaged) == 0
        with autograd_core.no_grad():
            for p_averaged, p_model in zip(averaged_tensors, model_tensors):
                p_model = p_model.detach().to(p_averaged.device)
                averaged.append(p_averaged.detach())
                current.append(p_model)
                if first:
                    p_averaged.detach().copy_(p_model)
            if not first:
                self._average(averaged, current)
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.detach().copy_(b_model.detach().to(b_swa.device))
            self.n_averaged += 1

    def _average(self, averaged, current):
        if self.avg_fn is not None:
            for p_averaged, p_model in zip(averaged, current):
                p_averaged.copy_(self.avg_fn(p_averaged, p_model, self.n_averaged))
            return
        for dtype in dict.fromkeys(p.dtype for p in averaged):  # PyTorch groups the tensors by dtype
            pairs = [(a, c) for a, c in zip(averaged, current) if a.dtype == dtype]
            group, group_current = [a for a, _ in pairs], [c for _, c in pairs]
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(group, group_current, self.n_averaged)
            else:  # CPU: one tensor at a time, as PyTorch's get_swa_avg_fn
                swa = get_swa_avg_fn()
                for p_averaged, p_model in pairs:
                    p_averaged.copy_(swa(p_averaged, p_model, self.n_averaged))


def update_bn(loader, model, device=None):
    """Recompute every batch norm's running statistics of ``model`` as the plain average over one pass
    of ``loader`` (batches, or ``(input, ...)`` tuples whose first entry is the input)."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        if device is not None:
            batch = batch.to(device)
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs ("cos" or "linear"),
    then hold it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        for lr, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _set_anneal_func(self, anneal_strategy):
        self._anneal_strategy = anneal_strategy
        self.anneal_func = _cosine_anneal if anneal_strategy == "cos" else _linear_anneal

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        prev_lrs = [_initial_lr(group["lr"], group["swa_lr"], prev_alpha) for group in self.optimizer.param_groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + lr * (1 - alpha) for group, lr in zip(self.optimizer.param_groups, prev_lrs)]

    def state_dict(self):
        return {key: value for key, value in self.__dict__.items() if key not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


def _linear_anneal(t):
    return t


def _cosine_anneal(t):
    return (1 - math.cos(math.pi * t)) / 2


def _initial_lr(lr, swa_lr, alpha):
    """The learning rate the annealing started from, given the current one at ``alpha``."""
    if alpha == 1:
        return swa_lr
    return (lr - alpha * swa_lr) / (1 - alpha)
