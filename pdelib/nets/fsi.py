"""The FSI scheme as a ResNet with an extra skip connection two layers back (chapter 04); its scheme: :mod:`pdelib.schemes.fsi`.

Each layer takes the two previous states:

    u^{k+1} = alpha_k Block_k(u^k) + (1 - alpha_k) u^{k-1},    Block_k(u) = u - tau P^T K^T Phi(K P u),

where Block_k is the explicit-step block :class:`pdelib.nets.resnet.DiffusionBlock` (identity skip) and the
second skip connection carries u^{k-1} past it with the weight 1 - alpha_k. With
alpha_k = (4k + 2) / (2k + 3) and u^{-1} := u^k at the start of every cycle of n layers, the network is
:class:`pdelib.schemes.fsi.FSIScheme`: n layers reach the diffusion time tau (n^2 + n) / 3 instead of n tau.
The weights alpha_k are fixed buffers by default, so the network has exactly the parameters of the
plain network of the same depth.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

from .._checks import (
    MAX_BLOCKS,
    MAX_CYCLE_LENGTH,
    check_bool,
    check_int,
    check_positive,
)
from ..fluxes import Flux
from ..operators import DerivativeOperator
from ..schemes.fsi import FSIScheme, fsi_weights
from .resnet import DiffusionBlock, DiffusionNetwork, parameter_count


class FSIBlock(nn.Module):
    """One FSI layer u^{k+1} = alpha Block(u^k) + (1 - alpha) u^{k-1} (chapter 04).

    Parameters
    ----------
    block : DiffusionBlock
        The explicit-step block u -> u - tau P^T K^T Phi(K P u).
    alpha : float
        Extrapolation weight alpha > 0, e.g. alpha_k = (4k + 2) / (2k + 3) from :func:`pdelib.schemes.fsi.fsi_weights`.
    trainable : bool, default False
        Make alpha a trainable parameter instead of a fixed buffer.
    """

    def __init__(self, block: DiffusionBlock, alpha: float, trainable: bool = False) -> None:
        super().__init__()
        if not isinstance(block, DiffusionBlock):
            raise TypeError(f"block must be a pdelib DiffusionBlock, got {type(block).__name__}")
        alpha = torch.tensor(check_positive(alpha, "alpha"), dtype=block.conv.weight.dtype)
        self.block = block
        if check_bool(trainable, "trainable"):
            self.alpha = nn.Parameter(alpha)
        else:
            self.register_buffer("alpha", alpha)

    def extra_repr(self) -> str:
        kind = "trainable" if isinstance(self.alpha, nn.Parameter) else "fixed"
        return f"alpha={self.alpha.item():.6g} ({kind})"

    def forward(self, u: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
        """alpha Block(u) + (1 - alpha) previous, for u and previous of shape (batch, in_channels, N)."""
        step = self.block(u)  # checks u
        if not isinstance(previous, torch.Tensor) or previous.dtype != u.dtype:
            raise TypeError(f"previous must be a torch tensor of dtype {u.dtype} like u, got {previous!r:.80}")
        if previous.shape != u.shape:
            raise ValueError(f"previous must have the shape of u, {tuple(u.shape)}, got {tuple(previous.shape)}")
        return self.alpha * step + (1 - self.alpha) * previous


class FSINetwork(nn.Module):
    """Cycles of n :class:`FSIBlock` s: a ResNet whose layers also skip two layers back (chapter 04).

    Layer k of each cycle gets the weight alpha_k = (4k + 2) / (2k + 3); at the start of every cycle
    the "previous" state is the current one (u^{-1} := u^0), so the first layer is a plain
    explicit step of size alpha_0 tau = 2 tau / 3.

    Parameters
    ----------
    blocks : iterable of DiffusionBlock
        The M n explicit-step blocks, in order (checked like :class:`pdelib.nets.resnet.DiffusionNetwork`).
    cycle_length : int
        Number n >= 1 of layers per cycle; the number of blocks must be a multiple of n.
    trainable_weights : bool, default False
        Make the weights alpha_k trainable (one extra parameter per layer).
    """

    def __init__(self, blocks: Iterable[DiffusionBlock], cycle_length: int, trainable_weights: bool = False) -> None:
        super().__init__()
        blocks = list(DiffusionNetwork(blocks).blocks)  # same checks as the plain network
        self.cycle_length = check_int(cycle_length, "cycle_length", 1, MAX_CYCLE_LENGTH)
        self.trainable_weights = check_bool(trainable_weights, "trainable_weights")
        if len(blocks) % self.cycle_length:
            raise ValueError(
                f"the number of blocks ({len(blocks)}) must be a multiple of cycle_length = {self.cycle_length}"
            )
        alphas = np.tile(fsi_weights(self.cycle_length), len(blocks) // self.cycle_length)
        self.blocks = nn.ModuleList(
            FSIBlock(block, float(alpha), trainable=self.trainable_weights) for block, alpha in zip(blocks, alphas)
        )

    @classmethod
    def from_scheme(
        cls,
        diffusivity: Flux,
        operator: DerivativeOperator,
        tau: float,
        cycle_length: int,
        cycles: int,
        dtype: torch.dtype = torch.float64,
    ) -> FSINetwork:
        """The network of ``cycles`` FSI cycles of ``cycle_length`` explicit steps of size ``tau``.

        Each of the M n layers starts from the stencil of D (its own trainable weight) and the flux
        Phi(s) = g(s^2) s; the result equals :meth:`pdelib.schemes.fsi.FSIScheme.evolve` (to rounding).
        """
        cycle_length = check_int(cycle_length, "cycle_length", 1, MAX_BLOCKS)
        cycles = check_int(cycles, "cycles", 1, MAX_BLOCKS // cycle_length,
                           advice=f"the network has at most {MAX_BLOCKS} layers, cycles times cycle_length")
        depth = cycle_length * cycles
        return cls((DiffusionBlock.from_scheme(diffusivity, operator, tau, dtype) for _ in range(depth)), cycle_length)

    @property
    def depth(self) -> int:
        """Number of layers M n."""
        return len(self.blocks)

    @property
    def cycles(self) -> int:
        """Number M of cycles."""
        return self.depth // self.cycle_length

    def extra_repr(self) -> str:
        return (
            f"depth={self.depth}, cycles={self.cycles}, cycle_length={self.cycle_length}, "
            f"parameters={parameter_count(self)} "
            f"(skip weights alpha_k {'trainable' if self.trainable_weights else 'fixed, not parameters'})"
        )

    def forward(
        self, u: torch.Tensor, return_norms: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Apply the layers: u^{k+1} = alpha_k Block_k(u^k) + (1 - alpha_k) u^{k-1}, u^{-1} := u^0 per cycle.

        Parameters
        ----------
        u : tensor of shape (batch, in_channels, N)
        return_norms : bool, default False
            Also return ||u^k||_2 per signal after every layer, a tensor of shape (depth + 1, batch).
        """
        norms = [u.flatten(1).norm(dim=1)] if return_norms else None
        previous = u
        for index, layer in enumerate(self.blocks):
            if index % self.cycle_length == 0:
                previous = u
            u, previous = layer(u, previous), u
            if return_norms:
                norms.append(u.flatten(1).norm(dim=1))
        return (u, torch.stack(norms)) if return_norms else u


def fsi_deviation(
    diffusivity: Flux,
    operator: DerivativeOperator,
    tau: float,
    cycle_length: int,
    cycles: int,
    u0: np.ndarray,
) -> float:
    """max_i |network(u0)_i - scheme(u0)_i| after ``cycles`` cycles, in float64 (chapter 04).

    The network is :meth:`FSINetwork.from_scheme`, the scheme :meth:`pdelib.schemes.fsi.FSIScheme.evolve` in numpy.
    """
    run = FSIScheme(tau, cycle_length, diffusivity, operator).evolve(u0, check_int(cycles, "cycles", 1))
    if run.blowup is not None:
        raise ValueError(f"the scheme blew up ({run.blowup}); compare below the stability bound")
    network = FSINetwork.from_scheme(diffusivity, operator, tau, cycle_length, cycles)
    with torch.no_grad():
        output = network(torch.as_tensor(run.states[0], dtype=torch.float64).reshape(1, 1, -1))
    return float(np.abs(output.reshape(-1).numpy() - run.final).max())
