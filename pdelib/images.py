"""Photographs, seeded noise and image quality for chapter 09: the 2D denoising task.

The photographs are scikit-image's sample data (``skimage.data``), shipped inside its wheel: no download at
run time. :func:`load_image` turns one into a square grey-value image in [0, 1], :func:`noisy_image` adds
seeded Gaussian noise, :func:`psnr` and :func:`ssim` score a result against the clean image with
``skimage.metrics`` (grey values in [0, 1], so the data range is 1). :func:`patch_data` cuts the training and
validation patches of the learned denoisers from some photographs and keeps another one, unseen, for the test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._checks import (
    MAX_SEED,
    _as_real_array,
    check_choice,
    check_image,
    check_int,
    check_items,
    check_positive,
    check_real,
)
from .denoising import DenoisingData, DenoisingSplit

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
    seed = check_int(seed, "seed", 0, MAX_SEED)
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


@dataclass(frozen=True, repr=False)
class PatchData(DenoisingData):
    """Noisy/clean patches of some photographs for training and validation, an unseen photograph for the test
    (chapter 09). The splits hold arrays of shape (patches, p, p); the test split one image, shape (1, M, N).

    Attributes (besides those of :class:`pdelib.denoising.DenoisingData`)
    ----------
    images : tuple of str
        The photographs the patches come from.
    test_image : str
        The photograph of the test split, none of ``images``.
    """

    images: tuple[str, ...] = ()
    test_image: str = ""

    @property
    def patch(self) -> int:
        """p, the side of the square patches."""
        return self.train.clean.shape[-1]

    @property
    def test_shape(self) -> tuple[int, int]:
        """(M, N) of the test photograph."""
        return self.test.clean.shape[1:]

    def __repr__(self) -> str:
        rows, columns = self.test_shape
        return (f"PatchData({len(self.train)} training and {len(self.validation)} validation patches of "
                f"{self.patch} x {self.patch} pixels from {', '.join(self.images)}; test image {self.test_image} "
                f"{rows} x {columns}; noise={self.noise:g}, seed={self.seed}, "
                f"noisy test PSNR={psnr(self.test.clean[0], self.test.noisy[0]):.2f} dB)")


def patch_data(images: tuple[str, ...] = ("camera", "coins", "moon", "chelsea", "coffee"), test_image: str = "astronaut",
               size: int = 256, patch: int = 32, validation: float = 0.15, noise: float = 0.1,
               seed: int = 0) -> PatchData:
    """Seeded noisy/clean patches of photographs for learning to denoise, and an unseen photograph to test on (09).

    Each photograph in ``images`` is loaded at ``size`` x ``size`` (:func:`load_image`) and cut into the
    (size // patch)^2 non-overlapping patch x patch tiles; the tiles of all photographs are shuffled once and a
    share ``validation`` of them is kept for validation. The noisy tiles add n_ij ~ N(0, noise^2), drawn from
    ``numpy.random.default_rng([seed, 1])``; the test split is ``test_image`` at the same size with the noise of
    :func:`noisy_image` (seed ``seed``). The same arguments give the same arrays on every machine.

    Parameters
    ----------
    images : tuple of str
        1 to 10 names from :data:`IMAGES`, without ``test_image``.
    test_image : str
        One of :data:`IMAGES`, default "astronaut" (converted to grey).
    size : int
        Side in [8, 1024] of the photographs.
    patch : int
        Side p in [4, size] of the tiles.
    validation : float
        Share in (0, 0.5] of the tiles for validation (at least one tile).
    noise : float
        Standard deviation sigma in [0, 10] of the noise (grey values span [0, 1]).
    seed : int
        Seed >= 0.
    """
    names = check_items(images, "images", "names of photographs", len(IMAGES))
    for name in names:
        check_choice(name, "images", IMAGES)
    if len(set(names)) != len(names):
        raise ValueError(f"images must name different photographs, got {tuple(names)}")
    check_choice(test_image, "test_image", IMAGES)
    if test_image in names:
        raise ValueError(f"test_image must be a photograph the training never sees, but {test_image!r} is in images")
    size = check_int(size, "size", 8, 1024)
    patch = check_int(patch, "patch", 4, size)
    validation = check_positive(validation, "validation", 0.5)
    noise = check_real(noise, "noise", 0.0, 10.0)
    seed = check_int(seed, "seed", 0, MAX_SEED)
    tiles = size // patch
    clean = np.concatenate([
        load_image(name, size)[:tiles * patch, :tiles * patch].reshape(tiles, patch, tiles, patch).swapaxes(1, 2)
        .reshape(-1, patch, patch)
        for name in names
    ])
    rng = np.random.default_rng([seed, 1])
    clean = clean[rng.permutation(len(clean))]
    noisy = clean + noise * rng.standard_normal(clean.shape)
    held_out = max(1, round(validation * len(clean)))
    if held_out >= len(clean):
        raise ValueError(f"patch = {patch} leaves {len(clean)} tiles: too few for a training and a validation split")
    test_clean = load_image(test_image, size)
    test = DenoisingSplit(noisy_image(test_clean, noise, seed)[None], test_clean[None])
    return PatchData(DenoisingSplit(noisy[held_out:], clean[held_out:]), DenoisingSplit(noisy[:held_out], clean[:held_out]),
                     test, noise, "image patches", seed, tuple(names), test_image)
