"""The three denoisers of chapter 07, trained once by a script and shipped with the package (chapter 07).

Training in float32 is fast (about 30 s for the three networks on 2 cores), but its result depends on the
CPU: the vector kernels torch picks (AVX2, AVX-512, ...) and the number of threads change the rounding, and
30 epochs of Adam turn a 1e-7 difference into a different last digit of the PSNR. So the chapter loads the
weights that

    python -m pdelib.nets.trained

trained (the recipe :func:`train_networks`: seeded data, seeded initial weights, 30 epochs of Adam) and
evaluates them in float64, where the printed numbers no longer depend on the CPU. ``retrain=True`` in
:func:`chapter_networks` trains live instead (the numbers may then differ in the last digit).

The file is written with :func:`torch.save` and read with ``torch.load(weights_only=True)``: tensors, lists
and numbers only, no pickled code.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from torch import nn

from ..denoising import DenoisingData, make_denoising_data
from .denoisers import Denoiser, diffusion_resnet, standard_resnet
from .training import TrainingHistory, train

#: Where the shipped weights live (package data).
WEIGHTS = Path(__file__).resolve().parent.parent / "data" / "chapter07-denoisers.pt"

#: The chapter's data, networks and training, as keyword arguments.
DATA = {"signals": 400, "size": 128, "noise": 0.1, "seed": 0}
NETWORKS = {
    "(a) standard": ("standard", {"channels": 16, "blocks": 4, "seed": 0}),
    "(b) symmetric": ("symmetric", {"channels": 16, "blocks": 4, "seed": 0}),
    "(b) symmetric, 8 blocks": ("symmetric", {"channels": 16, "blocks": 8, "seed": 0}),
}
TRAINING = {"epochs": 30, "seed": 0}
FORMAT = 1


def chapter_data() -> DenoisingData:
    """The seeded denoising task of chapter 07 (:data:`DATA`)."""
    return make_denoising_data(**DATA)


def untrained_networks(data: DenoisingData, dtype: torch.dtype = torch.float32) -> dict[str, Denoiser]:
    """The chapter's three networks with their seeded initial weights: label -> Denoiser (:data:`NETWORKS`)."""
    networks = {}
    for label, (kind, options) in NETWORKS.items():
        if kind == "standard":
            networks[label] = standard_resnet(**options, dtype=dtype)
        else:
            networks[label] = diffusion_resnet(data.size, **options, dtype=dtype)
    return networks


def train_networks(data: DenoisingData, progress: bool = False) -> tuple[dict[str, Denoiser], dict[str, TrainingHistory]]:
    """Train the three networks in float32 with the chapter's recipe (:data:`TRAINING`, on the CPU).

    Returns
    -------
    (networks, histories) : label -> trained Denoiser, label -> TrainingHistory
    """
    networks = untrained_networks(data)
    histories = {label: train(model, data, **TRAINING, device="cpu", progress=progress)
                 for label, model in networks.items()}
    return networks, histories


def save_networks(networks: dict[str, Denoiser], histories: dict[str, TrainingHistory], path: Path = WEIGHTS) -> None:
    """Write the weights and loss histories of trained networks to ``path`` (tensors, lists, numbers only)."""
    if set(networks) != set(NETWORKS) or set(histories) != set(NETWORKS):
        raise ValueError(f"networks and histories must have the labels {sorted(NETWORKS)}, got {sorted(networks)}")
    content = {
        "format": FORMAT,
        "recipe": {"data": DATA, "training": TRAINING},
        "weights": {label: {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
                    for label, model in networks.items()},
        "histories": {label: {"train_loss": list(history.train_loss), "validation_loss": list(history.validation_loss)}
                      for label, history in histories.items()},
    }
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(content, path)


def load_networks(data: DenoisingData, path: Path = WEIGHTS) -> tuple[dict[str, Denoiser], dict[str, TrainingHistory]]:
    """Read networks saved by :func:`save_networks`: label -> Denoiser (float32, as trained), label -> history."""
    content = torch.load(path, weights_only=True)
    if content.get("format") != FORMAT or content.get("recipe") != {"data": DATA, "training": TRAINING}:
        raise ValueError(f"{path} was written for another recipe or format: run `python -m pdelib.nets.trained`")
    networks = untrained_networks(data)
    for label, model in networks.items():
        model.load_state_dict(content["weights"][label])
    histories = {label: TrainingHistory(history["train_loss"], history["validation_loss"])
                 for label, history in content["histories"].items()}
    return networks, histories


def in_float64(networks: dict[str, nn.Module]) -> dict[str, nn.Module]:
    """Copies of the networks in float64: the same weights, outputs that do not depend on the CPU's kernels."""
    return {label: copy.deepcopy(model).double().eval() for label, model in networks.items()}


def chapter_networks(
    data: DenoisingData, retrain: bool = False, progress: bool = False
) -> tuple[dict[str, Denoiser], dict[str, TrainingHistory]]:
    """The trained networks of chapter 07 in float64, with their loss histories.

    Parameters
    ----------
    data : DenoisingData
        :func:`chapter_data`.
    retrain : bool, default False
        False: load the shipped weights (instant; the printed numbers are the same on every CPU).
        True: train the three networks now with the same recipe (about 30 s on 2 cores; the last digits
        of what is printed may differ from one CPU to another).
    progress : bool, default False
        With ``retrain``: show the epochs as they pass.
    """
    if not isinstance(data, DenoisingData):
        raise TypeError(f"data must be the DenoisingData of chapter_data(), got {type(data).__name__}")
    if repr(data) != repr(chapter_data()):
        raise ValueError(f"data must be the chapter's task chapter_data() (the networks were trained on it), got {data!r}")
    if not isinstance(retrain, bool):
        raise TypeError(f"retrain must be True or False, got {retrain!r}")
    if retrain:
        networks, histories = train_networks(data, progress=progress)
    else:
        networks, histories = load_networks(data)
    return in_float64(networks), histories


if __name__ == "__main__":
    torch.set_num_threads(1)
    trained, losses = train_networks(chapter_data(), progress=True)
    save_networks(trained, losses)
    print(f"wrote {WEIGHTS}")
