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
and numbers only, no pickled code. :class:`Recipe` holds this way of shipping networks once; chapter 09's
networks (:mod:`pdelib.nets.trained_images`) are made by another recipe.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..denoising import DenoisingData, make_denoising_data
from .denoisers import Denoiser, diffusion_resnet, standard_resnet
from .training import TrainingHistory, train

#: Networks by label, their loss histories by label.
Networks = dict[str, nn.Module]
Histories = dict[str, TrainingHistory]


def in_float64(networks: Networks) -> Networks:
    """Copies of the networks in float64: the same weights, outputs that do not depend on the CPU's kernels."""
    return {label: copy.deepcopy(model).double().eval() for label, model in networks.items()}


@dataclass(frozen=True)
class Recipe:
    """How a chapter's networks are made, trained once, shipped and read back (chapters 07, 09).

    Attributes
    ----------
    module : str
        The module whose ``python -m`` run trains the networks and writes :attr:`weights`.
    weights : Path
        The shipped file.
    data : dict
        Keyword arguments of ``make_data``: the seeded task.
    networks : dict
        label -> (kind, keyword arguments) of ``build``.
    training : dict
        Keyword arguments of :func:`pdelib.nets.training.train` (besides model, data and device).
    make_data : callable
        ``make_data(**data)`` -> DenoisingData.
    build : callable
        ``build(kind, options, data, dtype)`` -> an untrained, seeded network.
    format : int
        Version of the file's layout.
    """

    module: str
    weights: Path
    data: dict
    networks: dict[str, tuple[str, dict]]
    training: dict
    make_data: Callable[..., DenoisingData]
    build: Callable[[str, dict, DenoisingData, torch.dtype], nn.Module]
    format: int = 1

    def chapter_data(self) -> DenoisingData:
        """The seeded task the networks learn (:attr:`data`)."""
        return self.make_data(**self.data)

    def untrained_networks(self, data: DenoisingData, dtype: torch.dtype = torch.float32) -> Networks:
        """The networks with their seeded initial weights: label -> network (:attr:`networks`)."""
        return {label: self.build(kind, options, data, dtype) for label, (kind, options) in self.networks.items()}

    def train_networks(self, data: DenoisingData, progress: bool = False) -> tuple[Networks, Histories]:
        """Train the networks in float32 with the recipe (:attr:`training`, on the CPU): (networks, histories)."""
        networks = self.untrained_networks(data)
        histories = {label: train(model, data, **self.training, device="cpu", progress=progress)
                     for label, model in networks.items()}
        return networks, histories

    def save_networks(self, networks: Networks, histories: Histories, path: Path | None = None,
                      results: dict[str, float] | None = None) -> None:
        """Write the weights and loss histories (and ``results``, label -> number, if given) to ``path``
        (default :attr:`weights`): tensors, lists and numbers only."""
        if set(networks) != set(self.networks) or set(histories) != set(self.networks):
            raise ValueError(f"networks and histories must have the labels {sorted(self.networks)}, got {sorted(networks)}")
        content = {
            "format": self.format,
            "recipe": {"data": self.data, "training": self.training},
            "weights": {label: {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
                        for label, model in networks.items()},
            "histories": {label: {"train_loss": list(history.train_loss),
                                  "validation_loss": list(history.validation_loss)}
                          for label, history in histories.items()},
        }
        if results is not None:
            content["results"] = dict(results)
        path = self.weights if path is None else Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(content, path)

    def read(self, path: Path | None = None) -> dict:
        """The content of a file written by :meth:`save_networks`, checked against this recipe and format."""
        path = self.weights if path is None else path
        content = torch.load(path, weights_only=True)
        if content.get("format") != self.format or content.get("recipe") != {"data": self.data, "training": self.training}:
            raise ValueError(f"{path} was written for another recipe or format: run `python -m {self.module}`")
        return content

    def load_networks(self, data: DenoisingData, path: Path | None = None) -> tuple[Networks, Histories]:
        """Read networks saved by :meth:`save_networks`: label -> network (float32, as trained), label -> history."""
        content = self.read(path)
        networks = self.untrained_networks(data)
        for label, model in networks.items():
            model.load_state_dict(content["weights"][label])
        histories = {label: TrainingHistory(history["train_loss"], history["validation_loss"])
                     for label, history in content["histories"].items()}
        return networks, histories

    def chapter_networks(self, data: DenoisingData, retrain: bool = False,
                         progress: bool = False) -> tuple[Networks, Histories]:
        """The trained networks in float64 (shipped, or trained now with ``retrain``), with their loss histories."""
        if not isinstance(data, DenoisingData):
            raise TypeError(f"data must be the DenoisingData of the chapter's data function (in {self.module}), "
                            f"got {type(data).__name__}")
        if repr(data) != repr(self.chapter_data()):
            raise ValueError(f"data must be the chapter's task (the networks were trained on it), got {data!r}")
        if not isinstance(retrain, bool):
            raise TypeError(f"retrain must be True or False, got {retrain!r}")
        networks, histories = self.train_networks(data, progress) if retrain else self.load_networks(data)
        return in_float64(networks), histories

    def train_and_save(self, results: Callable[[Networks, DenoisingData], dict[str, float]] | None = None) -> Histories:
        """What ``python -m <module>`` does: train on one thread, save (with ``results(networks_in_float64, data)``
        if given), and return the histories (with each training's wall time, ``seconds``)."""
        torch.set_num_threads(1)
        data = self.chapter_data()
        trained, losses = self.train_networks(data, progress=True)
        self.save_networks(trained, losses, results=None if results is None else results(in_float64(trained), data))
        return losses


def _build(kind: str, options: dict, data: DenoisingData, dtype: torch.dtype) -> Denoiser:
    return standard_resnet(**options, dtype=dtype) if kind == "standard" else diffusion_resnet(data.size, **options, dtype=dtype)


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

#: Chapter 07's recipe.
CHAPTER07 = Recipe("pdelib.nets.trained", WEIGHTS, DATA, NETWORKS, TRAINING, make_denoising_data, _build, FORMAT)


def chapter_data() -> DenoisingData:
    """The seeded denoising task of chapter 07 (:data:`DATA`)."""
    return CHAPTER07.chapter_data()


def untrained_networks(data: DenoisingData, dtype: torch.dtype = torch.float32) -> dict[str, Denoiser]:
    """The chapter's three networks with their seeded initial weights: label -> Denoiser (:data:`NETWORKS`)."""
    return CHAPTER07.untrained_networks(data, dtype)


def train_networks(data: DenoisingData, progress: bool = False) -> tuple[dict[str, Denoiser], Histories]:
    """Train the three networks in float32 with the chapter's recipe (:data:`TRAINING`, on the CPU).

    Returns
    -------
    (networks, histories) : label -> trained Denoiser, label -> TrainingHistory
    """
    return CHAPTER07.train_networks(data, progress)


def save_networks(networks: dict[str, Denoiser], histories: Histories, path: Path = WEIGHTS) -> None:
    """Write the weights and loss histories of trained networks to ``path`` (tensors, lists, numbers only)."""
    CHAPTER07.save_networks(networks, histories, path)


def load_networks(data: DenoisingData, path: Path = WEIGHTS) -> tuple[dict[str, Denoiser], Histories]:
    """Read networks saved by :func:`save_networks`: label -> Denoiser (float32, as trained), label -> history."""
    return CHAPTER07.load_networks(data, path)


def chapter_networks(
    data: DenoisingData, retrain: bool = False, progress: bool = False
) -> tuple[dict[str, Denoiser], Histories]:
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
    return CHAPTER07.chapter_networks(data, retrain, progress)


if __name__ == "__main__":
    CHAPTER07.train_and_save()
    print(f"\nwrote {WEIGHTS}")
