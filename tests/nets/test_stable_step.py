"""Tests of pdelib.nets.stable_step: the rule tau = sigmoid(theta) 2 / (L B(K)) shared by the 1D and 2D blocks
(chapters 07, 09). The blocks' own tests check the bound itself (test_denoisers_and_training, test_image_denoisers)."""

import math

import pytest
import torch

from pdelib.nets.denoisers import StableDiffusionBlock
from pdelib.nets.image_denoisers import StableDiffusionBlock2D
from pdelib.nets.sector_activation import SectorActivation
from pdelib.nets.stable_step import StableStep, check_stable_arguments


@pytest.mark.parametrize("block", [StableDiffusionBlock(2, 3, SectorActivation(2.0, seed=0), 12, step_fraction=0.3),
                                   StableDiffusionBlock2D(2, 3, SectorActivation(2.0, seed=0), (8, 8), step_fraction=0.3)])
def test_tau_is_the_fraction_of_the_bound_from_b_and_l(block):
    assert isinstance(block, StableStep) and "tau" not in dict(block.named_buffers())
    with torch.no_grad():
        assert block.tau.item() == pytest.approx(0.3 * 2 / (2.0 * block.operator_norm_bound().item()), rel=1e-14)
        assert torch.sigmoid(block.step_logit).item() == pytest.approx(0.3, rel=1e-14)
        first = block._step()
        assert block._step() is first  # reused while the parameters do not change
        block.conv.weight.mul_(2.0)
        assert block._step().item() == pytest.approx(first.item() / 4, rel=1e-12)  # B grows like |K|^2


def test_check_stable_arguments_names_what_is_wrong():
    assert check_stable_arguments(SectorActivation(), 0.25) == 0.25
    with pytest.raises(TypeError, match="activation must be a torch module with a sector_bound"):
        check_stable_arguments(torch.tanh, 0.5)
    for fraction in (0.0, 1.0, math.nan):
        with pytest.raises(ValueError, match="step_fraction"):
            check_stable_arguments(SectorActivation(), fraction)
