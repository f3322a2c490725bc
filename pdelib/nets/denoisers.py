"""Denoising networks for chapter 07: a standard ResNet and the symmetric diffusion ResNet, stable by construction.

Both have the same frame x -> x + R(B_K(... B_1(E x))): a lifting convolution E (1 -> C channels), K
residual blocks acting on C channels, a read-out convolution R (C -> 1) and a skip connection around
the whole network (the blocks learn the correction to the noisy input). Only the blocks differ:

* standard (:func:`standard_resnet`): h -> ReLU(h + W2 ReLU(W1 h + b1) + b2), two independent
  convolutions with biases, 2 (C^2 k + C) parameters per block (:class:`pdelib.nets.resnet.StandardResidualBlock`);
* symmetric (:func:`diffusion_resnet`): h -> h - tau P^T K^T Phi(K P h), one shared weight K, a trainable
  activation Phi in the sector 0 <= Phi(s)/s <= L (:class:`pdelib.nets.sector_activation.SectorActivation`)
  and tau = sigmoid(theta) 2 / (L B(K)) with B(K) >= ||K P||_2^2 recomputed from the current weight in
  every forward pass (:class:`StableDiffusionBlock`): C^2 k + m + 2 parameters per block, about half.

By the theorem of chapter 02, ||h^{k+1}||_2 <= ||h^k||_2 in every symmetric block, for every input and
every value of the parameters -- before, during and after training. :func:`norm_trajectory` measures
||h^k|| block by block, also with more blocks or larger steps than trained; :func:`learned_fluxes`
returns the trained activations as fluxes to plot next to the classical diffusivities.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .._checks import MAX_BLOCKS, MAX_CHANNELS, check_int, check_positive
from .resnet import DiffusionBlock, StandardResidualBlock, parameter_count
from .sector_activation import SectorActivation, SectorFlux
from .stable_step import StableStep, check_stable_arguments


class StableDiffusionBlock(StableStep, DiffusionBlock):
    """The symmetric block h -> h - tau P^T K^T Phi(K P h) with tau below the stability bound for any weights.

    The time step is not a fixed number but a function of the parameters,

        tau = sigmoid(theta) * 2 / (L B(K)),   B(K) = m max_j sigma_max(K_hat(2 pi j / M))^2 >= ||K P||_2^2,

    recomputed in every forward pass: theta (``step_logit``) is trained, L is the activation's
    ``sector_bound``, K_hat(omega) = sum_t K[:, :, t] e^{-i omega t} is the C x C_in symbol of the
    convolution at the M = (padded length) Fourier frequencies, and m = max_i #{copies of h_i in P h}
    = ||P||_2^2 (1 without padding, 2 with reflecting padding). The circulant embedding gives
    ||K_valid|| <= max_j sigma_max(K_hat), and ||K P|| <= ||K_valid|| ||P||, so tau <= 2 / (L ||K P||^2)
    and ||block(h)||_2 <= ||h||_2 for every h and every value of K, theta and Phi's parameters.
    B(K) costs M small SVDs instead of one of size C N; it can exceed ||K P||^2 by up to the factor m
    (compare :attr:`tau` with :meth:`exact_tau_bound`).

    Parameters
    ----------
    channels : int
        Number C >= 1 of filters in K.
    kernel_size : int
        Number k >= 2 of taps.
    activation : nn.Module with a ``sector_bound`` attribute
        Phi with 0 <= Phi(s)/s <= L = ``activation.sector_bound``, e.g. a :class:`SectorActivation`.
    size : int
        Number N >= kernel_size of grid points.
    boundary : {"reflecting", "periodic"}, default "reflecting"
    in_channels : int, default 1
        Channels of h, shape (batch, in_channels, N).
    step_fraction : float, default 0.5
        Initial sigmoid(theta) in (0, 1): the starting tau as a fraction of 2 / (L B(K)).
    dtype : torch.dtype, default torch.float64

    Examples
    --------
    >>> import torch
    >>> block = StableDiffusionBlock(4, 3, SectorActivation(seed=0), size=16)
    >>> h = torch.randn(2, 1, 16, dtype=torch.float64)
    >>> bool((block(h).norm() <= h.norm()).item())
    True
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        activation: nn.Module,
        size: int,
        boundary: str = "reflecting",
        in_channels: int = 1,
        step_fraction: float = 0.5,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        step_fraction = check_stable_arguments(activation, step_fraction)
        super().__init__(channels, kernel_size, 1.0, activation, size, boundary, in_channels, dtype)
        self._init_step(activation, step_fraction, dtype)
        self.padding_multiplicity = int(torch.bincount(self.padding_indices).max())

    def operator_norm_bound(self) -> torch.Tensor:
        """B(K) = m max_j sigma_max(K_hat(2 pi j / M))^2 >= ||K P||_2^2, differentiable in K (a 0-d tensor)."""
        # K_hat(2 pi j / M) for j = 0..M/2 (a real K has conjugate symbols, with equal singular values, at -omega)
        symbol = torch.fft.rfft(self.conv.weight, n=self.padding_indices.numel(), dim=-1).permute(2, 0, 1)
        largest = torch.linalg.svdvals(symbol)[:, 0].max()
        return self.padding_multiplicity * largest**2


class ResidualDenoiser(nn.Module):
    """x -> decode(x, B_K(... B_1(encode(x)))): the frame of the denoisers of chapters 07 and 09.

    Subclasses set ``blocks`` (an ``nn.ModuleList`` built with :meth:`_checked_blocks`), :attr:`signal_ndim`
    and the maps :meth:`encode` (x -> h^0) and :meth:`decode` ((x, h^K) -> the estimate), so that
    :func:`run_blocks`, :func:`guaranteed_scale` and :func:`learned_fluxes` serve both chapters.
    """

    #: Dimensions of one signal: 1 for signals (N,), 2 for images (M, N).
    signal_ndim = 1

    @staticmethod
    def _checked_blocks(blocks: list[nn.Module], kinds: tuple[type, ...]) -> nn.ModuleList:
        if not blocks:
            raise ValueError("blocks must hold at least one residual block, got none")
        for index, block in enumerate(blocks):
            if not isinstance(block, kinds):
                names = " or ".join(f"{kind.__name__}s" for kind in kinds)
                raise TypeError(f"blocks must hold {names}, got {type(block).__name__} at index {index}")
        return nn.ModuleList(blocks)

    @property
    def symmetric(self) -> bool:
        """True for diffusion blocks (stable by construction), False for standard blocks."""
        return isinstance(self.blocks[0], StableStep)

    def extra_repr(self) -> str:
        kind = "symmetric diffusion" if self.symmetric else "standard"
        return f"{kind} ResNet: depth={len(self.blocks)}, parameters={parameter_count(self)}"

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h^0 from the input x of shape (batch, 1, *signal shape)."""
        raise NotImplementedError

    def decode(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """The estimate, shaped like x, from the input x and the last hidden state h^K."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The denoised signals, shaped like x."""
        h = self.encode(x)
        for block in self.blocks:
            h = block(h)
        return self.decode(x, h)


class Denoiser(ResidualDenoiser):
    """x -> x + R(B_K(... B_1(E x))) for signals x of shape (batch, 1, N) (chapter 07).

    Parameters
    ----------
    blocks : sequence of StandardResidualBlock or StableDiffusionBlock
        The residual blocks acting on the C-channel state h.
    channels : int
        C.
    kernel_size : int
        Odd k: taps of the lifting convolution E (1 -> C) and the read-out R (C -> 1), both with
        biases and zero padding k // 2.
    dtype : torch.dtype
    """

    def __init__(self, blocks: list[nn.Module], channels: int, kernel_size: int, dtype: torch.dtype) -> None:
        super().__init__()
        blocks = self._checked_blocks(blocks, (StandardResidualBlock, StableDiffusionBlock))
        self.lift = nn.Conv1d(1, channels, kernel_size, padding=kernel_size // 2, dtype=dtype)
        self.blocks = blocks
        self.readout = nn.Conv1d(channels, 1, kernel_size, padding=kernel_size // 2, dtype=dtype)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """h^0 = E x."""
        return self.lift(x)

    def decode(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """x + R h^K."""
        return x + self.readout(h)


#: Largest kernel size of a denoiser's convolutions.
MAX_KERNEL_SIZE = 65


def _check_sizes(channels: object, blocks: object, kernel_size: object,
                 max_kernel_size: int = MAX_KERNEL_SIZE) -> tuple[int, int, int]:
    channels = check_int(channels, "channels", 1, MAX_CHANNELS)
    blocks = check_int(blocks, "blocks", 1, MAX_BLOCKS)
    kernel_size = check_int(kernel_size, "kernel_size", 3, max_kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (zero padding k // 2 keeps the length), got {kernel_size}")
    return channels, blocks, kernel_size


def _check_seed(seed: object) -> int:
    return check_int(seed, "seed", 0, 2**63 - 1)


def seeded(seed: object, build: Callable[[], ResidualDenoiser]) -> ResidualDenoiser:
    """``build()`` with torch's generator seeded by ``seed`` (an int >= 0): reproducible initial weights, and the
    caller's random stream is left as it was."""
    seed = _check_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def standard_resnet(
    channels: int = 16, blocks: int = 4, kernel_size: int = 3, seed: int = 0, dtype: torch.dtype = torch.float32
) -> Denoiser:
    """A standard ResNet denoiser: E, ``blocks`` x [h -> ReLU(h + W2 ReLU(W1 h + b1) + b2)], R (chapter 07).

    Parameters
    ----------
    channels : int, default 16
        C >= 1.
    blocks : int, default 4
        Number of residual blocks >= 1.
    kernel_size : int, default 3
        Odd k >= 3, for every convolution.
    seed : int, default 0
        Seed of the initial weights (torch's default initialisation); the caller's random stream is not touched.
    dtype : torch.dtype, default torch.float32

    Returns
    -------
    Denoiser
        2 (C^2 k + C) parameters per block, plus 2 C k + C + 1 for E and R.
    """
    channels, blocks, kernel_size = _check_sizes(channels, blocks, kernel_size)
    return seeded(seed, lambda: Denoiser(
        [StandardResidualBlock(channels, kernel_size, dtype=dtype) for _ in range(blocks)], channels, kernel_size, dtype,
    ))


def diffusion_resnet(
    size: int,
    channels: int = 16,
    blocks: int = 4,
    kernel_size: int = 3,
    basis_size: int = 8,
    extent: float = 1.0,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> Denoiser:
    """A symmetric diffusion ResNet denoiser: E, ``blocks`` x [h -> h - tau P^T K^T Phi(K P h)], R (chapter 07).

    Each block is a :class:`StableDiffusionBlock` with C -> C channels, reflecting boundaries, its own
    :class:`SectorActivation` (L = 1, ``basis_size`` Gaussians on [0, ``extent``]) and its own tau below
    the stability bound by construction.

    Parameters
    ----------
    size : int
        N, the length of the signals (the reflecting padding of the blocks depends on it).
    channels : int, default 16
        C >= 1.
    blocks : int, default 4
        Number of diffusion blocks >= 1.
    kernel_size : int, default 3
        Odd k >= 3.
    basis_size : int, default 8
        Number m of basis functions of each trainable activation.
    extent : float, default 1.0
        Largest centre of the activation's basis functions, around the largest |K h| that matters.
    seed : int, default 0
        Seed of the initial weights; the caller's random stream is not touched.
    dtype : torch.dtype, default torch.float32

    Returns
    -------
    Denoiser
        C^2 k + m + 2 parameters per block (about half a standard block), plus 2 C k + C + 1 for E and R.
    """
    channels, blocks, kernel_size = _check_sizes(channels, blocks, kernel_size)
    size = check_int(size, "size", kernel_size)
    return seeded(seed, lambda: Denoiser([
        StableDiffusionBlock(channels, kernel_size, SectorActivation(1.0, basis_size, extent, dtype=dtype), size,
                             in_channels=channels, dtype=dtype)
        for _ in range(blocks)
    ], channels, kernel_size, dtype))


def _scaled_block(block: nn.Module, h: torch.Tensor, residual_scale: float) -> torch.Tensor:
    """The block with its residual branch scaled by s: h - s tau P^T K^T Phi(K P h), or ReLU(h + s F(h))."""
    if isinstance(block, StandardResidualBlock):  # the textbook block of chapter 02 takes no scale
        branch = block.conv2(block.activation(block.conv1(h)))
        return block.activation(h + residual_scale * branch)
    return block(h, residual_scale)


def _check_denoiser(model: object) -> ResidualDenoiser:
    if not isinstance(model, ResidualDenoiser):
        raise TypeError(
            "model must be a Denoiser from standard_resnet or diffusion_resnet (or an ImageDenoiser from "
            f"pdelib.nets.image_denoisers), got {type(model).__name__}"
        )
    return model


def _as_batch(x: object, model: ResidualDenoiser) -> torch.Tensor:
    """Signals (N,) or (signals, N) -- images (M, N) or (images, M, N) -- as a tensor (batch, 1, ...) of the
    model's dtype and device."""
    d = model.signal_ndim
    shapes = "(N,) or (signals, N)" if d == 1 else "(M, N) or (images, M, N)"
    if not isinstance(x, np.ndarray) or x.dtype.kind not in "biuf" or x.ndim not in (d, d + 1) or x.size == 0:
        raise TypeError(f"x must be a numpy array of real numbers of shape {shapes}, got {x!r:.80}")
    weight = next(model.parameters())
    return torch.as_tensor(x.reshape((-1, *x.shape[-d:])), dtype=weight.dtype, device=weight.device)[:, None]


def run_blocks(
    model: ResidualDenoiser, x: np.ndarray, repeat_blocks: int = 1, residual_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Run a trained network outside its training; return the hidden-state norms and the outputs (chapters 07, 09).

    h^0 = encode(x) (E x in chapter 07, the image x itself in chapter 09), h^{k+1} = block_k(h^k) with the stack
    of blocks run ``repeat_blocks`` times and every residual branch scaled by s = ``residual_scale``:
    h - s tau K^T Phi(K h) (a larger step than trained) for the symmetric blocks, ReLU(h + s F(h)) for the
    standard ones of chapter 07, h + s F(h) for those of chapter 09. For a symmetric network the theorem gives
    ||h^{k+1}|| <= ||h^k|| for every input while s tau stays within the bound (s <= 1 always does); a
    standard network has no such guarantee.

    Parameters
    ----------
    model : Denoiser or ImageDenoiser
    x : array of shape (N,) or (signals, N); for an ImageDenoiser (M, N) or (images, M, N)
        Input signals or images (e.g. larger amplitude or other noise than in training).
    repeat_blocks : int, default 1
        Run the trained stack of blocks this many times in a row (more blocks than trained).
    residual_scale : float, default 1.0
        The factor s > 0.

    Returns
    -------
    norms : array of shape (repeat_blocks * blocks + 1, signals)
        Row k holds ||h^k|| of each signal; overflow shows as inf or nan.
    outputs : float64 array shaped like x
        decode(x, h^K) (x + R h^K in chapter 07, h^K in chapter 09), the denoised signals of this configuration.
    """
    model = _check_denoiser(model)
    repeat_blocks = check_int(repeat_blocks, "repeat_blocks", 1, MAX_BLOCKS // len(model.blocks),
                              advice=f"the run has at most {MAX_BLOCKS} blocks in all")
    residual_scale = check_positive(residual_scale, "residual_scale", 1e6)
    with torch.no_grad():
        batch = _as_batch(x, model)
        h = model.encode(batch)
        norms = [h.flatten(1).norm(dim=1)]
        for _ in range(repeat_blocks):
            for block in model.blocks:
                h = _scaled_block(block, h, residual_scale)
                norms.append(h.flatten(1).norm(dim=1))
        outputs = model.decode(batch, h)[:, 0].double().cpu().numpy()
    return torch.stack(norms).double().cpu().numpy(), outputs.reshape(np.shape(x))


def norm_trajectory(
    model: ResidualDenoiser, x: np.ndarray, repeat_blocks: int = 1, residual_scale: float = 1.0
) -> np.ndarray:
    """||h^k||_2 after each block, shape (repeat_blocks * blocks + 1, signals): see :func:`run_blocks`."""
    return run_blocks(model, x, repeat_blocks, residual_scale)[0]


def denoise(model: ResidualDenoiser, noisy: np.ndarray, repeat_blocks: int = 1,
            residual_scale: float = 1.0) -> np.ndarray:
    """The model's estimate of the clean signals (or images), float64, shaped like ``noisy``.

    ``repeat_blocks`` and ``residual_scale`` run the blocks outside training (:func:`run_blocks`); the
    defaults are the trained network.
    """
    return run_blocks(model, noisy, repeat_blocks, residual_scale)[1]


def largest_growth(norms: np.ndarray) -> float:
    """max over blocks k and signals of ||h^{k+1}|| / ||h^k|| for norms from :func:`run_blocks` (chapter 07).

    <= 1 means no block ever increased the norm of any signal (the theorem's promise for a symmetric
    network); inf after an overflow.
    """
    norms = np.asarray(norms, dtype=float)
    if norms.ndim != 2 or norms.shape[0] < 2:
        raise ValueError(f"norms must have shape (blocks + 1, signals) with at least one block, got {norms.shape}")
    with np.errstate(all="ignore"):
        ratios = norms[1:] / norms[:-1]
    return float(np.max(np.where(np.isfinite(ratios), ratios, np.inf)))


def guaranteed_scale(model: ResidualDenoiser) -> float:
    """The largest residual scale s for which the theorem still guarantees ||h^{k+1}|| <= ||h^k|| (chapters 07, 09).

    Block k is Euclidean stable while s tau_k <= 2 / (L ||K_k P||^2), its exact bound, so the network is
    covered for s <= min_k (2 / (L ||K_k P||^2)) / tau_k. This is at least 1 / sigmoid(theta_k) > 1 for every
    block (tau_k is that fraction of a bound above ||K_k P||^2), and often larger. Beyond it the norm may still
    decrease on given inputs -- observed, not guaranteed. Only for symmetric networks. An image network's bound
    is that of its image size (``model.at_shape(...)`` for another size).
    """
    model = _check_denoiser(model)
    if not model.symmetric:
        raise ValueError("model must be a symmetric diffusion ResNet (diffusion_resnet, diffusion_resnet_2d): "
                         "a standard ResNet has no bound")
    with torch.no_grad():
        return min(block.exact_tau_bound() / float(block.tau) for block in model.blocks)


def scale_by_construction(model: ResidualDenoiser) -> float:
    """min_k 1 / sigmoid(theta_k): up to this residual scale s every block's step s tau_k stays below 2 / (L B(K_k)),
    hence below its exact bound, for every input (chapters 07, 09).

    A lower bound of :func:`guaranteed_scale` that needs no eigenvalue solver. For an image network it holds for every
    image size of at least 2k x 2k, because B(K) does not depend on the size there
    (:class:`pdelib.nets.image_denoisers.StableDiffusionBlock2D`); :func:`guaranteed_scale` is exact but only for the
    network's own size, and slow for large images (Lanczos iterations on M N unknowns). Only for symmetric networks.
    """
    model = _check_denoiser(model)
    if not model.symmetric:
        raise ValueError("model must be a symmetric diffusion ResNet (diffusion_resnet, diffusion_resnet_2d): "
                         "a standard ResNet has no bound")
    with torch.no_grad():
        return min(1.0 / torch.sigmoid(block.step_logit).item() for block in model.blocks)


def learned_fluxes(model: ResidualDenoiser) -> list[SectorFlux]:
    """The trained activations Phi_k of a symmetric network, one :class:`SectorFlux` per block (chapters 07, 09).

    Each is a frozen :class:`pdelib.fluxes.Flux`: ``flux.flux(s)`` samples Phi_k(s) for plotting next to
    the classical diffusivities, ``flux.monotone`` tells whether it is monotone (False: backward
    diffusion for large |s|, like Perona-Malik).
    """
    model = _check_denoiser(model)
    if not model.symmetric:
        raise ValueError("model must be a symmetric diffusion ResNet (diffusion_resnet, diffusion_resnet_2d): "
                         "a standard ResNet uses ReLU")
    return [block.activation.to_flux() for block in model.blocks]
