"""Learning-rate schedules, PyTorch-shaped: build one on an optimizer, call ``step()`` once per
epoch (or per batch for ``OneCycleLR``), read ``get_last_lr()``.

Most schedules are *chainable*, as in PyTorch: each ``step()`` scales the lr the optimizer's
groups hold now (``StepLR`` multiplies it by ``gamma`` at each ``step_size``-th epoch, and so on)
rather than recomputing it from ``initial_lr``. So two schedules stepped together compose
(``ExponentialLR`` and ``MultiStepLR`` give their product), and an lr changed by hand in
``group["lr"]`` is kept and scaled from there. ``LambdaLR``, ``OneCycleLR`` and
``CosineAnnealingWarmRestarts`` are closed forms of ``last_epoch`` and ``initial_lr``;
``ReduceLROnPlateau`` scales the current lr. A chainable schedule reads the lr from the
optimizer, so resuming one needs the optimizer's ``state_dict`` loaded as well as its own.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base: sets each group's ``initial_lr`` (once) and applies ``get_lr()`` at every step.

    Subclasses implement ``get_lr()``: the next lrs from ``self.last_epoch`` and either the
    groups' current lrs (chainable) or ``self.base_lrs`` (closed form). Construction performs the
    first ``step()``, so right after it ``last_epoch == 0``; during that step ``_is_initial`` is
    true and the chainable schedules leave the lr as it is.
    """

    _is_initial = False
    _not_state: frozenset[str] = frozenset({"optimizer", "_is_initial"})

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: {type(optimizer).__name__} is not an Optimizer"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param group {i} has no 'initial_lr' "
                        "(resuming with last_epoch != -1 needs an optimizer that had a scheduler)"
                    )
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = [g["lr"] for g in optimizer.param_groups]
        self._initial_step()

    def _initial_step(self) -> None:
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial  # back to the class's False; never part of the state

    def get_lr(self) -> list[float]:
        """The lr of each group at ``self.last_epoch`` (called by ``step()``)."""
        raise NotImplementedError

    def _get_closed_form_lr(self) -> list[float]:
        """The lrs at ``last_epoch`` from ``base_lrs`` alone (``SequentialLR`` restarts a
        schedule with it); a closed-form schedule's ``get_lr()`` already is one."""
        return self.get_lr()

    def get_last_lr(self) -> list[float]:
        """The lrs set by the latest ``step()``."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch (or batch) and write the new lrs into the optimizer's groups."""
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            lrs = self.get_lr()
        else:  # jump to ``epoch``: only a closed form can
            self.last_epoch = epoch
            lrs = self._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and functions, which are not data)."""
        return {k: v for k, v in self.__dict__.items() if k not in self._not_state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output (lists may come back from a checkpoint as lists)."""
        self.__dict__.update({k: v for k, v in state_dict.items() if k not in self._not_state})


# --- closed forms -------------------------------------------------------------------------------
class _WithLambdas(LRScheduler):
    """A scheduler driven by ``lr_lambda``: one function, or one per group. The functions are
    not saved by ``state_dict`` (rebuild them, then load)."""

    _not_state = LRScheduler._not_state | {"lr_lambdas"}

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = _lambdas(lr_lambda, optimizer, type(self).__name__)
        super().__init__(optimizer, last_epoch)


class LambdaLR(_WithLambdas):
    """``lr = initial_lr * lr_lambda(epoch)``; one function, or one per group. The functions are
    not saved by ``state_dict`` (rebuild them, then load)."""

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter 2017): ``lr = eta_min + (initial_lr - eta_min) * (1 +
    cos(pi * T_cur / T_i)) / 2``, where ``T_cur`` counts epochs since the last restart and the
    period ``T_i`` starts at ``T_0`` and grows ``T_mult``-fold at each restart.

    ``step(epoch)`` may be given a fractional epoch (``epoch + batch / batches``) to step per
    batch, as in PyTorch.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,
        T_mult: int = 1,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be an int >= 1, got {T_0!r}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(
                f"CosineAnnealingWarmRestarts: T_mult must be an int >= 1, got {T_mult!r}"
            )
        self.T_0, self.T_i, self.T_mult = T_0, T_0, T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        c = (1.0 + math.cos(math.pi * self.T_cur / self.T_i)) / 2.0
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (which may be fractional)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # restart
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # restarts so far: T_0 (1 + m + ... + m^(n-1)) <= epoch
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018), stepped once per batch, with PyTorch's options.

    The lr rises from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of the
    steps, then anneals to ``initial_lr / final_div_factor``; with ``three_phase=True`` it first
    returns symmetrically to the initial lr and only then anneals. Momentum (or Adam's beta1)
    cycles inversely between ``max_momentum`` and ``base_momentum`` when ``cycle_momentum``.
    Annealing is ``"cos"`` (default) or ``"linear"``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | Sequence[float] = 0.85,
        max_momentum: float | Sequence[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or both epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0:
            raise ValueError(f"OneCycleLR: total_steps must be positive, got {total_steps}")
        if not 0.0 <= pct_start <= 1.0:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.total_steps = int(total_steps)
        self.anneal_strategy = anneal_strategy
        self.cycle_momentum = cycle_momentum
        n = len(optimizer.param_groups)
        max_lrs = _per_group(max_lr, n, "max_lr")
        if three_phase:
            self._phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr", "max_m", "base_m"),
                (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr", "base_m", "max_m"),
                (total_steps - 1.0, "initial_lr", "min_lr", "max_m", "max_m"),
            ]
        else:
            self._phases = [
                (float(pct_start * total_steps) - 1, "initial_lr", "max_lr", "max_m", "base_m"),
                (total_steps - 1.0, "max_lr", "min_lr", "base_m", "max_m"),
            ]
        if last_epoch == -1:
            for group, mlr in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = mlr / div_factor
                group["max_lr"] = mlr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self._use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and not self._use_beta1:
                raise ValueError(
                    "OneCycleLR: the optimizer has no momentum or betas to cycle "
                    "(pass cycle_momentum=False)"
                )
            if last_epoch == -1:
                bases = _per_group(base_momentum, n, "base_momentum")
                maxes = _per_group(max_momentum, n, "max_momentum")
                for group, bm, mm in zip(optimizer.param_groups, bases, maxes):
                    group["base_momentum"], group["max_momentum"] = bm, mm
                    self._set_momentum(group, mm)
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self._use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {step} times, more than total_steps={self.total_steps}"
            )
        lrs = []
        names = {"max_m": "max_momentum", "base_m": "base_momentum"}
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self._phases):
                if step <= end_step or i == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        m = self._anneal(group[names[m0]], group[names[m1]], pct)
                        self._set_momentum(group, m)
                    break
                start_step = end_step
        return lrs


# --- chainable: each step scales the current lr ------------------------------------------------
class MultiplicativeLR(_WithLambdas):
    """``lr <- lr * lr_lambda(epoch)`` at every step after the first; one function, or one per
    group. The functions are not saved by ``state_dict`` (rebuild them, then load)."""

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * f(self.last_epoch) for f, lr in zip(self.lr_lambdas, self._current_lrs())]


class StepLR(LRScheduler):
    """``lr <- lr * gamma`` every ``step_size`` epochs: ``initial_lr * gamma ** (epoch //
    step_size)`` when alone."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """``lr <- lr * gamma`` at each milestone epoch (``gamma ** k`` where a milestone is listed
    k times): ``initial_lr * gamma ** (number of milestones <= epoch)`` when alone."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        k = self.milestones.count(self.last_epoch)
        if k == 0:
            return self._current_lrs()
        return [lr * self.gamma**k for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        k = bisect_right(self.milestones, self.last_epoch)
        return [base * self.gamma**k for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """``lr <- lr * factor`` at epoch 0 and ``lr <- lr / factor`` at ``total_iters``: a constant
    warm-up at ``factor * initial_lr`` when alone."""

    def __init__(
        self,
        optimizer: Optimizer,
        factor: float = 1.0 / 3,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        # PyTorch allows 0, which divides by zero at total_iters
        if not 0.0 < factor <= 1.0:
            raise ValueError(f"ConstantLR: factor must be in (0, 1], got {factor}")
        self.factor = factor
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        f = self.factor + (self.last_epoch >= self.total_iters) * (1.0 - self.factor)
        return [base * f for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay): the lr factor goes from ``start_factor`` at epoch 0 to
    ``end_factor`` at ``total_iters`` and stays there; each step multiplies the current lr by the
    ratio of consecutive factors."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        if not 0.0 < start_factor <= 1.0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0.0 <= end_factor <= 1.0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        # f(e) / f(e - 1) with f(e) = start + (end - start) * e / total, written as PyTorch does
        d = self.end_factor - self.start_factor
        ratio = 1.0 + d / (self.total_iters * self.start_factor + (self.last_epoch - 1) * d)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        d = self.end_factor - self.start_factor
        f = self.start_factor + d * min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * f for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """``lr <- lr * gamma`` every epoch: ``initial_lr * gamma ** epoch`` when alone."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """``lr = initial_lr * (1 - min(epoch, total_iters) / total_iters) ** power`` when alone; each
    step multiplies the current lr by the ratio of consecutive values."""

    def __init__(
        self,
        optimizer: Optimizer,
        total_iters: int = 5,
        power: float = 1.0,
        last_epoch: int = -1,
    ) -> None:
        if total_iters < 1:
            raise ValueError(f"PolynomialLR: total_iters must be >= 1, got {total_iters}")
        self.total_iters = int(total_iters)
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        e, n = self.last_epoch, self.total_iters
        ratio = ((1.0 - e / n) / (1.0 - (e - 1) / n)) ** self.power
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        f = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * f for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing (Loshchilov & Hutter 2017, without restarts), PyTorch's recursive form:
    ``lr <- eta_min + (lr - eta_min) * (1 + cos(pi * e / T_max)) / (1 + cos(pi * (e - 1) /
    T_max))``. Alone it is ``eta_min + (initial_lr - eta_min) * (1 + cos(pi * e / T_max)) / 2``;
    past ``T_max`` the cosine continues (back up to ``initial_lr`` at ``2 * T_max``)."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max = int(T_max)
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        e, T, lo = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:  # leaving the trough, where the ratio would be 0 / 0
            rise = (1.0 - math.cos(math.pi / T)) / 2.0
            return [lr + (base - lo) * rise for lr, base in zip(self._current_lrs(), self.base_lrs)]
        ratio = (1.0 + math.cos(math.pi * e / T)) / (1.0 + math.cos(math.pi * (e - 1) / T))
        return [ratio * (lr - lo) + lo for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        c = (1.0 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2.0
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


# --- combinations -------------------------------------------------------------------------------
class ChainedScheduler(LRScheduler):
    """Step several chainable schedules of one optimizer together: ``step()`` steps each in
    order, so their factors multiply."""

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        self.optimizer = _same_optimizer("ChainedScheduler", schedulers, optimizer)
        self._schedulers = list(schedulers)
        self._last_lr = self._current_lrs()

    def step(self) -> None:
        for s in self._schedulers:
            s.step()
        self._last_lr = self._current_lrs()

    def state_dict(self) -> dict[str, Any]:
        """Its own state and each wrapped schedule's ``state_dict()``, in order."""
        return _with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _load_with_children(self, state_dict)


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another: the i-th takes over at epoch ``milestones[i - 1]``,
    starting its own schedule from epoch 0 (from the groups' ``initial_lr``).

    >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> decay = CosineAnnealingLR(opt, T_max=95)
    >>> sched = SequentialLR(opt, [warmup, decay], milestones=[5])
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
        last_epoch: int = -1,
    ) -> None:
        _same_optimizer("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones for {len(schedulers)} "
                f"schedulers, got {len(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        # undo the first step each schedule took when it was built; only the first one starts
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _undo_initial_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            s._update_lr(0)  # hand over: the next schedule starts at its epoch 0
        else:
            s.step()
        self._last_lr = s.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own state and each wrapped schedule's ``state_dict()``, in order."""
        return _with_children(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _load_with_children(self, state_dict)


class ReduceLROnPlateau:
    """Cut the lr by ``factor`` once a metric has not improved for ``patience`` epochs.

    ``step(metric)`` after each validation. ``mode`` "min" or "max"; improvement means beating
    the best so far by ``threshold`` (relative, ``threshold_mode="rel"``, or absolute "abs");
    after a cut, ``cooldown`` epochs pass before bad epochs count again; lrs never go below
    ``min_lr``, and a cut smaller than ``eps`` is skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.min_lrs = _per_group(min_lr, len(optimizer.param_groups), "min_lr")
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return a < best * (1.0 - self.threshold)
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (1.0 + self.threshold)
        return a > best + self.threshold

    def step(self, metrics: float) -> None:
        """Record one epoch's metric and cut the lr if it has plateaued."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown are ignored
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "optimizer"})


def _per_group(value: float | Sequence[float], n: int, name: str) -> list[float]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"expected {n} values of {name} (one per group), got {len(value)}")
        return [float(v) for v in value]
    return [float(value)] * n  # type: ignore[arg-type]


def _lambdas(
    lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
    optimizer: Optimizer,
    name: str,
) -> list[Callable[[int], float]]:
    n = len(optimizer.param_groups)
    if callable(lr_lambda):
        return [lr_lambda] * n
    fns = list(lr_lambda)
    if len(fns) != n:
        raise ValueError(f"{name}: expected {n} lr_lambdas, got {len(fns)}")
    return fns


def _same_optimizer(
    name: str, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None
) -> Optimizer:
    """The optimizer all ``schedulers`` share (``optimizer``, or the first one's)."""
    if len(schedulers) < 1:
        raise ValueError(f"{name}: expected at least one scheduler, got none")
    optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(
                f"{name}: scheduler {i} is a ReduceLROnPlateau, whose step() needs a metric"
            )
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{name}: scheduler {i} is a {type(s).__name__}, not an LRScheduler")
        if s.optimizer is not optimizer:
            raise ValueError(
                f"{name}: scheduler {i} ({type(s).__name__}) steps a different optimizer"
            )
    return optimizer


def _undo_initial_steps(sched: LRScheduler) -> None:
    for s in getattr(sched, "_schedulers", ()):
        if hasattr(s, "_schedulers"):
            _undo_initial_steps(s)
        else:
            s.last_epoch -= 1


def _with_children(sched: LRScheduler) -> dict[str, Any]:
    state = {k: v for k, v in sched.__dict__.items() if k not in ("optimizer", "_schedulers")}
    state["_schedulers"] = [s.state_dict() for s in sched._schedulers]  # type: ignore[attr-defined]
    return state


def _load_with_children(sched: LRScheduler, state_dict: dict[str, Any]) -> None:
    children = state_dict["_schedulers"]
    mine = sched._schedulers  # type: ignore[attr-defined]
    if len(children) != len(mine):
        raise ValueError(
            f"{type(sched).__name__}.load_state_dict: the saved state has {len(children)} "
            f"schedulers, this one has {len(mine)}"
        )
    sched.__dict__.update(
        {k: v for k, v in state_dict.items() if k not in ("optimizer", "_schedulers")}
    )
    for s, sd in zip(mine, children):
        s.load_state_dict(sd)


__all__ = [
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
