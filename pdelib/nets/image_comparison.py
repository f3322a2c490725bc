"""The learned image denoisers against the classical ones, and outside their training (chapter 09).

* :func:`denoising_table`: PSNR and SSIM on the unseen test photograph, the rows of
  :func:`pdelib.baselines.baseline_table` (noisy input, linear diffusion and Perona-Malik at their best stopping
  time, TV at its best weight -- oracle settings) followed by one row per network (no oracle: the networks run as
  trained). Print it with :func:`pdelib.baselines.format_table`.
* :func:`stability_table`: the networks run outside their training -- the stack of blocks repeated, the residual
  branches scaled by s, noisier inputs -- with the largest growth max_k ||u^{k+1}|| / ||u^k|| of the image's norm
  (:func:`pdelib.nets.denoisers.largest_growth`). For the symmetric network the theorem guarantees growth <= 1
  while s <= :func:`pdelib.nets.denoisers.guaranteed_scale`; for the standard one nothing is guaranteed, only
  observed. Print it with :func:`format_stability`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .._checks import check_items, check_real
from ..baselines import Denoised, baseline_table
from ..images import PatchData, noisy_image, psnr, ssim
from .denoisers import ResidualDenoiser, _check_denoiser, largest_growth, run_blocks
from .resnet import parameter_count

#: Runs outside the training: (noise sigma, repetitions of the stack of blocks, residual scale s).
STABILITY_RUNS = ((0.1, 1, 1.0), (0.1, 5, 1.0), (0.1, 1, 2.0), (0.1, 5, 2.0), (0.2, 1, 1.0), (0.3, 1, 1.0),
                  (0.3, 5, 2.0))


def _check_inputs(data: object, networks: object) -> dict[str, ResidualDenoiser]:
    if not isinstance(data, PatchData):
        raise TypeError(f"data must be the PatchData of chapter09_data() (pdelib.images.patch_data), got "
                        f"{type(data).__name__}")
    if not isinstance(networks, dict) or not networks:
        raise TypeError(f"networks must be a non-empty dict of label -> network, got {type(networks).__name__}")
    for label, model in networks.items():
        _check_denoiser(model)
        if model.signal_ndim != 2:
            raise TypeError(f"networks[{label!r}] must be an image network (ImageDenoiser), got a 1D Denoiser")
    return networks


def denoising_table(data: PatchData, networks: dict[str, ResidualDenoiser], contrast: float = 0.1) -> list[Denoised]:
    """The classical rows of :func:`pdelib.baselines.baseline_table` and one row per network, on the test photograph.

    Parameters
    ----------
    data : PatchData
        The chapter's task; its test split is the photograph the networks never saw.
    networks : dict
        label -> ImageDenoiser (for the test photograph's size, e.g. from ``chapter09_networks``).
    contrast : float, default 0.1
        lambda of the Perona-Malik row.

    Returns
    -------
    list of Denoised
        Rows to print with :func:`pdelib.baselines.format_table`; a network's setting is its depth and parameters.
    """
    networks = _check_inputs(data, networks)
    clean, noisy = data.test.clean[0], data.test.noisy[0]
    rows = baseline_table(clean, noisy, contrast)
    for label, model in networks.items():
        image = run_blocks(model, noisy)[1]
        setting = f"{len(model.blocks)} blocks, {parameter_count(model)} parameters"
        rows.append(Denoised(label, setting, image, psnr(clean, image), ssim(clean, image)))
    return rows


@dataclass(frozen=True)
class StabilityRow:
    """One network run outside its training on the test photograph with noise ``noise``: the stack of blocks
    ``repeat`` times, residual scale ``scale``; the largest growth of ||u|| per block, ||u^K|| / ||u^0|| and the
    PSNR of the result (dB)."""

    network: str
    noise: float
    repeat: int
    scale: float
    growth: float
    ratio: float
    psnr: float


def stability_table(data: PatchData, networks: dict[str, ResidualDenoiser],
                    runs: Iterable[tuple[float, int, float]] = STABILITY_RUNS) -> list[StabilityRow]:
    """Run every network outside its training on the test photograph: one :class:`StabilityRow` per run and network.

    Parameters
    ----------
    data : PatchData
    networks : dict
        label -> ImageDenoiser for the test photograph's size.
    runs : iterable of (noise, repeat, scale)
        sigma in [0, 1] of the noise added to the clean test photograph (the data's seed; the trained sigma is
        ``data.noise``), repetitions >= 1 of the stack of blocks, residual scale s > 0. Default :data:`STABILITY_RUNS`.
    """
    networks = _check_inputs(data, networks)
    runs = check_items(runs, "runs", "(noise, repeat, scale) triples", 100)
    clean = data.test.clean[0]
    rows = []
    for run in runs:
        if not isinstance(run, (tuple, list)) or len(run) != 3:
            raise TypeError(f"runs must hold (noise, repeat, scale) triples, got {run!r}")
        noise = check_real(run[0], "runs: noise", 0.0, 1.0)
        noisy = noisy_image(clean, noise, data.seed)
        for label, model in networks.items():
            norms, image = run_blocks(model, noisy, run[1], run[2])
            rows.append(StabilityRow(label, noise, int(run[1]), float(run[2]), largest_growth(norms),
                                     float(norms[-1, 0] / norms[0, 0]), psnr(clean, image)))
    return rows


def format_stability(rows: list[StabilityRow]) -> str:
    """The rows as an aligned text table: sigma, blocks run, s, then per network the largest growth per block,
    ||u_K|| / ||u_0|| and the PSNR (dB)."""
    rows = check_items(rows, "rows", "StabilityRows")
    if not all(isinstance(row, StabilityRow) for row in rows):
        raise TypeError("rows must hold StabilityRows from stability_table")
    labels = list(dict.fromkeys(row.network for row in rows))
    width = max(len(label) for label in labels)
    lines = [f"{'σ':>4}  {'blocks':>6}  {'s':>3}  {'network':<{width}}  growth/block  ‖u_K‖/‖u_0‖  PSNR (dB)"]
    for row in rows:
        blocks = f"{row.repeat} ×" if row.repeat > 1 else "1 ×"
        lines.append(f"{row.noise:4.1f}  {blocks:>6}  {row.scale:3g}  {row.network:<{width}}  {row.growth:12.4f}  "
                     f"{row.ratio:11.3g}  {row.psnr:9.1f}")
    return "\n".join(lines)


def largest_growths(rows: list[StabilityRow]) -> dict[str, float]:
    """network label -> the largest growth per block over all its rows (a number for the prose)."""
    rows = check_items(rows, "rows", "StabilityRows")
    return {label: float(np.max([row.growth for row in rows if row.network == label]))
            for label in dict.fromkeys(row.network for row in rows)}
