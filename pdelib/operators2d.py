"""The image gradient as a two-channel operator and its adjoint, minus the divergence (chapter 09).

On an image u of M rows and N columns with pixel spacing h, the gradient takes forward differences
along both axes, with reflecting (homogeneous Neumann) boundaries, u_{i,N} = u_{i,N-1} and u_{M,j} = u_{M-1,j}:

    (grad u)_x[i, j] = (u[i, j+1] - u[i, j]) / h     (0 in the last column),
    (grad u)_y[i, j] = (u[i+1, j] - u[i, j]) / h     (0 in the last row).

It maps an (M, N) image to a (2, M, N) array, channel 0 = x (along a row), channel 1 = y (down a column):
a convolution with two 2 x 2 filters after padding the image by one mirrored row and column. Its adjoint
grad^T = -div satisfies <grad u, p> = <u, grad^T p>, and grad^T grad is the 5-point Laplacian with a minus
sign: the Kronecker sum of the 1D matrices D1^T D1 of :mod:`pdelib.operators`, so its eigenvalues are sums
of the 1D ones and

    ||grad||_2^2 = 4/h^2 (sin^2(pi (M-1) / (2M)) + sin^2(pi (N-1) / (2N)))  ->  8/h^2  for large images.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import _as_real_array, check_amplitude, check_image, check_positive, check_shape

#: Range of the pixel spacing h, as in 1D (:mod:`pdelib.operators`): 1e-25 <= 2/h <= 1e25, so that the differences
#: of every image (|u| <= 1e250) stay finite.
MIN_SPACING, MAX_SPACING = 2e-25, 2e25


class Gradient2D:
    """The gradient grad u = (u_x, u_y) by forward differences with reflecting boundaries (chapter 09).

    Parameters
    ----------
    shape : (int, int)
        The image's (M rows, N columns), each in [2, 4096].
    spacing : float, default 1.0
        Pixel spacing h in [2e-25, 2e25].

    Examples
    --------
    >>> grad = Gradient2D((2, 3))
    >>> grad.apply(np.array([[0.0, 1.0, 3.0], [0.0, 0.0, 0.0]]))[0]  # x-differences, 0 in the last column
    array([[1., 2., 0.],
           [0., 0., 0.]])
    >>> round(Gradient2D((256, 256)).norm_squared(), 4)
    7.9997
    """

    def __init__(self, shape: tuple[int, int], spacing: float = 1.0) -> None:
        self.shape = check_shape(shape)
        self.spacing = check_positive(spacing, "spacing")
        if not MIN_SPACING <= self.spacing <= MAX_SPACING:
            raise ValueError(f"spacing must be a finite real number in [{MIN_SPACING:g}, {MAX_SPACING:g}], "
                             f"got {self.spacing:g}")
        self.output_shape = (2, *self.shape)
        self._scale = 1.0 / self.spacing

    def __repr__(self) -> str:
        return f"Gradient2D(shape={self.shape}, spacing={self.spacing:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gradient2D) and (other.shape, other.spacing) == (self.shape, self.spacing)

    def __hash__(self) -> int:
        return hash((self.shape, self.spacing))

    # -- the inner loops, unchecked ------------------------------------------------------------
    def _apply_unchecked(self, u: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out[0] <- u_x, out[1] <- u_y (out: float64 of shape (2, M, N))."""
        np.subtract(u[:, 1:], u[:, :-1], out=out[0, :, :-1])
        out[0, :, -1] = 0.0
        np.subtract(u[1:, :], u[:-1, :], out=out[1, :-1, :])
        out[1, -1, :] = 0.0
        if self._scale != 1.0:
            out *= self._scale
        return out

    def _apply_transpose_unchecked(self, p: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out <- grad^T p = -div p; the last column of p_x and the last row of p_y are never read."""
        px, py = p[0], p[1]
        out[:, 0] = 0.0
        out[:, 1:] = px[:, :-1]
        out[:, :-1] -= px[:, :-1]
        out[1:, :] += py[:-1, :]
        out[:-1, :] -= py[:-1, :]
        if self._scale != 1.0:
            out *= self._scale
        return out

    # -- public interface ----------------------------------------------------------------------
    def apply(self, u: np.ndarray) -> np.ndarray:
        """Return grad u, an array of shape (2, M, N): channel 0 the x-, channel 1 the y-differences."""
        u = check_image(u, "u", self.shape)
        return self._apply_unchecked(u, np.empty(self.output_shape))

    def apply_transpose(self, p: np.ndarray) -> np.ndarray:
        """Return grad^T p = -div p, an (M, N) image, for a field p of shape (2, M, N).

        The adjoint: <grad u, p> = <u, grad^T p> for every image u and field p.
        """
        p = _as_real_array(p, "p", "an array of shape (2, M, N): the channels x, y of a vector field")
        if p.shape != self.output_shape:
            raise ValueError(f"p must have shape {self.output_shape} (two channels x, y of the image), got {p.shape}")
        p = p.astype(np.float64, copy=False)
        check_amplitude(p, "p")
        return self._apply_transpose_unchecked(p, np.empty(self.shape))

    def magnitude(self, u: np.ndarray) -> np.ndarray:
        """|grad u| = sqrt(u_x^2 + u_y^2) per pixel, an (M, N) image."""
        p = self.apply(u)
        return np.hypot(p[0], p[1])

    def matrix(self) -> np.ndarray:
        """The dense matrix of grad, shape (2 M N, M N); rows run over (channel, row, column). For small images."""
        unknowns = self.shape[0] * self.shape[1]
        if unknowns > 4096:
            raise ValueError(f"shape must have at most 4096 pixels for a dense matrix, got {self.shape}")
        identity = np.eye(unknowns)
        return np.stack([self.apply(column.reshape(self.shape)).ravel() for column in identity], axis=1)

    def norm_squared(self) -> float:
        """Exact ||grad||_2^2 = lambda_max(grad^T grad) = 4/h^2 (sin^2(pi (M-1)/(2M)) + sin^2(pi (N-1)/(2N)))."""
        rows, columns = self.shape
        return 4.0 * (math.sin(math.pi * (rows - 1) / (2 * rows)) ** 2
                      + math.sin(math.pi * (columns - 1) / (2 * columns)) ** 2) * self._scale**2

    def norm_squared_bound(self) -> float:
        """The simple bound ||grad||^2 <= 8 / h^2 (Young's inequality per channel), reached only in the limit."""
        return 8.0 * self._scale**2

    @property
    def stencils(self) -> np.ndarray:
        """The two 2 x 2 filters (a correlation, like ``torch.nn.functional.conv2d``), shape (2, 2, 2):
        x: [[-1, 1], [0, 0]] / h, y: [[-1, 0], [1, 0]] / h, applied to the image padded by :meth:`padding_indices`."""
        return np.array([[[-1.0, 1.0], [0.0, 0.0]], [[-1.0, 0.0], [1.0, 0.0]]]) * self._scale

    def padding_indices(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices (i, j) such that u[np.ix_(i, j)] is u with one mirrored row and column appended
        (u_{M, j} = u_{M-1, j}, u_{i, N} = u_{i, N-1}): correlating it with :attr:`stencils` gives grad u."""
        rows, columns = self.shape
        return np.append(np.arange(rows), rows - 1), np.append(np.arange(columns), columns - 1)


def check_gradient(value: object, name: str = "gradient") -> Gradient2D:
    """Return ``value`` if it is a :class:`Gradient2D`, else raise a TypeError naming ``name``."""
    if not isinstance(value, Gradient2D):
        raise TypeError(f"{name} must be a pdelib Gradient2D (pdelib.operators2d.Gradient2D), got {value!r:.80}")
    return value
