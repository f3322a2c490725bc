"""Benchmark of the frames an app sends the browser on every update (pdelib.apps.canvas): encoding time and bytes.

Run:  python benchmarks/bench_frames.py
For each chapter's widget at its default state, the figure's pixels are encoded, side by side in one run:
* "Pillow PNG": Pillow's PNG at compress level 1 with its per-row filters (the frames before this benchmark);
* "png_frame": :func:`pdelib.apps.canvas.png_frame`, unfiltered rows, ISA-L deflate level 2 (the apps' "png"
  frames);
* "JPEG": :func:`pdelib.apps.canvas.encode_frame` in "jpeg" (the photograph app's frames).
Times are medians of 15 encodings; the ratio is png_frame's time over Pillow's. Target: png_frame at most half
Pillow's time and at most 25 % more bytes; chapter 09's JPEG frame <= 120 KB (at 1.25 MB/s <= 100 ms of transfer).
"""

from __future__ import annotations

import io
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from pdelib import apps  # noqa: E402
from pdelib.apps.canvas import encode_frame  # noqa: E402


def chapter_apps() -> dict[str, apps.App]:
    from pdelib.nets.trained import chapter_data, chapter_networks

    data = chapter_data()
    models, _ = chapter_networks(data)
    return {"01": apps.DiffusionApp(), "02": apps.TimeStepApp(), "03": apps.ActivationApp(), "04": apps.FSIApp(),
            "05": apps.ImplicitApp(), "06": apps.MultigridApp(),
            "07": apps.StabilityApp({label: models[label] for label in ("(a) standard", "(b) symmetric")}, data),
            "08": apps.AmplificationApp(), "09": apps.ImageDiffusionApp()}


def pillow_png(pixels: np.ndarray) -> bytes:
    with io.BytesIO() as png:
        Image.fromarray(pixels[:, :, :3]).save(png, format="png", compress_level=1)
        return png.getvalue()


def timed(encode, pixels: np.ndarray, repeats: int = 15) -> tuple[float, int]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        data = encode(pixels)
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times), len(data)


if __name__ == "__main__":
    encoders = {"Pillow PNG": pillow_png, "png_frame": lambda p: encode_frame(p, "png"),
                "JPEG": lambda p: encode_frame(p, "jpeg")}
    print(f"{'chapter':8} {'pixels':>9} | " + " | ".join(f"{name:>17}" for name in encoders) + " | time ratio")
    ratios, growths = [], []
    for number, app in chapter_apps().items():
        pixels = np.asarray(app.canvas.get_renderer().buffer_rgba())
        results = {name: timed(encode, pixels) for name, encode in encoders.items()}
        ratio = results["png_frame"][0] / results["Pillow PNG"][0]
        ratios.append(ratio)
        growths.append(results["png_frame"][1] / results["Pillow PNG"][1])
        cells = " | ".join(f"{ms:5.1f} ms {size / 1e3:6.1f} KB" for ms, size in results.values())
        print(f"{number:8} {pixels.shape[1]:4}x{pixels.shape[0]:<4} | {cells} | {ratio:.2f}", flush=True)
        if number == "09":
            jpeg = results["JPEG"][1] / 1e3
    print(f"png_frame / Pillow PNG: time ratio {min(ratios):.2f}-{max(ratios):.2f} (target <= 0.5: "
          f"{'met' if max(ratios) <= 0.5 else 'MISSED'}); bytes {min(growths):.2f}-{max(growths):.2f}x (target <= 1.25: "
          f"{'met' if max(growths) <= 1.25 else 'MISSED'})")
    print(f"chapter 09 JPEG frame {jpeg:.1f} KB (target <= 120 KB: {'met' if jpeg <= 120 else 'MISSED'})")
