"""pdelib: the helper package of the course "Numerical PDE schemes as neural architectures".

Chapter map (each module names its chapter):

* :mod:`pdelib.operators` -- derivative operators D of any order (01, 02)
* :mod:`pdelib.fluxes` -- the flux (activation) base class and the sector condition (02, 03)
* :mod:`pdelib.diffusivities` -- diffusivities g and fluxes Phi (01, 02, 03)
* :mod:`pdelib.activations` -- network activations read as fluxes, custom piecewise-linear flux (03)
* :mod:`pdelib.trainable_activation` -- a trainable activation inside the sector (03, 07); imports torch
* :mod:`pdelib.signals` -- seeded test signals
* :mod:`pdelib.measures` -- norms, total variation, checkerboard amplitude
* :mod:`pdelib.explicit` -- the explicit scheme, its stability bound, blow-up detection (02)
* :mod:`pdelib.network` -- torch diffusion blocks (02); imports torch when first used
* :mod:`pdelib.fsi` -- FSI cycles, stopping times, accuracy study (04)
* :mod:`pdelib.fsi_network` -- FSI as a ResNet with skips two layers back (04); imports torch
* :mod:`pdelib.implicit` -- semi-implicit (banded LAPACK), fixed-point and Jacobi solvers (05); imports scipy
* :mod:`pdelib.tridiagonal` -- the compiled tridiagonal solve of the first-order semi-implicit step (05)
* :mod:`pdelib.recurrent_network` -- the fixed-point iteration as a recurrent network (05); imports torch
* :mod:`pdelib.multigrid` -- geometric multigrid in 1D and 2D: smoothers, restriction, prolongation, V/W/FMG (06)
* :mod:`pdelib.unet` -- the V-cycle as a U-net, restriction tied to prolongation or not (06); imports torch
* :mod:`pdelib.denoising` -- the seeded 1D denoising task, PSNR and MSE (07)
* :mod:`pdelib.denoisers` -- standard and symmetric (stable by construction) denoising ResNets (07); imports torch
* :mod:`pdelib.training` -- a small deterministic training loop with a device argument (07); imports torch
* :mod:`pdelib.plots` and :mod:`pdelib.apps` -- figures and widget apps; import matplotlib when used

``import pdelib`` imports numpy only.
"""

from .activations import ACTIVATIONS, PiecewiseLinearFlux, activation, secant_bound, sector_ratio_range
from .diffusivities import DIFFUSIVITIES, Diffusivity, diffusivity
from .explicit import BlowUp, Evolution, ExplicitScheme, diffuse, evolve, explicit_step, stability_bound
from .fsi import (
    FSIEvolution,
    FSIPlan,
    FSIScheme,
    cycle_time,
    fed_step_sizes,
    fsi_to_time,
    fsi_weights,
    plan_fsi,
    reference_solution,
    relative_max_error,
    steps_to_accuracy,
)
from .measures import checkerboard_amplitude, max_slope, total_variation
from .operators import BOUNDARIES, DerivativeOperator
from .signals import checkerboard, noisy_step, piecewise_constant, smooth_plus_noise, smooth_step

__all__ = [
    "ACTIVATIONS",
    "BOUNDARIES",
    "BlowUp",
    "DIFFUSIVITIES",
    "DerivativeOperator",
    "Diffusivity",
    "Evolution",
    "ExplicitScheme",
    "FSIEvolution",
    "FSIPlan",
    "FSIScheme",
    "PiecewiseLinearFlux",
    "activation",
    "checkerboard",
    "checkerboard_amplitude",
    "cycle_time",
    "diffuse",
    "diffusivity",
    "evolve",
    "explicit_step",
    "fed_step_sizes",
    "fsi_to_time",
    "fsi_weights",
    "max_slope",
    "noisy_step",
    "piecewise_constant",
    "plan_fsi",
    "reference_solution",
    "relative_max_error",
    "secant_bound",
    "sector_ratio_range",
    "smooth_plus_noise",
    "smooth_step",
    "stability_bound",
    "steps_to_accuracy",
    "total_variation",
]
__version__ = "0.1.0"

_LAZY_MODULES = (
    "apps",
    "denoisers",
    "denoising",
    "fsi_network",
    "implicit",
    "multigrid",
    "network",
    "plots",
    "recurrent_network",
    "trainable_activation",
    "training",
    "unet",
)


def __getattr__(name: str):
    """Import the heavy modules (torch, matplotlib, ipywidgets) on first use: ``pdelib.apps.TimeStepApp``."""
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pdelib' has no attribute {name!r}")
