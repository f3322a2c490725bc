"""A time step below the stability bound by construction, tau = sigmoid(theta) 2 / (L B(K)) (chapters 07, 09).

The symmetric block h -> h - tau P^T K^T Phi(K P h) never increases ||h||_2 when 0 <= Phi(s)/s <= L and
tau <= 2 / (L ||K P||_2^2). A trained block keeps that promise for every value of its parameters if tau is not a
free number but

    tau = sigmoid(theta) * 2 / (L B(K)),   B(K) >= ||K P||_2^2,

recomputed from the current weight K in every forward pass: theta (``step_logit``) is trained, sigmoid(theta)
lies in (0, 1), and B(K) is any cheap, differentiable upper bound of ||K P||^2. :class:`StableStep` holds this
rule once for the 1D block (:class:`pdelib.nets.denoisers.StableDiffusionBlock`, B from the Fourier symbol) and
the 2D block (:class:`pdelib.nets.image_denoisers.StableDiffusionBlock2D`, B from the Gram matrix's rows).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._checks import check_positive


def check_stable_arguments(activation: object, step_fraction: object) -> float:
    """Check the activation (a torch module with a ``sector_bound`` L) and return sigmoid(theta_0) in (0, 1)."""
    if not isinstance(activation, nn.Module) or not hasattr(activation, "sector_bound"):
        raise TypeError(
            "activation must be a torch module with a sector_bound L (0 <= Phi(s)/s <= L), "
            f"such as SectorActivation(), got {activation!r}"
        )
    step_fraction = check_positive(step_fraction, "step_fraction")
    if step_fraction >= 1.0:
        raise ValueError(f"step_fraction must lie in (0, 1) (a fraction of the stable step), got {step_fraction}")
    return step_fraction


class StableStep:
    """Mixin for a diffusion block (1D or 2D) whose tau is set by its weights: tau = sigmoid(theta) 2 / (L B(K)).

    The block class lists it first, ``class Block(StableStep, DiffusionBlock)``, calls the diffusion block's
    ``__init__`` (with any tau) and then :meth:`_init_step`, and implements :meth:`operator_norm_bound` B(K).
    ``forward(h, residual_scale=s)`` is h - s tau P^T K^T Phi(K P h): stable for s <= 1 by construction, and for
    s <= :meth:`exact_tau_bound` / tau by the theorem.
    """

    def _init_step(self, activation: nn.Module, step_fraction: float, dtype: torch.dtype) -> None:
        """Replace the fixed tau buffer by the trained logit theta, sigmoid(theta) = ``step_fraction``."""
        del self.tau  # the fixed buffer of the diffusion block; here tau is the property below
        self.sector_bound = check_positive(activation.sector_bound, "activation.sector_bound")
        self.step_logit = nn.Parameter(torch.tensor(math.log(step_fraction / (1.0 - step_fraction)), dtype=dtype))
        self._inference_tau: tuple[tuple, torch.Tensor] | None = None

    @property
    def tau(self) -> torch.Tensor:
        """tau = sigmoid(theta) 2 / (L B(K)), a 0-d tensor that depends on the parameters (differentiable)."""
        return torch.sigmoid(self.step_logit) * 2.0 / (self.sector_bound * self.operator_norm_bound())

    def operator_norm_bound(self) -> torch.Tensor:
        """B(K) >= ||K P||_2^2, differentiable in K (a 0-d tensor): defined by each block."""
        raise NotImplementedError

    def exact_tau_bound(self) -> float:
        """The exact stable step 2 / (L ||K P||_2^2) (Lanczos on the block's own convolutions): tau never exceeds it."""
        return self.stability_bound(self.sector_bound)

    def use_stability_bound(self, sector_bound: float) -> float:
        """Not available: tau is set by construction from the weights (train ``step_logit`` instead)."""
        raise TypeError(f"a {type(self).__name__} computes tau from its weights; it cannot be set")

    def _step(self) -> torch.Tensor:
        """tau; without autograd (inference) it is computed once per parameter state and reused."""
        if torch.is_grad_enabled():
            return self.tau
        weight, logit = self.conv.weight, self.step_logit
        state = (weight._version, weight.data_ptr(), logit._version, logit.data_ptr())
        if self._inference_tau is None or self._inference_tau[0] != state:
            self._inference_tau = (state, self.tau)
        return self._inference_tau[1]

    def forward(self, h: torch.Tensor, residual_scale: float = 1.0) -> torch.Tensor:
        """h - s tau P^T K^T Phi(K P h) with s = ``residual_scale`` (1: the trained block, stable for s <= 1)."""
        return h - residual_scale * self._step() * self.divergence(self.activation(self.derivative(h)))
