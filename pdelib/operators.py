"""Finite-difference derivative operators D of order n on a 1D grid (chapters 01-02).

The operator of order n is built from the forward difference D1 and the
second difference D2 = -D1^T D1:

    D_n = D2^m        (n = 2m, even; maps N values to N values)
    D_n = D1 D2^m     (n = 2m + 1, odd; maps N values to N - 1 reflecting, N periodic)

so that D_n^T D_n = (D1^T D1)^n for both boundary conditions. In the interior
D_n applies the binomial stencil (-1)^(n-j) C(n, j) / h^n, j = 0..n. Reflecting
(homogeneous Neumann) boundaries mirror the signal, u_{-1} = u_0, u_N = u_{N-1};
periodic ones wrap it around.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_choice, check_int, check_positive, check_signal, check_size

BOUNDARIES = ("reflecting", "periodic")

#: Largest derivative order n.
MAX_ORDER = 16
#: Largest factor (2/h)^n by which D can amplify a signal: its values and fluxes stay finite.
MAX_SCALE = 1e25


class DerivativeOperator:
    """The n-th order difference operator D on N grid points with spacing h.

    Parameters
    ----------
    order : int
        Derivative order n in [1, 16] (n = 1: forward difference, n = 2: second difference).
    size : int
        Number of grid points N in [n + 1, 2^22] (the stencil has n + 1 taps).
    spacing : float, default 1.0
        Grid spacing h > 0 with 1e-25 <= (2/h)^n <= 1e25, so that ||D||^2 <= (2/h)^(2n) and every
        derivative of a signal stays finite (h in [2e-25, 2e25] for n = 1, [0.055, 73] for n = 16).
    boundary : {"reflecting", "periodic"}
        Reflecting (mirrored, homogeneous Neumann) or periodic boundary.

    Examples
    --------
    >>> D = DerivativeOperator(order=1, size=5)
    >>> D.apply(np.array([0.0, 1.0, 1.0, 3.0, 3.0]))
    array([1., 0., 2., 0.])
    """

    def __init__(self, order: int, size: int, spacing: float = 1.0, boundary: str = "reflecting") -> None:
        self.order = check_int(order, "order", 1, MAX_ORDER)
        self.size = check_size(size)
        if self.size < self.order + 1:
            raise ValueError(
                f"size must be at least order + 1 = {self.order + 1} (the stencil has {self.order + 1} taps), "
                f"got {self.size}"
            )
        self.spacing = check_positive(spacing, "spacing")
        low, high = 2.0 / MAX_SCALE ** (1.0 / self.order), 2.0 * MAX_SCALE ** (1.0 / self.order)
        if not low <= self.spacing <= high:
            raise ValueError(
                f"spacing must lie in [{low:.3g}, {high:.3g}] for order {self.order}, so that the scale (2/h)^n of D "
                f"stays within [1e-25, 1e25], got {self.spacing:g}; rescale the grid"
            )
        self.boundary = check_choice(boundary, "boundary", BOUNDARIES)
        self._periodic = periodic = self.boundary == "periodic"
        self._edges = self.size if periodic else self.size - 1  # length of D1 u
        self.output_size = self._edges if self.order % 2 else self.size
        self._edge_buffer = np.empty(self._edges)
        self._node_buffer = np.empty(self.size)
        self._scale = self.spacing ** (-self.order)

    def __repr__(self) -> str:
        return (
            f"DerivativeOperator(order={self.order}, size={self.size}, spacing={self.spacing}, "
            f"boundary={self.boundary!r})"
        )

    # -- the two building blocks, unit spacing, written into `out` --------------------------
    def _d1(self, u: np.ndarray, out: np.ndarray) -> None:
        """(D1 u)_i = u_{i+1} - u_i."""
        np.subtract(u[1:], u[:-1], out=out[: self.size - 1])
        if self._periodic:
            out[-1] = u[0] - u[-1]

    def _d1_transpose(self, v: np.ndarray, out: np.ndarray, sign: float = 1.0) -> None:
        """out = sign * D1^T v with (D1^T v)_i = v_{i-1} - v_i (zero flux beyond the ends when reflecting).

        Written as differences, never as a negation, so that zeros stay +0.0.
        """
        first, second = (v[:-1], v[1:]) if sign > 0 else (v[1:], v[:-1])
        if self._periodic:
            np.subtract(first, second, out=out[1:])
            out[0] = v[-1] - v[0] if sign > 0 else v[0] - v[-1]
        else:
            np.subtract(first, second, out=out[1:-1])
            out[0] = 0.0 - sign * v[0]
            out[-1] = 0.0 + sign * v[-1]

    def _d2_inplace(self, w: np.ndarray) -> None:
        """w <- D2 w = -D1^T D1 w."""
        self._d1(w, self._edge_buffer)
        self._d1_transpose(self._edge_buffer, w, sign=-1.0)

    def _apply_unchecked(self, u: np.ndarray, out: np.ndarray) -> np.ndarray:
        m = self.order // 2
        if m == 0:
            self._d1(u, out)
        else:
            work = out if self.order % 2 == 0 else self._node_buffer
            np.copyto(work, u)
            for _ in range(m):
                self._d2_inplace(work)
            if self.order % 2:
                self._d1(work, out)
        if self._scale != 1.0:
            out *= self._scale
        return out

    def _apply_transpose_unchecked(self, v: np.ndarray, out: np.ndarray) -> np.ndarray:
        if self.order % 2:
            self._d1_transpose(v, out)
        else:
            np.copyto(out, v)
        for _ in range(self.order // 2):
            self._d2_inplace(out)
        if self._scale != 1.0:
            out *= self._scale
        return out

    # -- public interface ---------------------------------------------------------------------
    def apply(self, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return D u, an array of length ``output_size``.

        Parameters
        ----------
        u : array of shape (N,)
            Grid values.
        out : array of shape (output_size,), optional
            Where to write the result (no allocation).
        """
        u = check_signal(u, "u", self.size)
        return self._apply_unchecked(u, self._check_out(out, self.output_size))

    def apply_transpose(self, v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Return D^T v, an array of length N (the adjoint: <D u, v> = <u, D^T v>)."""
        v = check_signal(v, "v", self.output_size)
        return self._apply_transpose_unchecked(v, self._check_out(out, self.size))

    @staticmethod
    def _check_out(out: np.ndarray | None, length: int) -> np.ndarray:
        if out is None:
            return np.empty(length)
        if not isinstance(out, np.ndarray) or out.dtype != np.float64 or out.shape != (length,):
            raise ValueError(f"out must be a float64 numpy array of shape ({length},), got {out!r:.60}")
        return out

    def matrix(self) -> np.ndarray:
        """The dense matrix of D, shape (output_size, N). Meant for small N (teaching, tests)."""
        identity = np.eye(self.size)
        return np.stack([self.apply(column) for column in identity], axis=1)

    def norm_squared(self) -> float:
        """Exact squared spectral norm ||D||_2^2 = lambda_max(D^T D).

        Reflecting: (4/h^2 sin^2((N-1) pi / (2N)))^n; periodic: (4/h^2 sin^2(pi floor(N/2) / N))^n.
        """
        if self.boundary == "reflecting":
            angle = (self.size - 1) * math.pi / (2 * self.size)
        else:
            angle = math.pi * (self.size // 2) / self.size
        return (4.0 * math.sin(angle) ** 2 / self.spacing**2) ** self.order

    def norm_squared_bound(self) -> float:
        """The simple bound ||D||_2^2 <= (sum_j |w_j|)^2 = 4^n / h^(2n) (Young's inequality)."""
        return 4.0**self.order / self.spacing ** (2 * self.order)

    @property
    def stencil(self) -> np.ndarray:
        """Taps w_j = (-1)^(n-j) C(n, j) / h^n, j = 0..n, of the interior stencil (a correlation)."""
        n = self.order
        return np.array([(-1) ** (n - j) * math.comb(n, j) for j in range(n + 1)], dtype=float) * self._scale

    @property
    def padding(self) -> tuple[int, int]:
        """How many values the boundary rule adds on the left and right before the stencil is applied."""
        left = self.order // 2
        right = left if self.boundary == "reflecting" else self.order - left
        return left, right

    def padding_indices(self) -> np.ndarray:
        """Indices i into u such that D u = correlate(u[i], stencil, 'valid').

        Reflecting boundaries mirror (u_{-1} = u_0, u_{-2} = u_1, ...); periodic ones wrap.
        """
        left, right = self.padding
        index = np.arange(-left, self.size + right)
        if self.boundary == "periodic":
            return index % self.size
        index = np.where(index < 0, -index - 1, index)
        return np.where(index >= self.size, 2 * self.size - 1 - index, index)


def check_operator(value: object, name: str = "operator") -> DerivativeOperator:
    """Return ``value`` if it is a :class:`DerivativeOperator`, else raise a TypeError naming ``name``."""
    if not isinstance(value, DerivativeOperator):
        raise TypeError(f"{name} must be a pdelib DerivativeOperator, got {value!r}")
    return value
