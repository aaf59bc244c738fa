"""The ResNet G and D of SAGAN (Zhang et al., 2019) and BigGAN (Brock, Donahue & Simonyan, 2019),
sized by resolution.

G (BigGAN, Fig. 15a / App. B, as BigGAN-PyTorch's ``G_arch``): z → linear to [ch, 4, 4] → one
up-sampling residual block per doubling (conditional BN, ReLU, nearest ×2, 3×3 conv, conditional BN,
ReLU, 3×3 conv; 1×1 conv shortcut) → BN, ReLU, 3×3 conv, tanh; a self-attention block after the
block that reaches ``attn_res``. Conditioning of the block BNs:
- ``shared_dim > 0`` (BigGAN): one class embedding shared by every block, projected linearly to each
  BN's gains and biases (``LinearConditionalBatchNorm2d``);
- ``hier`` (BigGAN's hierarchical latent): z is split into len(blocks) + 1 equal chunks; the first
  feeds the linear layer, each other is joined to the shared embedding of one block;
- ``shared_dim = 0`` and a class (SAGAN, SN-GAN): per-class gain and bias tables in each BN
  (``class_tables``: ones, every class at gain 1 and bias 0; init, drawn by the init scheme).
- neither (unconditional, no hierarchy): plain BN.
D (SN-GAN's/BigGAN's CIFAR D): an optimised first down block, down blocks to 8×8 (for 32×32:
32 → 16 → 8), two blocks without resampling, self-attention after the block that reaches
``attn_res``, ReLU, global sum pooling, linear score + projection ⟨embed(y), φ(x)⟩.
Spectral norm (both nets in these recipes) comes from the config's ``spectral_norm`` switch;
``project_sn=False`` leaves G's z → 4×4 linear layer out of it, ``project_bias=False`` drops that layer's bias.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import GanforgeError
from ..nn.conditional_bn import ConditionalBatchNorm2d, LinearConditionalBatchNorm2d
from ..nn.self_attention import SelfAttention
from ..registry import MODELS
from .base import GeneratorBase, check_classes, need_y
from .resnet import DownBlock, UpBlock, _levels

INITS = ("N02", "ortho", "xavier", "torch")


def init_weights_(net: nn.Module, scheme: str) -> None:
    """BigGAN-PyTorch's G_init / D_init: N(0, 0.02) ("N02", its CIFAR script), orthogonal ("ortho",
    the paper's ImageNet models, Sec. 3), Glorot uniform ("xavier", SAGAN's released code), or torch's
    default ("torch"). Convolutions, linear layers and embeddings; biases stay as torch sets them."""
    if scheme not in INITS:
        raise GanforgeError(f"unknown init {scheme!r}; valid: {', '.join(INITS)}")
    if scheme == "torch":
        return
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            if scheme == "N02":
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif scheme == "ortho":
                nn.init.orthogonal_(m.weight)
            else:
                nn.init.xavier_uniform_(m.weight)


def _init_table_(table: Tensor, scheme: str) -> None:
    """A class-embedding table initialised as ``init_weights_`` would an nn.Embedding."""
    {"N02": lambda t: nn.init.normal_(t, 0.0, 0.02), "ortho": nn.init.orthogonal_,
     "xavier": nn.init.xavier_uniform_, "torch": nn.init.normal_}[scheme](table)


def _attention_level(attn_res: int | None, sizes: list[int], which: str) -> int | None:
    """Index in ``sizes`` (the feature-map heights after each block) of the attention block."""
    if not attn_res:
        return None
    if attn_res not in sizes:
        raise GanforgeError(f"{which}: attn_res={attn_res} is not a feature-map size of this network "
                            f"({', '.join(map(str, sorted(set(sizes))))}); pick one, or 0 for no attention")
    return sizes.index(attn_res)


@MODELS.register("biggan_generator")
class BigGANGenerator(GeneratorBase):
    """z: [N, z_dim] (, y: int64 [N] when ``n_classes``) → x: [N, C, H, W] in [−1, 1]."""

    out_range = (-1.0, 1.0)

    def __init__(self, *, z_dim: int, out_shape: Sequence[int], ch: int = 256, attn_res: int | None = 16,
                 shared_dim: int = 128, hier: bool = True, init: str = "N02", z_dist: str = "normal",
                 n_classes: int | None = None, class_tables: str = "ones", project_sn: bool = True,
                 project_bias: bool = True) -> None:
        super().__init__()
        if class_tables not in ("ones", "init"):
            raise GanforgeError(f"biggan_generator: class_tables {class_tables!r} unknown; valid: ones (per-class BN "
                                "gains 1 and biases 0, SAGAN's released code), init (gains 1 + a table, biases a table, "
                                "both drawn by G's init, BigGAN-PyTorch's ccbn without the shared embedding)")
        self.z_dim, self.z_dist, self.out_shape = z_dim, z_dist, tuple(out_shape)
        self.n_classes = check_classes(n_classes, "biggan_generator")
        n, h0, w0 = _levels(self.out_shape, "biggan_generator")
        self.hier = bool(hier)
        self.chunk = z_dim // (n + 1) if self.hier else 0
        if self.hier and self.chunk * (n + 1) != z_dim:
            raise GanforgeError(f"biggan_generator: the hierarchical latent splits z into {n + 1} equal chunks "
                                f"({n} blocks + 1); z_dim={z_dim} is not a multiple of {n + 1} (e.g. "
                                f"--set z_dim={(n + 1) * max(1, round(z_dim / (n + 1)))}, or G.args.hier=false)")
        shared = shared_dim if self.n_classes else 0
        if self.n_classes and not shared and self.hier:
            raise GanforgeError("biggan_generator: the hierarchical latent needs the shared class embedding "
                                "(shared_dim > 0), or hier=false for per-class BN tables (SAGAN)")
        # a plain table, not an nn.Embedding: spectral norm (which reaches D's projection embedding) leaves
        # it alone, as BigGAN-PyTorch's G.shared; initialised like the other weights below
        self.shared = nn.Parameter(torch.empty(self.n_classes, shared)) if shared else None
        cond_dim = shared + self.chunk
        if cond_dim:
            def norm(c): return LinearConditionalBatchNorm2d(c, cond_dim)
        elif self.n_classes:
            def norm(c): return ConditionalBatchNorm2d(c, self.n_classes)
        else:
            norm = nn.BatchNorm2d
        self.cond_dim, self.per_class_tables = cond_dim, bool(self.n_classes and not cond_dim)
        self.base = (ch, h0, w0)
        self.project = nn.Linear(self.chunk if self.hier else z_dim, ch * h0 * w0, bias=project_bias)
        # project_sn=False: the z → [ch, 4, 4] layer stays out of the config's spectral norm (every other layer keeps it);
        # project_bias=False: that layer has no bias (a fixed 4×4 template that spectral norm does not bound)
        self.project.spectral_norm_exempt = not project_sn
        self.blocks = nn.ModuleList([UpBlock(ch, ch, norm=norm) for _ in range(n)])
        level = _attention_level(attn_res, [4 * 2 ** (i + 1) for i in range(n)], "biggan_generator")
        self.attn_after, self.attention = level, (SelfAttention(ch) if level is not None else None)
        # the final BN is plain even when conditional (BigGAN-PyTorch's output_layer; SN-GAN's b5)
        self.out = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU(), nn.Conv2d(ch, self.out_shape[0], 3, 1, 1), nn.Tanh())
        init_weights_(self, init)
        if self.shared is not None:
            _init_table_(self.shared, init)
        if class_tables == "init" and self.per_class_tables:  # each class starts with its own gains and biases
            with torch.no_grad():
                for m in self.modules():
                    if isinstance(m, ConditionalBatchNorm2d):
                        _init_table_(m.gain, init)
                        m.gain.add_(1.0)
                        _init_table_(m.bias, init)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "biggan_generator")
        chunks = z.split(self.chunk, dim=1) if self.hier else [z] + [None] * len(self.blocks)
        h = self.project(chunks[0]).view(z.shape[0], *self.base)
        emb = F.embedding(y, self.shared) if self.shared is not None else None
        for i, block in enumerate(self.blocks):
            parts = [t for t in (emb, chunks[i + 1]) if t is not None]
            c = torch.cat(parts, dim=1) if parts else (y if self.per_class_tables else None)
            h = block(h, c)
            if i == self.attn_after:
                h = self.attention(h)
        return self.out(h)


@MODELS.register("biggan_discriminator")
class BigGANDiscriminator(nn.Module):
    """x: [N, C, H, W] (, y: int64 [N] when ``n_classes``) → raw scores [N]."""

    def __init__(self, *, in_shape: Sequence[int], ch: int = 256, attn_res: int | None = 16, init: str = "N02",
                 n_classes: int | None = None) -> None:
        super().__init__()
        self.n_classes = check_classes(n_classes, "biggan_discriminator")
        n, _, _ = _levels(in_shape, "biggan_discriminator")
        blocks = [DownBlock(in_shape[0], ch, down=True, first=True)]
        blocks += [DownBlock(ch, ch, down=True) for _ in range(n - 2)]
        blocks += [DownBlock(ch, ch, down=False), DownBlock(ch, ch, down=False)]
        sizes = [in_shape[1] // 2 ** min(i + 1, n - 1) for i in range(len(blocks))]
        level = _attention_level(attn_res, sizes[: n - 1], "biggan_discriminator")  # the down-sampled maps
        self.attn_after, self.attention = level, (SelfAttention(ch) if level is not None else None)
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(ch, 1)
        self.embed = nn.Embedding(self.n_classes, ch) if self.n_classes is not None else None
        init_weights_(self, init)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        need_y(y, self.n_classes, "biggan_discriminator")
        h = x
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attn_after:
                h = self.attention(h)
        h = F.relu(h).sum(dim=(2, 3))  # global sum pooling
        out = self.head(h).squeeze(1)
        if y is not None:
            out = out + (self.embed(y) * h).sum(dim=1)  # projection (Miyato & Koyama, 2018)
        return out
