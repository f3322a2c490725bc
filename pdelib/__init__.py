"""pdelib: the helper package of the course "Numerical PDE schemes as neural architectures".

Chapter map -- the course's dictionary, scheme beside the network it is:

The model (numpy)
  * :mod:`pdelib.operators` -- derivative operators D of any order (01, 02)
  * :mod:`pdelib.fluxes` -- the flux (activation) base class and the sector condition (02, 03)
  * :mod:`pdelib.diffusivities` -- diffusivities g and fluxes Phi (01, 02, 03)
  * :mod:`pdelib.activations` -- network activations read as fluxes, custom piecewise-linear flux (03)
  * :mod:`pdelib.signals` -- seeded test signals; :mod:`pdelib.measures` -- norms, total variation, checkerboard
  * :mod:`pdelib.denoising` -- the seeded 1D denoising task, PSNR and MSE (07)
  * :mod:`pdelib.operators2d` -- the image gradient, its adjoint -div and its exact norm (09)
  * :mod:`pdelib.images` -- photographs (scikit-image), seeded noise, PSNR and SSIM (09);
    :mod:`pdelib.baselines` -- linear and Perona-Malik diffusion, TV, each at its best setting (09)

Schemes (:mod:`pdelib.schemes`, numpy)          Networks (:mod:`pdelib.nets`, torch)
  * ``schemes.explicit`` (02)                  <->  ``nets.resnet``: conv -> flux -> transposed conv + skip
  * ``schemes.fsi`` (04)                       <->  ``nets.fsi``: skips two layers back (momentum)
  * ``schemes.implicit``, ``schemes.tridiagonal`` (05) <->  ``nets.recurrent``: one block, shared weights
  * ``schemes.multigrid``, ``schemes.grids`` (06)      <->  ``nets.unet``: the V-cycle as a U-net
  * the fluxes above (03)                      <->  ``nets.sector_activation``: trainable, inside the sector
  * (07)                                             ``nets.denoisers``, ``nets.training``: learning with them
  * ``schemes.explicit2d`` (09)                  <->  ``nets.resnet2d``: the same block with Conv2d, on images
  * ``schemes.fsi2d`` (09): FSI on images, the 1D weights and plans

Figures and widgets (matplotlib, ipywidgets)
  * :mod:`pdelib.plots` -- static figures
  * :mod:`pdelib.apps` -- one widget app per chapter (``pdelib.apps.TimeStepApp()``), base in ``apps.base``

``import pdelib`` imports numpy only; torch is imported only under :mod:`pdelib.nets`.
"""

from .activations import (
    ACTIVATIONS,
    PiecewiseLinearFlux,
    activation,
    secant_bound,
    sector_ratio_range,
)
from .diffusivities import DIFFUSIVITIES, Diffusivity, diffusivity
from .measures import checkerboard_amplitude, max_slope, total_variation
from .operators import BOUNDARIES, DerivativeOperator
from .schemes.explicit import (
    BlowUp,
    Evolution,
    ExplicitScheme,
    diffuse,
    evolve,
    explicit_step,
    stability_bound,
)
from .schemes.fsi import (
    FSIEvolution,
    FSIPlan,
    FSISchedule,
    FSIScheme,
    cycle_time,
    fed_step_sizes,
    fsi_schedule,
    fsi_to_time,
    fsi_weights,
    plan_fsi,
    reference_solution,
    relative_max_error,
    steps_to_accuracy,
)
from .signals import (
    checkerboard,
    noisy_step,
    piecewise_constant,
    smooth_plus_noise,
    smooth_step,
)

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
    "FSISchedule",
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
    "fsi_schedule",
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

_LAZY_MODULES = ("apps", "baselines", "denoising", "images", "nets", "operators2d", "plots", "schemes")


def __getattr__(name: str):
    """Import the heavy modules (torch, matplotlib, ipywidgets) on first use: ``pdelib.apps.TimeStepApp``."""
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pdelib' has no attribute {name!r}")
