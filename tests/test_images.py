"""Tests of pdelib.images: photographs from scikit-image's wheel, seeded noise, PSNR and SSIM (chapter 09)."""

import math

import numpy as np
import pytest

from pdelib.images import IMAGES, load_image, noisy_image, psnr, ssim


@pytest.mark.parametrize("name", IMAGES)
def test_every_photograph_loads_offline_as_a_grey_square_in_0_1(name):
    image = load_image(name, 32)
    assert image.shape == (32, 32) and image.dtype == np.float64
    assert 0.0 <= image.min() < image.max() <= 1.0
    np.testing.assert_array_equal(image, load_image(name, 32))


def test_the_cameraman_keeps_its_contrast_at_256_pixels():
    image = load_image("camera", 256)
    assert image.shape == (256, 256) and image.min() < 0.1 and image.max() > 0.9


def test_noise_is_seeded_gaussian_with_the_given_deviation():
    clean = load_image("camera", 128)
    noisy = noisy_image(clean, 0.1, seed=3)
    np.testing.assert_array_equal(noisy, noisy_image(clean, 0.1, seed=3))
    assert not np.array_equal(noisy, noisy_image(clean, 0.1, seed=4))
    assert np.std(noisy - clean) == pytest.approx(0.1, rel=0.02)
    np.testing.assert_array_equal(noisy_image(clean, 0.0), clean)


def test_psnr_is_10_log10_of_one_over_the_mse_and_ssim_is_one_for_equal_images():
    clean = load_image("coins", 64)
    noisy = noisy_image(clean, 0.05, seed=0)
    mse = np.mean((noisy - clean) ** 2)
    assert psnr(clean, noisy) == pytest.approx(10 * math.log10(1 / mse), rel=1e-12)
    assert psnr(clean, clean) == math.inf and ssim(clean, clean) == pytest.approx(1.0)
    assert 0 < ssim(clean, noisy) < 1
    blown_up = noisy.copy()
    blown_up[0, 0] = np.inf
    assert psnr(clean, blown_up) == -math.inf and math.isnan(ssim(clean, blown_up))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="name"):
        load_image("lena")
    with pytest.raises(ValueError, match="size"):
        load_image("camera", 4)
    with pytest.raises(ValueError, match="noise"):
        noisy_image(np.zeros((8, 8)), -0.1)
    with pytest.raises(ValueError, match="seed"):
        noisy_image(np.zeros((8, 8)), 0.1, seed=-1)
    with pytest.raises(ValueError, match="u must be an image of the reference's shape"):
        psnr(np.zeros((8, 8)), np.zeros((8, 9)))
    with pytest.raises(TypeError, match="u must be"):
        ssim(np.zeros((8, 8)), "u")
    with pytest.raises(ValueError, match="reference"):
        psnr(np.zeros(8), np.zeros(8))
