"""The canvas widget and its frames (pdelib.apps.canvas): a PNG frame decodes to exactly the figure's pixels,
a JPEG frame to nearly them; every frame is complete; bad arguments are refused by name."""

import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

from pdelib.apps import ImageDiffusionApp, TimeStepApp  # noqa: E402
from pdelib.apps.canvas import FRAME_FORMATS, attach_canvas, encode_frame, png_frame  # noqa: E402


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([3, 4]))))
def test_a_png_frame_decodes_to_exactly_its_pixels(pixels):
    assert np.array_equal(decoded(png_frame(pixels)), pixels)


def test_a_png_frame_of_a_figure_is_lossless():
    app = TimeStepApp(size=64, steps=20)
    pixels = np.asarray(app.canvas.get_renderer().buffer_rgba())
    assert np.array_equal(decoded(encode_frame(pixels, "png")), pixels)


def test_a_transparent_figure_keeps_its_alpha_as_png_and_lies_on_white_as_jpeg():
    pixels = np.zeros((8, 10, 4), np.uint8)
    pixels[:, :5] = (200, 40, 40, 255)  # left half opaque red, right half transparent
    assert np.array_equal(decoded(encode_frame(pixels, "png")), pixels)
    jpeg = decoded(encode_frame(pixels, "jpeg")).astype(int)
    assert np.abs(jpeg[:, 7:] - 255).max() <= 8  # transparent -> white
    assert np.abs(jpeg[:, :3] - (200, 40, 40)).max() <= 40


def test_the_photograph_app_sends_jpeg_frames_close_to_its_figure():
    """Chapter 09's frames are JPEG (a third of the bytes of a PNG of its noisy photographs); the picture is the
    figure up to compression: a mean error of a few grey levels out of 255 (3.04 measured at 64 x 64)."""
    app = ImageDiffusionApp(size=64)
    app.canvas.syncing_data_url = False
    sent = []
    app.canvas.send = lambda content, buffers=None: sent.append(buffers)
    app.set(tau_ratio=0.5)
    frame = sent[-1][0]
    assert frame[:2] == b"\xff\xd8"  # a JPEG
    pixels = np.asarray(app.canvas.get_renderer().buffer_rgba())[:, :, :3].astype(int)
    assert np.abs(decoded(frame).astype(int) - pixels).mean() < 4


def test_every_frame_is_complete_and_the_first_one_is_kept_for_the_saved_state():
    app = TimeStepApp(size=64, steps=20)
    assert app.canvas._data_url.startswith("data:image/png;base64,")  # drawn before any browser connected
    app.canvas.syncing_data_url = False  # as once JupyterLab's view has connected
    sent = []
    app.canvas.send = lambda content, buffers=None: sent.append((content, buffers))
    app.set(tau=0.3)
    app.set(tau=0.2)
    assert len(sent) == 2 and app.canvas._image_mode == "full"
    assert np.array_equal(decoded(sent[-1][1][0]), np.asarray(app.canvas.get_renderer().buffer_rgba()))


@pytest.mark.parametrize("bad, error", [("gif", ValueError), ("PNG", ValueError), (None, TypeError)])
def test_a_frame_format_outside_the_list_is_refused_by_name(bad, error):
    pixels = np.zeros((2, 2, 4), np.uint8)
    with pytest.raises(error, match=r"frame_format must be one of 'png', 'jpeg'"):
        encode_frame(pixels, bad)
    with pytest.raises(error, match="frame_format"):
        attach_canvas(Figure(), bad)
    assert FRAME_FORMATS == ("png", "jpeg")


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 4)), np.zeros((2, 2), np.uint8), np.zeros((0, 2, 3), np.uint8),
                                 np.zeros((2, 2, 2), np.uint8), [[1, 2, 3]]])
def test_png_frame_refuses_what_is_not_an_image(bad):
    with pytest.raises(ValueError, match=r"pixels must be a uint8 array of shape \(height, width, 3 or 4\)"):
        png_frame(bad)


@pytest.mark.parametrize("frame_format", FRAME_FORMATS)
def test_encode_frame_takes_only_a_figure_s_rgba_pixels(frame_format):
    with pytest.raises(ValueError, match=r"pixels must be a uint8 array of shape \(height, width, 4\)"):
        encode_frame(np.zeros((2, 2, 3), np.uint8), frame_format)
