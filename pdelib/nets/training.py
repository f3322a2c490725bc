"""A small, deterministic training loop for the denoisers of chapters 07 and 09: Adam on the mean squared error.

    minimise  L(theta) = mean over signals and points of (model_theta(f)_i - u_i)^2

over mini-batches of (noisy f, clean u) pairs from :func:`pdelib.denoising.make_denoising_data` (signals) or
:func:`pdelib.images.patch_data` (image patches).
Plain torch, no framework: the mini-batches are shuffled by a local ``torch.Generator`` seeded by
``seed`` (the global random stream is not used), so the same model, data and seed give the same losses.
Runs on the CPU or a GPU (``device``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .._checks import check_int, check_positive
from ..denoising import DenoisingData, DenoisingSplit, mse, psnr

#: Largest number of epochs and batch size of one :func:`train` call.
MAX_EPOCHS, MAX_BATCH_SIZE = 10**4, 2**16

#: progress callback: called after each epoch with (epoch, epochs, train loss, validation loss).
ProgressCallback = Callable[[int, int, float, float], None]


@dataclass(frozen=True)
class TrainingHistory:
    """Losses per epoch of one training run (chapter 07).

    Attributes
    ----------
    train_loss : list of float
        Mean squared error over the epoch's mini-batches (weighted by batch size), while training.
    validation_loss : list of float
        Mean squared error on the validation split after each epoch.
    seconds : float
        Wall time of the whole run.
    device : str
        Where it ran, e.g. "cpu" or "cuda".
    """

    train_loss: list[float] = field(default_factory=list)
    validation_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"

    @property
    def epochs(self) -> int:
        return len(self.train_loss)

    def __repr__(self) -> str:
        if not self.train_loss:
            return "TrainingHistory(no epochs)"
        return (
            f"TrainingHistory({self.epochs} epochs on {self.device}: train loss {self.train_loss[0]:.4g} -> "
            f"{self.train_loss[-1]:.4g}, validation loss {self.validation_loss[0]:.4g} -> {self.validation_loss[-1]:.4g})"
        )


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """The torch device to train on: ``None`` picks "cuda" when a GPU is available, else "cpu".

    Raises a ValueError for an unknown or unavailable device (e.g. "cuda" on a machine without a GPU).
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"device must be 'cpu', 'cuda', a torch.device or None, got {device!r}")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"device must be 'cpu', 'cuda' (optionally 'cuda:i') or None, got {device!r}") from error
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} is not available: torch.cuda.is_available() is False; use 'cpu' or None")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r} is not available: there are {torch.cuda.device_count()} GPUs")
    elif resolved.type != "cpu":
        raise ValueError(f"device must be 'cpu', 'cuda' (optionally 'cuda:i') or None, got {device!r}")
    return resolved


def as_tensors(split: DenoisingSplit, dtype: torch.dtype, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The (noisy, clean) arrays of a split as tensors of shape (signals, 1, N) -- images: (images, 1, M, N) --,
    the layout of the networks."""
    if not isinstance(split, DenoisingSplit):
        raise TypeError(f"split must be a DenoisingSplit such as data.train, got {type(split).__name__}")
    return tuple(
        torch.as_tensor(array, dtype=dtype, device=device)[:, None] for array in (split.noisy, split.clean)
    )


def _model_dtype(model: object) -> torch.dtype:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module such as pdelib.nets.denoisers.standard_resnet(), got {model!r}")
    parameters = list(model.parameters())
    if not parameters:
        raise ValueError("model has no parameters to train")
    return parameters[0].dtype


def _progress_display(progress: bool | ProgressCallback) -> tuple[ProgressCallback | None, Callable[[], None]]:
    """The per-epoch callback and the clean-up for ``progress``: a line updated in place, cleared at the end."""
    if callable(progress):
        return progress, lambda: None
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or a callable(epoch, epochs, train_loss, validation_loss), got {progress!r}")
    if not progress:
        return None, lambda: None

    def line(epoch: int, epochs: int, train_loss: float, validation_loss: float) -> str:
        return f"epoch {epoch}/{epochs}: train loss {train_loss:.4g}, validation loss {validation_loss:.4g}"

    from IPython import get_ipython

    if get_ipython() is None:  # a plain Python process: rewrite one terminal line with a carriage return
        width = 80

        def write(*values) -> None:
            sys.stdout.write("\r" + line(*values).ljust(width))
            sys.stdout.flush()

        return write, lambda: sys.stdout.write("\r" + " " * width + "\r")
    from IPython.display import Pretty, display

    handle = display(Pretty("training ..."), display_id=True)
    return lambda *values: handle.update(Pretty(line(*values))), lambda: handle.update(Pretty(""))


def train(
    model: nn.Module,
    data: DenoisingData,
    epochs: int = 30,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool | ProgressCallback = False,
) -> TrainingHistory:
    """Train ``model`` in place to map noisy to clean signals: Adam on the mean squared error (chapter 07).

    Each epoch shuffles the training signals (a local generator seeded by ``seed`` + epoch order),
    takes one Adam step per mini-batch on mean (model(f) - u)^2, then measures the validation MSE.
    The model is moved to ``device`` and stays there.

    Parameters
    ----------
    model : nn.Module
        Maps tensors of shape (batch, 1, N) to the same shape, e.g. :func:`pdelib.nets.denoisers.standard_resnet`.
    data : DenoisingData
        From :func:`pdelib.denoising.make_denoising_data`; the train and validation splits are used.
    epochs : int, default 30
        Passes over the training split, >= 1.
    batch_size : int, default 32
        Signals per Adam step, >= 1 (the last batch of an epoch may be smaller).
    learning_rate : float, default 3e-3
        Adam's step size > 0.
    seed : int, default 0
        Seed >= 0 of the shuffling; same model, data and seed give the same losses.
    device : {"cpu", "cuda"}, torch.device or None, default None
        None: "cuda" if available, else "cpu". An unavailable device is a ValueError.
    progress : bool or callable, default False
        True shows one line "epoch e/E: train loss, validation loss" updated in place (an IPython display
        handle) and cleared at the end, so stored notebook outputs do not change; a callable is called as
        ``progress(epoch, epochs, train_loss, validation_loss)`` after each epoch.

    Returns
    -------
    TrainingHistory
    """
    dtype = _model_dtype(model)
    if not isinstance(data, DenoisingData):
        raise TypeError(f"data must be a DenoisingData from make_denoising_data, got {type(data).__name__}")
    epochs = check_int(epochs, "epochs", 1, MAX_EPOCHS, advice="continue training with another call")
    batch_size = check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
    learning_rate = check_positive(learning_rate, "learning_rate", 1e3)
    generator = torch.Generator().manual_seed(check_int(seed, "seed", 0, 2**63 - 1))
    device = resolve_device(device)
    show, clear = _progress_display(progress)

    model.to(device)
    noisy, clean = as_tensors(data.train, dtype, device)
    validation_noisy, validation_clean = as_tensors(data.validation, dtype, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    history = TrainingHistory(device=str(device))
    start = time.perf_counter()
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            order = torch.randperm(noisy.shape[0], generator=generator).to(device)
            total = 0.0
            for batch in order.split(batch_size):
                optimizer.zero_grad()
                loss = ((model(noisy[batch]) - clean[batch]) ** 2).mean()
                loss.backward()
                optimizer.step()
                total += loss.item() * batch.numel()
            model.eval()
            with torch.no_grad():
                validation = ((model(validation_noisy) - validation_clean) ** 2).mean().item()
            history.train_loss.append(total / noisy.shape[0])
            history.validation_loss.append(validation)
            if show is not None:
                show(epoch, epochs, history.train_loss[-1], validation)
    finally:
        clear()
    object.__setattr__(history, "seconds", time.perf_counter() - start)
    return history


def evaluate(model: nn.Module, split: DenoisingSplit) -> dict[str, float]:
    """MSE and PSNR (signal range 1) of the model's estimates on a split, e.g. ``data.test`` (chapter 07).

    Returns
    -------
    dict
        ``{"mse": ..., "psnr": ...}`` over all signals and points, in float64 from the model's output.
    """
    dtype = _model_dtype(model)
    device = next(model.parameters()).device
    noisy, _ = as_tensors(split, dtype, device)
    model.eval()
    with torch.no_grad():
        estimate = model(noisy)[:, 0].double().cpu().numpy()
    return {"mse": mse(estimate, split.clean), "psnr": psnr(estimate, split.clean)}


def noisy_baseline(split: DenoisingSplit) -> dict[str, float]:
    """MSE and PSNR of the noisy input itself, the number a denoiser has to beat."""
    if not isinstance(split, DenoisingSplit):
        raise TypeError(f"split must be a DenoisingSplit such as data.test, got {type(split).__name__}")
    return {"mse": mse(split.noisy, split.clean), "psnr": psnr(split.noisy, split.clean)}
