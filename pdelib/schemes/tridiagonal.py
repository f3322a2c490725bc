"""A compiled direct solver for the first-order semi-implicit system of :mod:`pdelib.schemes.implicit` (chapter 05).

For n = 1 with reflecting boundaries, row i of D is w0 u_i + w1 u_{i+1} (i = 0, ..., N-2), so

    A = I + tau D^T diag(g) D

is symmetric positive definite and tridiagonal:

    A[i, i]     = 1 + tau (w1^2 g_{i-1} + w0^2 g_i)     (g_{-1} = g_{N-1} = 0),
    A[i, i + 1] = tau w0 w1 g_i.

:func:`solve_semi_implicit_tridiagonal` solves A x = u in place by a *twisted* factorisation: Gaussian
elimination from both ends towards the middle row m = N // 2, then back-substitution outwards. It is the
Thomas algorithm made fast for a modern processor:

* two independent elimination chains (top-down and bottom-up) run side by side;
* the pivots d_k = base_k - e_k^2 / d_{k-1} are carried as ratios d_k = p_k / p_{k-1} of the three-term
  recurrence p_k = base_k p_{k-1} - e_k^2 p_{k-2}, so the long chain has no division (1/d_k is computed
  beside it); p is rescaled every 16 rows, which keeps it finite while base_k <= 1e18 (the scheme allows
  tau ||D||^2 L <= 1e12 only);
* g is read directly: the band of A is never assembled.

No pivoting is needed: A is SPD and weakly diagonally dominant (d_k >= 1). The kernel is compiled with numba
on first use (cached on disk); ``scipy.linalg.solveh_banded`` solves the same system and is the
reference in the tests.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, fastmath={"contract"})
def _twisted_solve(g: np.ndarray, tau: float, w0: float, w1: float, u: np.ndarray, coupling: np.ndarray) -> None:
    size = u.size  # >= 2
    middle = size // 2
    a2, b2, c = tau * w0 * w0, tau * w1 * w1, tau * w0 * w1
    # Downward elimination of rows 0 .. middle-1 and upward elimination of rows size-1 .. middle+1, side by
    # side. Row k becomes x_k + q_k x_{k+-1} = z_k with q_k = e_k / d_k and z_k = y_k / d_k (u is
    # overwritten by z, ``coupling`` by q); y_k = u_k - (e_k / d_{k-1}) y_{k-1} is the forward sweep and
    # d_k = p_k / p_{k-1} with p_k = base_k p_{k-1} - e_k^2 p_{k-2}, p_{-1} = 1.
    p_top, p_top_old = 1.0 + a2 * g[0], 1.0
    p_bottom, p_bottom_old = 1.0 + b2 * g[size - 2], 1.0
    inverse_top = 1.0 / p_top
    y_top = u[0]
    u[0] = y_top * inverse_top
    coupling[0] = c * g[0] * inverse_top
    inverse_bottom = 1.0 / p_bottom
    y_bottom = u[size - 1]
    if size - 1 > middle:  # for N = 2 the last row is the middle row
        u[size - 1] = y_bottom * inverse_bottom
        coupling[size - 1] = c * g[size - 2] * inverse_bottom
    for k in range(1, middle):
        e = c * g[k - 1]
        y_top = u[k] - (e * inverse_top) * y_top
        p_top, p_top_old = (1.0 + b2 * g[k - 1] + a2 * g[k]) * p_top - (e * e) * p_top_old, p_top
        inverse_top = p_top_old / p_top
        u[k] = y_top * inverse_top
        coupling[k] = c * g[k] * inverse_top
        j = size - 1 - k
        if j > middle:
            e = c * g[j]
            y_bottom = u[j] - (e * inverse_bottom) * y_bottom
            p_bottom, p_bottom_old = (1.0 + b2 * g[j - 1] + a2 * g[j]) * p_bottom - (e * e) * p_bottom_old, p_bottom
            inverse_bottom = p_bottom_old / p_bottom
            u[j] = y_bottom * inverse_bottom
            coupling[j] = c * g[j - 1] * inverse_bottom
        if k & 15 == 0:  # rescale p (d_k = p_k / p_{k-1} is unchanged)
            scale = 1.0 / p_top
            p_top, p_top_old = 1.0, p_top_old * scale
            scale = 1.0 / p_bottom
            p_bottom, p_bottom_old = 1.0, p_bottom_old * scale
    # the middle row is coupled to both eliminated halves: d_m x_m = y_m
    e = c * g[middle - 1]
    pivot = 1.0 + b2 * g[middle - 1] - e * coupling[middle - 1]
    value = u[middle] - e * u[middle - 1]
    if middle < size - 1:
        e = c * g[middle]
        pivot += a2 * g[middle] - e * coupling[middle + 1]
        value -= e * u[middle + 1]
    u[middle] = value / pivot
    # back-substitution outwards: x_k = z_k - q_k x_{k+-1}, one fused multiply-add per row and chain
    for k in range(1, middle + 1):
        i = middle - k
        u[i] -= coupling[i] * u[i + 1]
        j = middle + k
        if j < size:
            u[j] -= coupling[j] * u[j - 1]


def solve_semi_implicit_tridiagonal(
    g: np.ndarray, tau: float, stencil: tuple[float, float], u: np.ndarray, work: np.ndarray
) -> None:
    """Overwrite u with the solution x of (I + tau D^T diag(g) D) x = u, D of order 1 (reflecting).

    Parameters
    ----------
    g : float64 array of shape (N - 1,)
        The diffusivities g_i >= 0 on the N - 1 differences (i + 1/2).
    tau : float
        Time step > 0.
    stencil : (w0, w1)
        The two weights of a row of D, (D u)_i = w0 u_i + w1 u_{i+1}; (-1, 1) for h = 1.
    u : float64 array of shape (N,)
        Right-hand side, overwritten with the solution.
    work : float64 array of shape (N,)
        Scratch space (the eliminated couplings e_i / d_i).

    Unchecked: :class:`pdelib.schemes.implicit.SemiImplicitScheme` validates its inputs once and calls this.
    """
    _twisted_solve(g, float(tau), float(stencil[0]), float(stencil[1]), u, work)
