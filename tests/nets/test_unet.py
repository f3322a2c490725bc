"""Tests of pdelib.nets.unet: the multigrid cycle as a U-net (chapter 06; digest §7 and §9.12)."""

import numpy as np
import pytest
import torch

from pdelib.schemes.multigrid import MultigridSolver, max_depth
from pdelib.nets.resnet import parameter_count
from pdelib.nets.unet import MultigridUNet, parameter_comparison

GRIDS = [(7, "poisson"), (63, "poisson"), (95, "poisson"), (255, "poisson"), (63, "implicit-diffusion")]
CASES = [(size, depth, problem) for size, problem in GRIDS for depth in range(1, max_depth(size) + 1)]


def solver_for(size, depth=None, problem="poisson", cycle="V", **options):
    tau = 10.0 if problem == "implicit-diffusion" else None
    return MultigridSolver(size, problem=problem, tau=tau, depth=depth, smoother="jacobi", cycle=cycle, **options)


def batch(size, count=3, seed=0):
    return np.random.default_rng(seed).normal(size=(count, 1, size))


@pytest.mark.parametrize("cycle", ["V", "W"])
@pytest.mark.parametrize("size, depth, problem", CASES)
def test_unet_is_the_numpy_cycle(size, depth, problem, cycle):
    solver = solver_for(size, depth, problem, cycle)
    f, u = batch(size, seed=1), batch(size, seed=2)
    with torch.no_grad():
        output = MultigridUNet.from_solver(solver)(torch.as_tensor(f), torch.as_tensor(u)).numpy()
    expected = np.stack([solver.cycle(f[b, 0], u[b, 0]) for b in range(f.shape[0])])[:, None]
    assert np.abs(output - expected).max() <= 1e-12 * np.abs(expected).max()


def test_unet_from_zero_iterate_and_repeated_cycles_converge():
    solver = solver_for(63, pre=1, post=1)
    net = MultigridUNet.from_solver(solver)
    f = torch.as_tensor(batch(63, count=2))
    with torch.no_grad():
        u = net(f)
        np.testing.assert_allclose(u[0, 0].numpy(), solver.cycle(f[0, 0].numpy()), rtol=1e-12, atol=1e-15)
        for _ in range(14):
            u = net(f, u)
        residual = f - net.levels[0].operator(u)
    assert (residual.norm(dim=-1) / f.norm(dim=-1)).max() < 1e-8


def test_float32_network():
    solver = solver_for(63)
    f = batch(63)
    with torch.no_grad():
        single = MultigridUNet.from_solver(solver, dtype=torch.float32)(torch.as_tensor(f, dtype=torch.float32))
    expected = np.stack([solver.cycle(row[0]) for row in f])[:, None]
    assert single.dtype == torch.float32
    np.testing.assert_allclose(single.numpy(), expected, rtol=0, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("size, depth", [(63, 2), (63, 6), (255, 8), (95, 6)])
def test_tied_and_untied_agree_at_init_and_tying_halves_the_sampling_parameters(size, depth):
    solver = solver_for(size, depth)
    tied, untied = MultigridUNet.from_solver(solver, tie=True), MultigridUNet.from_solver(solver, tie=False)
    f = torch.as_tensor(batch(size))
    with torch.no_grad():
        torch.testing.assert_close(tied(f), untied(f), rtol=1e-14, atol=1e-14)
    coarsening = depth - 1  # levels with smoothing, restriction and prolongation
    assert parameter_count(tied) == 7 * coarsening
    assert parameter_count(untied) == 10 * coarsening
    counts = parameter_comparison(solver)
    assert counts == {
        "untied": 10 * coarsening,
        "tied": 7 * coarsening,
        "ratio": 0.7,
        "sampling_untied": 6 * coarsening,
        "sampling_tied": 3 * coarsening,
    }
    for level in tied.levels:
        assert level.prolongation.convolution.weight is level.restriction.weight


def test_smoothing_only_network():
    solver = solver_for(31, depth=1)
    net = MultigridUNet.from_solver(solver)
    assert net.depth == 1 and net.coarsest_inverse is None and parameter_count(net) == 4
    assert parameter_comparison(solver)["sampling_tied"] == 0
    assert "smoothing only" in repr(net)


def test_repr_shows_levels_and_parameters():
    net = MultigridUNet.from_solver(solver_for(63, cycle="W"), tie=False)
    text = repr(net)
    assert "levels=6" in text and "sizes=[63, 31, 15, 7, 3, 1]" in text and "cycle=W" in text
    assert "untied P and R" in text and "parameters=50" in text and "size=63, parameters=10" in text
    assert "tied P = 2 R^T" in repr(MultigridUNet.from_solver(solver_for(63)))


@pytest.mark.parametrize("tie", [True, False])
def test_gradients_reach_every_weight(tie):
    net = MultigridUNet.from_solver(solver_for(31), tie=tie)
    f = torch.as_tensor(batch(31))
    target = torch.as_tensor(batch(31, seed=5))
    loss = ((net(f) - target) ** 2).sum()
    loss.backward()
    for name, parameter in net.named_parameters():
        assert parameter.grad is not None and torch.all(torch.isfinite(parameter.grad)), name
        assert parameter.grad.abs().sum() > 0, name
    if tie:
        level = net.levels[0]
        assert level.prolongation.convolution.weight.grad is level.restriction.weight.grad


def test_training_step_changes_the_tied_weight():
    net = MultigridUNet.from_solver(solver_for(15), tie=True)
    before = net.levels[0].restriction.weight.detach().clone()
    optimiser = torch.optim.SGD(net.parameters(), lr=1e-3)
    f = torch.as_tensor(batch(15))
    loss = ((net(f) - 1.0) ** 2).mean()
    loss.backward()
    optimiser.step()
    after = net.levels[0].restriction.weight
    assert not torch.equal(before, after)
    assert torch.equal(net.levels[0].prolongation.convolution.weight, after)


def test_bad_input():
    with pytest.raises(TypeError, match="solver must be a pdelib.schemes.multigrid.MultigridSolver"):
        MultigridUNet.from_solver("solver")
    with pytest.raises(ValueError, match="solver must be 1D"):
        MultigridUNet.from_solver(MultigridSolver(7, dimension=2, smoother="jacobi"))
    with pytest.raises(ValueError, match="smoother='jacobi'"):
        MultigridUNet.from_solver(MultigridSolver(7, smoother="red-black"))
    with pytest.raises(TypeError, match="tie must be True or False"):
        MultigridUNet.from_solver(solver_for(7), tie=1)
    with pytest.raises(TypeError, match="dtype must be a real floating torch dtype"):
        MultigridUNet.from_solver(solver_for(7), dtype=torch.int64)
    net = MultigridUNet.from_solver(solver_for(7))
    with pytest.raises(TypeError, match="f must be a torch tensor"):
        net(np.ones((1, 1, 7)))
    with pytest.raises(TypeError, match="f must have dtype torch.float64"):
        net(torch.ones(1, 1, 7))
    with pytest.raises(ValueError, match=r"f must have shape \(batch, 1, 7\)"):
        net(torch.ones(1, 7, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"u must have shape \(batch, 1, 7\)"):
        net(torch.ones(1, 1, 7, dtype=torch.float64), torch.ones(1, 2, 7, dtype=torch.float64))
    with pytest.raises(ValueError, match="u must have the batch size of f"):
        net(torch.ones(2, 1, 7, dtype=torch.float64), torch.ones(3, 1, 7, dtype=torch.float64))
    with pytest.raises(TypeError, match="solver must be a pdelib.schemes.multigrid.MultigridSolver"):
        parameter_comparison(None)
