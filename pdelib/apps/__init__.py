"""Widget apps of the course, one module per chapter: controls, a status line and a live figure.

* :class:`DiffusionApp` (chapter 01, :mod:`pdelib.apps.diffusion`): diffusivity, contrast, order and time -> the evolving signal
* :class:`TimeStepApp` (chapter 02, :mod:`pdelib.apps.time_step`): the time step tau against its stability bound
* :class:`ActivationApp` (chapter 03, :mod:`pdelib.apps.activation`): activation shapes, the sector condition and the scheme at its bound
* :class:`FSIApp` (chapter 04, :mod:`pdelib.apps.fsi`): FSI cycles against the plain explicit scheme
* :class:`ImplicitApp` (chapter 05, :mod:`pdelib.apps.implicit`): one implicit step by fixed point, Jacobi and a direct solve
* :class:`MultigridApp` (chapter 06, :mod:`pdelib.apps.multigrid`): depth, smoothing, smoother, cycle and N -> convergence and the equivalent U-net
* :class:`StabilityApp` (chapter 07, :mod:`pdelib.apps.stability`): trained networks with more blocks, larger steps and other inputs
* :class:`AmplificationApp` (chapter 08, :mod:`pdelib.apps.amplification`): the amplification factor of every scheme against mu, two eigenmodes evolved
* :class:`ImageDiffusionApp` (chapter 09, :mod:`pdelib.apps.image_diffusion`): diffusion of a photograph, tau against the 2D bound

Each app recomputes with the numpy solvers and updates its matplotlib artists in place
(no figure is recreated, nothing is printed), so it stays live and passes strict nbval.
The figure lives in an ipympl canvas widget; without a browser (tests, benchmarks) the
same canvas renders with Agg. The shared base is :mod:`pdelib.apps.base`; the canvas and its frames :mod:`pdelib.apps.canvas`.
Importing this package loads matplotlib, ipympl and ipywidgets, not torch.
"""

from .activation import ActivationApp
from .amplification import AmplificationApp
from .base import DIFFUSIVITY_LABELS, App
from .canvas import attach_canvas
from .diffusion import DiffusionApp
from .fsi import FSIApp
from .image_diffusion import ImageDiffusionApp
from .implicit import ImplicitApp
from .multigrid import MultigridApp
from .stability import StabilityApp
from .time_step import TimeStepApp

__all__ = [
    "ActivationApp",
    "AmplificationApp",
    "App",
    "DIFFUSIVITY_LABELS",
    "DiffusionApp",
    "FSIApp",
    "ImageDiffusionApp",
    "ImplicitApp",
    "MultigridApp",
    "StabilityApp",
    "TimeStepApp",
    "attach_canvas",
]
