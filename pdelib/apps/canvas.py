"""The canvas of the widget apps and the frames it sends to the browser (:func:`attach_canvas`, :func:`encode_frame`).

Every update of an app ends in one frame: the whole figure as an image, sent over the kernel's websocket and
drawn by ipympl's canvas in the browser. Its encoding is on the path from a key press to new pixels
(``benchmarks/bench_frames.py`` and ``benchmarks/bench_browser_e2e.py``):

* ``"png"`` (lossless, for plots and text): the figure's RGBA buffer as it is, no row filter, deflated by
  ISA-L (``isal``) at level 2. A plot is mostly flat colour, so the filters that matplotlib and Pillow try on
  every row buy a few per cent fewer bytes for many times the time: about 0.7 ms per 920 x 500 frame here,
  against 13 ms for Pillow's PNG at zlib level 1.
* ``"jpeg"`` (for photographs, chapter 09): a noisy image hardly compresses without loss, about 210 KB per
  frame as PNG against 74 KB as JPEG of quality 75, which a slow link carries in 60 ms instead of 170.
"""

from __future__ import annotations

import io
import struct
import warnings
import zlib
from base64 import b64encode

import numpy as np
from ipympl.backend_nbagg import Canvas, FigureManager
from isal import isal_zlib
from matplotlib.figure import Figure
from PIL import Image

from .._checks import check_choice

#: Frame encodings an app may choose (``App.frame_format``).
FRAME_FORMATS = ("png", "jpeg")
#: JPEG quality of ``"jpeg"`` frames (chroma at half resolution, libjpeg's default).
JPEG_QUALITY = 75
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _check_pixels(pixels: object, channels: tuple[int, ...]) -> None:
    if not (isinstance(pixels, np.ndarray) and pixels.dtype == np.uint8 and pixels.ndim == 3
            and pixels.shape[2] in channels and pixels.shape[0] >= 1 and pixels.shape[1] >= 1):
        raise ValueError(f"pixels must be a uint8 array of shape (height, width, {' or '.join(map(str, channels))}) "
                         f"with height, width >= 1, got {getattr(pixels, 'dtype', type(pixels).__name__)} of shape "
                         f"{np.shape(pixels)}")


def png_frame(pixels: np.ndarray) -> bytes:
    """A PNG of ``pixels`` (uint8, height x width x 3 for RGB or 4 for RGBA): every row unfiltered
    (filter type 0), the image data deflated by ISA-L at level 2. Any PNG decoder reads it back exactly."""
    _check_pixels(pixels, (3, 4))
    height, width, channels = pixels.shape
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 0  # each row's filter type: none
    rows[:, 1:].reshape(height, width, channels)[...] = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if channels == 3 else 6, 0, 0, 0)
    return b"".join((_PNG_SIGNATURE, _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", isal_zlib.compress(rows.data, 2)), _png_chunk(b"IEND", b"")))


def encode_frame(pixels: np.ndarray, frame_format: str = "png") -> bytes:
    """The figure's RGBA ``pixels`` as one frame for the browser: ``"png"`` (:func:`png_frame` of the RGBA
    buffer as it is: an opaque alpha channel costs a few per cent more bytes, dropping it a copy costing
    several times the compression) or ``"jpeg"`` (quality ``JPEG_QUALITY``, on white where the figure is
    transparent)."""
    check_choice(frame_format, "frame_format", FRAME_FORMATS)
    _check_pixels(pixels, (4,))
    if frame_format == "png":
        return png_frame(pixels)
    height, width, _ = pixels.shape
    image = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(pixels), "raw", "RGBA", 0, 1)
    if pixels[:, :, 3].min() < 255:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    with io.BytesIO() as jpeg:
        image.convert("RGB").save(jpeg, format="jpeg", quality=JPEG_QUALITY)
        return jpeg.getvalue()


class FrameCanvas(Canvas):
    """ipympl's canvas (0.10.0) with its image hand-over fixed and every frame complete, in ``frame_format``.

    Drawn before the browser has connected (an app draws while it is built), ipympl stores the
    figure as a data URL without its ``data:image/png;base64,`` prefix and sends raw pixels
    where a PNG is expected, so JupyterLab shows an empty 0 x 0 figure. Here the stored URL is
    complete and the frame is sent as encoded.

    Every frame is a full image, never a diff (issue 14: doubled titles, missing ticks, blank canvases).
    matplotlib's web backend sends only the pixels changed since the previous frame, to be drawn over it;
    ipympl's browser side decodes each image asynchronously into one ``Image`` whose ``src`` the next frame
    replaces, so of two frames arriving before the first has decoded only the second is drawn, and a diff
    drawn over the frame before the lost one leaves that frame's pixels wherever the lost frame changed
    them. Frames arrive back to back whenever updates follow each other quickly (a reset, a slider echo, a
    burst of key presses) or the browser is busy; the kernel cannot know which frame was drawn. A full
    frame does not depend on its predecessor, so the last one received is always what the browser shows.
    (ipympl labels every frame ``image/png``; browsers decode an image by its content, JPEG included.)
    """

    frame_format = "png"

    def send_binary(self, data: bytes) -> None:
        if self.syncing_data_url:  # no browser has connected yet: keep the picture for the widget's saved state
            pixels = np.asarray(self.get_renderer().buffer_rgba())
            self._data_url = "data:image/png;base64," + b64encode(png_frame(pixels)).decode("ascii")
        self.send({"data": '{"type": "binary"}'}, buffers=[data])

    def get_diff_image(self) -> bytes | None:
        """The frame for the browser (replaces ``FigureCanvasWebAggCore.get_diff_image``): always the full
        image, encoded by :func:`encode_frame` in ``frame_format``."""
        if not self._png_is_old:
            return None
        pixels = np.asarray(self.get_renderer().buffer_rgba())
        self.set_image_mode("full")
        self._force_full = False
        self._png_is_old = False
        return encode_frame(pixels, self.frame_format)


def attach_canvas(figure: Figure, frame_format: str = "png") -> Canvas:
    """Give ``figure`` an ipympl canvas widget (interactive in JupyterLab, Agg when headless) whose frames
    travel as ``frame_format`` (:data:`FRAME_FORMATS`)."""
    check_choice(frame_format, "frame_format", FRAME_FORMATS)
    canvas = FrameCanvas(figure)
    canvas.frame_format = frame_format
    with warnings.catch_warnings():
        # ipympl 0.10 hands the canvas on to its toolbar widget's constructor, which traitlets flags
        warnings.filterwarnings("ignore", message="Passing unrecognized arguments", category=DeprecationWarning)
        FigureManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    return canvas
