"""Edge-enhancing anisotropic diffusion on images, u^{k+1} = u^k - tau grad^T D grad u^k, and its bound 2/rho(A) (chapter 09).

Isotropic diffusion (:mod:`pdelib.schemes.explicit2d`) scales the gradient by one number per pixel. Edge-enhancing
diffusion (EED, Weickert 1994) scales it by a 2 x 2 *diffusion tensor* per pixel, built from the gradient of the
Gaussian-smoothed image u_sigma: with v = grad u_sigma / |grad u_sigma|,

    D = g(|grad u_sigma|^2) v v^T + (I - v v^T)  =  I + (g - 1) v v^T,

so diffusion across an edge (along v) is damped by g, while along the edge it runs at full speed 1 and smooths the
edge's noise. (Where grad u_sigma = 0, D = I.) The entries D = [[a, b], [b, c]] are stored as an array (3, M, N).

Discretised with the two-channel forward-difference gradient of :mod:`pdelib.operators2d`, D acting on the two
differences of the same pixel, the operator is

    A = grad^T D grad,   symmetric positive semidefinite (D is, pixel by pixel),

and one explicit step is a ResNet block u - tau grad^T Phi(grad u) whose "activation" Phi(p) = D p mixes the
two channels of a pixel: a 2 x 2 matrix per pixel instead of a number. Its row (i, j) reaches 7 pixels
(:meth:`AnisotropicOperator.stencil`: the 3 x 3 block without two opposite corners). This is a plain
discretisation chosen for its ResNet form; the stencils of Schrader, Weickert et al. (arXiv 2309.05575) weight
the mixed term differently.

With D frozen (computed once from the image), the step u - tau A u is linear and the Euclidean bound is exact:

    ||I - tau A||_2 <= 1   iff   0 <= tau <= 2 / rho(A),

rho(A) its largest eigenvalue (:meth:`AnisotropicOperator.spectral_radius`, Lanczos). Since the eigenvalues of D
are g and 1, rho(A) <= max(1, sup g) ||grad||^2, so tau <= 2 / ||grad||^2 (about 1/4 for h = 1 and g <= 1) is safe
for every tensor, also when D is renewed from u^k at every step (nonlinear EED). Gershgorin's circle theorem
gives the cheap estimate rho(A) <= max_i sum_j |A_ij| (:meth:`AnisotropicOperator.gershgorin_bound`).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.linalg import eigsh

from .._checks import check_image, check_int, check_nonnegative, check_positive, check_steps
from ..diffusivities import Diffusivity
from ..measures import _total_variation_2d
from ..operators2d import Gradient2D, check_gradient
from .explicit import GROWTH_LIMIT
from .explicit2d import ImageEvolution, check_diffusivity, record_image_evolution

#: Largest presmoothing scale sigma (pixels) accepted.
MAX_SIGMA = 50.0


def edge_enhancing_tensor(u: np.ndarray, gradient: Gradient2D, diffusivity: Diffusivity,
                          sigma: float = 1.0) -> np.ndarray:
    """The EED tensor D = I + (g(|grad u_sigma|^2) - 1) v v^T per pixel, as its entries (a, b, c), shape (3, M, N).

    Parameters
    ----------
    u : array (M, N)
        The image.
    gradient : Gradient2D
        Its gradient (shape, spacing).
    diffusivity : Diffusivity
        g, applied to |grad u_sigma|^2 (e.g. Perona–Malik with contrast lambda).
    sigma : float, default 1.0
        Standard deviation in pixels of the Gaussian presmoothing u_sigma, in [0, 50] (0: none), with
        reflecting boundaries like the gradient's.
    """
    gradient = check_gradient(gradient)
    u = check_image(u, "u", gradient.shape)
    diffusivity = check_diffusivity(diffusivity)
    sigma = check_nonnegative(sigma, "sigma", MAX_SIGMA)
    smooth = ndimage.gaussian_filter(u, sigma, mode="reflect") if sigma > 0 else u
    p = gradient.apply(smooth)
    squares = p[0] ** 2 + p[1] ** 2
    g = diffusivity.g(squares)
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(squares > 0, (g - 1.0) / squares, 0.0)  # (g - 1) / |p|^2, so that (g - 1) v v^T = weight p p^T
    return np.stack([1.0 + weight * p[0] ** 2, weight * p[0] * p[1], 1.0 + weight * p[1] ** 2])


def most_anisotropic_pixel(tensor: np.ndarray) -> tuple[int, int]:
    """The pixel (i, j) whose tensor damps one direction most: the smallest determinant ac - b^2 = g (the first such
    pixel in row-major order), on the strongest edge of u_sigma for a decreasing g."""
    tensor = np.asarray(tensor)
    if tensor.ndim != 3 or tensor.shape[0] != 3:
        raise ValueError(f"tensor must have shape (3, M, N) (entries a, b, c per pixel), got {tensor.shape}")
    a, b, c = tensor
    i, j = np.unravel_index(np.argmin(a * c - b * b), a.shape)
    return int(i), int(j)


class AnisotropicOperator:
    """A = grad^T D grad for a frozen diffusion tensor D (entries (a, b, c) per pixel), chapter 09.

    Examples
    --------
    >>> grad = Gradient2D((4, 4))
    >>> identity = np.stack([np.ones((4, 4)), np.zeros((4, 4)), np.ones((4, 4))])
    >>> A = AnisotropicOperator(identity, grad)       # D = I: the 5-point Laplacian (with a minus sign)
    >>> A.stencil(1, 1)
    array([[ 0., -1.,  0.],
           [-1.,  4., -1.],
           [ 0., -1.,  0.]])
    >>> round(A.spectral_radius(), 6) == round(grad.norm_squared(), 6)
    True
    """

    def __init__(self, tensor: np.ndarray, gradient: Gradient2D) -> None:
        self.gradient = check_gradient(gradient)
        tensor = np.asarray(tensor)
        if tensor.shape != (3, *self.gradient.shape):
            raise ValueError(f"tensor must have shape {(3, *self.gradient.shape)} (entries a, b, c of "
                             f"D = [[a, b], [b, c]] per pixel), got {tensor.shape}")
        a, b, c = (check_image(entry, name) for entry, name in zip(tensor, ("tensor[0] (a)", "tensor[1] (b)",
                                                                             "tensor[2] (c)")))
        if np.any(a < 0) or np.any(c < 0) or np.any(a * c - b * b < -1e-12 * np.maximum(a * c, 1.0)):
            raise ValueError("tensor must be positive semidefinite at every pixel (a >= 0, c >= 0, ac >= b^2)")
        self.tensor = np.stack([a, b, c])
        self._field = np.empty(self.gradient.output_shape)
        self._flux = np.empty(self.gradient.output_shape)
        self._out = np.empty(self.gradient.shape)

    def _flux_into(self, p: np.ndarray, out: np.ndarray) -> np.ndarray:
        """out <- D p per pixel (out must not be p)."""
        a, b, c = self.tensor
        np.multiply(a, p[0], out=out[0])
        out[0] += b * p[1]
        np.multiply(b, p[0], out=out[1])
        out[1] += c * p[1]
        return out

    def flux(self, p: np.ndarray) -> np.ndarray:
        """The block's activation Phi(p) = D p per pixel: (a p_x + b p_y, b p_x + c p_y), shape (2, M, N)."""
        p = np.asarray(p, dtype=np.float64)
        if p.shape != self.gradient.output_shape:
            raise ValueError(f"p must have shape {self.gradient.output_shape} (channels x, y), got {p.shape}")
        return self._flux_into(p, np.empty_like(p))

    def _apply_unchecked(self, u: np.ndarray, out: np.ndarray) -> np.ndarray:
        p = self.gradient._apply_unchecked(u, self._field)
        return self.gradient._apply_transpose_unchecked(self._flux_into(p, self._flux), out)

    def apply(self, u: np.ndarray) -> np.ndarray:
        """Return A u = grad^T (D grad u) as a new image."""
        u = check_image(u, "u", self.gradient.shape)
        return self._apply_unchecked(u, np.empty(self.gradient.shape)).copy()

    def matrix(self) -> sparse.csr_matrix:
        """A as a sparse matrix (M N x M N, pixels in row-major order)."""
        rows, columns = self.gradient.shape
        h = 1.0 / self.gradient.spacing

        def forward(n: int) -> sparse.csr_matrix:  # 1D forward differences, 0 in the last row (reflecting)
            return sparse.diags([np.r_[-np.ones(n - 1), 0.0], np.ones(n - 1)], [0, 1], shape=(n, n)) * h

        gx = sparse.kron(sparse.identity(rows), forward(columns))
        gy = sparse.kron(forward(rows), sparse.identity(columns))
        a, b, c = (sparse.diags(entry.ravel()) for entry in self.tensor)
        return (gx.T @ (a @ gx + b @ gy) + gy.T @ (b @ gx + c @ gy)).tocsr()

    def stencil(self, i: int, j: int) -> np.ndarray:
        """The weights of row (i, j) of A on the 3 x 3 neighbourhood of pixel (i, j) (zero outside the image)."""
        rows, columns = self.gradient.shape
        i = check_int(i, "i", 0, rows - 1)
        j = check_int(j, "j", 0, columns - 1)
        row = self.matrix().getrow(i * columns + j)
        weights = np.zeros((3, 3))
        for index, value in zip(row.indices, row.data):
            weights[index // columns - i + 1, index % columns - j + 1] += value
        return weights

    def spectral_radius(self) -> float:
        """rho(A) = lambda_max(A), exact to rounding: Lanczos (ARPACK's ``eigsh``) on :meth:`matrix` from a fixed
        start (a few seconds for 256^2 pixels)."""
        matrix = self.matrix()
        start = np.random.default_rng(0).standard_normal(matrix.shape[0])
        return float(eigsh(matrix, k=1, which="LA", v0=start, tol=0.0, return_eigenvectors=False)[0])

    def gershgorin_bound(self) -> float:
        """Gershgorin's estimate rho(A) <= max_i sum_j |A_ij|: one pass over the stencils, never below rho(A)."""
        return float(abs(self.matrix()).sum(axis=1).max())


class AnisotropicScheme2D:
    """Explicit EED steps u^{k+1} = u^k - tau grad^T D grad u^k on an image (chapter 09).

    Parameters
    ----------
    tau : float
        Time step > 0.
    diffusivity : Diffusivity
        g of the tensor (:func:`edge_enhancing_tensor`).
    gradient : Gradient2D
        The image's gradient.
    sigma : float, default 1.0
        Presmoothing scale of the tensor, in [0, 50] pixels.
    renew : bool, default False
        False: D is computed once from u^0 and frozen (a linear scheme, stable iff tau <= 2 / rho(A)).
        True: D is recomputed from u^k before every step (nonlinear EED; stable for tau <= 2 / rho(A(u^k)) at
        every step, hence always for tau <= 2 / ||grad||^2 when g <= 1).
    """

    def __init__(self, tau: float, diffusivity: Diffusivity, gradient: Gradient2D, sigma: float = 1.0,
                 renew: bool = False) -> None:
        self.tau = check_positive(tau, "tau")
        self.diffusivity = check_diffusivity(diffusivity)
        self.gradient = check_gradient(gradient)
        self.sigma = check_nonnegative(sigma, "sigma", MAX_SIGMA)
        if not isinstance(renew, bool):
            raise TypeError(f"renew must be True or False, got {type(renew).__name__}")
        self.renew = renew
        self._work = np.empty(self.gradient.shape)

    def __repr__(self) -> str:
        return (f"AnisotropicScheme2D(tau={self.tau:g}, diffusivity={self.diffusivity!r}, "
                f"gradient={self.gradient!r}, sigma={self.sigma:g}, renew={self.renew})")

    def operator(self, u: np.ndarray) -> AnisotropicOperator:
        """A(u) = grad^T D(u) grad with the tensor of the image u."""
        return AnisotropicOperator(edge_enhancing_tensor(u, self.gradient, self.diffusivity, self.sigma),
                                   self.gradient)

    def evolve(self, u0: np.ndarray, steps: int, growth_limit: float = GROWTH_LIMIT) -> ImageEvolution:
        """Run ``steps`` steps from u^0, measuring ||u^k|| and TV(u^k), stopping early at a blow-up
        (non-finite values or ||u^k|| > growth_limit ||u^0||), which the result reports."""
        u0 = check_image(u0, "u0", self.gradient.shape)
        steps = check_steps(steps, "steps", u0.size)
        frozen = None if self.renew else self.operator(u0)

        def step_inplace(u: np.ndarray) -> float:
            operator = self.operator(u) if self.renew else frozen
            variation = _total_variation_2d(u)
            u -= self.tau * operator._apply_unchecked(u, self._work)
            return variation

        states, norms, variations, blowup = record_image_evolution(step_inplace, u0, steps, growth_limit)
        return ImageEvolution(self.tau * (norms.size - 1), states, norms, variations, blowup)
