"""The two image denoisers of chapter 09, trained once by a script and shipped with the package (chapter 09).

As in chapter 07 (:mod:`pdelib.nets.trained`, whose :class:`~pdelib.nets.trained.Recipe` this module uses): float32
training depends on the CPU's vector kernels and thread count, so the chapter loads the weights that

    python -m pdelib.nets.trained_images

trained (seeded patches, seeded initial weights, Adam with :data:`TRAINING`, one thread) and evaluates them in
float64, where the printed numbers no longer depend on the CPU. ``retrain=True`` in :func:`chapter09_networks`
trains live instead (the last digits may then differ). The file also stores each network's float64 PSNR on the
test photograph, so a test can check that the shipped weights still give it.

Measured by the recipe run that wrote the shipped file (2026-12-01, 2 CPU cores shared with other jobs at a load
average of 5 to 7, one training thread, float32), as it printed:

    training (float32, one thread): standard 2D ResNet 21 s, symmetric diffusion net 143 s, 164 s in all
    PSNR on the test photograph (float64): standard 2D ResNet 26.12 dB, symmetric diffusion net 26.22 dB

The whole run took 172 s of wall time but only 66 s of CPU time (``time``: user 1m6s): most of the wall time went
to the other jobs. The symmetric network costs about 7 times the standard one per epoch (its trainable activation
acts on 8 channels of every pixel with 3 basis functions each). On the same photograph the classical denoisers at
their oracle settings reach 27.4 dB (Perona-Malik, TV): neither small network beats them.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..images import PatchData, patch_data
from .image_denoisers import ImageDenoiser, diffusion_resnet_2d, standard_resnet_2d
from .trained import Histories, Networks, Recipe
from .training import evaluate

#: Where the shipped weights live (package data).
WEIGHTS = Path(__file__).resolve().parent.parent / "data" / "chapter09-denoisers.pt"

#: The chapter's data (:func:`pdelib.images.patch_data`), networks and training, as keyword arguments.
DATA = {"images": ("camera", "coins", "moon", "chelsea", "coffee"), "test_image": "astronaut", "size": 256,
        "patch": 32, "noise": 0.1, "seed": 0}
#: Equal numbers of parameters: C = 2 C' filters, m = C' - 1 basis functions (1230 each).
NETWORKS = {
    "standard 2D ResNet": ("standard", {"channels": 4, "blocks": 6, "kernel_size": 5, "seed": 0}),
    "symmetric diffusion net": ("symmetric", {"channels": 8, "blocks": 6, "kernel_size": 5, "basis_size": 3,
                                              "seed": 0}),
}
TRAINING = {"epochs": 20, "batch_size": 16, "learning_rate": 1e-2, "seed": 0}
FORMAT = 1


def _build(kind: str, options: dict, data: PatchData, dtype: torch.dtype) -> ImageDenoiser:
    if kind == "standard":
        return standard_resnet_2d(**options, dtype=dtype)
    return diffusion_resnet_2d((data.patch, data.patch), **options, dtype=dtype)


#: Chapter 09's recipe.
CHAPTER09 = Recipe("pdelib.nets.trained_images", WEIGHTS, DATA, NETWORKS, TRAINING, patch_data, _build, FORMAT)


def chapter09_data() -> PatchData:
    """The chapter's task (:data:`DATA`): 32 x 32 patches of five photographs, the unseen astronaut for the test."""
    return CHAPTER09.chapter_data()


def for_test_image(networks: Networks, data: PatchData) -> Networks:
    """The networks (trained on patches) for the size of the test photograph: same weights, same tau."""
    return {label: model.at_shape(data.test_shape) for label, model in networks.items()}


def photograph_psnrs(networks: Networks, data: PatchData) -> dict[str, float]:
    """label -> PSNR (dB) of each network on the whole test photograph (:func:`pdelib.nets.training.evaluate`)."""
    return {label: evaluate(model, data.test)["psnr"] for label, model in for_test_image(networks, data).items()}


def chapter09_networks(data: PatchData, retrain: bool = False, progress: bool = False) -> tuple[Networks, Histories]:
    """The trained networks of chapter 09 in float64, for the test photograph's size, with their loss histories.

    Parameters
    ----------
    data : PatchData
        :func:`chapter09_data`.
    retrain : bool, default False
        False: load the shipped weights (instant; the printed numbers are the same on every CPU).
        True: train both networks now with the same recipe (a few minutes on 2 cores; the last digits of what is
        printed may differ from one CPU to another).
    progress : bool, default False
        With ``retrain``: show the epochs as they pass.

    Returns
    -------
    (networks, histories) : label -> ImageDenoiser (float64, eval mode), label -> TrainingHistory
    """
    networks, histories = CHAPTER09.chapter_networks(data, retrain, progress)
    return for_test_image(networks, data), histories


def shipped_psnrs() -> dict[str, float]:
    """label -> the float64 PSNR on the test photograph stored with the shipped weights by the recipe run."""
    return dict(CHAPTER09.read()["results"])


if __name__ == "__main__":
    histories = CHAPTER09.train_and_save(photograph_psnrs)
    print("\ntraining (float32, one thread): " + ", ".join(f"{label} {history.seconds:.0f} s"
                                                          for label, history in histories.items())
          + f", {sum(history.seconds for history in histories.values()):.0f} s in all")
    print("PSNR on the test photograph (float64): "
          + ", ".join(f"{label} {value:.2f} dB" for label, value in shipped_psnrs().items()))
    print(f"wrote {WEIGHTS}")
