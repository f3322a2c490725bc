"""Denoising networks on images for chapter 09: a standard 2D ResNet and the symmetric diffusion network, stable by construction.

Both act on the image itself, u^0 = x, u^{k+1} = B_k(u^k), and return u^K (:class:`ImageDenoiser`); only the
blocks differ, and they have the same number of trainable parameters when C = 2 C' and m = C' - 1:

* standard (:func:`standard_resnet_2d`): u -> u + W2 ReLU(W1 u + b1) + b2 with two independent k x k
  convolutions 1 -> C' -> 1 and biases, 2 C' k^2 + C' + 1 parameters per block (:class:`StandardResidualBlock2D`);
* symmetric (:func:`diffusion_resnet_2d`): u -> u - tau P^T K^T Phi(K P u) with one k x k convolution K: 1 -> C,
  its transpose with the same weight, a trainable activation Phi in the sector 0 <= Phi(s)/s <= L
  (:class:`pdelib.nets.sector_activation.SectorActivation`, m Gaussians) and tau below the stability bound by
  construction (:class:`StableDiffusionBlock2D`): C k^2 + m + 2 parameters per block. It is an explicit diffusion
  scheme with learned derivative filters and a learned flux; with K = the two gradient filters and an isotropic
  flux it is exactly one step of :class:`pdelib.schemes.explicit2d.ExplicitScheme2D`.

By the theorem of chapter 02, ||u^{k+1}||_2 <= ||u^k||_2 in every symmetric block, for every image and every
value of the parameters. The networks are trained on small patches and run on whole photographs: the weights do
not depend on the image size, and neither does tau (see :class:`StableDiffusionBlock2D`), so
:meth:`ImageDenoiser.at_shape` gives the same network for another size. :func:`pdelib.nets.denoisers.run_blocks`,
``guaranteed_scale``, ``largest_growth`` and ``learned_fluxes`` of chapter 07 work on these networks unchanged.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .._checks import MAX_CHANNELS, check_int, check_shape
from .denoisers import ResidualDenoiser, _check_sizes, seeded
from .resnet import _check_dtype
from .resnet2d import MAX_KERNEL_SIZE, DiffusionBlock2D, fold, pad, padding_indices
from .sector_activation import SectorActivation
from .stable_step import StableStep, check_stable_arguments


def reference_shape(shape: tuple[int, int], kernel_size: int) -> tuple[int, int]:
    """(min(M, 2k), min(N, 2k)): an image of this shape has every row of the Gram matrix of an M x N image."""
    return tuple(min(side, 2 * kernel_size) for side in shape)


class StableDiffusionBlock2D(StableStep, DiffusionBlock2D):
    """The symmetric block u -> u - tau P^T K^T Phi(K P u) on images, tau below the stability bound for any weights.

    The time step is a function of the parameters, recomputed in every forward pass (:class:`StableStep`),

        tau = sigmoid(theta) * 2 / (L B(K)),   B(K) = max_i sum_j |G_ij| >= lambda_max(G) = ||K P||_2^2,

    with G = (K P)^T (K P) the Gram matrix: a rigorous upper bound (Gershgorin's theorem: every eigenvalue of G
    lies within sum_{j != i} |G_ij| of some G_ii), not the exact norm. Row i of G is sum_o (K P)_oi times row o of
    K P, over the outputs o whose window holds pixel i; those windows reach mirrored pixels only if pixel i lies
    within k - 1 of an edge. So a row depends only on how far its pixel lies from each edge, up to k - 1 pixels, and
    the rows of G for an image of side 2k (:func:`reference_shape`) are all the rows there are for any larger image
    (the tests compare with dense Gram matrices). B(K) is computed there, by applying G to the n = in_channels (2k)^2
    unit images with the block's own convolutions -- cheap, differentiable in K, and *the same for every image of at
    least 2k x 2k pixels*, so a block trained on 32 x 32 patches has the same tau on a 256 x 256 photograph. For the
    two gradient filters B = 8 / h^2, against the exact ||grad||^2 = 8 / h^2 - O(1/M^2); :meth:`exact_tau_bound`
    gives the exact step (Lanczos). The trained filters of chapter 09 give B between 1.3 and 1.6 times the exact
    ||K P||^2 of a 32 x 32 patch (see :func:`pdelib.nets.denoisers.scale_by_construction` and ``guaranteed_scale``).

    Parameters
    ----------
    channels : int
        Number C in [1, 1024] of filters in K.
    kernel_size : int
        k in [2, 15]: each filter is k x k.
    activation : nn.Module with a ``sector_bound`` attribute
        Phi with 0 <= Phi(s)/s <= L, e.g. a :class:`SectorActivation` (per channel) or an
        :class:`pdelib.nets.resnet2d.IsotropicFlux`.
    shape : (int, int)
        The image's (M, N), each in [k, 4096].
    in_channels : int, default 1
    step_fraction : float, default 0.5
        Initial sigmoid(theta) in (0, 1): the starting tau as a fraction of 2 / (L B(K)).
    dtype : torch.dtype, default torch.float64

    Examples
    --------
    >>> import torch
    >>> block = StableDiffusionBlock2D(4, 3, SectorActivation(seed=0), (16, 16))
    >>> u = torch.randn(2, 1, 16, 16, dtype=torch.float64)
    >>> bool((block(u).norm() <= u.norm()).item())
    True
    """

    def __init__(
        self,
        channels: int,
        kernel_size: int,
        activation: nn.Module,
        shape: tuple[int, int],
        in_channels: int = 1,
        step_fraction: float = 0.5,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        step_fraction = check_stable_arguments(activation, step_fraction)
        super().__init__(channels, kernel_size, 1.0, activation, shape, in_channels, dtype)
        self._init_step(activation, step_fraction, dtype)
        self.reference_shape = reference_shape(self.shape, self.kernel_size)
        rows, columns = padding_indices(self.reference_shape, self.kernel_size)
        self.register_buffer("reference_rows", rows, persistent=False)
        self.register_buffer("reference_columns", columns, persistent=False)
        unknowns = self.in_channels * self.reference_shape[0] * self.reference_shape[1]
        identity = torch.eye(unknowns, dtype=dtype).reshape(unknowns, self.in_channels, *self.reference_shape)
        self.register_buffer("reference_images", identity, persistent=False)

    def gram_rows(self) -> torch.Tensor:
        """The rows of G = (K P)^T K P on the reference image, shape (n, n): row i = G e_i (G is symmetric)."""
        rows, columns = self.reference_rows, self.reference_columns
        derivative = self.conv(pad(self.reference_images, rows, columns))
        return fold(self.conv_transpose(derivative), rows, columns, self.reference_shape).flatten(1)

    def operator_norm_bound(self) -> torch.Tensor:
        """B(K) = max_i sum_j |G_ij| >= ||K P||_2^2 (Gershgorin), differentiable in K (a 0-d tensor)."""
        return self.gram_rows().abs().sum(dim=1).max()

    def at_shape(self, shape: tuple[int, int]) -> StableDiffusionBlock2D:
        """A copy of the block (same parameters, same dtype and device) for images of another ``shape``."""
        shape = check_shape(shape)
        weight = self.conv.weight
        with torch.random.fork_rng(devices=[]):  # the new block's initial weight is overwritten
            block = StableDiffusionBlock2D(self.channels, self.kernel_size, copy.deepcopy(self.activation), shape,
                                           self.in_channels, dtype=weight.dtype)
        block.load_state_dict(self.state_dict())
        return block.to(weight.device)


class StandardResidualBlock2D(nn.Module):
    """The textbook residual block on images, u -> u + W2 ReLU(W1 u + b1) + b2 (chapter 09).

    Two independent k x k convolutions with biases, W1: in_channels -> C and W2: C -> in_channels, with reflecting
    padding k // 2 (``padding_mode="reflect"``) so that the image keeps its size: 2 C k^2 + C + 1 parameters for
    one input channel. No activation follows the skip connection (the state is the image itself).

    Parameters
    ----------
    channels : int
        C in [1, 1024].
    kernel_size : int
        Odd k in [3, 15].
    in_channels : int, default 1
    dtype : torch.dtype, default torch.float64
    """

    def __init__(self, channels: int, kernel_size: int, in_channels: int = 1, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        channels, _, kernel_size = _check_sizes(channels, 1, kernel_size, MAX_KERNEL_SIZE)
        in_channels = check_int(in_channels, "in_channels", 1, MAX_CHANNELS)
        dtype = _check_dtype(dtype)
        options = {"padding": kernel_size // 2, "padding_mode": "reflect", "dtype": dtype}
        self.conv1 = nn.Conv2d(in_channels, channels, kernel_size, **options)
        self.conv2 = nn.Conv2d(channels, in_channels, kernel_size, **options)

    def forward(self, u: torch.Tensor, residual_scale: float = 1.0) -> torch.Tensor:
        """u + s (W2 ReLU(W1 u + b1) + b2) with s = ``residual_scale`` (1: the trained block)."""
        return u + residual_scale * self.conv2(torch.relu(self.conv1(u)))


class ImageDenoiser(ResidualDenoiser):
    """x -> B_K(... B_1(x)) for grey-value images x of shape (batch, 1, M, N) (chapter 09).

    Parameters
    ----------
    blocks : sequence of StandardResidualBlock2D or StableDiffusionBlock2D
        The residual blocks; symmetric blocks must all act on images of the same shape.
    """

    signal_ndim = 2

    def __init__(self, blocks: list[nn.Module]) -> None:
        super().__init__()
        self.blocks = self._checked_blocks(blocks, (StandardResidualBlock2D, StableDiffusionBlock2D))
        shapes = {block.shape for block in self.blocks if isinstance(block, StableDiffusionBlock2D)}
        if len(shapes) > 1:
            raise ValueError(f"blocks must all act on images of the same shape, got shapes {sorted(shapes)}")

    @property
    def shape(self) -> tuple[int, int] | None:
        """(M, N) of the images a symmetric network runs on (its padding depends on it); None: any size."""
        block = self.blocks[0]
        return block.shape if isinstance(block, StableDiffusionBlock2D) else None

    def extra_repr(self) -> str:
        size = "" if self.shape is None else f", images {self.shape[0]} x {self.shape[1]}"
        return super().extra_repr() + size

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """u^0 = x, the image itself."""
        if self.shape is not None and tuple(x.shape[-2:]) != self.shape:
            raise ValueError(f"x must be images of shape {self.shape} (this network's; model.at_shape((M, N)) runs "
                             f"it on other sizes), got {tuple(x.shape[-2:])}")
        return x

    def decode(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """u^K, the last state."""
        return h

    def at_shape(self, shape: tuple[int, int]) -> ImageDenoiser:
        """The same network (a copy of the parameters) for images of ``shape`` (M, N); train mode as this one."""
        shape = check_shape(shape)
        blocks = [block.at_shape(shape) if isinstance(block, StableDiffusionBlock2D) else copy.deepcopy(block)
                  for block in self.blocks]
        return ImageDenoiser(blocks).train(self.training)


def standard_resnet_2d(
    channels: int = 8, blocks: int = 6, kernel_size: int = 3, seed: int = 0, dtype: torch.dtype = torch.float32
) -> ImageDenoiser:
    """A standard 2D ResNet denoiser: ``blocks`` x [u -> u + W2 ReLU(W1 u + b1) + b2] on the image (chapter 09).

    Parameters
    ----------
    channels : int, default 8
        C' in [1, 1024] hidden channels per block.
    blocks : int, default 6
        Number of residual blocks in [1, 10^4].
    kernel_size : int, default 3
        Odd k in [3, 15].
    seed : int, default 0
        Seed >= 0 of the initial weights (torch's default initialisation); the caller's random stream is untouched.
    dtype : torch.dtype, default torch.float32

    Returns
    -------
    ImageDenoiser
        2 C' k^2 + C' + 1 parameters per block.
    """
    channels, blocks, kernel_size = _check_sizes(channels, blocks, kernel_size, MAX_KERNEL_SIZE)
    return seeded(seed, lambda: ImageDenoiser([StandardResidualBlock2D(channels, kernel_size, dtype=dtype)
                                               for _ in range(blocks)]))


def diffusion_resnet_2d(
    shape: tuple[int, int],
    channels: int = 16,
    blocks: int = 6,
    kernel_size: int = 3,
    basis_size: int = 7,
    extent: float = 1.0,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> ImageDenoiser:
    """A symmetric diffusion network on images: ``blocks`` x [u -> u - tau P^T K^T Phi(K P u)] (chapter 09).

    Each block is a :class:`StableDiffusionBlock2D` with C filters K: 1 -> C, reflecting boundaries, its own
    :class:`SectorActivation` (L = 1, ``basis_size`` Gaussians on [0, ``extent``], acting on each channel) and
    its own tau below the stability bound by construction. The defaults have exactly as many parameters as
    :func:`standard_resnet_2d`'s (C = 2 C', m = C' - 1).

    Parameters
    ----------
    shape : (int, int)
        (M, N) of the images, each side in [k, 4096] (:meth:`ImageDenoiser.at_shape` changes it later).
    channels : int, default 16
        C in [1, 1024].
    blocks : int, default 6
        Number of diffusion blocks in [1, 10^4].
    kernel_size : int, default 3
        Odd k in [3, 15].
    basis_size : int, default 7
        Number m >= 1 of basis functions of each trainable activation.
    extent : float, default 1.0
        Largest centre of the activation's basis functions, around the largest |K u| that matters.
    seed : int, default 0
        Seed >= 0 of the initial weights; the caller's random stream is untouched.
    dtype : torch.dtype, default torch.float32

    Returns
    -------
    ImageDenoiser
        C k^2 + m + 2 parameters per block.
    """
    channels, blocks, kernel_size = _check_sizes(channels, blocks, kernel_size, MAX_KERNEL_SIZE)
    shape = check_shape(shape)
    return seeded(seed, lambda: ImageDenoiser([
        StableDiffusionBlock2D(channels, kernel_size, SectorActivation(1.0, basis_size, extent, dtype=dtype), shape,
                               dtype=dtype)
        for _ in range(blocks)
    ]))
