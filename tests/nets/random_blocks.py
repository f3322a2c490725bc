"""Shared by the tests of the stable blocks (1D: test_denoisers_and_training, 2D: test_image_denoisers): random
parameters of the kind training might leave in a block whose tau is set by construction."""

import torch

from pdelib.nets.sector_activation import SectorActivation

F64 = torch.float64


def random_activation(seed: int, generator: torch.Generator) -> SectorActivation:
    """A SectorActivation with a random sector bound L in [0.1, 5.1]."""
    return SectorActivation(sector_bound=float(torch.rand((), generator=generator, dtype=F64)) * 5 + 0.1, seed=seed)


def randomise(block: torch.nn.Module, generator: torch.Generator, scale: float, step_logit: float) -> torch.nn.Module:
    """Give the block a weight N(0, scale^2), activation weights and bias N(0, 9), and the step logit theta."""
    with torch.no_grad():
        block.conv.weight.copy_(scale * torch.randn(block.conv.weight.shape, generator=generator, dtype=F64))
        block.activation.weights.copy_(3 * torch.randn(block.activation.basis_size, generator=generator, dtype=F64))
        block.activation.bias.fill_(3 * torch.randn((), generator=generator, dtype=F64).item())
        block.step_logit.fill_(step_logit)
    return block
