"""A trainable activation that stays in the sector 0 <= Phi(s)/s <= L by construction (chapters 03, 07); its flux: :mod:`pdelib.fluxes`.

    Phi(s) = s g(s),   g(s) = L sigmoid(b + sum_j w_j psi_j(|s|)),   psi_j(a) = exp(-(a - c_j)^2 / (2 h^2))

with Gaussian radial basis functions psi_j on |s|, centres c_j evenly spaced over [0, extent] and
width h = their spacing. Whatever the weights w_j and the bias b, 0 <= g <= L, so the activation is in
the sector with the known bound L and a :class:`pdelib.nets.resnet.DiffusionBlock` using it is Euclidean
stable for tau <= 2 / (L ||K||^2) -- before, during and after training. Phi is odd; it can be
nonmonotone (g may fall faster than 1/|s|: backward diffusion, edge enhancement). Beyond the last centre
the basis functions vanish and g tends to L sigmoid(b).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import torch
from torch import nn

from .._checks import check_int, check_nonnegative, check_positive
from ..activations import sigmoid
from ..fluxes import Flux, check_flux

#: Beyond |s| = extent + CUTOFF h every basis function is below exp(-CUTOFF^2 / 2) = 0 in float64.
CUTOFF = 40.0


def _logits(s, weights, bias, centres, width: float, xp: ModuleType):
    """b + sum_j w_j psi_j(|s|) for numpy or torch.

    The basis index j is the first axis of the terms: every elementwise pass runs over contiguous slabs, and the
    sum over j adds whole slabs, j = 0, 1, ... in turn (a sum over a last axis of size m is many times slower).
    """
    reach = float(centres[-1]) + CUTOFF * width  # clipping |s| there changes no value, keeps gradients finite
    a = xp.clip(xp.abs(s), 0.0, reach)
    basis = (-1,) + (1,) * a.ndim
    return bias + (xp.exp(-0.5 * ((a[None] - centres.reshape(basis)) / width) ** 2) * weights.reshape(basis)).sum(0)


def _sector_flux(s, weights, bias, centres, width: float, bound: float, xp: ModuleType):
    """Phi(s) = s L sigmoid(b + sum_j w_j psi_j(|s|)) for numpy or torch (one formula for both)."""
    return s * (bound * sigmoid(_logits(s, weights, bias, centres, width, xp), xp))


def _check_dtype(dtype: object) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a real floating torch dtype such as torch.float64, got {dtype!r}")
    return dtype


class SectorActivation(nn.Module):
    """Trainable activation Phi(s) = s L sigmoid(b + sum_j w_j psi_j(|s|)), in the sector [0, L] for any parameters.

    Parameters
    ----------
    sector_bound : float, default 1.0
        L > 0: the largest value of g = Phi(s)/s (reached only in the limit of large logits).
    basis_size : int, default 8
        Number m >= 1 of Gaussian basis functions psi_j on |s|.
    extent : float, default 1.0
        Largest centre > 0: centres c_j = j extent / (m - 1), j = 0..m-1 (c_0 = 0; m = 1: one centre at 0),
        width h = extent / (m - 1) (h = extent for m = 1). Choose it around the largest slopes |s| that matter.
    seed : int, optional
        Seed of the initial weights (drawn N(0, init_scale^2)); without it torch's global generator is
        used, so ``torch.manual_seed`` makes the initialisation reproducible too.
    init_scale : float, default 1.0
        Standard deviation >= 0 of the initial weights; the bias starts at 0.
    dtype : torch.dtype, default torch.float64
        Dtype of the parameters; inputs should have the same dtype (like :class:`~pdelib.nets.resnet.DiffusionBlock`).

    Attributes
    ----------
    weights : Parameter of shape (m,)
        w_j.
    bias : Parameter of shape ()
        b.

    Examples
    --------
    >>> import torch, pdelib
    >>> from pdelib.nets.resnet import DiffusionBlock
    >>> phi = SectorActivation(sector_bound=1.0, seed=0)
    >>> block = DiffusionBlock(channels=4, kernel_size=3, tau=1.0, activation=phi, size=32)
    >>> tau = block.use_stability_bound(phi.sector_bound)   # 2 / (L ||K||^2): stable for any weights of phi
    """

    def __init__(self, sector_bound: float = 1.0, basis_size: int = 8, extent: float = 1.0,
                 seed: int | None = None, init_scale: float = 1.0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self._sector_bound = check_positive(sector_bound, "sector_bound")
        basis_size = check_int(basis_size, "basis_size", 1)
        self.extent = check_positive(extent, "extent")
        init_scale = check_nonnegative(init_scale, "init_scale")
        dtype = _check_dtype(dtype)
        self.width = self.extent / (basis_size - 1) if basis_size > 1 else self.extent
        self.register_buffer("centres", torch.linspace(0.0, self.extent, basis_size, dtype=dtype))
        generator = None if seed is None else torch.Generator().manual_seed(check_int(seed, "seed", 0))
        self.weights = nn.Parameter(init_scale * torch.randn(basis_size, generator=generator, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros((), dtype=dtype))

    @property
    def sector_bound(self) -> float:
        """L: 0 <= Phi(s)/s <= L for every s != 0 and every value of the parameters."""
        return self._sector_bound

    @property
    def basis_size(self) -> int:
        return self.centres.numel()

    def extra_repr(self) -> str:
        return f"sector_bound={self.sector_bound:g}, basis_size={self.basis_size}, extent={self.extent:g}"

    def forward(self, s: torch.Tensor) -> torch.Tensor:
        """Phi(s), componentwise, differentiable in s and in the parameters."""
        return _sector_flux(s, self.weights, self.bias, self.centres, self.width, self.sector_bound, torch)

    def g(self, s: torch.Tensor) -> torch.Tensor:
        """g(s) = Phi(s)/s in [0, L] (the diffusivity), also at s = 0."""
        return self.sector_bound * sigmoid(_logits(s, self.weights, self.bias, self.centres, self.width, torch), torch)

    def to_flux(self) -> SectorFlux:
        """A frozen copy as a :class:`pdelib.fluxes.Flux`: runs in the numpy scheme, ``bound`` = L."""
        return SectorFlux(self.weights.detach().double().cpu().numpy().copy(), float(self.bias.detach()),
                          self.centres.double().cpu().numpy().copy(), self.width, self.sector_bound)

    @classmethod
    def from_flux(cls, flux: Flux, basis_size: int = 12, extent: float | None = None,
                  dtype: torch.dtype = torch.float64) -> SectorActivation:
        """Initialise close to a flux in the sector, e.g. a pdelib diffusivity, with the same L.

        With L = ``flux.bound`` (a ValueError outside the sector) and samples 0 < a_k <= 1.5 extent:
        first b and w_j are the least-squares fit of the logits log(g / (L - g)) of the target
        g(a) = Phi(a)/a (g/L clipped to [1e-4, 1 - 1e-4]); then L-BFGS refines them to minimise
        mean (Phi_module(a_k) - Phi(a_k))^2. The fit is deterministic and close on |s| <= 1.5 extent
        (about 1e-2 lambda for the pdelib diffusivities); beyond, g tends to the constant L sigmoid(b).
        Only s > 0 is fitted: the module is odd.

        Parameters
        ----------
        flux : Flux
            In the sector, e.g. ``pdelib.diffusivity("perona-malik", 0.1)``.
        basis_size : int, default 12
        extent : float, optional
            Largest centre; default 3 lambda (``3 * flux.contrast``, or 3 without a contrast).
        dtype : torch.dtype, default torch.float64
        """
        check_flux(flux, "flux")
        bound = flux.bound
        if extent is None:
            extent = 3.0 * getattr(flux, "contrast", 1.0)
        # seeded: the caller's torch random stream is not touched (the weights are overwritten anyway)
        module = cls(sector_bound=bound, basis_size=basis_size, extent=extent, seed=0, init_scale=0.0, dtype=dtype)
        a = np.linspace(0.0, 1.5 * module.extent, 30 * module.basis_size + 1)[1:]
        phi = flux.flux(a)
        ratio = np.clip(phi / a / bound, 1e-4, 1.0 - 1e-4)
        centres = module.centres.double().numpy()
        design = np.column_stack([np.ones_like(a), np.exp(-0.5 * ((a[:, None] - centres) / module.width) ** 2)])
        coefficients = np.linalg.lstsq(design, np.log(ratio / (1.0 - ratio)), rcond=None)[0]
        with torch.no_grad():
            module.bias.fill_(float(coefficients[0]))
            module.weights.copy_(torch.as_tensor(coefficients[1:], dtype=dtype))
        samples, target = torch.as_tensor(a, dtype=dtype), torch.as_tensor(phi, dtype=dtype)
        scale = float(np.abs(phi).max()) or 1.0
        optimizer = torch.optim.LBFGS(module.parameters(), max_iter=200, tolerance_grad=1e-12, tolerance_change=1e-14,
                                      history_size=20, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimizer.zero_grad()
            loss = ((module(samples) - target) ** 2).mean() / scale**2
            loss.backward()
            return loss

        optimizer.step(closure)
        module.zero_grad(set_to_none=True)
        return module


class SectorFlux(Flux):
    """A frozen :class:`SectorActivation` as a :class:`pdelib.fluxes.Flux` (numpy and torch), with ``bound`` = L.

    ``monotone`` is checked on a dense grid of |s| up to the reach of the basis functions (Phi'(s) >= 0).
    """

    name = "sector-activation"
    title = "trained activation in the sector"
    formula = r"\Phi(s) = s\,L\,\sigma\bigl(b + \textstyle\sum_j w_j e^{-(|s| - c_j)^2/(2h^2)}\bigr)"

    def __init__(self, weights: np.ndarray, bias: float, centres: np.ndarray, width: float, bound: float) -> None:
        self.weights, self.bias, self.centres = np.asarray(weights, float), float(bias), np.asarray(centres, float)
        self.width, self.sector_bound = float(width), float(bound)
        grid = np.linspace(0.0, float(self.centres[-1]) + 6.0 * self.width, 4001)
        self.monotone = bool(np.all(self._flux_derivative(grid) >= 0.0))

    def __repr__(self) -> str:
        return f"SectorFlux(L={self.sector_bound:g}, basis_size={self.centres.size})"

    def _flux(self, s, xp):
        if xp is np:
            return _sector_flux(s, self.weights, self.bias, self.centres, self.width, self.sector_bound, np)
        weights = xp.as_tensor(self.weights, dtype=s.dtype, device=s.device)
        centres = xp.as_tensor(self.centres, dtype=s.dtype, device=s.device)
        return _sector_flux(s, weights, self.bias, centres, self.width, self.sector_bound, xp)

    def _flux_derivative(self, s):
        """Phi'(s) = g + |s| L sigma (1 - sigma) sum_j w_j psi_j'(|s|), psi_j' = -(|s| - c_j)/h^2 psi_j."""
        a = np.minimum(np.abs(s), float(self.centres[-1]) + CUTOFF * self.width)[..., None]
        offsets = (a - self.centres) / self.width
        psi = np.exp(-0.5 * offsets**2)
        logits = self.bias + (psi * self.weights).sum(-1)
        p = sigmoid(logits, np)
        slope = (psi * self.weights * (-offsets / self.width)).sum(-1)
        return self.sector_bound * (p + a[..., 0] * p * sigmoid(-logits, np) * slope)
