"""Architectures. One family per file; each registers its classes in ``MODELS``.

Generators take ``z_dim`` and ``out_shape`` (the data's shape without the batch axis) and
expose ``out_range`` ((0, 1), (-1, 1) or None for unbounded point data) and ``sample(n)``.
Discriminators take ``in_shape`` and return raw scores of shape [N].
"""

from . import biggan, cgan_mlp, cnn32, cyclegan, dcgan, energy, infogan, mlp, progressive, r3gan, resnet, stylegan  # noqa: F401
