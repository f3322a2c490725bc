"""The multigrid cycle as a U-net (chapter 06); its scheme: :mod:`pdelib.schemes.multigrid`.

One cycle of :class:`pdelib.schemes.multigrid.MultigridSolver` (1D, weighted Jacobi) written with torch layers. Each
multigrid concept is one kind of layer:

    =============================================  ==================================================
    multigrid                                      U-net
    =============================================  ==================================================
    smoothing u <- u + omega D_A^{-1} (f - A u)    residual block: convolution with the level's stencil
                                                   A, a 1 x 1 weight omega / a_c, skip connection
    residual r = f - A u                           the same convolution, subtracted from the input f
    restriction R = 1/4 [1 2 1], stride 2          strided convolution (encoder, downsampling)
    prolongation P = 2 R^T                         transposed strided convolution (decoder, upsampling);
                                                   tied: it reuses the restriction's weight Parameter
    coarse-grid correction u <- u + P e            additive long skip connection (not concatenation)
    depth = number of grid levels                  number of resolution levels of the U-net
    exact coarsest solve A_c^{-1}                  bottleneck: a fixed (non-trainable) linear layer
    W-cycle (gamma = 2)                            the inner sub-U-net applied twice
    =============================================  ==================================================

The encoder leg is pre-smoothing, residual and restriction on every level; the decoder leg is
prolongation, the additive skip and post-smoothing. Built with :meth:`MultigridUNet.from_solver`, every
weight is the multigrid one and ``forward(f, u)`` equals ``solver.cycle(f, u)`` to rounding; all
convolution weights stay trainable. Tying P = 2 R^T halves the parameters of the sampling layers.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..schemes.multigrid import MultigridSolver, stencil_matrix
from .resnet import _check_dtype, parameter_count


class Prolongation(nn.Module):
    """Linear interpolation P e as a transposed strided convolution: (P e)_{2j+k} += w_k e_j, w = [1/2, 1, 1/2].

    Parameters
    ----------
    restriction : nn.Conv1d, optional
        Tied: P = 2 R^T, i.e. ``2 * ConvTranspose1d`` whose weight *is* this restriction's weight Parameter
        (shared, no parameter of its own). Untied (None): an own weight initialised to [1/2, 1, 1/2].
    dtype : torch.dtype
    """

    def __init__(self, restriction: nn.Conv1d | None, dtype: torch.dtype) -> None:
        super().__init__()
        self.convolution = nn.ConvTranspose1d(1, 1, 3, stride=2, bias=False, dtype=dtype)
        self.tied = restriction is not None
        if self.tied:
            self.convolution.weight = restriction.weight  # one Parameter: P uses the weights of R
            self.scale = 2.0
        else:
            with torch.no_grad():
                self.convolution.weight.copy_(torch.tensor([0.5, 1.0, 0.5], dtype=dtype).reshape(1, 1, 3))
            self.scale = 1.0

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        """P e: (batch, 1, n) -> (batch, 1, 2n + 1)."""
        return self.scale * self.convolution(e)

    def extra_repr(self) -> str:
        return "tied: P = 2 R^T (the restriction's weight)" if self.tied else "untied: own weight"


class MultigridLevel(nn.Module):
    """One level of the U-net: the stencil convolution A (zero padding = Dirichlet values), the smoothing
    weight omega / a_c and, above the coarsest level, the restriction and prolongation to the next level.

    Parameters
    ----------
    size : int
        Grid points N of the level.
    stencil : tensor of shape (3,)
        The level's operator A.
    omega : float
        Jacobi weight; the smoothing weight is omega / stencil[1].
    coarsen : bool
        Build the restriction (``Conv1d(1, 1, 3, stride=2)``, weight [1/4, 1/2, 1/4]) and prolongation.
    tie : bool
        Prolongation tied to the restriction (P = 2 R^T) or untied.
    dtype : torch.dtype
    """

    def __init__(
        self, size: int, stencil: torch.Tensor, omega: float, coarsen: bool, tie: bool, dtype: torch.dtype
    ) -> None:
        super().__init__()
        self.size = size
        self.operator = nn.Conv1d(1, 1, 3, padding=1, bias=False, dtype=dtype)
        self.step = nn.Parameter(torch.tensor([omega / float(stencil[1])], dtype=dtype))
        with torch.no_grad():
            self.operator.weight.copy_(stencil.to(dtype).reshape(1, 1, 3))
        if coarsen:
            self.restriction = nn.Conv1d(1, 1, 3, stride=2, bias=False, dtype=dtype)
            with torch.no_grad():
                self.restriction.weight.copy_(torch.tensor([0.25, 0.5, 0.25], dtype=dtype).reshape(1, 1, 3))
            self.prolongation = Prolongation(self.restriction if tie else None, dtype)

    def smooth(self, f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """Residual block: u + (omega / a_c) (f - A u)."""
        return u + self.step * (f - self.operator(u))

    def residual(self, f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """f - A u."""
        return f - self.operator(u)

    def extra_repr(self) -> str:
        return f"size={self.size}, parameters={parameter_count(self)}"


class MultigridUNet(nn.Module):
    """One multigrid cycle on A u = f (1D) as a U-net with additive skip connections (chapter 06).

    At level l (``depth`` levels; see the module docstring for the layer-by-layer correspondence):

        u <- u + (omega / a_c) (f - A_l u)      nu_1 times   (residual blocks)
        e = U-net_{l+1}(R (f - A_l u), 0)       gamma times  (strided conv, inner U-net)
        u <- u + P e                                         (transposed conv, additive long skip)
        u <- u + (omega / a_c) (f - A_l u)      nu_2 times   (residual blocks)

    and the coarsest level is the fixed linear layer u = A_c^{-1} f. ``depth = 1`` means smoothing only
    (nu_1 + nu_2 residual blocks), as in the solver.

    Build it with :meth:`from_solver`.

    Parameters
    ----------
    levels : list of MultigridLevel
        The smoothing levels, finest first: with a coarsest inverse all of them coarsen (depth = len + 1);
        without, a single level that does not (depth 1, smoothing only).
    pre, post : int
        nu_1, nu_2.
    gamma : int
        1 (V-cycle) or 2 (W-cycle).
    coarsest_inverse : tensor of shape (n, n), optional
        A_c^{-1} of the coarsest level (a buffer, not trained); None for depth 1.
    """

    def __init__(
        self,
        levels: list[MultigridLevel],
        pre: int,
        post: int,
        gamma: int,
        coarsest_inverse: torch.Tensor | None,
    ) -> None:
        super().__init__()
        self.levels = nn.ModuleList(levels)
        self.depth = len(levels) + (coarsest_inverse is not None)
        self.pre, self.post, self.gamma = pre, post, gamma
        self.register_buffer("coarsest_inverse", coarsest_inverse)

    @classmethod
    def from_solver(
        cls, solver: MultigridSolver, tie: bool = True, dtype: torch.dtype = torch.float64
    ) -> MultigridUNet:
        """The U-net of one cycle of a 1D weighted-Jacobi :class:`~pdelib.schemes.multigrid.MultigridSolver`.

        Stencils (Galerkin on the coarse levels), omega, nu_1, nu_2, gamma (V or W) and the coarsest inverse
        are the solver's; restriction and prolongation are full weighting and linear interpolation.

        Parameters
        ----------
        solver : MultigridSolver
            dimension 1, smoother "jacobi" (red-black Gauss-Seidel is not a convolution layer).
        tie : bool, default True
            Prolongation P = 2 R^T sharing the restriction's weight Parameter (True) or an own weight (False).
        dtype : torch.dtype, default torch.float64
        """
        if not isinstance(solver, MultigridSolver):
            raise TypeError(f"solver must be a pdelib.schemes.multigrid.MultigridSolver, got {type(solver).__name__}")
        if solver.dimension != 1:
            raise ValueError(f"solver must be 1D (dimension=1) for the U-net; got dimension {solver.dimension}")
        if solver.smoother != "jacobi":
            raise ValueError(
                f"solver must use smoother='jacobi' (a residual block); got {solver.smoother!r}, "
                "which is not a convolution layer"
            )
        if not isinstance(tie, bool):
            raise TypeError(f"tie must be True or False, got {tie!r}")
        dtype = _check_dtype(dtype)
        depth = solver.depth
        smoothing = zip(solver.shapes[: max(depth - 1, 1)], solver.stencils)
        with torch.random.fork_rng(devices=[]):  # the random initial weights are overwritten
            levels = [
                MultigridLevel(
                    shape[0], torch.as_tensor(stencil), solver.omega, coarsen=depth > 1, tie=tie, dtype=dtype
                )
                for shape, stencil in smoothing
            ]
        inverse = None
        if depth > 1:
            coarsest = stencil_matrix(solver.stencils[-1], solver.shapes[-1][0])
            inverse = torch.as_tensor(np.linalg.inv(coarsest), dtype=dtype)
        return cls(levels, solver.pre, solver.post, 1 if solver.cycle_type == "V" else 2, inverse)

    def extra_repr(self) -> str:
        sizes = [level.size for level in self.levels]
        if self.coarsest_inverse is None:
            sampling = "smoothing only"
        else:
            sizes.append(self.coarsest_inverse.shape[0])
            sampling = "tied P = 2 R^T" if self.levels[0].prolongation.tied else "untied P and R"
        return (
            f"levels={self.depth}, sizes={sizes}, pre={self.pre}, post={self.post}, "
            f"cycle={'V' if self.gamma == 1 else 'W'}, {sampling}, parameters={parameter_count(self)}"
        )

    def _check(self, x: object, name: str) -> torch.Tensor:
        size = self.levels[0].size
        dtype = self.levels[0].operator.weight.dtype
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor of shape (batch, 1, {size}), got {type(x).__name__}")
        if x.dtype != dtype:
            raise TypeError(f"{name} must have dtype {dtype} (the network's dtype), got {x.dtype}")
        if x.ndim != 3 or tuple(x.shape[1:]) != (1, size):
            raise ValueError(
                f"{name} must have shape (batch, 1, {size}) (batch, channel, grid points), got {tuple(x.shape)}"
            )
        return x

    def _cycle(self, index: int, f: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        if index == len(self.levels):  # the bottleneck (depth >= 2): exact solve
            return f @ self.coarsest_inverse.T
        level = self.levels[index]
        if self.depth == 1:
            for _ in range(self.pre + self.post):
                u = level.smooth(f, u)
            return u
        for _ in range(self.pre):
            u = level.smooth(f, u)
        coarse_f = level.restriction(level.residual(f, u))
        e = torch.zeros_like(coarse_f)
        for _ in range(self.gamma):
            e = self._cycle(index + 1, coarse_f, e)
        u = u + level.prolongation(e)
        for _ in range(self.post):
            u = level.smooth(f, u)
        return u

    def forward(self, f: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """One cycle on A u = f for a batch: f and u (default 0) of shape (batch, 1, N); returns the new u."""
        f = self._check(f, "f")
        u = torch.zeros_like(f) if u is None else self._check(u, "u")
        if u.shape[0] != f.shape[0]:
            raise ValueError(f"u must have the batch size of f ({f.shape[0]}), got {u.shape[0]}")
        return self._cycle(0, f, u)


def parameter_comparison(solver: MultigridSolver) -> dict[str, int | float]:
    """Count the trainable parameters of the solver's U-net with tied and with untied prolongation (chapter 06).

    Per level above the coarsest: the stencil convolution (3), the smoothing weight (1), the restriction (3)
    and, untied, the prolongation (3); the coarsest inverse is fixed. With L >= 2 levels that is 10 (L - 1)
    untied and 7 (L - 1) tied; the sampling layers have 6 (L - 1) and 3 (L - 1): tying P = 2 R^T halves them.

    Returns
    -------
    dict
        ``{"untied": int, "tied": int, "ratio": tied / untied, "sampling_untied": int, "sampling_tied": int}``.
    """
    counts = {}
    for tie in (False, True):
        net = MultigridUNet.from_solver(solver, tie=tie)
        name = "tied" if tie else "untied"
        counts[name] = parameter_count(net)
        counts[f"sampling_{name}"] = sum(
            parameter_count(nn.ModuleList([level.restriction, level.prolongation]))
            for level in net.levels
            if net.depth > 1
        )
    return {
        "untied": counts["untied"],
        "tied": counts["tied"],
        "ratio": counts["tied"] / counts["untied"],
        "sampling_untied": counts["sampling_untied"],
        "sampling_tied": counts["sampling_tied"],
    }
