"""Tests of pdelib.nets.recurrent: the fixed-point solver as a recurrent network (chapter 05; digest §6)."""

import numpy as np
import pytest
import torch

import pdelib
from pdelib import BOUNDARIES, DerivativeOperator
from pdelib.schemes.implicit import FixedPointSolver, fixed_point_threshold
from pdelib.nets.resnet import DiffusionBlock
from pdelib.nets.recurrent import RecurrentDiffusionNetwork

F64 = torch.float64


@pytest.mark.parametrize("name", ["linear", "perona-malik", "charbonnier", "weickert"])
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_network_equals_the_numpy_fixed_point_iteration(name, order, boundary):
    D = DerivativeOperator(order, 48, spacing=1.0, boundary=boundary)
    g = pdelib.diffusivity(name)
    tau = 0.9 * fixed_point_threshold(1.0, D)
    u = pdelib.noisy_step(48)
    network = RecurrentDiffusionNetwork.from_scheme(g, D, tau, iterations=60)
    with torch.no_grad():
        v, differences = network(torch.as_tensor(u).reshape(1, 1, -1), return_history=True)
    result = FixedPointSolver(tau, g, D).solve(u, max_iterations=60, stop=False)
    assert result.iterations == 60
    np.testing.assert_allclose(v.flatten().numpy(), result.solution, rtol=0, atol=1e-12)
    np.testing.assert_allclose(differences[:, 0].numpy(), result.history, rtol=1e-9, atol=1e-13)


def test_shared_weights_and_input_injection():
    D = DerivativeOperator(1, 16)
    network = RecurrentDiffusionNetwork.from_scheme(pdelib.diffusivity("linear"), D, 0.2, iterations=25)
    assert sum(p.numel() for p in network.parameters()) == 2  # one block, one kernel of 2 taps
    u = torch.as_tensor(pdelib.noisy_step(16)).reshape(1, 1, -1)
    block = network.block
    v = u
    for _ in range(25):
        v = u - block.tau * block.divergence(block.activation(block.derivative(v)))  # skip injects u, not v
    torch.testing.assert_close(network(u), v, rtol=0, atol=0)
    assert "iterations=25" in repr(network)


def test_mean_is_conserved_and_constants_are_fixed_points():
    D = DerivativeOperator(2, 32, boundary="periodic")
    network = RecurrentDiffusionNetwork.from_scheme(pdelib.diffusivity("perona-malik"), D, 0.05, iterations=40)
    u = torch.as_tensor(pdelib.noisy_step(32)).reshape(1, 1, -1)
    with torch.no_grad():
        torch.testing.assert_close(network(u).mean(), u.mean(), rtol=1e-13, atol=1e-13)
        ones = torch.ones(2, 1, 32, dtype=F64)
        torch.testing.assert_close(network(ones), ones, rtol=0, atol=0)


def test_gradient_flows_through_the_shared_weight():
    D = DerivativeOperator(1, 16)
    network = RecurrentDiffusionNetwork.from_scheme(pdelib.diffusivity("charbonnier"), D, 0.2, iterations=10)
    u = torch.as_tensor(pdelib.noisy_step(16)).reshape(1, 1, -1)
    network(u).square().sum().backward()
    assert network.block.conv.weight.grad is not None
    assert torch.all(torch.isfinite(network.block.conv.weight.grad))


def test_rejects_bad_arguments():
    g, D = pdelib.diffusivity("linear"), DerivativeOperator(1, 8)
    block = DiffusionBlock.from_scheme(g, D, 0.1)
    with pytest.raises(ValueError, match="iterations must be an integer >= 1"):
        RecurrentDiffusionNetwork(block, 0)
    with pytest.raises(TypeError, match="iterations"):
        RecurrentDiffusionNetwork(block, 2.0)
    with pytest.raises(TypeError, match="block must be a pdelib DiffusionBlock"):
        RecurrentDiffusionNetwork(torch.nn.Identity(), 3)
    with pytest.raises(TypeError, match="diffusivity must be a pdelib"):
        RecurrentDiffusionNetwork.from_scheme("linear", D, 0.1, 3)
    with pytest.raises(ValueError, match="tau"):
        RecurrentDiffusionNetwork.from_scheme(g, D, 0.0, 3)
    with pytest.raises(ValueError, match=r"u must have shape \(batch, 1, 8\)"):
        RecurrentDiffusionNetwork(block, 3)(torch.zeros(1, 1, 9, dtype=F64))
