"""Classical image denoisers at their best setting, side by side (chapter 09): what a learned network must beat.

* linear diffusion and Perona–Malik diffusion (:mod:`pdelib.schemes.explicit2d`), stopped at the time T with the
  highest PSNR against the clean image;
* total variation denoising by Chambolle's algorithm (``skimage.restoration.denoise_tv_chambolle``) with the
  weight of highest PSNR.

Choosing T or the weight by comparing with the clean image is an *oracle*: no real denoiser knows the clean image.
The table therefore shows the best each method can do on this image, an upper bound for its practical use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import check_image, check_int, check_items, check_positive
from .diffusivities import Diffusivity
from .images import psnr, ssim
from .operators2d import Gradient2D
from .schemes.explicit2d import ExplicitScheme2D, check_diffusivity, stability_bound_2d

#: Weights of the TV search: 25 values from 0.01 to 1 spaced evenly on a log scale.
TV_WEIGHTS = tuple(float(weight) for weight in np.geomspace(0.01, 1.0, 25))


@dataclass(frozen=True)
class Denoised:
    """One denoiser's best result: ``method``, its ``setting`` (as text), the ``image`` and its PSNR (dB) and SSIM."""

    method: str
    setting: str
    image: np.ndarray
    psnr: float
    ssim: float


def best_stopping_time(clean: np.ndarray, noisy: np.ndarray, diffusivity: Diffusivity,
                       max_time: float = 50.0) -> Denoised:
    """Diffuse ``noisy`` with explicit steps of tau = tau* (:func:`stability_bound_2d`) up to ``max_time`` and keep
    the state of highest PSNR against ``clean`` (an oracle stopping time, at the resolution tau*).

    Parameters
    ----------
    clean, noisy : images of the same shape
    diffusivity : Diffusivity
        g, e.g. ``pdelib.diffusivity("perona-malik", 0.1)``.
    max_time : float
        Latest stopping time, in (0, 10^4]: at most 4 * 10^4 steps of tau* ~ 1/4.
    """
    clean = check_image(clean, "clean")
    noisy = check_image(noisy, "noisy", clean.shape, "the shape of clean")
    check_diffusivity(diffusivity)
    max_time = check_positive(max_time, "max_time", 1e4)
    gradient = Gradient2D(clean.shape)
    tau = stability_bound_2d(diffusivity, gradient)
    scheme = ExplicitScheme2D(tau, diffusivity, gradient)
    u, best, best_error, best_step = noisy.copy(), noisy.copy(), math.inf, 0
    with np.errstate(all="ignore"):  # below tau* nothing grows; huge inputs may still overflow their squares
        for step in range(math.ceil(max_time / tau) + 1):
            difference = u - clean
            error = float(np.einsum("ij,ij->", difference, difference))
            if error < best_error:
                best_error, best_step = error, step
                np.copyto(best, u)
            scheme.step_inplace(u)
    method = "linear diffusion" if diffusivity.name == "linear" else (
        f"{diffusivity.title} diffusion (λ = {diffusivity.contrast:g})")
    return Denoised(method, f"T = {best_step * tau:.3g}", best, psnr(clean, best), ssim(clean, best))


def best_tv_weight(clean: np.ndarray, noisy: np.ndarray, weights: tuple[float, ...] = TV_WEIGHTS) -> Denoised:
    """TV denoising (Chambolle) of ``noisy`` with the weight of highest PSNR against ``clean``, among ``weights``
    (1 to 100 positive numbers; default 25 from 0.01 to 1)."""
    from skimage.restoration import denoise_tv_chambolle

    clean = check_image(clean, "clean")
    noisy = check_image(noisy, "noisy", clean.shape, "the shape of clean")
    weights = [check_positive(weight, "weights", 1e3) for weight in check_items(weights, "weights", "weights", 100)]
    results = [(psnr(clean, image), weight, image)
               for weight in weights for image in [denoise_tv_chambolle(noisy, weight=weight)]]
    score, weight, image = max(results, key=lambda result: result[0])
    return Denoised("TV (Chambolle)", f"weight = {weight:.3g}", image, score, ssim(clean, image))


def baseline_table(clean: np.ndarray, noisy: np.ndarray, contrast: float = 0.1,
                   max_time: float = 50.0) -> list[Denoised]:
    """The noisy image and the three classical denoisers at their best setting: the rows of chapter 09's table.

    Rows: the noisy input itself, linear diffusion and Perona–Malik (lambda = ``contrast``) at their best stopping
    times up to ``max_time``, TV at its best weight.
    """
    from .diffusivities import diffusivity

    clean = check_image(clean, "clean")
    noisy = check_image(noisy, "noisy", clean.shape, "the shape of clean")
    contrast = check_positive(contrast, "contrast", 1e3)
    return [
        Denoised("noisy input", "", noisy, psnr(clean, noisy), ssim(clean, noisy)),
        best_stopping_time(clean, noisy, diffusivity("linear"), max_time),
        best_stopping_time(clean, noisy, diffusivity("perona-malik", contrast), max_time),
        best_tv_weight(clean, noisy),
    ]


def format_table(rows: list[Denoised], digits: int = 1) -> str:
    """The rows as an aligned text table: method, setting, PSNR (dB, ``digits`` decimals), SSIM (2 decimals)."""
    rows = check_items(rows, "rows", "Denoised results")
    if not all(isinstance(row, Denoised) for row in rows):
        raise TypeError("rows must hold Denoised results (from baseline_table or best_stopping_time)")
    digits = check_int(digits, "digits", 0, 6)
    width = max(len(row.method) for row in rows)
    setting_width = max(len(row.setting) for row in rows)
    lines = [f"{'method':<{width}}  {'setting':<{setting_width}}  PSNR (dB)  SSIM"]
    lines += [f"{row.method:<{width}}  {row.setting:<{setting_width}}  {row.psnr:9.{digits}f}  {row.ssim:4.2f}"
              for row in rows]
    return "\n".join(lines)
