"""The explicit 2D scheme as a ResNet block on images, u - tau P^T K^T Phi(K P u) with Conv2d (chapter 09); its scheme: :mod:`pdelib.schemes.explicit2d`.

The 1D block of :mod:`pdelib.nets.resnet` with ``Conv2d``: K is a bias-free 2D convolution, K^T the transposed
convolution with the *same* weight, Phi the activation and P the mirrored padding. With the two 2 x 2 difference
filters of :attr:`pdelib.operators2d.Gradient2D.stencils` and the isotropic flux Phi(p) = g(|p|^2) p
(:class:`IsotropicFlux`) the block is one step of :class:`pdelib.schemes.explicit2d.ExplicitScheme2D`; for any
weight and 0 <= Phi(s)/s <= L it never increases the Euclidean norm when tau <= 2 / (L ||K P||_2^2).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn

from .._checks import MAX_BLOCKS, MAX_CHANNELS, check_int, check_items, check_positive, check_shape
from ..diffusivities import Diffusivity
from ..fluxes import Flux
from ..operators2d import Gradient2D, check_gradient
from ..schemes.explicit2d import check_diffusivity
from .resnet import Activation, _check_dtype, parameter_count

#: Largest kernel side k of a 2D block.
MAX_KERNEL_SIZE = 15


def _mirror(indices: np.ndarray, size: int) -> np.ndarray:
    """Reflecting padding: index -1 -> 0, -2 -> 1, size -> size - 1, size + 1 -> size - 2 (as in 1D)."""
    indices = np.where(indices < 0, -indices - 1, indices)
    return np.where(indices >= size, 2 * size - 1 - indices, indices)


def padding_indices(shape: tuple[int, int], kernel_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row and column indices of P: u[:, :, rows][:, :, :, columns] is u padded by k - 1 mirrored rows and columns,
    the first (k - 1) // 2 before."""
    before = (kernel_size - 1) // 2
    return tuple(torch.as_tensor(_mirror(np.arange(-before, size + kernel_size - 1 - before), size), dtype=torch.long)
                 for size in shape)


def pad(u: torch.Tensor, rows: torch.Tensor, columns: torch.Tensor) -> torch.Tensor:
    """P u for images u of shape (batch, channels, M, N) and the indices of :func:`padding_indices`."""
    return u[:, :, rows][:, :, :, columns]


def fold(padded: torch.Tensor, rows: torch.Tensor, columns: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """P^T v: each padded value added back onto the pixel it copies, shape (batch, channels, *shape)."""
    folded = padded.new_zeros((*padded.shape[:3], shape[1])).index_add(3, columns, padded)
    return folded.new_zeros((*folded.shape[:2], *shape)).index_add(2, rows, folded)


class IsotropicFlux(nn.Module):
    """Phi(p) = g(|p|^2) p, |p|^2 summed over the channels: the isotropic flux of a diffusivity (chapter 09).

    With the two gradient channels (x, y) it is :func:`pdelib.schemes.explicit2d.isotropic_flux`: both channels of
    a pixel are multiplied by the same g in [0, L], so the block stays in the sector 0 <= Phi(s)/s <= L.
    """

    def __init__(self, diffusivity: Diffusivity) -> None:
        super().__init__()
        self.diffusivity = check_diffusivity(diffusivity)

    @property
    def sector_bound(self) -> float:
        """L = sup g: Phi(p) = G p with G = g(|p|^2) I in [0, L], the sector of the stability theorem."""
        return self.diffusivity.bound

    def forward(self, p: torch.Tensor) -> torch.Tensor:
        """g(sum_c p_c^2) p for p of shape (batch, channels, M, N)."""
        return p * self.diffusivity._g((p * p).sum(dim=1, keepdim=True), torch)

    def extra_repr(self) -> str:
        return f"{self.diffusivity!r}, L={self.diffusivity.bound:g}"


class DiffusionBlock2D(nn.Module):
    """The symmetric residual block u -> u - tau P^T K^T Phi(K P u) on images (chapter 09).

    Layer by layer: P pads the image by mirrored rows and columns (k - 1 in all, the first (k - 1) // 2 before),
    K = ``conv`` (``Conv2d(in_channels, channels, k)``, no bias) computes C "derivatives" per pixel, Phi acts,
    K^T = ``conv_transpose`` (sharing the very same weight Parameter) sums the channels back, P^T folds the padded
    values back onto the pixels they copy, and the skip connection adds u.

    Parameters
    ----------
    channels : int
        C in [1, 1024] filters.
    kernel_size : int
        k in [2, 15]: each filter is k x k.
    tau : float
        Time step > 0, a buffer (not trained). Stable for tau <= :meth:`stability_bound`.
    activation : Diffusivity, Flux, nn.Module or callable
        Phi. A :class:`pdelib.Diffusivity` becomes :class:`IsotropicFlux`; another :class:`pdelib.Flux` or
        a function acts per channel (:class:`pdelib.nets.resnet.Activation`).
    shape : (int, int)
        The image's (M, N), each in [k, 4096].
    in_channels : int, default 1
    dtype : torch.dtype, default torch.float64
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        tau: float,
        activation: Flux | nn.Module | Callable[[torch.Tensor], torch.Tensor],
        shape: tuple[int, int],
        in_channels: int = 1,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.channels = check_int(channels, "channels", 1, MAX_CHANNELS)
        self.kernel_size = check_int(kernel_size, "kernel_size", 2, MAX_KERNEL_SIZE)
        tau = check_positive(tau, "tau")
        self.shape = check_shape(shape)
        if min(self.shape) < self.kernel_size:
            raise ValueError(f"shape must be at least kernel_size = {self.kernel_size} per side, got {self.shape}")
        self.in_channels = check_int(in_channels, "in_channels", 1, MAX_CHANNELS)
        dtype = _check_dtype(dtype)
        if isinstance(activation, Diffusivity):
            activation = IsotropicFlux(activation)
        elif not isinstance(activation, nn.Module):
            if not callable(activation) and not isinstance(activation, Flux):
                raise TypeError(f"activation must be a pdelib Flux, a torch module or a callable, got {activation!r}")
            activation = Activation(activation)
        k = self.kernel_size
        self.conv = nn.Conv2d(self.in_channels, self.channels, k, bias=False, dtype=dtype)
        self.conv_transpose = nn.ConvTranspose2d(self.channels, self.in_channels, k, bias=False, dtype=dtype)
        self.conv_transpose.weight = self.conv.weight  # one Parameter: K^T uses the weights of K
        self.activation = activation
        self.register_buffer("tau", torch.tensor(tau, dtype=dtype))
        for name, indices in zip(("row_indices", "column_indices"), padding_indices(self.shape, k)):
            self.register_buffer(name, indices, persistent=False)

    @classmethod
    def from_scheme(cls, diffusivity: Diffusivity, gradient: Gradient2D, tau: float,
                    dtype: torch.dtype = torch.float64) -> DiffusionBlock2D:
        """The block of one step u - tau grad^T (g(|grad u|^2) grad u): K = the two 2 x 2 difference filters of
        :attr:`Gradient2D.stencils`, P = one mirrored row and column, Phi = :class:`IsotropicFlux`. The weight
        stays trainable; the caller's torch random stream is not touched."""
        check_diffusivity(diffusivity)
        check_gradient(gradient)
        with torch.random.fork_rng(devices=[]):  # the random initial weight is overwritten below
            block = cls(2, 2, tau, IsotropicFlux(diffusivity), gradient.shape, dtype=dtype)
        with torch.no_grad():
            block.conv.weight.copy_(torch.as_tensor(gradient.stencils).reshape(2, 1, 2, 2))
        return block

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, channels={self.channels}, kernel_size={self.kernel_size}, "
                f"shape={self.shape}, tau={self.tau.item():g}, parameters={parameter_count(self)} "
                f"(conv and conv_transpose share one weight)")

    def _check(self, x: object, name: str, channels: int) -> torch.Tensor:
        expected = (channels, *self.shape)
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor of shape (batch, {channels}, M, N), got {type(x).__name__}")
        if x.dtype != self.conv.weight.dtype:
            raise TypeError(f"{name} must have dtype {self.conv.weight.dtype} (the block's dtype), got {x.dtype}")
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(f"{name} must have shape (batch, {', '.join(map(str, expected))}), got {tuple(x.shape)}")
        return x

    def derivative(self, u: torch.Tensor) -> torch.Tensor:
        """K P u, shape (batch, channels, M, N), for images u of shape (batch, in_channels, M, N)."""
        self._check(u, "u", self.in_channels)
        return self.conv(pad(u, self.row_indices, self.column_indices))

    def divergence(self, v: torch.Tensor) -> torch.Tensor:
        """P^T K^T v, shape (batch, in_channels, M, N): the adjoint, <K P u, v> = <u, P^T K^T v>."""
        self._check(v, "v", self.channels)
        return fold(self.conv_transpose(v), self.row_indices, self.column_indices, self.shape)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """u - tau P^T K^T Phi(K P u) for a batch of images u of shape (batch, in_channels, M, N)."""
        return u - self.tau * self.divergence(self.activation(self.derivative(u)))

    def operator_norm_squared(self) -> float:
        """Exact ||K P||_2^2 = lambda_max((K P)^T K P), in float64.

        Lanczos iteration (ARPACK's ``eigsh`` from a fixed pseudo-random start, to machine precision, with up to 64
        Lanczos vectors: the top of the spectrum of a large image is crowded) on u -> P^T K^T K P u, applied with the
        block's own convolutions in float64 (as in 1D, :meth:`pdelib.nets.resnet.DiffusionBlock.operator_norm_squared`).
        A 256 x 256 image takes several hundred products, seconds per block."""
        from scipy.sparse.linalg import LinearOperator, eigsh

        unknowns = self.in_channels * self.shape[0] * self.shape[1]
        block = DiffusionBlock2D(self.channels, self.kernel_size, 1.0, nn.Identity(), self.shape, self.in_channels)
        with torch.no_grad():
            block.conv.weight.copy_(self.conv.weight.detach().double().cpu())

        def gram(x: np.ndarray) -> np.ndarray:
            u = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(1, self.in_channels, *self.shape))
            with torch.no_grad():
                return block.divergence(block.derivative(u)).reshape(-1).numpy()

        if not torch.any(self.conv.weight != 0):
            return 0.0
        start = np.random.default_rng(0).standard_normal(unknowns)
        operator = LinearOperator((unknowns, unknowns), matvec=gram, dtype=np.float64)
        return float(eigsh(operator, k=1, which="LA", v0=start, tol=0.0, ncv=min(unknowns, 64),
                           return_eigenvectors=False)[0])

    def stability_bound(self, sector_bound: float) -> float:
        """tau* = 2 / (L ||K P||^2) for activations with 0 <= Phi(s)/s <= L; infinite if K = 0."""
        sector_bound = check_positive(sector_bound, "sector_bound")
        norm_squared = self.operator_norm_squared()
        return 2.0 / (sector_bound * norm_squared) if norm_squared > 0 else math.inf


class DiffusionNetwork2D(nn.Module):
    """A stack of :class:`DiffusionBlock2D` s: K explicit steps on images = a 2D ResNet of depth K (chapter 09).

    Parameters
    ----------
    blocks : iterable of DiffusionBlock2D
        1 to 10^4 blocks acting on the same images (equal ``in_channels`` and ``shape``).
    """

    def __init__(self, blocks: Iterable[DiffusionBlock2D]) -> None:
        super().__init__()
        blocks = check_items(blocks, "blocks", "DiffusionBlock2Ds")
        for index, block in enumerate(blocks):
            if not isinstance(block, DiffusionBlock2D):
                raise TypeError(f"blocks must hold DiffusionBlock2Ds, got {type(block).__name__} at index {index}")
            if (block.in_channels, block.shape) != (blocks[0].in_channels, blocks[0].shape):
                raise ValueError(f"blocks must all act on the same images; block {index} has "
                                 f"({block.in_channels}, {block.shape}), block 0 ({blocks[0].in_channels}, "
                                 f"{blocks[0].shape})")
        self.blocks = nn.ModuleList(blocks)

    @classmethod
    def from_scheme(cls, diffusivity: Diffusivity, gradient: Gradient2D, tau: float, steps: int,
                    dtype: torch.dtype = torch.float64) -> DiffusionNetwork2D:
        """``steps`` in [1, 10^4] explicit 2D steps as independent blocks, each starting from the gradient filters."""
        steps = check_int(steps, "steps", 1, MAX_BLOCKS, advice="a deeper network is several networks in a row")
        return cls(DiffusionBlock2D.from_scheme(diffusivity, gradient, tau, dtype) for _ in range(steps))

    def extra_repr(self) -> str:
        return f"depth={len(self.blocks)}, parameters={parameter_count(self)}"

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """Apply the blocks in order to images u of shape (batch, in_channels, M, N)."""
        for block in self.blocks:
            u = block(u)
        return u


def scheme_deviation_2d(diffusivity: Diffusivity, gradient: Gradient2D, tau: float, u0: np.ndarray,
                        steps: int = 1) -> float:
    """max |network(u0) - scheme(u0)| after ``steps`` steps on an image, in float64 (chapter 09): the network
    :meth:`DiffusionNetwork2D.from_scheme` against :meth:`pdelib.schemes.explicit2d.ExplicitScheme2D.evolve`."""
    from ..schemes.explicit2d import ExplicitScheme2D

    run = ExplicitScheme2D(tau, diffusivity, gradient).evolve(u0, check_int(steps, "steps", 1, MAX_BLOCKS))
    if run.blowup is not None:
        raise ValueError(f"the scheme blew up ({run.blowup}); compare below the stability bound")
    network = DiffusionNetwork2D.from_scheme(diffusivity, gradient, tau, steps)
    with torch.no_grad():
        output = network(torch.as_tensor(run.states[0], dtype=torch.float64).reshape(1, 1, *gradient.shape))
    return float(np.abs(output.reshape(gradient.shape).numpy() - run.final).max())
