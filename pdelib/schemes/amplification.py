"""Amplification factors of every scheme of the course for linear diffusion (chapter 08), measured from the schemes.

For linear diffusion (g = 1) every scheme of chapters 02-05 is a polynomial or rational function of the
symmetric matrix D^T D, so it multiplies each eigenvector v_k of D^T D (eigenvalue mu_k in [0, ||D||^2],
the constant first, the checkerboard last) by one number, its amplification factor: explicit
1 - tau mu (stable iff |1 - tau mu_max| <= 1, i.e. tau <= tau* = 2 / ||D||^2); one FSI cycle the
polynomial of u^{k+1} = alpha_k (1 - tau mu) u^k + (1 - alpha_k) u^{k-1}, u^{-1} = u^0 = 1; semi-implicit
1 / (1 + tau mu); l fixed-point iterations sum_{j=0}^{l} (-tau mu)^j, whose error factor -tau mu per
iteration converges iff tau < 1 / ||D||^2. :func:`measured_factors` runs the existing scheme code on each
v_k and returns <v_k, S v_k>; the closed forms are the ``*_factor`` functions. Jacobi on reflecting grids
couples modes slightly (:func:`mode_leakage`); the multigrid cycle of chapter 06 couples mode k with N + 1 - k,
so for it and for its Jacobi smoother alone the module measures per-mode gains ||C v_k|| / ||v_k|| of the
error propagation C on the sines v_k of the Dirichlet grid. A factor predicts when
linear diffusion blows up (:func:`blowup_step`); what it cannot tell -- the max-min principle
(:func:`max_min_bound`, :func:`overshoot`) and the separation of nearby signals under backward diffusion
(:func:`separating_pair`, :func:`separation_ratio`) -- is measured here too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._checks import (
    MAX_CYCLE_LENGTH,
    MAX_STEPS,
    check_choice,
    check_int,
    check_positive,
    check_real,
    check_real_array,
    check_signal,
    check_size,
    check_steps,
    check_values,
)
from ..diffusivities import MAX_CONTRAST, MIN_CONTRAST, diffusivity
from ..measures import _norm
from ..operators import DerivativeOperator, check_operator
from .explicit import GROWTH_LIMIT, ExplicitScheme
from .fsi import FSIScheme, fsi_weights
from .implicit import FixedPointSolver, SemiImplicitScheme, jacobi_iteration
from .multigrid import MAX_SWEEPS, MultigridSolver

#: Largest grid of the dense eigendecomposition (and of the per-mode measurements): N <= 1024.
MAX_MODES = 1024
#: Names accepted by :func:`measured_factors`.
SCHEMES = ("explicit", "fsi", "semi-implicit", "fixed-point", "jacobi")
#: Most values (inner steps times modes) :func:`fsi_inner_factors` and :func:`fed_inner_factors` return: 256 MiB.
MAX_STORED = 2**25

_LINEAR = diffusivity("linear")


def _check_mu(mu: object) -> np.ndarray:
    return check_real_array(mu, "mu", minimum=0.0)


def _check_modes(operator: object) -> DerivativeOperator:
    operator = check_operator(operator)
    if operator.size > MAX_MODES:
        raise ValueError(
            f"operator.size must be at most {MAX_MODES} for the dense eigendecomposition of D^T D (O(N^3)), "
            f"got {operator.size}; use a smaller grid: the factors depend on mu only, not on N"
        )
    return operator


# -- eigenmodes -----------------------------------------------------------------------------------


def eigenmodes(operator: DerivativeOperator) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues mu_k (ascending) and orthonormal eigenvectors v_k of D^T D (chapter 08).

        D^T D v_k = mu_k v_k,   0 = mu_0 <= mu_1 <= ... <= mu_{N-1} = ||D||_2^2

    From ``numpy.linalg.eigh`` of the dense D1^T D1 (N <= 1024) of the first-order operator on the same grid,
    since D^T D = (D1^T D1)^n (:mod:`pdelib.operators`). For reflecting boundaries and n = 1, 2 the
    v_k are the DCT-II cosines cos(pi k (i + 1/2) / N), mu_k = (4 sin^2(pi k / (2N)) / h^2)^n: the constant
    comes first, the near-checkerboard (mu = ||D||^2) last. D 1 = 0 for every order and boundary, so mu_0 = 0
    and v_0 = 1 / sqrt(N) are set exactly (eigh returns them to rounding); each other v_k is signed so that
    its first entry of magnitude > 1e-8 is positive (reproducible columns).

    Returns
    -------
    mu : array of shape (N,)
    modes : array of shape (N, N)
        Column k is v_k.
    """
    operator = _check_modes(operator)
    # D^T D = (D1^T D1)^n: the same eigenvectors, mu = lambda^n. Decomposing D1^T D1 keeps the small eigenvalues
    # apart (their gaps shrink like k^(2n) in D^T D): the modes are accurate to about 1e-13 instead of 1e-10 for n = 2.
    first_order = DerivativeOperator(1, operator.size, operator.spacing, operator.boundary).matrix()
    lam, modes = np.linalg.eigh(first_order.T @ first_order)
    mu = np.maximum(lam, 0.0) ** operator.order
    first = np.argmax(np.abs(modes) > 1e-8, axis=0)
    modes *= np.where(modes[first, np.arange(modes.shape[1])] < 0, -1.0, 1.0)
    mu[0], modes[:, 0] = 0.0, 1.0 / math.sqrt(operator.size)
    return mu, modes


def top_mode(size: int) -> np.ndarray:
    """The last eigenvector of D1^T D1 on N reflecting points in closed form: a modulated checkerboard (chapter 08).

        (v_{N-1})_i = sqrt(2 / N) (-1)^i sin(pi (i + 1/2) / N),   i = 0..N-1,

    with mu_{N-1} = 4 cos^2(pi / (2N)); for n = 2 the same vector (D^T D = (D1^T D1)^2). The plain
    checkerboard (-1)^i is not an eigenvector: it holds about 90 % of its norm in this mode.
    """
    size = check_int(size, "size", 2, MAX_MODES, advice="the factors depend on mu, not on N: use a smaller grid")
    i = np.arange(size)
    return math.sqrt(2.0 / size) * (-1.0) ** i * np.sin(np.pi * (i + 0.5) / size)


def dirichlet_modes(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues and orthonormal eigenvectors of the Dirichlet matrix tridiag(-1, 2, -1) of chapter 06 (h = 1).

        mu_k = 4 sin^2(k pi / (2 (N + 1))),   (v_k)_j = sqrt(2 / (N + 1)) sin(k pi (j + 1) / (N + 1)),

    k = 1..N, j = 0..N-1: column k - 1 of the returned matrix is v_k, the smoothest sine first.
    """
    size = check_int(size, "size", 1, MAX_MODES, advice="the gains depend on mu, not on N: use a smaller grid")
    k = np.arange(1, size + 1)
    mu = 4.0 * np.sin(k * np.pi / (2 * (size + 1))) ** 2
    modes = math.sqrt(2.0 / (size + 1)) * np.sin(np.pi * np.outer(k, k) / (size + 1))
    return mu, modes


# -- closed forms ---------------------------------------------------------------------------------


def explicit_factor(mu: np.ndarray, tau: float) -> np.ndarray:
    """Factor of one explicit step u - tau D^T D u on the mode mu (chapter 08): r(mu) = 1 - tau mu.

    |r| <= 1 for every mu in [0, ||D||^2] iff tau <= 2 / ||D||^2; at tau = tau* the checkerboard gets -1.
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    return 1.0 - tau * mu


def _fsi_recurrence(mu: np.ndarray, tau: float, cycle_length: int):
    """Yield the FSI factor after each inner step k = 1..n."""
    z = 1.0 - tau * mu
    previous, current = np.ones_like(z), np.ones_like(z)
    with np.errstate(over="ignore", invalid="ignore"):
        for alpha in fsi_weights(cycle_length):
            previous, current = current, alpha * z * current + (1.0 - alpha) * previous
            yield current


def fsi_factor(mu: np.ndarray, tau: float, cycle_length: int) -> np.ndarray:
    """Factor of one FSI cycle of n steps on the mode mu (chapter 08): the cycle polynomial p_n(mu),

        p_{k+1} = alpha_k (1 - tau mu) p_k + (1 - alpha_k) p_{k-1},   p_{-1} = p_0 = 1,
        alpha_k = (4k + 2) / (2k + 3).

    |p_n| <= 1 on [0, 2 / tau] (tau <= tau*), p_n = (-1)^n / (2n + 1) at the checkerboard for tau = tau*, and
    p_n(mu) = 1 - tau (n^2 + n) / 3 mu + O(mu^2): one cycle is a step of size tau (n^2 + n) / 3.
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    check_steps(cycle_length, "cycle_length", mu.size, minimum=1)
    factor = np.ones_like(mu)
    for factor in _fsi_recurrence(mu, tau, cycle_length):
        pass
    return factor


def _check_stored(cycle_length: object, mu: np.ndarray) -> int:
    most = max(1, min(MAX_CYCLE_LENGTH, MAX_STORED // max(1, mu.size)))
    return check_int(cycle_length, "cycle_length", 1, most, advice=f"at most {MAX_STORED} values are returned")


def fsi_inner_factors(mu: np.ndarray, tau: float, cycle_length: int) -> np.ndarray:
    """The FSI factors p_1(mu), ..., p_n(mu) after each inner step of one cycle (chapter 08), shape (n,) + mu.shape.

    The weights alpha_k do not depend on n, so the state after k inner steps is the end of a cycle of length
    k: every row lies in [-1, 1] for tau <= tau* (internal stability, unlike FED with its large steps first,
    :func:`fed_inner_factors`).
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    n = _check_stored(cycle_length, mu)
    return np.array(list(_fsi_recurrence(mu, tau, n))).reshape((n,) + mu.shape)


def fed_inner_factors(mu: np.ndarray, tau: float, cycle_length: int, largest_first: bool = False) -> np.ndarray:
    """The factors prod_{i<k} (1 - tau_i mu), k = 1..n, after each step of one FED cycle (chapter 08).

    tau_i = tau / (2 cos^2(pi (2i + 1) / (4n + 2))) (:func:`pdelib.fed_step_sizes`), smallest first, or largest
    first with ``largest_first``. The last row equals :func:`fsi_factor`; taken largest first the intermediate
    factors reach |.| >> 1 (2.96e8 for n = 20 at tau = tau*): FED needs a careful ordering, FSI does not.
    Shape (n,) + mu.shape.
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    n = _check_stored(cycle_length, mu)
    if not isinstance(largest_first, (bool, np.bool_)):
        raise TypeError(f"largest_first must be True or False, got {largest_first!r}")
    i = np.arange(n)
    steps = tau / (2.0 * np.cos(np.pi * (2 * i + 1) / (4 * n + 2)) ** 2)
    steps = steps[::-1] if largest_first else steps
    with np.errstate(over="ignore", invalid="ignore"):
        return np.cumprod(1.0 - np.multiply.outer(steps, mu), axis=0)


def semi_implicit_factor(mu: np.ndarray, tau: float) -> np.ndarray:
    """Factor of one semi-implicit step (I + tau D^T D)^{-1} on the mode mu (chapter 08): 1 / (1 + tau mu) in (0, 1]."""
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    return 1.0 / (1.0 + tau * mu)


def fixed_point_factor(mu: np.ndarray, tau: float, iterations: int) -> np.ndarray:
    """Factor of l fixed-point iterations v <- u - tau D^T D v from v^0 = u on the mode mu (chapter 08):

        sum_{j=0}^{l} (-tau mu)^j = (1 - (-tau mu)^{l+1}) / (1 + tau mu).

    The error against 1 / (1 + tau mu) is multiplied by -tau mu per iteration (:func:`fixed_point_error_factor`):
    the iteration converges on every mode iff tau ||D||^2 < 1, i.e. below
    :func:`~pdelib.schemes.implicit.fixed_point_threshold` (1 / ||D||^2 for linear diffusion), and diverges on
    the checkerboard above.
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    iterations = check_int(iterations, "iterations", 1, MAX_STEPS)
    x = tau * mu
    with np.errstate(over="ignore", invalid="ignore"):
        return (1.0 - (-x) ** (iterations + 1)) / (1.0 + x)


def fixed_point_error_factor(mu: np.ndarray, tau: float) -> np.ndarray:
    """Error factor -tau mu of one fixed-point iteration on the mode mu (chapter 08); |.| < 1 iff tau mu < 1."""
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    return -tau * mu


def weighted_jacobi_factor(mu: np.ndarray, tau: float, sweeps: int = 1, omega: float = 2.0 / 3.0) -> np.ndarray:
    """Error factor of ``sweeps`` weighted Jacobi sweeps on (I + tau D^T D) x = f, Dirichlet grid (chapter 08):

        (1 - omega (1 + tau mu) / (1 + 2 tau))^sweeps,   mu = 4 sin^2(k pi / (2 (N + 1))) (:func:`dirichlet_modes`).

    The Dirichlet diagonal is the constant 1 + 2 tau (h = 1), so the sines are exact eigenvectors: this is
    the smoother of chapter 06's ``"implicit-diffusion"`` multigrid. On the smoothest mode it tends to 1 as
    tau grows (1 - omega / (1 + 2 tau) for mu -> 0).
    """
    mu, tau = _check_mu(mu), check_positive(tau, "tau")
    sweeps = check_int(sweeps, "sweeps", 1, MAX_STEPS)
    omega = check_real(omega, "omega", 0.0, 1.0, include_minimum=False)
    return (1.0 - omega * (1.0 + tau * mu) / (1.0 + 2.0 * tau)) ** sweeps


def closed_form_factors(
    scheme: str,
    mu: np.ndarray,
    tau: float,
    *,
    cycle_length: int | None = None,
    iterations: int | None = None,
) -> np.ndarray:
    """The closed-form factor of a scheme by name, the counterpart of :func:`measured_factors` (chapter 08).

    ``"explicit"`` :func:`explicit_factor`, ``"fsi"`` :func:`fsi_factor` (``cycle_length`` n),
    ``"semi-implicit"`` :func:`semi_implicit_factor`, ``"fixed-point"`` :func:`fixed_point_factor`
    (``iterations`` l). Jacobi has none on reflecting grids (it couples modes, :func:`mode_leakage`).
    """
    check_choice(scheme, "scheme", SCHEMES)
    if scheme == "jacobi":
        raise ValueError("scheme='jacobi' has no closed form on reflecting grids: it couples modes (mode_leakage)")
    if scheme != "fsi" and cycle_length is not None:
        raise ValueError(f"cycle_length applies to scheme='fsi' only; leave it None for {scheme!r}")
    if scheme != "fixed-point" and iterations is not None:
        raise ValueError(f"iterations applies to scheme='fixed-point' only; leave it None for {scheme!r}")
    if scheme == "fsi":
        if cycle_length is None:
            raise ValueError("cycle_length: scheme='fsi' needs a cycle length n >= 1")
        return fsi_factor(mu, tau, cycle_length)
    if scheme == "fixed-point":
        if iterations is None:
            raise ValueError("iterations: scheme='fixed-point' needs a number of iterations l >= 1")
        return fixed_point_factor(mu, tau, iterations)
    return explicit_factor(mu, tau) if scheme == "explicit" else semi_implicit_factor(mu, tau)


# -- measured factors -------------------------------------------------------------------------------


def _scheme_map(
    scheme: str, operator: DerivativeOperator, tau: float, cycle_length: object, iterations: object
) -> Callable[[np.ndarray], np.ndarray]:
    """u -> S u for the named scheme with linear diffusivity, built from the existing scheme classes."""
    size = operator.size
    if scheme != "fsi" and cycle_length is not None:
        raise ValueError(f"cycle_length applies to scheme='fsi' only; leave it None for {scheme!r}")
    if scheme not in ("fixed-point", "jacobi") and iterations is not None:
        raise ValueError(f"iterations applies to 'fixed-point' and 'jacobi' only; leave it None for {scheme!r}")
    if scheme == "explicit":
        return ExplicitScheme(tau, _LINEAR, operator).step
    if scheme == "semi-implicit":
        return SemiImplicitScheme(tau, _LINEAR, operator).step
    if scheme == "fsi":
        if cycle_length is None:
            raise ValueError("cycle_length: scheme='fsi' needs a cycle length n >= 1")
        check_steps(cycle_length, "cycle_length", size, minimum=1, per_step=size)
        return FSIScheme(tau, cycle_length, _LINEAR, operator).cycle
    if iterations is None:
        raise ValueError(f"iterations: scheme={scheme!r} needs a number of iterations l >= 1")
    iterations = check_steps(iterations, "iterations", size, minimum=1, per_step=size)
    if scheme == "jacobi":
        # Only the iterate is used: passing u as the reference skips the direct solve (none for periodic n >= 2).
        return lambda u: jacobi_iteration(u, tau, _LINEAR, operator, iterations, reference=u).solution
    solver = FixedPointSolver(tau, _LINEAR, operator)

    def fixed_point(u: np.ndarray) -> np.ndarray:
        v = u
        for _ in range(iterations):
            v = solver.iterate(u, v)
        return v

    return fixed_point


def _responses(scheme, operator, tau, cycle_length, iterations) -> tuple[np.ndarray, np.ndarray]:
    check_choice(scheme, "scheme", SCHEMES)
    operator = _check_modes(operator)
    tau = check_positive(tau, "tau")
    apply = _scheme_map(scheme, operator, tau, cycle_length, iterations)
    _, modes = eigenmodes(operator)
    return modes, np.stack([apply(v) for v in modes.T], axis=1)


def measured_factors(
    scheme: str,
    operator: DerivativeOperator,
    tau: float,
    *,
    cycle_length: int | None = None,
    iterations: int | None = None,
) -> np.ndarray:
    """The factors <v_k, S v_k> of one step of the existing scheme code on every eigenmode (chapter 08).

    S is, with linear diffusivity: ``"explicit"`` :meth:`ExplicitScheme.step`; ``"fsi"`` one
    :meth:`FSIScheme.cycle` of ``cycle_length`` steps; ``"semi-implicit"`` :meth:`SemiImplicitScheme.step`;
    ``"fixed-point"`` ``iterations`` calls of :meth:`FixedPointSolver.iterate` from v^0 = u; ``"jacobi"``
    :func:`jacobi_iteration` with ``iterations`` iterations from u^0 = u. The first four are functions of
    D^T D, so S v_k = factor v_k and the results equal the closed forms (to rounding). Jacobi's diagonal
    M is not constant near reflecting boundaries (1 + tau instead of 1 + 2 tau for n = 1): it couples modes
    slightly and <v_k, S v_k> is then the diagonal of S in the eigenbasis (see :func:`mode_leakage`).

    Parameters
    ----------
    scheme : {"explicit", "fsi", "semi-implicit", "fixed-point", "jacobi"}
    operator : DerivativeOperator
        D, with N <= 1024 (dense eigendecomposition).
    tau : float
        Time step > 0.
    cycle_length : int
        FSI only: n >= 1, with n N^2 <= 10^9.
    iterations : int
        Fixed point and Jacobi only: l >= 1, with l N^2 <= 10^9.

    Returns
    -------
    array of shape (N,)
        Entry k belongs to mu_k of :func:`eigenmodes` (ascending).
    """
    modes, images = _responses(scheme, operator, tau, cycle_length, iterations)
    return np.einsum("ik,ik->k", modes, images)


def mode_leakage(
    scheme: str,
    operator: DerivativeOperator,
    tau: float,
    *,
    cycle_length: int | None = None,
    iterations: int | None = None,
) -> np.ndarray:
    """||S v_k - <v_k, S v_k> v_k|| per eigenmode: how far S v_k is from a multiple of v_k (chapter 08).

    Rounding (about 1e-15) for the schemes that are functions of D^T D; not small for Jacobi on reflecting
    boundaries. Arguments as in :func:`measured_factors`.
    """
    modes, images = _responses(scheme, operator, tau, cycle_length, iterations)
    return np.linalg.norm(images - modes * np.einsum("ik,ik->k", modes, images), axis=0)


def multigrid_mode_gains(
    size: int,
    tau: float,
    depth: int | None = None,
    pre: int = 2,
    post: int = 1,
    cycle: str = "V",
) -> np.ndarray:
    """Per-mode gains ||C v_k|| of one multigrid cycle on (I + tau D^T D) u = f, Dirichlet grid (chapter 08).

    C is the error propagation of :class:`MultigridSolver` (``problem="implicit-diffusion"``, weighted Jacobi
    smoother, Galerkin coarse operators): with f = 0 a cycle maps the error e = u to C e, so C v_k is
    ``solver.cycle(0, v_k)`` for the unit sines v_k of :func:`dirichlet_modes`. Restriction aliases mode k
    with N + 1 - k, so C v_k is *not* a multiple of v_k: these are gains, not eigenvalues, and max_k gain
    is a lower bound of ||C||_2. Measured worst gain of V(2,1): 0.079 (tau = 10), 0.101 (tau = 100).

    Parameters
    ----------
    size : int
        N interior points, N + 1 divisible by 2^(depth - 1) (e.g. 63, 255), N <= 1024.
    tau : float
        Time step in (0, 1e20].
    depth, pre, post, cycle
        As in :class:`MultigridSolver` (default: all levels, V(2,1)).

    Returns
    -------
    array of shape (N,)
        Entry k - 1 belongs to sin(k pi j / (N + 1)), k = 1..N.
    """
    _, modes = dirichlet_modes(size)
    solver = MultigridSolver(size, problem="implicit-diffusion", tau=tau, depth=depth, pre=pre, post=post, cycle=cycle)
    zero = np.zeros(size)
    return np.array([np.linalg.norm(solver.cycle(zero, v)) for v in modes.T])


def jacobi_mode_gains(size: int, tau: float, sweeps: int = 3) -> np.ndarray:
    """Per-mode gains ||S^l v_k|| of ``sweeps`` = l weighted Jacobi sweeps (omega = 2/3), the smoother of
    :func:`multigrid_mode_gains`, alone on the same Dirichlet system (chapter 08).

    Run as :class:`MultigridSolver` with ``depth=1`` (smoothing only), f = 0. The sines are eigenvectors here,
    so the gains are |:func:`weighted_jacobi_factor`|. The default 3 sweeps match the fine-grid smoothing of a
    V(2,1)-cycle. Measured worst gain (N = 63): 0.906 (tau = 10), 0.988 (tau = 100).

    Parameters
    ----------
    size : int
        N in [1, 1024].
    tau : float
        Time step in (0, 1e20].
    sweeps : int, default 3
        Number of sweeps l in [1, 100].
    """
    _, modes = dirichlet_modes(size)
    sweeps = check_int(sweeps, "sweeps", 1, MAX_SWEEPS)
    solver = MultigridSolver(size, problem="implicit-diffusion", tau=tau, depth=1, pre=sweeps, post=0)
    zero = np.zeros(size)
    return np.array([np.linalg.norm(solver.cycle(zero, v)) for v in modes.T])


# -- what a factor predicts, and what it does not ------------------------------------------------------


def blowup_step(factor: float, growth_limit: float = GROWTH_LIMIT, weight: float = 1.0) -> int:
    """The first step k at which weight |factor|^k > growth_limit (chapter 08):

        k = floor(log(growth_limit / weight) / log |factor|) + 1     (at least 1).

    :meth:`ExplicitScheme.evolve` reports a blow-up at the first step with ||u^k|| > growth_limit ||u^0||
    (strictly greater, hence floor + 1 rather than ceil). Started on the eigenmode of ``factor`` (weight 1)
    the prediction is exact; for another start, ``weight`` = |<u^0, v>| / ||u^0|| is the share of the fastest
    growing mode v, and the prediction ignores the other modes (they may add a step).

    Parameters
    ----------
    factor : float
        Amplification factor with |factor| > 1, e.g. 1 - tau ||D||^2 above the bound.
    growth_limit : float, default 1e6
        The blow-up threshold of :meth:`ExplicitScheme.evolve`, relative to ||u^0||.
    weight : float, default 1
        Share in (0, 1] of the growing mode in u^0.
    """
    factor = check_real(factor, "factor")
    if abs(factor) <= 1.0:
        raise ValueError(f"factor must have |factor| > 1 (a growing mode), got {factor:g}: it never blows up")
    growth_limit = check_positive(growth_limit, "growth_limit")
    weight = check_positive(weight, "weight", 1.0)
    step = max(1, math.floor(math.log(growth_limit / weight) / math.log(abs(factor))) + 1)
    # the logarithms round (log(1e6) / log(10) = 5.999...): settle the boundary case with the powers themselves
    while step > 1 and _exceeds(weight, abs(factor), step - 1, growth_limit):
        step -= 1
    while not _exceeds(weight, abs(factor), step, growth_limit):
        step += 1
    return step


def _exceeds(weight: float, factor: float, step: int, limit: float) -> bool:
    """weight factor^step > limit, for factor > 1 (an overflow exceeds every finite limit)."""
    try:
        return weight * factor**step > limit
    except OverflowError:
        return True


def max_min_bound(diffusivity_max: float, spacing: float = 1.0) -> float:
    """The step size tau <= h^2 / (2 g_max) of the discrete max-min principle for n = 1 (chapter 08).

    Then I - tau A(u) has nonnegative entries and rows summing to 1: each new value is a convex combination
    of old ones and stays in [min f, max f]. The Euclidean bound 2 / (g_max ||D||^2) is slightly larger; for
    n >= 2 no step size gives a max-min principle (see :func:`overshoot`).
    """
    diffusivity_max = check_positive(diffusivity_max, "diffusivity_max")
    spacing = check_positive(spacing, "spacing")
    return spacing**2 / (2.0 * diffusivity_max)


def overshoot(u: np.ndarray, reference: np.ndarray) -> float:
    """How far u leaves the range of the reference (chapter 08): max(0, max u - max ref, min ref - min u).

    0 while a max-min principle holds. One explicit n = 2 step on a unit step edge (h = 1) overshoots by
    exactly tau, at any tau > 0.
    """
    u = check_values(u, "u", finite=True)
    reference = check_values(reference, "reference", finite=True)
    return max(0.0, float(u.max() - reference.max()), float(reference.min() - u.min()))


def separating_pair(
    size: int = 64, contrast: float = 0.1, perturbation: float = 1e-3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two nearby signals that Perona-Malik pushes apart (chapter 08), h = 1.

    u is a ramp of slope sqrt(3) lambda over the middle half of the grid, where the Perona-Malik flux falls
    fastest (Phi'(sqrt(3) lambda) = -1/8: backward diffusion); v = u + perturbation lambda xi on the ramp's
    interior, xi seeded standard normal. Linearised at u one explicit step multiplies a checkerboard on the
    ramp by up to 1 + tau ||D||^2 / 8 (1.225 at tau = 0.9 tau*), although ||S(u)|| <= ||u||.

    Parameters
    ----------
    size : int, default 64
        N in [8, 2^22].
    contrast : float, default 0.1
        lambda of the Perona-Malik diffusivity the pair is meant for.
    perturbation : float, default 1e-3
        Standard deviation of the perturbation relative to lambda, in (0, 1].
    seed : int, default 0
    """
    size = check_size(size, "size", 8)
    contrast = check_real(contrast, "contrast", MIN_CONTRAST, MAX_CONTRAST)
    perturbation = check_positive(perturbation, "perturbation", 1.0)
    seed = check_int(seed, "seed", 0)
    i = np.arange(size)
    u = math.sqrt(3.0) * contrast * np.clip(i - size / 4, 0.0, size / 2)
    ramp = (i > size // 4) & (i < 3 * size // 4)
    v = u + perturbation * contrast * np.random.default_rng(seed).standard_normal(size) * ramp
    return u, v


def separation_ratio(step: object, u: np.ndarray, v: np.ndarray, steps: int = 1) -> float:
    """||S^k(u) - S^k(v)|| / ||u - v|| after k = ``steps`` steps of a scheme (chapter 08).

    Euclidean stability bounds ||S(u)|| <= ||u||, not this ratio: for a nonmonotone flux (backward diffusion)
    it exceeds 1. Example: Perona-Malik, lambda = 0.1, n = 1, tau = 0.9 tau*, N = 64, :func:`separating_pair`
    (seed 0): 1.10 after 1 step, 3.76 after 10, 23.3 after 20, while both norms fall (28.355 -> 28.280).

    Parameters
    ----------
    step : object with a ``step(u)`` method (e.g. :class:`ExplicitScheme`), or a callable u -> S(u)
    u, v : arrays of shape (N,)
        Two different finite signals.
    steps : int, default 1
        k >= 1, with 2 k N <= 10^9.
    """
    apply = getattr(step, "step", step)
    if not callable(apply):
        raise TypeError(f"step must be a scheme with a step(u) method or a callable u -> S(u), got {step!r:.60}")
    u = check_signal(u, "u")
    v = check_signal(v, "v", u.size)
    steps = check_steps(steps, "steps", u.size, minimum=1, per_step=2)
    distance = _norm(u - v)
    if distance == 0.0:
        raise ValueError("v must differ from u: the ratio divides by ||u - v||")
    for _ in range(steps):
        u, v = apply(u), apply(v)
    return _norm(np.asarray(u) - np.asarray(v)) / distance
