"""The fixed-point solver of an implicit step as a recurrent network (chapter 05); its scheme: :mod:`pdelib.schemes.implicit`.

The fully implicit step u^{k+1} = u^k - tau D^T Phi(D u^{k+1}) is solved by

    v^{l+1} = u^k - tau K^T Phi(K v^l),   v^0 = u^k,   l = 0, ..., L - 1,

with K = D: **one** :class:`~pdelib.nets.resnet.DiffusionBlock` (shared weights) applied L times, its skip
connection injecting the fixed input u^k instead of the previous iterate v^l. With K = D it equals
:class:`pdelib.schemes.implicit.FixedPointSolver` and converges for tau < 1 / (Lip(Phi) ||K P||_2^2).
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_steps
from ..fluxes import Flux, check_flux
from ..operators import DerivativeOperator, check_operator
from .resnet import DiffusionBlock


class RecurrentDiffusionNetwork(nn.Module):
    """One diffusion block applied ``iterations`` times with input injection: v <- u - tau P^T K^T Phi(K P v).

    Parameters
    ----------
    block : DiffusionBlock
        The shared block: its ``derivative`` (K P), ``activation`` (Phi), ``divergence`` (P^T K^T) and ``tau``.
    iterations : int
        Number L >= 1 of recurrent iterations (the unrolled depth; the parameter count stays that of one block);
        at most 10^7 and L N channels <= 10^9.

    Examples
    --------
    >>> import pdelib, torch
    >>> D = pdelib.DerivativeOperator(order=1, size=8)
    >>> net = RecurrentDiffusionNetwork.from_scheme(pdelib.diffusivity("linear"), D, tau=0.2, iterations=30)
    >>> net(torch.ones(1, 1, 8, dtype=torch.float64)).flatten().tolist()  # constants are fixed points
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, block: DiffusionBlock, iterations: int) -> None:
        super().__init__()
        if not isinstance(block, DiffusionBlock):
            raise TypeError(f"block must be a pdelib DiffusionBlock, got {type(block).__name__}")
        self.block = block
        self.iterations = check_steps(iterations, "iterations", block.size * block.channels, minimum=1)

    @classmethod
    def from_scheme(
        cls,
        diffusivity: Flux,
        operator: DerivativeOperator,
        tau: float,
        iterations: int,
        dtype: torch.dtype = torch.float64,
    ) -> RecurrentDiffusionNetwork:
        """The fixed-point solver of the implicit step u^{k+1} = u^k - tau D^T Phi(D u^{k+1}), K = D.

        Converges for tau < ``pdelib.schemes.implicit.fixed_point_threshold(Lip(Phi), operator)`` (sufficient).
        """
        check_flux(diffusivity)
        check_operator(operator)
        return cls(DiffusionBlock.from_scheme(diffusivity, operator, tau, dtype), iterations)

    def extra_repr(self) -> str:
        return f"iterations={self.iterations} (one shared block, input injected at every iteration)"

    def iterate(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """One recurrent iteration u - tau P^T K^T Phi(K P v)."""
        block = self.block
        return u - block.tau * block.divergence(block.activation(block.derivative(v)))

    def forward(
        self, u: torch.Tensor, return_history: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """v^L from v^0 = u for a batch u of shape (batch, in_channels, N).

        With ``return_history`` also return ||v^{l+1} - v^l||_2 per iteration and batch entry,
        shape (iterations, batch): the numbers :class:`pdelib.schemes.implicit.FixedPointSolver` reports.
        """
        v = u
        differences = []
        for _ in range(self.iterations):
            new = self.iterate(u, v)
            if return_history:
                differences.append(torch.linalg.vector_norm((new - v).flatten(1), dim=1))
            v = new
        if return_history:
            return v, torch.stack(differences)
        return v
