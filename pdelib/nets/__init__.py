"""The networks, torch only: each module names the scheme it is (:mod:`pdelib.schemes`).

* :mod:`pdelib.nets.resnet` -- the diffusion block conv -> flux -> transposed conv + skip (02)
  <-> :mod:`pdelib.schemes.explicit`
* :mod:`pdelib.nets.fsi` -- FSI as a ResNet with skips two layers back (04) <-> :mod:`pdelib.schemes.fsi`
* :mod:`pdelib.nets.recurrent` -- the fixed-point iteration as a recurrent network (05)
  <-> :mod:`pdelib.schemes.implicit`
* :mod:`pdelib.nets.unet` -- the V-cycle as a U-net (06) <-> :mod:`pdelib.schemes.multigrid`
* :mod:`pdelib.nets.sector_activation` -- a trainable activation inside the sector (03, 07)
  <-> the fluxes of :mod:`pdelib.diffusivities` and :mod:`pdelib.activations`
* :mod:`pdelib.nets.resnet2d` -- the same block with Conv2d on images (09) <-> :mod:`pdelib.schemes.explicit2d`
* :mod:`pdelib.nets.denoisers` and :mod:`pdelib.nets.training` -- standard and symmetric denoising ResNets,
  their training (07); :mod:`pdelib.nets.stable_step` -- tau below its bound by construction (07, 09)
* :mod:`pdelib.nets.image_denoisers` -- the same pair on photographs, trained on patches (09);
  :mod:`pdelib.nets.trained` and :mod:`pdelib.nets.trained_images` -- the shipped weights (07, 09);
  :mod:`pdelib.nets.image_comparison` -- against the classical denoisers, and outside the training (09)

This is the only part of :mod:`pdelib` that imports torch; nothing outside it does.
"""


def __getattr__(name: str):
    """Import a submodule on first attribute access (``pdelib.schemes.implicit``, ``pdelib.nets.unet``)."""
    import importlib

    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as error:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from error
