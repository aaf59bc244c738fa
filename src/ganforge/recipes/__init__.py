"""GAN variants, one file each. Importing this package registers them all."""

from . import (  # noqa: F401,E402
    acgan,
    began,
    biggan,
    cgan,
    cyclegan,
    dcgan,
    ebgan,
    gan,
    infogan,
    lsgan,
    pggan,
    projection,
    r3gan,
    sagan,
    sngan,
    stylegan,
    wgan,
    wgan_gp,
)
from .base import Recipe, register_recipe, resolve_config  # noqa: F401
