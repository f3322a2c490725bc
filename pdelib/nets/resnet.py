"""The explicit scheme as a ResNet block, u^{k+1} = u^k - tau P^T K^T Phi(K P u^k) (chapter 02); its scheme: :mod:`pdelib.schemes.explicit`.

K is a bias-free convolution (the learned counterpart of the derivative D), K^T the transposed
convolution with the *same* weight, Phi the activation (flux) and P the boundary padding. With
K = D and Phi(s) = g(s^2) s the block is one step of :class:`pdelib.ExplicitScheme`; with
0 <= Phi(s)/s <= L and 0 < tau <= 2 / (L ||K P||_2^2) it never increases the Euclidean norm.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable

import numpy as np
import torch
from torch import nn

from .._checks import (
    MAX_BLOCKS,
    MAX_CHANNELS,
    check_choice,
    check_int,
    check_items,
    check_positive,
    check_size,
)
from ..fluxes import Flux, check_flux
from ..operators import BOUNDARIES, MAX_ORDER, DerivativeOperator, check_operator


def _check_dtype(dtype: object) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a real floating torch dtype such as torch.float64, got {dtype!r}")
    return dtype


def _check_tensor(x: object, name: str, dtype: torch.dtype, shape: tuple[int, int]) -> torch.Tensor:
    """Return ``x`` if it is a tensor of ``dtype`` and shape (batch, *shape), else raise naming ``name``."""
    expected = f"(batch, {shape[0]}, {shape[1]})"
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor of shape {expected}, got {type(x).__name__}")
    if x.dtype != dtype:
        raise TypeError(f"{name} must have dtype {dtype} (the block's dtype), got {x.dtype}")
    if x.ndim != 3 or tuple(x.shape[1:]) != shape:
        raise ValueError(f"{name} must have shape {expected} (batch, channels, grid points), got {tuple(x.shape)}")
    return x


class Activation(nn.Module):
    """An activation function Phi as a module: a diffusivity's flux Phi(s) = g(s^2) s, or any callable.

    Parameters
    ----------
    flux : Flux or callable
        A :class:`pdelib.Flux` (its :meth:`~pdelib.Flux.torch_flux` is used and the
        repr shows its sector bound L = sup g), or a function from tensors to tensors such as ``torch.tanh``.
    """

    def __init__(self, flux: Flux | Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        if not callable(flux) and not isinstance(flux, Flux):
            raise TypeError(f"flux must be a pdelib Flux or a callable on tensors, got {flux!r}")
        self.flux = flux

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """Phi(s), applied componentwise."""
        if isinstance(self.flux, Flux):
            return self.flux.torch_flux(s)
        return self.flux(s)

    def extra_repr(self) -> str:
        if isinstance(self.flux, Flux):
            return f"{self.flux!r}, L={self.flux.sector_bound}"
        return getattr(self.flux, "__name__", repr(self.flux))


class DiffusionBlock(nn.Module):
    """The symmetric residual block u -> u - tau P^T K^T Phi(K P u) (chapter 02).

    Layer by layer: the padding P extends the signal by the boundary rule, the convolution
    K = ``conv`` (``Conv1d(in_channels, channels, kernel_size)``, no bias, no zero padding) computes
    C "derivatives", the activation Phi acts componentwise, the transposed convolution
    K^T = ``conv_transpose`` -- sharing the very same weight Parameter -- sums the channels back,
    the adjoint padding P^T folds the boundary values back onto the grid, and the skip connection
    adds u. No activation follows the addition.

    Parameters
    ----------
    channels : int
        Number C >= 1 of filters in K.
    kernel_size : int
        Number k >= 2 of taps per filter.
    tau : float
        Time step tau > 0, a buffer (not trained). Stable for tau <= :meth:`stability_bound`.
    activation : Flux, nn.Module or callable
        Phi. A :class:`pdelib.Flux` or a plain function is wrapped in :class:`Activation`.
    size : int
        Number N >= kernel_size of grid points.
    boundary : {"reflecting", "periodic"}
        Padding rule of a :class:`pdelib.DerivativeOperator` of order kernel_size - 1: mirror or wrap.
    in_channels : int, default 1
        Number of signal channels; the input has shape (batch, in_channels, N).
    dtype : torch.dtype, default torch.float64
        Dtype of the weight; inputs must have the same dtype.

    The weight is drawn by torch's default initialisation: call ``torch.manual_seed`` first for
    reproducible blocks. :meth:`from_scheme` builds the block of an explicit diffusion step.

    Examples
    --------
    >>> import pdelib, torch
    >>> D = pdelib.DerivativeOperator(order=1, size=8)
    >>> block = DiffusionBlock.from_scheme(pdelib.diffusivity("perona-malik"), D, tau=0.5)
    >>> block(torch.ones(1, 1, 8, dtype=torch.float64)).flatten().tolist()  # constants do not diffuse
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        tau: float,
        activation: Flux | nn.Module | Callable[[torch.Tensor], torch.Tensor],
        size: int,
        boundary: str = "reflecting",
        in_channels: int = 1,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.channels = check_int(channels, "channels", 1, MAX_CHANNELS)
        self.kernel_size = check_int(kernel_size, "kernel_size", 2, MAX_ORDER + 1)
        tau = check_positive(tau, "tau")
        self.size = check_size(size)
        if self.size < self.kernel_size:
            raise ValueError(f"size must be at least kernel_size = {self.kernel_size}, got {self.size}")
        self.boundary = check_choice(boundary, "boundary", BOUNDARIES)
        self.in_channels = check_int(in_channels, "in_channels", 1, MAX_CHANNELS)
        dtype = _check_dtype(dtype)
        if not isinstance(activation, nn.Module):
            if not callable(activation) and not isinstance(activation, Flux):
                raise TypeError(
                    f"activation must be a pdelib Flux, a torch module or a callable, got {activation!r}"
                )
            activation = Activation(activation)

        self.conv = nn.Conv1d(self.in_channels, self.channels, self.kernel_size, bias=False, dtype=dtype)
        self.conv_transpose = nn.ConvTranspose1d(
            self.channels, self.in_channels, self.kernel_size, bias=False, dtype=dtype
        )
        self.conv_transpose.weight = self.conv.weight  # one Parameter: K^T uses the weights of K
        self.activation = activation
        self.register_buffer("tau", torch.tensor(tau, dtype=dtype))
        padding = DerivativeOperator(self.kernel_size - 1, self.size, boundary=self.boundary).padding_indices()
        self.register_buffer("padding_indices", torch.as_tensor(padding, dtype=torch.long), persistent=False)
        self.output_size = padding.size - self.kernel_size + 1

    @classmethod
    def from_scheme(
        cls,
        diffusivity: Flux,
        operator: DerivativeOperator,
        tau: float,
        dtype: torch.dtype = torch.float64,
    ) -> DiffusionBlock:
        """The block of one explicit step u - tau D^T Phi(D u): K = D (one channel), Phi(s) = g(s^2) s.

        The weight is the stencil of D (a correlation, like ``torch.nn.functional.conv1d``) and the
        padding is the operator's boundary rule, so K P = D exactly; the weight stays trainable.
        The caller's torch random stream is not touched.

        Parameters
        ----------
        diffusivity : Flux
            g, giving the activation Phi(s) = g(s^2) s.
        operator : DerivativeOperator
            D: order n (kernel size n + 1), grid size N, spacing h, boundary.
        tau : float
            Time step > 0; stable for tau <= ``pdelib.stability_bound(diffusivity, operator)``.
        dtype : torch.dtype, default torch.float64
        """
        check_flux(diffusivity)
        check_operator(operator)
        with torch.random.fork_rng(devices=[]):  # the random initial weight is overwritten below
            block = cls(
                channels=1,
                kernel_size=operator.order + 1,
                tau=tau,
                activation=Activation(diffusivity),
                size=operator.size,
                boundary=operator.boundary,
                dtype=dtype,
            )
        with torch.no_grad():
            block.conv.weight.copy_(torch.as_tensor(operator.stencil).reshape(1, 1, -1))
        return block

    def extra_repr(self) -> str:
        return (
            f"in_channels={self.in_channels}, channels={self.channels}, kernel_size={self.kernel_size}, "
            f"size={self.size}, boundary={self.boundary!r}, tau={self.tau.item():g}, "
            f"parameters={parameter_count(self)} (conv and conv_transpose share one weight)"
        )

    def derivative(self, u: torch.Tensor) -> torch.Tensor:
        """K P u: pad by the boundary rule, then correlate with the C filters.

        Parameters
        ----------
        u : tensor of shape (batch, in_channels, N)

        Returns
        -------
        tensor of shape (batch, channels, output_size)
        """
        _check_tensor(u, "u", self.conv.weight.dtype, (self.in_channels, self.size))
        return self.conv(u[..., self.padding_indices])

    def divergence(self, v: torch.Tensor) -> torch.Tensor:
        """P^T K^T v: transposed convolution, then the padded values added back to the points they copy.

        Parameters
        ----------
        v : tensor of shape (batch, channels, output_size)

        Returns
        -------
        tensor of shape (batch, in_channels, N), the adjoint: <K P u, v> = <u, P^T K^T v>.
        """
        _check_tensor(v, "v", self.conv.weight.dtype, (self.channels, self.output_size))
        padded = self.conv_transpose(v)
        folded = padded.new_zeros(padded.shape[:-1] + (self.size,))
        return folded.index_add(2, self.padding_indices, padded)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """u - tau P^T K^T Phi(K P u) for a batch u of shape (batch, in_channels, N)."""
        return u - self.tau * self.divergence(self.activation(self.derivative(u)))

    def matrix(self) -> torch.Tensor:
        """The dense matrix of the linear map u -> K P u, shape (channels * output_size, in_channels * N).

        Rows run over (channel, position), columns over (input channel, grid point). Meant for small N.
        """
        unknowns = self.in_channels * self.size
        weight = self.conv.weight
        identity = torch.eye(unknowns, dtype=weight.dtype, device=weight.device)
        with torch.no_grad():
            columns = self.derivative(identity.reshape(unknowns, self.in_channels, self.size))
        return columns.reshape(unknowns, -1).T

    def operator_norm_squared(self) -> float:
        """Exact ||K P||_2^2 = lambda_max((K P)^T K P), in float64.

        Lanczos iteration (ARPACK's ``eigsh`` from a fixed pseudo-random start, to machine precision) on
        u -> P^T K^T K P u, applied with the block's own convolutions in float64: a few dozen convolutions
        instead of a dense SVD of :meth:`matrix`, so that C N in the thousands takes milliseconds. Small
        operators (at most 64 unknowns) use the dense eigenvalue solver.
        """
        from scipy.sparse.linalg import LinearOperator, eigsh

        unknowns = self.in_channels * self.size
        if unknowns <= 64:
            a = self.matrix().double().cpu().numpy()
            return float(np.linalg.eigvalsh(a.T @ a)[-1])
        block = self if self.conv.weight.dtype == torch.float64 else copy.deepcopy(self).double()
        device = block.conv.weight.device

        def gram(x: np.ndarray) -> np.ndarray:
            u = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(1, self.in_channels, self.size), device=device)
            with torch.no_grad():
                return block.divergence(block.derivative(u)).reshape(-1).cpu().numpy()

        start = np.random.default_rng(0).standard_normal(unknowns)
        operator = LinearOperator((unknowns, unknowns), matvec=gram, dtype=np.float64)
        return float(eigsh(operator, k=1, which="LA", v0=start, tol=0.0, return_eigenvectors=False)[0])

    def stability_bound(self, sector_bound: float) -> float:
        """Largest stable time step tau* = 2 / (L ||K P||_2^2) for activations with 0 <= Phi(s)/s <= L.

        Euclidean stability: for 0 < tau <= tau*, ||block(u)||_2 <= ||u||_2 for every u, for any
        (possibly nonmonotone) Phi in the sector, since u - tau (KP)^T G (KP) u with
        G = diag(Phi(s)/s) in [0, L] is a symmetric matrix with eigenvalues in [-1, 1].

        Parameters
        ----------
        sector_bound : float
            L > 0; e.g. ``diffusivity.bound`` for a flux, 1 for ReLU, tanh, SiLU and GELU.

        Returns
        -------
        float
            tau*, infinite if K = 0.
        """
        sector_bound = check_positive(sector_bound, "sector_bound")
        norm_squared = self.operator_norm_squared()
        return 2.0 / (sector_bound * norm_squared) if norm_squared > 0 else math.inf


    def use_stability_bound(self, sector_bound: float) -> float:
        """Set tau to the largest step the stability theorem allows, 2 / (L ||K P||^2), and return it."""
        tau = self.stability_bound(sector_bound)
        if not math.isfinite(tau):
            raise ValueError("the block's weight is zero: every tau is stable, there is no largest one")
        self.tau.fill_(tau)
        return tau


class DiffusionNetwork(nn.Module):
    """A stack of :class:`DiffusionBlock` s applied in order: K explicit steps = a ResNet of depth K (chapter 02).

    Parameters
    ----------
    blocks : iterable of DiffusionBlock
        1 to 10^4 blocks; all must act on the same signals (equal ``in_channels`` and ``size``).
        Each block may have its own weight and tau; the network is stable if every block is.
    """

    def __init__(self, blocks: Iterable[DiffusionBlock]) -> None:
        super().__init__()
        blocks = check_items(blocks, "blocks", "DiffusionBlocks")
        for index, block in enumerate(blocks):
            if not isinstance(block, DiffusionBlock):
                raise TypeError(f"blocks must hold DiffusionBlocks, got {type(block).__name__} at index {index}")
            if (block.in_channels, block.size) != (blocks[0].in_channels, blocks[0].size):
                raise ValueError(
                    f"blocks must all have the same in_channels and size; block {index} has "
                    f"({block.in_channels}, {block.size}), block 0 has ({blocks[0].in_channels}, {blocks[0].size})"
                )
        self.blocks = nn.ModuleList(blocks)

    @classmethod
    def from_scheme(
        cls,
        diffusivity: Flux,
        operator: DerivativeOperator,
        tau: float,
        steps: int,
        dtype: torch.dtype = torch.float64,
    ) -> DiffusionNetwork:
        """``steps`` explicit steps u^{k+1} = u^k - tau D^T Phi(D u^k) as ``steps`` independent blocks.

        Each block starts from the stencil of D and has its own trainable weight; 1 <= steps <= 10^4.
        """
        steps = check_int(steps, "steps", 1, MAX_BLOCKS, advice="a deeper network is several networks in a row")
        return cls(DiffusionBlock.from_scheme(diffusivity, operator, tau, dtype) for _ in range(steps))

    def extra_repr(self) -> str:
        return f"depth={len(self.blocks)}, parameters={parameter_count(self)}"

    def forward(
        self, u: torch.Tensor, return_norms: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Apply the blocks in order: u^K from u^0 of shape (batch, in_channels, N).

        Parameters
        ----------
        u : tensor of shape (batch, in_channels, N)
        return_norms : bool, default False
            Also return ||u^k||_2 per signal, a tensor of shape (depth + 1, batch).
        """
        norms = [u.flatten(1).norm(dim=1)] if return_norms else None
        for block in self.blocks:
            u = block(u)
            if return_norms:
                norms.append(u.flatten(1).norm(dim=1))
        return (u, torch.stack(norms)) if return_norms else u


class StandardResidualBlock(nn.Module):
    """The textbook residual block u -> sigma(u + W2 sigma(W1 u + b1) + b2), for comparison (chapter 02).

    Two independent ``Conv1d(channels, channels, kernel_size, padding=kernel_size // 2)`` layers with
    biases: 2 (C^2 k + C) parameters, against C^2 k for a :class:`DiffusionBlock` with C channels.

    Parameters
    ----------
    channels : int
        C >= 1; input and output have shape (batch, C, N).
    kernel_size : int
        Odd k >= 1, so that the zero padding k // 2 keeps the length N.
    activation : nn.Module, default nn.ReLU()
        sigma.
    dtype : torch.dtype, default torch.float64
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        activation: nn.Module | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        channels = check_int(channels, "channels", 1)
        kernel_size = check_int(kernel_size, "kernel_size", 1)
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (padding k // 2 keeps the length), got {kernel_size}")
        dtype = _check_dtype(dtype)
        if activation is not None and not isinstance(activation, nn.Module):
            raise TypeError(f"activation must be a torch module such as nn.ReLU(), got {activation!r}")
        self.conv1 = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2, bias=True, dtype=dtype)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2, bias=True, dtype=dtype)
        self.activation = nn.ReLU() if activation is None else activation

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        """sigma(u + W2 sigma(W1 u + b1) + b2)."""
        return self.activation(u + self.conv2(self.activation(self.conv1(u))))


def parameter_count(module: nn.Module) -> int:
    """Number of trainable values in ``module``, each shared Parameter counted once."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    # Module.parameters() yields a Parameter shared by several layers only once.
    return sum(parameter.numel() for parameter in module.parameters() if parameter.requires_grad)


def parameter_comparison(channels: int, kernel_size: int) -> dict[str, int | float]:
    """Count the parameters of a standard and a symmetric residual block acting on C channels (chapter 02).

    Builds a :class:`StandardResidualBlock` (two C -> C convolutions with biases: 2 (C^2 k + C)) and a
    :class:`DiffusionBlock` with ``in_channels = channels`` (one shared C x C x k weight: C^2 k) and
    counts their parameters with :func:`parameter_count`. The caller's torch random stream is not touched.

    Parameters
    ----------
    channels : int
        C >= 1.
    kernel_size : int
        Odd k >= 3 (odd for the standard block's padding, >= 2 for the diffusion block).

    Returns
    -------
    dict
        ``{"standard": int, "symmetric": int, "ratio": symmetric / standard}``;
        e.g. C = 32, k = 3 gives 6208, 3072 and 0.4948.
    """
    channels = check_int(channels, "channels", 1)
    kernel_size = check_int(kernel_size, "kernel_size", 2)
    with torch.random.fork_rng(devices=[]):
        standard = parameter_count(StandardResidualBlock(channels, kernel_size))
        symmetric = parameter_count(
            DiffusionBlock(channels, kernel_size, 1.0, nn.ReLU(), size=kernel_size, in_channels=channels)
        )
    return {"standard": standard, "symmetric": symmetric, "ratio": symmetric / standard}


def scheme_deviation(
    diffusivity: Flux, operator: DerivativeOperator, tau: float, u0: np.ndarray, steps: int = 1
) -> float:
    """max_i |network(u0)_i - scheme(u0)_i| after ``steps`` steps, in float64 (chapter 02).

    The network is :meth:`DiffusionNetwork.from_scheme` (convolution, activation, transposed
    convolution per block), the scheme :meth:`pdelib.ExplicitScheme.evolve` in numpy.
    """
    from ..schemes.explicit import ExplicitScheme

    run = ExplicitScheme(tau, diffusivity, operator).evolve(u0, check_int(steps, "steps", 1))
    if run.blowup is not None:
        raise ValueError(f"the scheme blew up ({run.blowup}); compare below the stability bound")
    network = DiffusionNetwork.from_scheme(diffusivity, operator, tau, steps)
    with torch.no_grad():
        output = network(torch.as_tensor(run.states[0], dtype=torch.float64).reshape(1, 1, -1))
    return float(np.abs(output.reshape(-1).numpy() - run.final).max())
