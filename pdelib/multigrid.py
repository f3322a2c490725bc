"""Geometric multigrid for the Poisson problem and the implicit diffusion step, in 1D and 2D (chapter 06).

The linear systems A u = f solved here are

* ``"poisson"``: -Laplace u = f with zero Dirichlet values, h = 1/(N + 1) on the unit interval (square),

      (A u)_i = (-u_{i-1} + 2 u_i - u_{i+1}) / h^2                                  (1D)
      (A u)_{i,j} = (4 u_{i,j} - u_{i-1,j} - u_{i+1,j} - u_{i,j-1} - u_{i,j+1}) / h^2  (2D);

* ``"implicit-diffusion"``: one implicit step of linear diffusion, (I + tau D^T D) u = f, with D the
  forward differences of spacing h (default 1, the pixel spacing of :class:`pdelib.DerivativeOperator`)
  and the same zero Dirichlet values, so that D^T D is the operator of ``"poisson"``.

**Grids.** Vertex-centred Dirichlet grids: N interior points x_i = (i + 1) h, i = 0..N-1. The coarse grid
keeps every second point, x^{2h}_j = x_{2j+1}, so N_{2h} = (N - 1)/2; sizes N = 2^J - 1 coarsen down to a
single unknown (J levels). In 2D the grid is N x N and both directions coarsen together.

**Transfer operators** (exact for this grid, with P = 2 R^T in 1D and P = 4 R^T in 2D):

    restriction (full weighting)  (R r)_j = (r_{2j} + 2 r_{2j+1} + r_{2j+2}) / 4,
                                  in 2D the tensor product 1/16 [1 2 1; 2 4 2; 1 2 1];
    prolongation (linear)         (P e)_{2j+1} = e_j,  (P e)_{2j} = (e_{j-1} + e_j) / 2,  e_{-1} = e_{N_2h} = 0,
                                  in 2D bilinear interpolation (the tensor product).

**Coarse operators** are Galerkin products A_{2h} = R A_h P. Every operator is stored as a constant stencil
(3 points in 1D, 3 x 3 in 2D; the 5-point Laplacian becomes a 9-point stencil on the coarse levels), and
every step of a cycle is a vectorised slice operation on preallocated per-level buffers.

**Smoothers.** Weighted Jacobi u <- u + omega D_A^{-1} (f - A u) (omega = 2/3 in 1D, 4/5 in 2D by default),
or red-black Gauss-Seidel. On the 9-point levels of 2D each colour is swept as its two sub-lattices
((even, even) then (odd, odd) for red), a four-colour ordering, so that every update is a true
Gauss-Seidel update; on the 5-point finest level this is exactly red-black Gauss-Seidel. In 1D, red-black
Gauss-Seidel ends on the coarse points and turns the Poisson V-cycle into an exact solver (one cycle, a
form of cyclic reduction): the textbook convergence factors are those of weighted Jacobi, the default.

**Cycles.** ``depth`` is the number of levels. With depth >= 2 a cycle at level l is: nu_1 pre-smoothing
sweeps, the residual r = f - A u, r_{2h} = R r, gamma recursive cycles on A_{2h} e = r_{2h} from e = 0
(gamma = 1: V-cycle, gamma = 2: W-cycle), the coarse-grid correction u <- u + P e, nu_2 post-smoothing
sweeps. The coarsest level used is solved exactly by a dense inverse (at most :data:`MAX_DIRECT_UNKNOWNS`
unknowns: use more levels otherwise). ``depth = 1`` means *smoothing only*: a "cycle" is nu_1 + nu_2
sweeps on the fine grid, which stalls at the smoother's factor on the smoothest mode, about
1 - omega pi^2 h^2 / 2 per Jacobi sweep in 1D.

Only numpy is imported: ``import pdelib.multigrid`` stays light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ._checks import check_choice, check_int, check_positive

PROBLEMS = ("poisson", "implicit-diffusion")
SMOOTHERS = ("jacobi", "red-black")
CYCLES = ("V", "W")

#: The coarsest level is solved by a precomputed dense inverse; larger coarsest grids are refused.
MAX_DIRECT_UNKNOWNS = 1024

#: Default weight of the Jacobi smoother per dimension (1D: 2/3, 2D: 4/5; Briggs et al., A Multigrid Tutorial).
DEFAULT_OMEGA = {1: 2.0 / 3.0, 2: 4.0 / 5.0}

# -- input checks --------------------------------------------------------------------------------


def _check_dimension(dimension: object) -> int:
    if isinstance(dimension, bool) or not isinstance(dimension, Integral) or dimension not in (1, 2):
        raise ValueError(f"dimension must be 1 or 2, got {dimension!r}")
    return int(dimension)


def _check_grid(u: object, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Return ``u`` as a finite float64 array on a 1D (N,) or 2D (N, N) grid (of ``shape`` if given), or raise."""
    if not isinstance(u, (np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be an array of real numbers, got {type(u).__name__}")
    array = np.asarray(u)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} (the grid of the finest level), got {array.shape}")
    if shape is None and not (array.ndim == 1 or (array.ndim == 2 and array.shape[0] == array.shape[1])):
        raise ValueError(f"{name} must be a 1D grid (N,) or a square 2D grid (N, N), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must have at least one grid point, got shape {array.shape}")
    array = array.astype(np.float64, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite: it contains NaN or infinite values")
    return array


def _check_stencil(stencil: object, positive_centre: bool = False) -> np.ndarray:
    """Return ``stencil`` as a finite float64 array of shape (3,) or (3, 3) (with a positive centre, the
    diagonal a smoother divides by, if ``positive_centre``), or raise."""
    if not isinstance(stencil, (np.ndarray, list, tuple)):
        raise TypeError(f"stencil must be an array of shape (3,) or (3, 3), got {type(stencil).__name__}")
    array = np.asarray(stencil)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"stencil must hold real numbers, got dtype {array.dtype}")
    if array.shape not in ((3,), (3, 3)):
        raise ValueError(f"stencil must have shape (3,) or (3, 3), got {array.shape}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError("stencil must be finite: it contains NaN or infinite values")
    if positive_centre and not array[(1,) * array.ndim] > 0:
        raise ValueError(f"stencil must have a positive centre (the diagonal of A), got {array[(1,) * array.ndim]}")
    return array


def _check_coarsenable(size: int, name: str) -> None:
    if size < 3 or size % 2 == 0:
        raise ValueError(f"{name} must have an odd number N >= 3 of points per direction to coarsen, got {size}")


def _check_omega(omega: object, dimension: int) -> float:
    if omega is None:
        return DEFAULT_OMEGA[dimension]
    if isinstance(omega, bool) or not isinstance(omega, Real):
        raise TypeError(f"omega must be a real number in (0, 1], got {omega!r} ({type(omega).__name__})")
    omega = float(omega)
    if not 0.0 < omega <= 1.0:
        raise ValueError(f"omega must be in (0, 1] (the damping of the Jacobi smoother), got {omega}")
    return omega


# -- stencils, grids and the transfer operators --------------------------------------------------


def _offsets(dimension: int) -> list[tuple[int, ...]]:
    """The stencil entries (a,) or (a, b), a, b in {0, 1, 2}: entry a belongs to the neighbour at offset a - 1."""
    return [(a,) for a in range(3)] if dimension == 1 else [(a, b) for a in range(3) for b in range(3)]


def _padded(shape: tuple[int, ...]) -> np.ndarray:
    """A zero array with one ring of (Dirichlet) boundary values around a grid of ``shape``."""
    return np.zeros(tuple(n + 2 for n in shape))


def _apply_padded(stencil: np.ndarray, padded: np.ndarray, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """out = A u for u given with its zero boundary ring: (A u)_i = sum_a s_a u_{i + a - 1} (a correlation)."""
    shape = out.shape
    first = True
    for entry in _offsets(stencil.ndim):
        weight = stencil[entry]
        if weight == 0.0:
            continue
        neighbour = padded[tuple(slice(a, a + n) for a, n in zip(entry, shape))]
        if first:
            np.multiply(neighbour, weight, out=out)
            first = False
        else:
            np.multiply(neighbour, weight, out=work)
            np.add(out, work, out=out)
    if first:
        out.fill(0.0)
    return out


def apply_stencil(stencil: np.ndarray, u: np.ndarray) -> np.ndarray:
    """A u for the operator given by its stencil, with zero Dirichlet values outside the grid (chapter 06).

        (A u)_i = s_0 u_{i-1} + s_1 u_i + s_2 u_{i+1}              (1D, stencil of shape (3,))
        (A u)_{i,j} = sum_{a,b} s_{a,b} u_{i+a-1, j+b-1}            (2D, stencil of shape (3, 3))

    Parameters
    ----------
    stencil : array of shape (3,) or (3, 3)
        The stencil, e.g. ``[-1, 2, -1] / h**2`` for -u''.
    u : array of shape (N,) or (N, N)
        Grid values; the dimension must match the stencil.

    Examples
    --------
    >>> apply_stencil(np.array([-1.0, 2.0, -1.0]), np.array([1.0, 1.0, 1.0]))
    array([1., 0., 1.])
    """
    stencil = _check_stencil(stencil)
    u = _check_grid(u, "u")
    if u.ndim != stencil.ndim:
        raise ValueError(
            f"u must be a {stencil.ndim}D grid for a stencil of shape {stencil.shape}, got shape {u.shape}"
        )
    padded = _padded(u.shape)
    padded[(slice(1, -1),) * u.ndim] = u
    return _apply_padded(stencil, padded, np.empty(u.shape), np.empty(u.shape))


def _restrict_into(r: np.ndarray, out: np.ndarray, work: np.ndarray | None) -> np.ndarray:
    """Full weighting of r (N per direction, N odd) into ``out`` ((N - 1)/2 per direction); 2D uses ``work``
    of shape ((N - 1)/2, N) for the first (row) pass."""
    if r.ndim == 1:
        np.add(r[0:-2:2], r[2::2], out=out)
        out += r[1:-1:2]
        out += r[1:-1:2]
        out *= 0.25
        return out
    np.add(r[0:-2:2], r[2::2], out=work)
    work += r[1:-1:2]
    work += r[1:-1:2]
    np.add(work[:, 0:-2:2], work[:, 2::2], out=out)
    out += work[:, 1:-1:2]
    out += work[:, 1:-1:2]
    out *= 0.0625
    return out


def restrict(r: np.ndarray) -> np.ndarray:
    """Full-weighting restriction R: N -> (N - 1)/2 points per direction (chapter 06).

        (R r)_j = (r_{2j} + 2 r_{2j+1} + r_{2j+2}) / 4                      (1D: stencil 1/4 [1 2 1], stride 2)
        (R r)_{i,j} = sum_{a,b} w_a w_b r_{2i+a, 2j+b} / 16,  w = [1, 2, 1]   (2D: the tensor product)

    A strided convolution. Coarse point j sits at fine point 2j + 1; R = P^T / 2 (1D), P^T / 4 (2D).

    Parameters
    ----------
    r : array of shape (N,) or (N, N), N odd >= 3
        A fine-grid function (typically the residual f - A u).

    Examples
    --------
    >>> restrict(np.array([0.0, 4.0, 0.0, 4.0, 0.0]))
    array([2., 2.])
    """
    r = _check_grid(r, "r")
    _check_coarsenable(r.shape[0], "r")
    coarse = (r.shape[0] - 1) // 2
    work = np.empty((coarse, r.shape[0])) if r.ndim == 2 else None
    return _restrict_into(r, np.empty((coarse,) * r.ndim), work)


def _prolong_add(coarse: np.ndarray, fine: np.ndarray, work: np.ndarray | None) -> None:
    """fine[interior] += P e for e given with its zero boundary ring (``coarse``, padded) and ``fine`` padded.

    2D uses ``work`` of shape (N, N_2h + 2): the interpolation along the first axis."""
    n = fine.shape[0] - 2
    if coarse.ndim == 1:
        fine[2:n:2] += coarse[1:-1]
        even = fine[1 : n + 1 : 2]
        even += 0.5 * coarse[:-1]
        even += 0.5 * coarse[1:]
        return
    work[1::2] = coarse[1:-1]
    np.add(coarse[:-1], coarse[1:], out=work[0::2])
    work[0::2] *= 0.5
    interior = fine[1:-1]
    interior[:, 2:n:2] += work[:, 1:-1]
    even = interior[:, 1 : n + 1 : 2]
    even += 0.5 * work[:, :-1]
    even += 0.5 * work[:, 1:]


def prolong(e: np.ndarray) -> np.ndarray:
    """Linear (2D: bilinear) interpolation P: n -> 2n + 1 points per direction (chapter 06).

        (P e)_{2j+1} = e_j,    (P e)_{2j} = (e_{j-1} + e_j) / 2,    e_{-1} = e_n = 0 (Dirichlet)

    and its tensor product in 2D. A transposed strided convolution with weights [1/2, 1, 1/2]: P = 2 R^T (1D),
    P = 4 R^T (2D) for the full weighting R of :func:`restrict`.

    Parameters
    ----------
    e : array of shape (n,) or (n, n), n >= 1
        A coarse-grid function (typically the coarse-grid correction).

    Examples
    --------
    >>> prolong(np.array([2.0, 4.0]))
    array([1., 2., 3., 4., 2.])
    """
    e = _check_grid(e, "e")
    fine_shape = (2 * e.shape[0] + 1,) * e.ndim
    padded_coarse = _padded(e.shape)
    padded_coarse[(slice(1, -1),) * e.ndim] = e
    padded_fine = _padded(fine_shape)
    work = np.empty((fine_shape[0], e.shape[0] + 2)) if e.ndim == 2 else None
    _prolong_add(padded_coarse, padded_fine, work)
    return padded_fine[(slice(1, -1),) * e.ndim]


def galerkin_stencil(stencil: np.ndarray) -> np.ndarray:
    """The stencil of the Galerkin coarse operator A_{2h} = R A_h P (chapter 06).

    Computed by applying R A_h P to a coarse unit vector on a grid of 3 (coarse) / 7 (fine) points per
    direction, where no boundary is reached. For 1D Poisson, [-1, 2, -1]/h^2 becomes [-1, 2, -1]/(2h)^2:
    Galerkin coarsening equals rediscretisation. In 2D the 5-point Laplacian becomes a 9-point stencil.

    Parameters
    ----------
    stencil : array of shape (3,) or (3, 3)

    Returns
    -------
    array of the same shape
    """
    stencil = _check_stencil(stencil)
    dimension = stencil.ndim
    unit = _padded((3,) * dimension)
    unit[(2,) * dimension] = 1.0  # the middle coarse point, in padded coordinates
    fine = _padded((7,) * dimension)
    _prolong_add(unit, fine, np.zeros((7, 5)) if dimension == 2 else None)
    product = _apply_padded(stencil, fine, np.empty((7,) * dimension), np.empty((7,) * dimension))
    response = _restrict_into(product, np.empty((3,) * dimension), np.empty((3, 7)) if dimension == 2 else None)
    # response_i = (A_2h delta_1)_i = s_{1 - i + 1}: the stencil is the response reversed
    return response[(slice(None, None, -1),) * dimension].copy()


def stencil_matrix(stencil: np.ndarray, size: int) -> np.ndarray:
    """The dense matrix of the stencil operator on N (1D) or N x N (2D, row-major) interior points (chapter 06).

        A = s_0 S_{-1} + s_1 I + s_2 S_{+1}                       (1D, S_d: ones at (i, i + d))
        A = sum_{a,b} s_{a,b} kron(S_{a-1}, S_{b-1})               (2D)

    For small grids (tests, the exact coarsest-level solve): at most 4096 unknowns.
    """
    stencil = _check_stencil(stencil)
    size = check_int(size, "size", 1)
    unknowns = size**stencil.ndim
    if unknowns > 4 * MAX_DIRECT_UNKNOWNS:
        raise ValueError(
            f"size: a dense matrix of {unknowns} unknowns is too large (at most {4 * MAX_DIRECT_UNKNOWNS}); "
            "use apply_stencil for larger grids"
        )
    shifts = [np.eye(size, k=a - 1) for a in range(3)]
    if stencil.ndim == 1:
        return sum(stencil[a] * shifts[a] for a in range(3))
    return sum(stencil[a, b] * np.kron(shifts[a], shifts[b]) for a in range(3) for b in range(3))


# -- smoothers -----------------------------------------------------------------------------------


def _colours(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The sub-lattices of a red-black sweep: parities (p,) in 1D, (p, q) in 2D; red first, then black.

    In 2D red = (0, 0), (1, 1) and black = (0, 1), (1, 0); splitting each colour in two makes the sweep a
    Gauss-Seidel sweep for 9-point stencils too (diagonal neighbours have the same colour)."""
    if len(shape) == 1:
        candidates = [(0,), (1,)]
    else:
        candidates = [(0, 0), (1, 1), (0, 1), (1, 0)]
    return [c for c in candidates if all(p < n for p, n in zip(c, shape))]


@dataclass
class _Sweep:
    """Slices of one sub-lattice of a Gauss-Seidel sweep: u_target = (f_source - sum_a s_a u_neighbour_a) / s_c."""

    target: tuple[slice, ...]
    source: tuple[slice, ...]
    neighbours: list[tuple[float, tuple[slice, ...]]]
    work: tuple[slice, ...]


def _plan_sweeps(stencil: np.ndarray, shape: tuple[int, ...]) -> list[_Sweep]:
    centre = (1,) * len(shape)
    sweeps = []
    for parity in _colours(shape):
        counts = [len(range(p, n, 2)) for p, n in zip(parity, shape)]
        # padded index of interior point i is i + 1; neighbour at offset a - 1
        target = tuple(slice(1 + p, 1 + p + 2 * (c - 1) + 1, 2) for p, c in zip(parity, counts))
        source = tuple(slice(p, None, 2) for p in parity)
        neighbours = []
        for entry in _offsets(len(shape)):
            if entry == centre or stencil[entry] == 0.0:
                continue
            neighbour = tuple(slice(t.start + a - 1, t.stop + a - 1, 2) for t, a in zip(target, entry))
            neighbours.append((stencil[entry] / stencil[centre], neighbour))
        sweeps.append(_Sweep(target, source, neighbours, tuple(slice(0, c) for c in counts)))
    return sweeps


def _gauss_seidel(padded: np.ndarray, f: np.ndarray, centre: float, sweeps: list[_Sweep], work: np.ndarray) -> None:
    """One red-black (multi-colour) Gauss-Seidel sweep, in place on the padded iterate."""
    inverse = 1.0 / centre
    for sweep in sweeps:
        target = padded[sweep.target]
        scratch = work[sweep.work]
        np.multiply(f[sweep.source], inverse, out=target)
        for weight, neighbour in sweep.neighbours:
            np.multiply(padded[neighbour], weight, out=scratch)
            np.subtract(target, scratch, out=target)


def _jacobi(
    stencil: np.ndarray, padded: np.ndarray, f: np.ndarray, omega: float, residual: np.ndarray, work: np.ndarray
) -> None:
    """One weighted Jacobi sweep u <- u + omega (f - A u) / s_c, in place on the padded iterate."""
    _apply_padded(stencil, padded, residual, work)
    np.subtract(f, residual, out=residual)
    residual *= omega / stencil[(1,) * stencil.ndim]
    interior = padded[(slice(1, -1),) * f.ndim]
    np.add(interior, residual, out=interior)


def smooth(
    u: np.ndarray,
    f: np.ndarray,
    stencil: np.ndarray,
    sweeps: int = 1,
    smoother: str = "jacobi",
    omega: float | None = None,
) -> np.ndarray:
    """``sweeps`` smoothing sweeps on A u = f, returning a new array (chapter 06).

    Weighted Jacobi:   u <- u + omega D_A^{-1} (f - A u),   D_A = s_c I (the stencil's centre);
    red-black Gauss-Seidel: u_i <- (f_i - sum_{a != c} s_a u_{i+a-1}) / s_c, first on the red points
    (i even in 1D, i + j even in 2D), then on the black ones using the new red values (in 2D each colour in
    two sub-lattices, see the module docstring).

    Parameters
    ----------
    u, f : arrays of shape (N,) or (N, N)
        Iterate and right-hand side (finite), zero Dirichlet values outside the grid.
    stencil : array of shape (3,) or (3, 3)
        The operator A (see :func:`apply_stencil`); its centre must be positive.
    sweeps : int, default 1
        Number of sweeps >= 0.
    smoother : {"jacobi", "red-black"}
    omega : float, optional
        Jacobi weight in (0, 1]; default 2/3 (1D), 4/5 (2D). Only for ``smoother="jacobi"``.
    """
    stencil = _check_stencil(stencil, positive_centre=True)
    u = _check_grid(u, "u")
    if u.ndim != stencil.ndim:
        raise ValueError(
            f"u must be a {stencil.ndim}D grid for a stencil of shape {stencil.shape}, got shape {u.shape}"
        )
    f = _check_grid(f, "f", u.shape)
    sweeps = check_int(sweeps, "sweeps", 0)
    smoother = check_choice(smoother, "smoother", SMOOTHERS)
    if smoother == "red-black" and omega is not None:
        raise ValueError("omega applies to the weighted Jacobi smoother only; leave it None for 'red-black'")
    omega = _check_omega(omega, u.ndim)
    padded = _padded(u.shape)
    interior = (slice(1, -1),) * u.ndim
    padded[interior] = u
    residual, work = np.empty(u.shape), np.empty(u.shape)
    plan = _plan_sweeps(stencil, u.shape) if smoother == "red-black" else None
    for _ in range(sweeps):
        if plan is None:
            _jacobi(stencil, padded, f, omega, residual, work)
        else:
            _gauss_seidel(padded, f, stencil[(1,) * u.ndim], plan, work)
    return padded[interior].copy()


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
    dimension : {1, 2}
        1: N points; 2: an N x N grid.
    problem : {"poisson", "implicit-diffusion"}
        -Laplace u = f (h = 1/(N + 1)) or (I + tau D^T D) u = f (h = 1 by default).
    tau : float, optional
        Time step tau > 0 of ``"implicit-diffusion"`` (required there, not allowed for ``"poisson"``).
    depth : int, optional
        Number of levels, 1 (smoothing only) .. :func:`max_depth` (default: all, down to the coarsest grid).
    smoother : {"jacobi", "red-black"}, default "jacobi"
        Weighted Jacobi or red-black Gauss-Seidel (the fast choice; in 1D Poisson it solves in one cycle).
    pre, post : int, default 2 and 1
        nu_1, nu_2 >= 0 smoothing sweeps before and after the coarse-grid correction (not both 0).
    cycle : {"V", "W"}, default "V"
        gamma = 1 or 2 recursive coarse cycles.
    omega : float, optional
        Jacobi weight in (0, 1]; default 2/3 (1D) or 4/5 (2D). Not allowed with ``"red-black"``.
    spacing : float, optional
        Grid spacing h > 0; default 1/(N + 1) for ``"poisson"`` and 1 for ``"implicit-diffusion"``.

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
        self.size = check_int(size, "size", 1)
        self.dimension = _check_dimension(dimension)
        self.problem = check_choice(problem, "problem", PROBLEMS)
        if self.problem == "poisson":
            if tau is not None:
                raise ValueError("tau applies to problem='implicit-diffusion' only; leave it None for 'poisson'")
            self.tau = None
        else:
            if tau is None:
                raise ValueError("tau: problem='implicit-diffusion' needs a time step tau > 0")
            self.tau = check_positive(tau, "tau")
        deepest = max_depth(self.size)
        if depth is None:
            depth = deepest
        depth = check_int(depth, "depth", 1)
        if depth > deepest:
            raise ValueError(
                f"depth must be between 1 and {deepest} for size {self.size}: N + 1 = {self.size + 1} must be "
                f"divisible by 2^(depth - 1) = {2 ** (depth - 1)}; sizes N = 2^J - 1 (63, 255, 1023) allow depth J"
            )
        self.depth = depth
        self.smoother = check_choice(smoother, "smoother", SMOOTHERS)
        if self.smoother == "red-black" and omega is not None:
            raise ValueError("omega applies to the weighted Jacobi smoother only; leave it None for 'red-black'")
        self.omega = _check_omega(omega, self.dimension)
        self.pre = check_int(pre, "pre", 0)
        self.post = check_int(post, "post", 0)
        if self.pre + self.post == 0:
            raise ValueError("pre and post must not both be 0: a cycle needs at least one smoothing sweep")
        self.cycle_type = check_choice(cycle, "cycle", CYCLES)
        if spacing is None:
            spacing = 1.0 / (self.size + 1) if self.problem == "poisson" else 1.0
        self.spacing = check_positive(spacing, "spacing")

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
            self._levels.append(
                _Level(
                    shape=shape,
                    stencil=stencil,
                    u=_padded(shape),
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

    # -- the cycle -----------------------------------------------------------------------------
    def _smooth(self, level: _Level, sweeps: int) -> None:
        for _ in range(sweeps):
            if level.sweeps is None:
                _jacobi(level.stencil, level.u, level.f, self.omega, level.residual, level.work)
            else:
                _gauss_seidel(level.u, level.f, level.stencil[(1,) * self.dimension], level.sweeps, level.scratch)

    def _residual(self, level: _Level) -> np.ndarray:
        """level.residual = f - A u."""
        _apply_padded(level.stencil, level.u, level.residual, level.work)
        return np.subtract(level.f, level.residual, out=level.residual)

    def _solve_coarsest(self, level: _Level) -> None:
        interior = level.u[(slice(1, -1),) * self.dimension]
        interior[...] = (self._coarsest_inverse @ level.f.ravel()).reshape(level.shape)

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
            At most this many cycles (>= 1).
        x0 : array of shape (N,) or (N, N), optional
            Initial guess.

        Returns
        -------
        MultigridResult
            The solution, the relative residual after every cycle and the measured factor.
        """
        tolerance = check_positive(tolerance, "tolerance")
        max_cycles = check_int(max_cycles, "max_cycles", 1)
        finest, interior = self._load(f, x0)
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
            solution=finest.u[interior].copy(),
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

        One pass costs a few fine-grid cycles and reaches the discretisation error O(h^2) for smooth
        solutions. With depth 1 this is ``cycles`` smoothing cycles from u = 0.

        Parameters
        ----------
        f : array of shape (N,) or (N, N)
        cycles : int, default 1
            Cycles of the solver's type per level (>= 1).
        """
        cycles = check_int(cycles, "cycles", 1)
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
            Number of cycles (>= 1).
        last : int, default 20
            Number of final cycles averaged, 1 <= last <= cycles.
        seed : int, default 0
            Seed of the initial random error.
        """
        cycles = check_int(cycles, "cycles", 1)
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
