"""The numerical schemes, numpy only: each module names the network it is (:mod:`pdelib.nets`).

* :mod:`pdelib.schemes.explicit` -- the explicit scheme u - tau D^T Phi(D u) (02) <-> :mod:`pdelib.nets.resnet`
* :mod:`pdelib.schemes.fsi` -- fast semi-iterative cycles (04) <-> :mod:`pdelib.nets.fsi`
* :mod:`pdelib.schemes.implicit` -- semi-implicit step, fixed-point and Jacobi iterations (05)
  <-> :mod:`pdelib.nets.recurrent`; its compiled tridiagonal solve is :mod:`pdelib.schemes.tridiagonal`
* :mod:`pdelib.schemes.multigrid` -- V/W-cycles and full multigrid (06) <-> :mod:`pdelib.nets.unet`;
  its grids, transfer operators and smoothers are :mod:`pdelib.schemes.grids`
* :mod:`pdelib.schemes.explicit2d` -- the explicit scheme on images (09) <-> :mod:`pdelib.nets.resnet2d`;
  :mod:`pdelib.schemes.fsi2d` -- FSI on images with the 1D weights and plans (09)
* :mod:`pdelib.schemes.amplification` -- amplification factors of every scheme (08), measured from the
  schemes above on the eigenmodes of D^T D; multigrid and Jacobi gains; what the linear picture does not tell

The submodules are imported on first use: ``import pdelib`` loads :mod:`~pdelib.schemes.explicit` and
:mod:`~pdelib.schemes.fsi` (numpy); scipy (implicit) and numba (tridiagonal) only when those are used.
"""


def __getattr__(name: str):
    """Import a submodule on first attribute access (``pdelib.schemes.implicit``, ``pdelib.nets.unet``)."""
    import importlib

    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from error
