"""Grids, stencils, transfer operators and smoothers of geometric multigrid in 1D and 2D (chapter 06); their layers: :mod:`pdelib.nets.unet`.

The pieces that :mod:`pdelib.schemes.multigrid` assembles into V-, W- and full multigrid cycles, and that
:mod:`pdelib.nets.unet` turns into the layers of a U-net (restriction = strided convolution, prolongation =
transposed convolution, smoothing = residual blocks).

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

The in-place kernels (``_apply_terms``, ``_restrict_into``, ``_prolong_add``, the sweep plans) work on
preallocated padded buffers; :mod:`pdelib.schemes.multigrid` calls them on its per-level buffers.

Only numpy is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from .._checks import check_choice, check_int

SMOOTHERS = ("jacobi", "red-black")

#: The multigrid solver's coarsest level is solved by a precomputed dense inverse; larger coarsest grids are refused.
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


def _stencil_terms(stencil: np.ndarray, padded: np.ndarray) -> list[tuple[float, np.ndarray]]:
    """The nonzero weights s_a of the stencil, each with the view of ``padded`` (a grid with its boundary ring)
    that holds the neighbours u_{i + a - 1}: built once per buffer (a multigrid level keeps them), the views follow
    its values."""
    shape = tuple(n - 2 for n in padded.shape)
    return [(float(stencil[entry]), padded[tuple(slice(a, a + n) for a, n in zip(entry, shape))])
            for entry in _offsets(stencil.ndim) if stencil[entry] != 0.0]


def _apply_terms(terms: list[tuple[float, np.ndarray]], out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """out = sum_a s_a u_{i + a - 1}, summed in the order of the terms of :func:`_stencil_terms`."""
    if not terms:
        out.fill(0.0)
        return out
    (weight, neighbour), *rest = terms
    np.multiply(neighbour, weight, out=out)
    for weight, neighbour in rest:
        np.multiply(neighbour, weight, out=work)
        np.add(out, work, out=out)
    return out


def _apply_padded(stencil: np.ndarray, padded: np.ndarray, out: np.ndarray, work: np.ndarray) -> np.ndarray:
    """out = A u for u given with its zero boundary ring: (A u)_i = sum_a s_a u_{i + a - 1} (a correlation)."""
    return _apply_terms(_stencil_terms(stencil, padded), out, work)


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
    terms: list[tuple[float, np.ndarray]],
    interior: np.ndarray,
    f: np.ndarray,
    factor: float,
    residual: np.ndarray,
    work: np.ndarray,
) -> None:
    """One weighted Jacobi sweep u <- u + omega (f - A u) / s_c, in place on the ``interior`` view of the padded
    iterate; ``terms`` of A from :func:`_stencil_terms` on that iterate, ``factor`` = omega / s_c."""
    _apply_terms(terms, residual, work)
    np.subtract(f, residual, out=residual)
    residual *= factor
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
    terms, factor = _stencil_terms(stencil, padded), omega / stencil[(1,) * u.ndim]
    for _ in range(sweeps):
        if plan is None:
            _jacobi(terms, padded[interior], f, factor, residual, work)
        else:
            _gauss_seidel(padded, f, stencil[(1,) * u.ndim], plan, work)
    return padded[interior].copy()


