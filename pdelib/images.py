"""Photographs, seeded noise and image quality for chapter 09: the 2D denoising task.

The photographs are scikit-image's sample data (``skimage.data``), shipped inside its wheel: no download at
run time. :func:`load_image` turns one into a square grey-value image in [0, 1], :func:`noisy_image` adds
seeded Gaussian noise, :func:`psnr` and :func:`ssim` score a result against the clean image with
``skimage.metrics`` (grey values in [0, 1], so the data range is 1).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import _as_real_array, check_choice, check_image, check_int, check_real

#: Photographs offered by :func:`load_image` (names of ``skimage.data`` functions).
IMAGES = ("camera", "astronaut", "coins", "moon", "clock", "chelsea", "coffee", "brick", "grass", "gravel")


def load_image(name: str = "camera", size: int = 256) -> np.ndarray:
    """The photograph ``name`` as a float64 grey-value image of size x size pixels in [0, 1].

    Colour photographs are converted to grey (``skimage.color.rgb2gray``); the largest centred square is cut out
    and resized with anti-aliasing (``skimage.transform.resize``), so the same call gives the same pixels.

    Parameters
    ----------
    name : str
        One of :data:`IMAGES`, e.g. "camera" (512 x 512, the cameraman), "astronaut", "coins".
    size : int
        Side in [8, 1024] pixels.
    """
    from skimage import color, data, transform

    check_choice(name, "name", IMAGES)
    size = check_int(size, "size", 8, 1024)
    image = getattr(data, name)()
    if image.ndim == 3:
        image = color.rgb2gray(image[..., :3])
    image = np.asarray(image, dtype=np.float64)
    if image.max() > 1.0:
        image = image / 255.0
    rows, columns = image.shape
    side = min(rows, columns)
    top, left = (rows - side) // 2, (columns - side) // 2
    square = image[top:top + side, left:left + side]
    return np.clip(transform.resize(square, (size, size), anti_aliasing=True), 0.0, 1.0)


def noisy_image(clean: np.ndarray, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """clean + n with n_ij ~ N(0, noise^2) independent, from ``numpy.random.default_rng(seed)``; not clipped.

    Parameters
    ----------
    clean : image
    noise : float
        Standard deviation sigma in [0, 10] (grey values span [0, 1]: sigma = 0.1 is 10 % of the range).
    seed : int
        Seed >= 0 of the noise.
    """
    clean = check_image(clean, "clean")
    noise = check_real(noise, "noise", 0.0, 10.0)
    seed = check_int(seed, "seed", 0)
    return clean + noise * np.random.default_rng(seed).standard_normal(clean.shape)


def _check_pair(reference: object, u: object) -> tuple[np.ndarray, np.ndarray]:
    reference = check_image(reference, "reference")
    u = _as_real_array(u, "u", "an image (a 2D array of real numbers)")
    if u.shape != reference.shape:
        raise ValueError(f"u must be an image of the reference's shape {reference.shape}, got shape {u.shape}")
    return reference, u.astype(np.float64, copy=False)


def psnr(reference: np.ndarray, u: np.ndarray) -> float:
    """Peak signal-to-noise ratio 10 log10(1 / MSE) in dB for grey values in [0, 1] (``skimage.metrics``).

    A ``u`` with non-finite values (a blown-up run) scores -inf.
    """
    from skimage.metrics import peak_signal_noise_ratio

    reference, u = _check_pair(reference, u)
    if not np.all(np.isfinite(u)):
        return -math.inf
    if np.array_equal(reference, u):
        return math.inf
    return float(peak_signal_noise_ratio(reference, u, data_range=1.0))


def ssim(reference: np.ndarray, u: np.ndarray) -> float:
    """Structural similarity in [-1, 1] (1: identical) with data range 1 (``skimage.metrics.structural_similarity``,
    its default 7 x 7 window). A ``u`` with non-finite values scores nan."""
    from skimage.metrics import structural_similarity

    reference, u = _check_pair(reference, u)
    if not np.all(np.isfinite(u)):
        return math.nan
    return float(structural_similarity(reference, u, data_range=1.0))
