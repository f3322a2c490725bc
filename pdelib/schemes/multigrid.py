"""Geometric multigrid solvers (V-, W-cycles and full multigrid) in 1D and 2D (chapter 06); its network: :mod:`pdelib.nets.unet`.

The linear systems A u = f solved here are

* ``"poisson"``: -Laplace u = f with zero Dirichlet values, h = 1/(N + 1) on the unit interval (square),

      (A u)_i = (-u_{i-1} + 2 u_i - u_{i+1}) / h^2                                  (1D)
      (A u)_{i,j} = (4 u_{i,j} - u_{i-1,j} - u_{i+1,j} - u_{i,j-1} - u_{i,j+1}) / h^2  (2D);

* ``"implicit-diffusion"``: one implicit step of linear diffusion, (I + tau D^T D) u = f, with D the
  forward differences of spacing h (default 1, the pixel spacing of :class:`pdelib.DerivativeOperator`)
  and the same zero Dirichlet values, so that D^T D is the operator of ``"poisson"``.

The grids, the transfer operators R and P, the Galerkin coarse operators and the smoothers are in
:mod:`pdelib.schemes.grids`.

**Cycles.** ``depth`` is the number of levels. With depth >= 2 a cycle at level l is: nu_1 pre-smoothing
sweeps, the residual r = f - A u, r_{2h} = R r, gamma recursive cycles on A_{2h} e = r_{2h} from e = 0
(gamma = 1: V-cycle, gamma = 2: W-cycle), the coarse-grid correction u <- u + P e, nu_2 post-smoothing
sweeps. The coarsest level used is solved exactly by a dense inverse (at most :data:`MAX_DIRECT_UNKNOWNS`
unknowns: use more levels otherwise). ``depth = 1`` means *smoothing only*: a "cycle" is nu_1 + nu_2
sweeps on the fine grid, which stalls at the smoother's factor on the smoothest mode, about
1 - omega pi^2 h^2 / 2 per Jacobi sweep in 1D.

Only numpy is imported: ``import pdelib.schemes.multigrid`` stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import (
    MAX_POINTS,
    MAX_SIDE,
    check_choice,
    check_int,
    check_positive,
    check_real,
)
from .grids import (
    MAX_DIRECT_UNKNOWNS,
    SMOOTHERS,
    _apply_terms,
    _check_dimension,
    _check_grid,
    _check_omega,
    _gauss_seidel,
    _jacobi,
    _offsets,
    _padded,
    _plan_sweeps,
    _prolong_add,
    _restrict_into,
    _stencil_terms,
    _Sweep,
    galerkin_stencil,
    stencil_matrix,
)

PROBLEMS = ("poisson", "implicit-diffusion")
CYCLES = ("V", "W")
#: Largest number of smoothing sweeps before or after the coarse-grid correction.
MAX_SWEEPS = 100
#: Largest time step of ``"implicit-diffusion"``.
MAX_TAU = 1e20
#: Most cycles of one call, and most cycles times unknowns.
MAX_CYCLES, MAX_CYCLE_WORK = 10**5, 2 * 10**9


# -- the solver ----------------------------------------------------------------------------------


def max_depth(size: int) -> int:
    """The largest number of levels for N points per direction: N, (N-1)/2, ... while N is odd and >= 3.

    N = 2^J - 1 gives J (the coarsest grid has one unknown); N + 1 = m 2^J with m odd >= 3 gives J + 1.
    """
    size = check_int(size, "size", 1)
    depth = 1
    while size >= 3 and size % 2 == 1:
        size = (size - 1) // 2
        depth += 1
    return depth


def _problem_stencil(problem: str, dimension: int, spacing: float, tau: float | None) -> np.ndarray:
    laplacian = np.array([-1.0, 2.0, -1.0]) / spacing**2
    if dimension == 2:
        laplacian = np.zeros((3, 3))
        laplacian[1] = laplacian[:, 1] = -1.0 / spacing**2
        laplacian[1, 1] = 4.0 / spacing**2
    if problem == "poisson":
        return laplacian
    identity = np.zeros(laplacian.shape)
    identity[(1,) * dimension] = 1.0
    return identity + tau * laplacian


@dataclass
class _Level:
    """Operator and preallocated buffers of one grid level."""

    shape: tuple[int, ...]
    stencil: np.ndarray
    u: np.ndarray  # padded: the zero Dirichlet ring around the iterate
    interior: np.ndarray  # the view of u without its ring
    terms: list[tuple[float, np.ndarray]]  # the stencil's nonzero weights with their views of u (_stencil_terms)
    factor: float  # Jacobi: omega / s_c
    f: np.ndarray
    residual: np.ndarray
    work: np.ndarray
    sweeps: list[_Sweep] | None  # red-black plan
    scratch: np.ndarray | None  # red-black: one sub-lattice
    restrict_work: np.ndarray | None  # 2D: the row pass of the restriction to the next level
    prolong_work: np.ndarray | None  # 2D: the row pass of the prolongation from the next level


@dataclass(frozen=True)
class MultigridResult:
    """The result of :meth:`MultigridSolver.solve`.

    Attributes
    ----------
    solution : array of shape (N,) or (N, N)
        The last iterate.
    residuals : array
        Relative residual norms ||f - A u^k||_2 / ||f||_2 per cycle, k = 0..cycles (entry 0: the initial
        guess); relative to ||f - A u^0|| if f = 0.
    converged : bool
        The last relative residual is <= tolerance.
    cycles : int
        Number of cycles run.
    factor : float
        Measured convergence factor: the mean residual reduction per cycle,
        (residuals[cycles] / residuals[0])^(1/cycles); nan if no cycle ran. For the asymptotic factor see
        :meth:`MultigridSolver.convergence_factor`.
    """

    solution: np.ndarray
    residuals: np.ndarray
    converged: bool
    cycles: int
    factor: float


class MultigridSolver:
    """Geometric multigrid for A u = f on a 1D or 2D Dirichlet grid (chapter 06).

    One cycle at level l (``depth`` levels, the coarsest solved exactly; see the module docstring):

        u <- S^{nu_1}(u, f)                    pre-smoothing (weighted Jacobi or red-black Gauss-Seidel)
        r_{2h} = R (f - A u)                   residual, full-weighting restriction
        e = cycle^gamma(A_{2h} e = r_{2h}, 0)  gamma = 1 (V) or 2 (W) cycles on the Galerkin A_{2h} = R A P
        u <- u + P e                           coarse-grid correction, linear interpolation
        u <- S^{nu_2}(u, f)                    post-smoothing

    Parameters
    ----------
    size : int
        Number N of interior points per direction; N + 1 must be divisible by 2^(depth - 1), e.g. N = 2^J - 1.
        At most 2^22 in 1D and 4096 in 2D (4096^2 unknowns).
    dimension : {1, 2}
        1: N points; 2: an N x N grid.
    problem : {"poisson", "implicit-diffusion"}
        -Laplace u = f (h = 1/(N + 1)) or (I + tau D^T D) u = f (h = 1 by default).
    tau : float, optional
        Time step tau in (0, 1e20] of ``"implicit-diffusion"`` (required there, not allowed for ``"poisson"``).
    depth : int, optional
        Number of levels, 1 (smoothing only) .. :func:`max_depth` (default: all, down to the coarsest grid).
    smoother : {"jacobi", "red-black"}, default "jacobi"
        Weighted Jacobi or red-black Gauss-Seidel (the fast choice; in 1D Poisson it solves in one cycle).
    pre, post : int, default 2 and 1
        nu_1, nu_2 in [0, 100] smoothing sweeps before and after the coarse-grid correction (not both 0).
    cycle : {"V", "W"}, default "V"
        gamma = 1 or 2 recursive coarse cycles.
    omega : float, optional
        Jacobi weight in (0, 1]; default 2/3 (1D) or 4/5 (2D). Not allowed with ``"red-black"``.
    spacing : float, optional
        Grid spacing h in [1e-10, 1e10]; default 1/(N + 1) for ``"poisson"`` and 1 for ``"implicit-diffusion"``.

    Examples
    --------
    >>> solver = MultigridSolver(63, smoother="jacobi", pre=2, post=1)
    >>> result = solver.solve(np.ones(63))
    >>> result.converged, result.cycles <= 10
    (True, True)
    """

    def __init__(
        self,
        size: int,
        dimension: int = 1,
        problem: str = "poisson",
        tau: float | None = None,
        depth: int | None = None,
        smoother: str = "jacobi",
        pre: int = 2,
        post: int = 1,
        cycle: str = "V",
        omega: float | None = None,
        spacing: float | None = None,
    ) -> None:
        self.dimension = _check_dimension(dimension)
        self.size = check_int(size, "size", 1, MAX_POINTS if self.dimension == 1 else MAX_SIDE,
                              advice="for larger grids use several solvers on pieces, or a 2D grid")
        self.problem = check_choice(problem, "problem", PROBLEMS)
        if self.problem == "poisson":
            if tau is not None:
                raise ValueError("tau applies to problem='implicit-diffusion' only; leave it None for 'poisson'")
            self.tau = None
        else:
            if tau is None:
                raise ValueError("tau: problem='implicit-diffusion' needs a time step tau > 0")
            self.tau = check_positive(tau, "tau", MAX_TAU)
        deepest = max_depth(self.size)
        if depth is None:
            depth = deepest
        if check_int(depth, "depth", 1) > deepest:
            raise ValueError(
                f"depth must be between 1 and {deepest} for size {self.size}: N + 1 = {self.size + 1} must be "
                f"divisible by 2^(depth - 1), got depth = {depth}; sizes N = 2^J - 1 (63, 255, 1023) allow depth J"
            )
        self.depth = depth
        self.smoother = check_choice(smoother, "smoother", SMOOTHERS)
        if self.smoother == "red-black" and omega is not None:
            raise ValueError("omega applies to the weighted Jacobi smoother only; leave it None for 'red-black'")
        self.omega = _check_omega(omega, self.dimension)
        self.pre = check_int(pre, "pre", 0, MAX_SWEEPS)
        self.post = check_int(post, "post", 0, MAX_SWEEPS)
        if self.pre + self.post == 0:
            raise ValueError("pre and post must not both be 0: a cycle needs at least one smoothing sweep")
        self.cycle_type = check_choice(cycle, "cycle", CYCLES)
        if spacing is None:
            spacing = 1.0 / (self.size + 1) if self.problem == "poisson" else 1.0
        self.spacing = check_real(spacing, "spacing", 1e-10, 1e10)

        sizes = [self.size]
        for _ in range(depth - 1):
            sizes.append((sizes[-1] - 1) // 2)
        bottom = sizes[-1] ** self.dimension
        if depth > 1 and bottom > MAX_DIRECT_UNKNOWNS:
            deeper = [
                d
                for d in range(depth + 1, deepest + 1)
                if ((self.size + 1) // 2 ** (d - 1) - 1) ** self.dimension <= MAX_DIRECT_UNKNOWNS
            ]
            advice = f"use depth >= {deeper[0]}" if deeper else "choose a size N = 2^J - 1 (e.g. 1023)"
            raise ValueError(
                f"depth: the coarsest grid of depth {depth} has {bottom} unknowns, more than the "
                f"{MAX_DIRECT_UNKNOWNS} of the exact (dense) coarsest solve; {advice}, or depth=1 for smoothing only"
            )
        stencil = _problem_stencil(self.problem, self.dimension, self.spacing, self.tau)
        self._levels: list[_Level] = []
        for index, n in enumerate(sizes):
            shape = (n,) * self.dimension
            last = index == depth - 1
            two_d = self.dimension == 2 and not last
            red_black = self.smoother == "red-black"
            u = _padded(shape)
            self._levels.append(
                _Level(
                    shape=shape,
                    stencil=stencil,
                    u=u,
                    interior=u[(slice(1, -1),) * self.dimension],
                    terms=_stencil_terms(stencil, u),
                    factor=self.omega / stencil[(1,) * self.dimension],
                    f=np.zeros(shape),
                    residual=np.empty(shape),
                    work=np.empty(shape),
                    sweeps=_plan_sweeps(stencil, shape) if red_black else None,
                    scratch=np.empty(tuple(len(range(0, m, 2)) for m in shape)) if red_black else None,
                    restrict_work=np.empty(((n - 1) // 2, n)) if two_d else None,
                    prolong_work=np.empty((n, (n - 1) // 2 + 2)) if two_d else None,
                )
            )
            if not last:
                stencil = galerkin_stencil(stencil)
        self._coarsest_inverse = np.linalg.inv(stencil_matrix(stencil, sizes[-1])) if depth > 1 else None

    # -- description ---------------------------------------------------------------------------
    @property
    def stencils(self) -> tuple[np.ndarray, ...]:
        """The operator of every level as a stencil, finest first (copies)."""
        return tuple(level.stencil.copy() for level in self._levels)

    @property
    def shapes(self) -> tuple[tuple[int, ...], ...]:
        """The grid shape of every level, finest first."""
        return tuple(level.shape for level in self._levels)

    def _nonzeros(self, level: _Level) -> int:
        """Nonzeros of the level's matrix: sum over the stencil entries of the points that have that neighbour."""
        total = 0
        for entry in _offsets(self.dimension):
            if level.stencil[entry] != 0.0:
                total += math.prod(n - abs(a - 1) for n, a in zip(level.shape, entry))
        return total

    def grid_complexity(self) -> float:
        """Unknowns on all levels / unknowns on the finest level (4/3 at most in 2D, 2 in 1D)."""
        unknowns = [math.prod(level.shape) for level in self._levels]
        return sum(unknowns) / unknowns[0]

    def operator_complexity(self) -> float:
        """Nonzeros of all level operators / nonzeros of the finest operator."""
        nonzeros = [self._nonzeros(level) for level in self._levels]
        return sum(nonzeros) / nonzeros[0]

    def __repr__(self) -> str:
        lines = [
            f"MultigridSolver(size={self.size}, dimension={self.dimension}, problem={self.problem!r}"
            + (f", tau={self.tau:g}" if self.tau is not None else "")
            + f", depth={self.depth}, smoother={self.smoother!r}, pre={self.pre}, post={self.post}, "
            f"cycle={self.cycle_type!r}" + (f", omega={self.omega:g}" if self.smoother == "jacobi" else "") + ")",
            f"  levels: {self.depth}   grid complexity: {self.grid_complexity():.3f}   "
            f"operator complexity: {self.operator_complexity():.3f}",
            "  level        grid   unknowns   nonzeros   stencil   coarsest",
        ]
        for index, level in enumerate(self._levels):
            points = int(np.count_nonzero(level.stencil))
            grid = "x".join(map(str, level.shape))
            if index < self.depth - 1:
                role = ""
            else:
                role = "exact solve" if self.depth > 1 else "smoothing only"
            lines.append(
                f"  {index:>5} {grid:>11} {math.prod(level.shape):>10} {self._nonzeros(level):>10} "
                f"{points:>6}-pt   {role}".rstrip()
            )
        return "\n".join(lines)

    def _check_cycles(self, cycles: object, name: str) -> int:
        """A number of cycles in [1, MAX_CYCLES] with cycles times unknowns <= MAX_CYCLE_WORK (2e9: the default
        100 cycles on the largest grid, 4095^2; each cycle costs a few sweeps over every level)."""
        most = max(1, min(MAX_CYCLES, MAX_CYCLE_WORK // self.size**self.dimension))
        return check_int(cycles, name, 1, most, advice="continue from the returned solution (x0) in another call")

    # -- the cycle -----------------------------------------------------------------------------
    def _smooth(self, level: _Level, sweeps: int) -> None:
        for _ in range(sweeps):
            if level.sweeps is None:
                _jacobi(level.terms, level.interior, level.f, level.factor, level.residual, level.work)
            else:
                _gauss_seidel(level.u, level.f, level.stencil[(1,) * self.dimension], level.sweeps, level.scratch)

    def _residual(self, level: _Level) -> np.ndarray:
        """level.residual = f - A u."""
        _apply_terms(level.terms, level.residual, level.work)
        return np.subtract(level.f, level.residual, out=level.residual)

    def _solve_coarsest(self, level: _Level) -> None:
        level.interior[...] = (self._coarsest_inverse @ level.f.ravel()).reshape(level.shape)

    def _cycle(self, index: int, gamma: int) -> None:
        """One cycle on level ``index``, in place on its iterate (``_levels[index].u``) for its ``f``."""
        level = self._levels[index]
        if self.depth == 1:
            self._smooth(level, self.pre + self.post)
            return
        if index == self.depth - 1:
            self._solve_coarsest(level)
            return
        coarse = self._levels[index + 1]
        self._smooth(level, self.pre)
        self._residual(level)
        _restrict_into(level.residual, coarse.f, level.restrict_work)
        coarse.u.fill(0.0)
        for _ in range(gamma):
            self._cycle(index + 1, gamma)
        _prolong_add(coarse.u, level.u, level.prolong_work)
        self._smooth(level, self.post)

    def _load(self, f: object, u: object) -> tuple[_Level, tuple[slice, ...]]:
        finest = self._levels[0]
        finest.f[...] = _check_grid(f, "f", finest.shape)
        interior = (slice(1, -1),) * self.dimension
        finest.u[interior] = 0.0 if u is None else _check_grid(u, "u", finest.shape)
        return finest, interior

    def _run_cycle(self, f: object, u: object, gamma: int) -> np.ndarray:
        finest, interior = self._load(f, u)
        with np.errstate(over="ignore", invalid="ignore"):
            self._cycle(0, gamma)
        return finest.u[interior].copy()

    def cycle(self, f: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """One cycle of the solver's type (V or W) on A u = f from u (default 0); returns the new iterate."""
        return self._run_cycle(f, u, 1 if self.cycle_type == "V" else 2)

    def v_cycle(self, f: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """One V-cycle (gamma = 1) on A u = f from u (default 0), whatever ``cycle`` the solver was built with."""
        return self._run_cycle(f, u, 1)

    def w_cycle(self, f: np.ndarray, u: np.ndarray | None = None) -> np.ndarray:
        """One W-cycle (gamma = 2) on A u = f from u (default 0), whatever ``cycle`` the solver was built with."""
        return self._run_cycle(f, u, 2)

    # -- solving -------------------------------------------------------------------------------
    def solve(
        self,
        f: np.ndarray,
        tolerance: float = 1e-8,
        max_cycles: int = 100,
        x0: np.ndarray | None = None,
    ) -> MultigridResult:
        """Cycle from x0 (default 0) until ||f - A u||_2 <= tolerance ||f||_2 or ``max_cycles`` cycles.

        Parameters
        ----------
        f : array of shape (N,) or (N, N)
            Right-hand side (finite).
        tolerance : float, default 1e-8
            Relative residual to reach (> 0). Rounding sets a floor near 1e-16 cond(A): for Poisson about
            1e-11 at h = 1/1024 in 2D; do not ask for less.
        max_cycles : int, default 100
            At most this many cycles, in [1, 10^5] with cycles times unknowns <= 2e9.
        x0 : array of shape (N,) or (N, N), optional
            Initial guess.

        Returns
        -------
        MultigridResult
            The solution, the relative residual after every cycle and the measured factor.
        """
        tolerance = check_positive(tolerance, "tolerance")
        max_cycles = self._check_cycles(max_cycles, "max_cycles")
        finest, interior = self._load(f, x0)
        # The problem is linear: solve for f and x0 scaled by a power of two (exact) to magnitudes near 1, so
        # that huge and tiny right-hand sides neither overflow nor underflow.
        largest = max(float(np.max(np.abs(finest.f))), float(np.max(np.abs(finest.u))))
        unit = math.ldexp(1.0, min(-math.frexp(largest)[1], 1000)) if largest > 0 else 1.0
        finest.f *= unit
        finest.u *= unit
        gamma = 1 if self.cycle_type == "V" else 2
        residuals = [float(np.linalg.norm(self._residual(finest)))]
        scale = float(np.linalg.norm(finest.f)) or residuals[0] or 1.0
        residuals[0] /= scale
        with np.errstate(over="ignore", invalid="ignore"):
            while residuals[-1] > tolerance and len(residuals) <= max_cycles and math.isfinite(residuals[-1]):
                self._cycle(0, gamma)
                residuals.append(float(np.linalg.norm(self._residual(finest))) / scale)
        cycles = len(residuals) - 1
        history = np.array(residuals)
        factor = float((history[-1] / history[0]) ** (1.0 / cycles)) if cycles and history[0] > 0 else math.nan
        return MultigridResult(
            solution=finest.u[interior] / unit,
            residuals=history,
            converged=bool(history[-1] <= tolerance),
            cycles=cycles,
            factor=factor,
        )

    def fmg(self, f: np.ndarray, cycles: int = 1) -> np.ndarray:
        """Full multigrid: nested iteration from the coarsest grid, ``cycles`` cycles per level (chapter 06).

            f_{l+1} = R f_l                             right-hand sides on every level
            u_coarsest = A_coarsest^{-1} f_coarsest     exact solve
            u_l = P u_{l+1}, then ``cycles`` cycles     on the way up, l = depth - 2, ..., 0

        One pass costs a few fine-grid cycles. For smooth solutions it leaves an algebraic error
        |u_FMG - u_h| of the order of the discretisation error |u_h - u| = O(h^2): with one V(2,1)-cycle
        per level about as large (1.1-1.2x for chapter 06's sine problem), with two well below (0.06x).
        With depth 1 this is ``cycles`` smoothing cycles from u = 0.

        Parameters
        ----------
        f : array of shape (N,) or (N, N)
        cycles : int, default 1
            Cycles of the solver's type per level, in [1, 10^5] with cycles times unknowns <= 2e9.
        """
        cycles = self._check_cycles(cycles, "cycles")
        finest, interior = self._load(f, None)
        gamma = 1 if self.cycle_type == "V" else 2
        with np.errstate(over="ignore", invalid="ignore"):
            if self.depth == 1:
                for _ in range(cycles):
                    self._cycle(0, gamma)
                return finest.u[interior].copy()
            for fine, coarse in zip(self._levels[:-1], self._levels[1:]):
                _restrict_into(fine.f, coarse.f, fine.restrict_work)
            self._solve_coarsest(self._levels[-1])
            for index in range(self.depth - 2, -1, -1):
                fine, coarse = self._levels[index], self._levels[index + 1]
                fine.u.fill(0.0)
                _prolong_add(coarse.u, fine.u, fine.prolong_work)
                for _ in range(cycles):
                    self._cycle(index, gamma)
        return finest.u[interior].copy()

    def smoothing_only_factor(self) -> float:
        """Theoretical factor per cycle of the nu_1 + nu_2 smoothing sweeps alone on the smoothest mode (1D).

        For the stencil [a_{-1}, a_0, a_{-1}] of A and beta = 2 |a_{-1}| cos(pi h) / a_0 (Jacobi's factor on
        sin(pi x), omega = 1), one sweep multiplies that mode by

            weighted Jacobi:  max(|1 - omega (1 - beta)|, |1 - omega (1 + beta)|),   red-black Gauss-Seidel: beta^2,

        the spectral radius of the smoother. Poisson: beta = cos(pi h), so 1 - omega pi^2 h^2 / 2 per Jacobi
        sweep -- smoothing alone (depth 1) stalls as h -> 0 (chapter 06).
        """
        if self.dimension != 1:
            raise ValueError(f"smoothing_only_factor is derived for dimension 1, got dimension {self.dimension}")
        stencil = self.stencils[0]
        beta = 2.0 * abs(stencil[0]) * math.cos(math.pi / (self.size + 1)) / stencil[1]
        if self.smoother == "jacobi":
            per_sweep = max(abs(1.0 - self.omega * (1.0 - beta)), abs(1.0 - self.omega * (1.0 + beta)))
        else:
            per_sweep = beta**2
        return per_sweep ** (self.pre + self.post)

    def convergence_factor(self, cycles: int = 40, last: int = 20, seed: int = 0) -> float:
        """The asymptotic convergence factor per cycle, measured (chapter 06).

        Power iteration on the error: with f = 0 the iterate is the error e, one cycle maps e -> M e. From a
        seeded random e^0 run ``cycles`` cycles, rescaling e to unit norm after each, and return the
        geometric mean of ||M e^k|| / ||e^k|| over the ``last`` cycles: an estimate of the spectral radius
        of the cycle's iteration matrix M (smooth initial transients die out first).

        Parameters
        ----------
        cycles : int, default 40
            Number of cycles, in [1, 10^5] with cycles times unknowns <= 2e9.
        last : int, default 20
            Number of final cycles averaged, 1 <= last <= cycles.
        seed : int, default 0
            Seed of the initial random error.
        """
        cycles = self._check_cycles(cycles, "cycles")
        last = check_int(last, "last", 1)
        if last > cycles:
            raise ValueError(f"last must be between 1 and cycles = {cycles}, got {last}")
        seed = check_int(seed, "seed", 0)
        finest = self._levels[0]
        interior = (slice(1, -1),) * self.dimension
        finest.f.fill(0.0)
        error = finest.u[interior]
        error[...] = np.random.default_rng(seed).standard_normal(finest.shape)
        error /= np.linalg.norm(error)
        gamma = 1 if self.cycle_type == "V" else 2
        logs = []
        for _ in range(cycles):
            self._cycle(0, gamma)
            norm = float(np.linalg.norm(error))
            if norm == 0.0:
                return 0.0
            logs.append(math.log(norm))
            error /= norm
        return math.exp(sum(logs[-last:]) / last)
