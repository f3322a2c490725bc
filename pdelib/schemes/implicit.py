"""Implicit and semi-implicit diffusion schemes and their inner solvers (chapter 05); its network: :mod:`pdelib.nets.recurrent`.

Three ways to take a step that is not limited by the explicit bound 2 / (L ||D||^2):

* **Semi-implicit** (:class:`SemiImplicitScheme`): the diffusivity is frozen at the old time level,

      (I + tau D^T G(u^k) D) u^{k+1} = u^k,    G(u^k) = diag(Phi(s)/s),  s = D u^k.

  With 0 <= Phi(s)/s the matrix is symmetric positive definite, (I + tau A)^{-1} has eigenvalues in
  (0, 1], so ||u^{k+1}||_2 <= ||u^k||_2 for **every** tau > 0. The matrix is banded (bandwidth n for a
  derivative of order n), assembled from the stencil without a dense matrix and solved directly with
  LAPACK (``scipy.linalg.solveh_banded``); for n = 1 with reflecting boundaries by a compiled twisted
  LDL^T solve of the tridiagonal system (:mod:`pdelib.schemes.tridiagonal`, the same result to rounding).

* **Fully implicit**, u^{k+1} = u^k - tau D^T Phi(D u^{k+1}), solved by the fixed-point iteration
  (:class:`FixedPointSolver`)

      v^{l+1} = u^k - tau D^T Phi(D v^l),   v^0 = u^k,

  one diffusion block with shared weights applied again and again with the input u^k injected at every
  iteration: a recurrent network (:mod:`pdelib.nets.recurrent`). By Banach's theorem it converges when
  tau Lip(Phi) ||D||_2^2 < 1 (:func:`fixed_point_threshold`; tau < 1/4 for n = 1, h = 1, linear).

* **Jacobi** on the semi-implicit system (:func:`jacobi_iteration`), u^{l+1} = M^{-1}(u^k + N u^l) with
  M the diagonal of I + tau D^T G D and N = M - (I + tau D^T G D): for n = 1 it converges for every tau
  (the matrix is strictly diagonally dominant), with spectral radius below 2 tau / (1 + 2 tau) for h = 1
  (exactly: :func:`jacobi_spectral_radius`); for n >= 2 the matrix is not diagonally dominant and Jacobi
  diverges for large tau.

Periodic boundaries make the matrix cyclic. The direct solve supports them for n = 1 (a Sherman–Morrison
correction of the two corner entries); for n >= 2 with periodic boundaries it raises a ValueError.
The fixed-point and Jacobi iterations are matrix-free and work for every order and boundary.

Flux convention: for a :class:`~pdelib.Diffusivity` the entries of G are g(s^2). For any other flux in a
sector 0 <= Phi(s)/s <= L (e.g. an activation) they are Phi(s)/s, with the limit Phi'(0) at s = 0.
Fluxes outside every sector are rejected: the semi-implicit matrix would not be positive definite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg import solveh_banded

from .._checks import (
    check_bool,
    check_positive,
    check_real_array,
    check_signal,
    check_steps,
)
from ..diffusivities import Diffusivity
from ..fluxes import Flux, check_flux
from ..measures import euclidean_norm
from ..operators import DerivativeOperator, check_operator
from .explicit import _BLOCK, Evolution, advance_inplace, record_evolution
from .tridiagonal import solve_semi_implicit_tridiagonal

#: Default relative tolerance of the inner iterations: stop when the monitored norm <= tolerance * ||u^k||.
TOLERANCE = 1e-10

#: Largest tau L ||D||^2 the semi-implicit scheme accepts: its condition number, times float64 rounding,
#: must stay small (1e12 * 1e-16: the step is then accurate to about 1e-4 of the signal).
MAX_STIFFNESS = 1e12

#: An inner iteration has diverged when its monitored norm is non-finite or exceeds this many times its first value.
DIVERGENCE_LIMIT = 1e6


def _check_pair(diffusivity: object, operator: object) -> None:
    check_flux(diffusivity)
    check_operator(operator)


def _check_in_sector(diffusivity: Flux) -> None:
    if not diffusivity.in_sector:
        raise ValueError(
            f"diffusivity must satisfy the sector condition 0 <= Phi(s)/s <= L for the semi-implicit scheme "
            f"(else I + tau D^T G D need not be positive definite); {diffusivity.title} does not"
        )


def flux_ratio(diffusivity: Flux, s: np.ndarray) -> np.ndarray:
    """The entries g = Phi(s)/s of G(u) = diag(g) for derivatives s = D u.

    g(s^2) for a :class:`~pdelib.Diffusivity`; Phi(s)/s for another flux, with the limit Phi'(0) at s = 0.
    ``s``: a finite real number or array.
    """
    return _flux_ratio(check_flux(diffusivity), check_real_array(s, "s"))


def _flux_ratio(diffusivity: Flux, s: np.ndarray) -> np.ndarray:
    """:func:`flux_ratio` for a float64 array s, unchecked (the solvers' inner loops)."""
    with np.errstate(all="ignore"):
        if isinstance(diffusivity, Diffusivity):
            return diffusivity._g(s * s, np)
        zero = s == 0
        ratio = diffusivity._flux(s, np) / np.where(zero, 1.0, s)
        if np.any(zero):
            ratio[zero] = diffusivity._flux_derivative(np.zeros(1))[0]
        return ratio


def _flux_ratio_into(diffusivity: Flux, s: np.ndarray, out: np.ndarray) -> None:
    """out = :func:`flux_ratio` (diffusivity, s) for float64 s without a copy of s; errors are the caller's (errstate)."""
    if isinstance(diffusivity, Diffusivity):
        np.multiply(s, s, out=out)
        out[...] = diffusivity._g(out, np)
    else:
        out[...] = _flux_ratio(diffusivity, s)


def fixed_point_threshold(lipschitz: float, operator: DerivativeOperator) -> float:
    """Banach threshold 1 / (Lip(Phi) ||D||_2^2) of the fixed-point iteration v <- u^k - tau D^T Phi(D v).

    For tau below it the map is a contraction: the iteration converges for every u^k (sufficient
    condition). For linear diffusion (Lip = 1) it is sharp: above it the iteration diverges.

    Parameters
    ----------
    lipschitz : float
        Lipschitz constant Lip(Phi) > 0 of the flux (1 for linear diffusion, 1 for Charbonnier and
        Perona–Malik with lambda = 1, since sup |Phi'| = 1).
    operator : DerivativeOperator
        D; its exact ||D||_2^2 is used.

    Examples
    --------
    >>> round(fixed_point_threshold(1.0, DerivativeOperator(1, 64)), 5)
    0.25015
    """
    lipschitz = check_positive(lipschitz, "lipschitz")
    check_operator(operator)
    return 1.0 / (lipschitz * operator.norm_squared())


@dataclass(frozen=True)
class IterationResult:
    """The result of an inner iteration (fixed point or Jacobi).

    Attributes
    ----------
    solution : array of shape (N,)
        The last iterate.
    history : array
        The monitored norm per iteration: entry l belongs to iterate l (see ``quantity``).
    quantity : str
        What ``history`` holds.
    converged : bool
        The monitored norm fell to ``tolerance * ||u^k||``.
    diverged : bool
        The monitored norm became non-finite or grew beyond ``DIVERGENCE_LIMIT`` times its first value.
    iterations : int
        Number of iterations run.
    """

    solution: np.ndarray
    history: np.ndarray
    quantity: str
    converged: bool
    diverged: bool
    iterations: int

    def rate(self, floor: float = 1e-13) -> float:
        """Measured convergence factor per iteration: the geometric mean of history[l+1]/history[l] over
        the second half of the entries above ``floor * history[0]`` (rounding makes the rest meaningless)."""
        values = self.history[np.isfinite(self.history)]
        if values.size == 0 or values[0] == 0:
            return 0.0
        last = int(np.argmax(values <= floor * values[0])) if np.any(values <= floor * values[0]) else values.size
        last -= 1
        first = last // 2
        if last - first < 1:
            raise ValueError("too few iterations above the rounding floor to measure a rate")
        return float((values[last] / values[first]) ** (1.0 / (last - first)))


class SemiImplicitScheme:
    """The semi-implicit scheme (I + tau D^T G(u^k) D) u^{k+1} = u^k, solved directly (chapter 05).

    G(u^k) = diag(g) with g = Phi(s)/s at s = D u^k (see :func:`flux_ratio`). The matrix
    A = I + tau D^T G D is symmetric positive definite with bandwidth n; its upper band is assembled
    from the stencil of D (vectorised, no dense matrix) and solved by ``scipy.linalg.solveh_banded``.
    Every tau > 0 is Euclidean stable: ||u^{k+1}||_2 <= ||u^k||_2, and the mean is conserved.

    Parameters
    ----------
    tau : float
        Time step > 0 (any size).
    diffusivity : Flux
        g (a Diffusivity) or a flux in a sector 0 <= Phi(s)/s <= L.
    operator : DerivativeOperator
        D of order n; periodic boundaries only for n = 1 (Sherman–Morrison on the cyclic matrix).
    """

    def __init__(self, tau: float, diffusivity: Flux, operator: DerivativeOperator) -> None:
        _check_pair(diffusivity, operator)
        _check_in_sector(diffusivity)
        self.tau = check_positive(tau, "tau")
        largest = MAX_STIFFNESS / (diffusivity.bound * operator.norm_squared_bound())
        if self.tau > largest:
            raise ValueError(
                f"tau must be <= {largest:.3g} for this diffusivity and operator, got {self.tau:g}: beyond "
                f"tau L ||D||^2 = {MAX_STIFFNESS:g} the system I + tau D^T G D is too ill-conditioned for float64"
            )
        self.diffusivity = diffusivity
        self.operator = operator
        n, size = operator.order, operator.size
        if operator.boundary == "periodic" and (n > 1 or size < 3):
            raise ValueError(
                "operator: the direct semi-implicit solve supports periodic boundaries only for order 1 and "
                f"size >= 3 (a cyclic tridiagonal matrix); got order {n}, size {size}. Use reflecting "
                "boundaries, or the matrix-free jacobi_iteration / FixedPointSolver"
            )
        self._plan_assembly()
        self._band = np.empty((n + 1, size))
        self._derivative = np.empty(operator.output_size)
        self._ratio = np.empty(operator.output_size)
        self._work = np.empty(max(operator.output_size, size))
        # n = 1, reflecting: a compiled twisted solve reading g directly (pdelib.schemes.tridiagonal)
        self._tridiagonal = n == 1 and operator.boundary == "reflecting"

    def __repr__(self) -> str:
        return (
            f"SemiImplicitScheme(tau={self.tau:g}, diffusivity={self.diffusivity!r}, operator={self.operator!r})"
        )

    # -- assembly of the band of D^T G D -------------------------------------------------------
    def _plan_assembly(self) -> None:
        """Split the rows r of D into the regular interior (taps at r + j - left) and the few boundary rows.

        Row r of D has the entries w_j at columns p(r + j) (p: the padding indices, duplicates summed), so
        D^T G D = sum_r g_r d_r d_r^T. Interior rows add w_j w_k g_r at (r + j - left, r + k - left):
        n + 1 choose 2 plus n + 1 slice operations. Boundary rows are added one by one.
        """
        op = self.operator
        left, _ = op.padding
        index = op.padding_indices()
        n, rows = op.order, op.output_size
        regular = np.array([all(index[r + j] == r + j - left for j in range(n + 1)) for r in range(rows)])
        # regular rows form one contiguous range [start, stop)
        positions = np.flatnonzero(regular)  # contiguous: the padding only touches the ends
        self._start, self._stop = (int(positions[0]), int(positions[-1]) + 1) if positions.size else (0, 0)
        self._boundary_rows = [r for r in range(rows) if not self._start <= r < self._stop]
        self._row_entries = {}
        for r in self._boundary_rows:
            entries: dict[int, float] = {}
            for j, w in enumerate(op.stencil):
                entries[int(index[r + j])] = entries.get(int(index[r + j]), 0.0) + w
            self._row_entries[r] = [(c, w) for c, w in entries.items() if w != 0.0]

    def _assemble(self, ratio: np.ndarray) -> float:
        """Write the upper band of I + tau D^T G D into ``self._band`` (solveh_banded layout:
        band[n + a - b, b] = A[a, b] for a <= b) and return the cyclic corner entry A[0, N-1] (0 if none)."""
        op, band, tau = self.operator, self._band, self.tau
        n, left = op.order, op.padding[0]
        w = op.stencil
        band.fill(0.0)
        band[n] = 1.0
        start, stop = self._start, self._stop
        g = ratio[start:stop]
        work = self._work[: stop - start]
        for j in range(n + 1):
            for k in range(j, n + 1):
                # interior row r adds w_j w_k g_r at (a, b) = (r + j - left, r + k - left)
                column = start + k - left
                np.multiply(g, tau * w[j] * w[k], out=work)
                target = band[n - (k - j), column : column + (stop - start)]
                np.add(target, work, out=target)
        corner = 0.0
        for r in self._boundary_rows:
            entries = self._row_entries[r]
            for a, wa in entries:
                for b, wb in entries:
                    if a > b:
                        continue
                    value = tau * wa * wb * ratio[r]
                    if b - a <= n:
                        band[n + a - b, b] += value
                    else:
                        corner += value  # the wrap-around entry of a periodic n = 1 operator: (0, N-1)
        return corner

    def system_band(self, u: np.ndarray) -> np.ndarray:
        """The upper band of I + tau D^T G(u) D, shape (n + 1, N) (``solveh_banded`` layout; the cyclic
        corner of a periodic operator is not included). For teaching and tests."""
        u = check_signal(u, "u", self.operator.size)
        self._assemble(_flux_ratio(self.diffusivity, self.operator._apply_unchecked(u, self._derivative)))
        return self._band.copy()

    def system_matrix(self, u: np.ndarray) -> np.ndarray:
        """The dense matrix I + tau D^T G(u) D, assembled from the band (small N only)."""
        u = check_signal(u, "u", self.operator.size)
        corner = self._assemble(_flux_ratio(self.diffusivity, self.operator._apply_unchecked(u, self._derivative)))
        n, size = self.operator.order, self.operator.size
        matrix = np.zeros((size, size))
        for offset in range(n + 1):
            diagonal = self._band[n - offset, offset:]
            matrix[np.arange(size - offset), np.arange(offset, size)] = diagonal
            matrix[np.arange(offset, size), np.arange(size - offset)] = diagonal
        matrix[0, size - 1] += corner
        matrix[size - 1, 0] += corner
        return matrix

    # -- the step ------------------------------------------------------------------------------
    def step_inplace(self, u: np.ndarray) -> None:
        """Overwrite u (float64, length N) with the solution of (I + tau D^T G(u) D) x = u: unchecked."""
        s = self.operator._apply_unchecked(u, self._derivative)
        ratio = self._ratio
        # cache-sized blocks keep the temporaries of the formula small (as in ExplicitScheme.step_inplace)
        for begin in range(0, s.size, _BLOCK):
            _flux_ratio_into(self.diffusivity, s[begin : begin + _BLOCK], ratio[begin : begin + _BLOCK])
        if self._tridiagonal:
            solve_semi_implicit_tridiagonal(ratio, self.tau, self.operator.stencil, u, self._work)
            return
        corner = self._assemble(ratio)
        if corner == 0.0:
            u[...] = solveh_banded(self._band, u, overwrite_ab=True, check_finite=False)
            return
        # Cyclic: A = B + gamma v v^T with v = e_0 + (c/gamma) e_{N-1}, gamma = -A_00, so that
        # B = A - gamma v v^T = A + |gamma| v v^T is SPD and tridiagonal. Sherman–Morrison:
        # A^{-1} u = y - z gamma (v^T y) / (1 + gamma v^T z) with B y = u, B z = v.
        band = self._band
        gamma = -band[-1, 0]
        band[-1, 0] -= gamma
        band[-1, -1] -= corner * corner / gamma
        rhs = np.zeros((u.size, 2))
        rhs[:, 0] = u
        rhs[0, 1] = 1.0
        rhs[-1, 1] = corner / gamma
        solution = solveh_banded(band, rhs, overwrite_ab=True, check_finite=False)
        y, z = solution[:, 0], solution[:, 1]
        v_y = y[0] + corner / gamma * y[-1]
        v_z = z[0] + corner / gamma * z[-1]
        u[...] = y - z * (gamma * v_y / (1.0 + gamma * v_z))

    def step(self, u: np.ndarray) -> np.ndarray:
        """Return u^{k+1}, the solution of (I + tau D^T G(u^k) D) u^{k+1} = u^k, as a new array."""
        u = check_signal(u, "u", self.operator.size).copy()
        with np.errstate(all="ignore"):
            self.step_inplace(u)
        return u

    def advance(self, u: np.ndarray, steps: int) -> np.ndarray:
        """Overwrite ``u`` (float64, length N) with u^{k+steps}: the fast loop, no measurements."""
        return advance_inplace(self.step_inplace, u, steps, self.operator.size)

    def evolve(self, u0: np.ndarray, steps: int, record_every: int | None = None) -> Evolution:
        """Run ``steps`` semi-implicit steps from u^0 (diffusion time K tau); never blows up (``blowup`` is None).

        Parameters
        ----------
        u0 : array of shape (N,)
            Initial signal (finite).
        steps : int
            Number of steps K >= 0.
        record_every : int, optional
            Also store every ``record_every``-th state (default: only u^0 and the last).
        """
        return record_evolution(self.step_inplace, self.tau, u0, steps, self.operator.size, record_every)


def semi_implicit_step(u: np.ndarray, tau: float, diffusivity: Flux, operator: DerivativeOperator) -> np.ndarray:
    """One semi-implicit step (I + tau D^T G(u) D)^{-1} u (see :class:`SemiImplicitScheme`)."""
    return SemiImplicitScheme(tau, diffusivity, operator).step(u)


def _check_iteration_arguments(max_iterations: object, tolerance: object, size: int) -> tuple[int, float]:
    """max_iterations >= 1 within the work limit (at most 10^7, iterations N <= 10^9) and tolerance > 0."""
    return check_steps(max_iterations, "max_iterations", size, minimum=1), check_positive(tolerance, "tolerance")


class FixedPointSolver:
    """The fully implicit step u^{k+1} = u^k - tau D^T Phi(D u^{k+1}) by fixed-point iteration (chapter 05).

        v^{l+1} = u^k - tau D^T Phi(D v^l),   v^0 = u^k.

    The same explicit-block map with the input u^k injected at every iteration: the recurrent network of
    :class:`pdelib.nets.recurrent.RecurrentDiffusionNetwork`. Converges for tau < :func:`fixed_point_threshold`
    (sufficient); for linear diffusion it diverges above.

    Parameters
    ----------
    tau : float
        Time step > 0.
    diffusivity : Flux
        Phi (any flux).
    operator : DerivativeOperator
        D (any order and boundary).
    """

    def __init__(self, tau: float, diffusivity: Flux, operator: DerivativeOperator) -> None:
        _check_pair(diffusivity, operator)
        self.tau = check_positive(tau, "tau")
        self.diffusivity = diffusivity
        self.operator = operator

    def __repr__(self) -> str:
        return f"FixedPointSolver(tau={self.tau:g}, diffusivity={self.diffusivity!r}, operator={self.operator!r})"

    def iterate(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """One iteration u - tau D^T Phi(D v) (u = u^k, v = v^l), as a new array."""
        u = check_signal(u, "u", self.operator.size)
        v = check_signal(v, "v", self.operator.size)
        with np.errstate(all="ignore"):
            return self._iterate(u, v)

    def _iterate(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        op = self.operator
        return u - self.tau * op._apply_transpose_unchecked(
            self.diffusivity._flux(op._apply_unchecked(v, np.empty(op.output_size)), np), np.empty(op.size)
        )

    def solve(
        self,
        u: np.ndarray,
        max_iterations: int = 1000,
        tolerance: float = TOLERANCE,
        stop: bool = True,
        reference: np.ndarray | None = None,
    ) -> IterationResult:
        """Iterate from v^0 = u^k until the monitored norm <= tolerance ||u^k||, divergence, or max_iterations.

        Monitored: without ``reference``, ``history[l]`` = ||v^{l+1} - v^l||_2, which is also the residual
        norm ||v^l - u^k + tau D^T Phi(D v^l)|| of the implicit equation at v^l. With ``reference`` (the exact
        solution, e.g. the direct solve for linear diffusion) ``history[l]`` = ||v^l - reference||_2 for
        l = 0, 1, ..., the error. Divergence (non-finite, or growth beyond ``DIVERGENCE_LIMIT`` times the
        first entry) is detected without floating-point warnings. With ``stop=False`` all ``max_iterations``
        are run unless the iterates diverge (for measuring rates).
        """
        u = check_signal(u, "u", self.operator.size)
        max_iterations, tolerance = _check_iteration_arguments(max_iterations, tolerance, self.operator.size)
        stop = check_bool(stop, "stop")
        if reference is not None:
            reference = check_signal(reference, "reference", self.operator.size)
        scale = euclidean_norm(u)
        v = u.copy()
        history = [] if reference is None else [euclidean_norm(v - reference)]
        converged = diverged = False
        with np.errstate(all="ignore"):
            for _ in range(max_iterations):
                new = self._iterate(u, v)
                monitored = euclidean_norm(new - v) if reference is None else euclidean_norm(new - reference)
                history.append(monitored)
                if not math.isfinite(monitored) or monitored > DIVERGENCE_LIMIT * max(history[0], 1e-300):
                    diverged = True
                    break
                v = new
                if monitored <= tolerance * scale:
                    converged = True
                    if stop:
                        break
        return IterationResult(
            solution=v,
            history=np.array(history),
            quantity=(
                "difference ||v^{l+1} - v^l|| (= residual at v^l)"
                if reference is None
                else "error ||v^l - x|| against the reference"
            ),
            converged=converged,
            diverged=diverged,
            iterations=len(history) - (reference is not None),
        )


def fixed_point_step(
    u: np.ndarray,
    tau: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    max_iterations: int = 1000,
    tolerance: float = TOLERANCE,
) -> IterationResult:
    """The fully implicit step by fixed-point iteration (see :meth:`FixedPointSolver.solve`)."""
    return FixedPointSolver(tau, diffusivity, operator).solve(u, max_iterations, tolerance)


def jacobi_iteration(
    u: np.ndarray,
    tau: float,
    diffusivity: Flux,
    operator: DerivativeOperator,
    iterations: int = 100,
    reference: np.ndarray | None = None,
    tolerance: float = TOLERANCE,
) -> IterationResult:
    """Jacobi on the semi-implicit system (I + tau D^T G(u^k) D) x = u^k (chapter 05).

        u^{l+1} = M^{-1} (u^k + N u^l),   u^0 = u^k,

    with M the diagonal of A = I + tau D^T G D and N = M - A: a recurrent network with input injection.
    Matrix-free (every order and boundary). For n = 1 it converges for every tau, with the factor
    :func:`jacobi_spectral_radius` < 2 tau / (1 + 2 tau); for n >= 2 it diverges for large tau.

    Parameters
    ----------
    u : array of shape (N,)
        u^k, the right-hand side and the initial iterate.
    tau, diffusivity, operator
        As in :class:`SemiImplicitScheme` (G is frozen at u^k).
    iterations : int, default 100
        Number of Jacobi iterations (all are run; ``converged`` reports whether the error reached tolerance);
        at most 10^7 and iterations N <= 10^9.
    reference : array of shape (N,), optional
        The exact solution; default: the direct solve of :class:`SemiImplicitScheme` (reflecting, or
        periodic n = 1). Needed for periodic n >= 2.
    tolerance : float
        ``converged`` if the last error <= tolerance * ||u^k||.

    Returns
    -------
    IterationResult
        ``history[l]`` = ||u^l - x||_2, l = 0..iterations, the error against the direct solve x.
    """
    check_flux(diffusivity)
    _check_in_sector(diffusivity)
    check_operator(operator)
    u = check_signal(u, "u", operator.size)
    tau = check_positive(tau, "tau")
    iterations = check_steps(iterations, "iterations", operator.size, minimum=1)
    tolerance = check_positive(tolerance, "tolerance")
    if reference is None:
        reference = SemiImplicitScheme(tau, diffusivity, operator).step(u)
    else:
        reference = check_signal(reference, "reference", operator.size)
    with np.errstate(all="ignore"):
        ratio = _flux_ratio(diffusivity, operator.apply(u))
        # diag(D^T G D)_a = sum_r g_r (D_ra)^2 = (D∘D)^T g; the dense-free form uses |D|^2 per row
        diagonal = 1.0 + tau * _diagonal_of_normal_matrix(operator, ratio)
        x = u.copy()
        errors = [euclidean_norm(x - reference)]
        for _ in range(iterations):
            product = x + tau * operator._apply_transpose_unchecked(
                ratio * operator._apply_unchecked(x, np.empty(operator.output_size)), np.empty(operator.size)
            )
            x = x + (u - product) / diagonal  # = M^{-1}(u^k + (M - A) x)
            errors.append(euclidean_norm(x - reference))
    scale = euclidean_norm(u)
    history = np.array(errors)
    return IterationResult(
        solution=x,
        history=history,
        quantity="error ||u^l - x|| against the direct solve",
        converged=bool(history[-1] <= tolerance * scale),
        diverged=bool(not np.isfinite(history[-1]) or history[-1] > DIVERGENCE_LIMIT * max(history[0], 1e-300)),
        iterations=iterations,
    )


def jacobi_spectral_radius(tau: float, operator: DerivativeOperator) -> float:
    """The exact asymptotic error factor of Jacobi on (I + tau D^T D) x = u (linear diffusion, chapter 05):

        rho(J),   J = M^{-1}(M - A),   A = I + tau D^T D,   M = diag(A),

    computed as the largest |eigenvalue| of the similar symmetric matrix M^{-1/2}(M - A)M^{-1/2} (dense,
    O(N^3): meant for the small grids of the chapter). For n = 1, h = 1 the interior rows give the
    Gershgorin bound 2 tau / (1 + 2 tau); with reflecting boundaries the two boundary rows (diagonal
    1 + tau) put rho strictly between 2 tau cos(pi / N) / (1 + 2 tau) and that bound (e.g. N = 64, tau = 3:
    0.85642), with periodic boundaries and even N it equals the bound. Close to 1 for large tau: Jacobi is
    slow exactly where an implicit step is worth taking. For n >= 2 the matrix is not diagonally dominant
    and rho exceeds 1 for large tau (Jacobi diverges).
    """
    tau = check_positive(tau, "tau")
    check_operator(operator)
    matrix = operator.matrix()
    a = np.eye(operator.size) + tau * (matrix.T @ matrix)
    scale = 1.0 / np.sqrt(np.diag(a))
    off_diagonal = np.diag(np.diag(a)) - a
    return float(np.max(np.abs(np.linalg.eigvalsh(scale[:, None] * off_diagonal * scale[None, :]))))


def _diagonal_of_normal_matrix(operator: DerivativeOperator, ratio: np.ndarray) -> np.ndarray:
    """diag(D^T G D) with G = diag(ratio): sum over the rows r of D of ratio_r (D_ra)^2, from the stencil."""
    index = operator.padding_indices()
    stencil = operator.stencil
    rows = operator.output_size
    n = operator.order
    # entries of row r at column p(r + j); mirrored taps landing on the same column are summed first
    columns = np.stack([index[j : j + rows] for j in range(n + 1)])  # (n + 1, rows)
    diagonal = np.zeros(operator.size)
    for j in range(n + 1):
        same = np.zeros(rows)
        for k in range(n + 1):
            same += np.where(columns[k] == columns[j], stencil[k], 0.0)
        # (sum of the taps on column p(r+j))^2, counted once per distinct column: divide by the multiplicity
        multiplicity = sum((columns[k] == columns[j]).astype(float) for k in range(n + 1))
        np.add.at(diagonal, columns[j], ratio * same * same / multiplicity)
    return diagonal
