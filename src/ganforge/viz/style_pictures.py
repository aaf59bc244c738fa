"""StyleGAN's pictures (Karras, Laine & Aila 2019), from a trained ``stylegan_generator``:

- ``style_mixing``: the paper's Figure 3. Top row: sources A; left column: sources B; each cell is
  A with a range of B's styles copied in: coarse (4²–8²), middle (16²–32², or 16² when the
  network stops at 32²) and fine (the rest) rows, 3, 2 and 1 of them as in the figure.
- ``stochastic_variation``: Figure 4. One w; the image under several noise draws, and the
  per-pixel standard deviation over many draws (bright: where the noise acts).
- ``truncation_sweep``: Figure 8. Rows of seeds, columns ψ = 1 … −1 (w̄ + ψ(w − w̄)).

Pictures use the fixed noise images (the authors' randomize_noise=False) and ψ = 0.7 unless
stated, as the authors' generate_figures.py. Each function returns (images [N, C, H, W] in
[0, 1], row length) for ``viz.grid.save_grid``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor

from ..data.base import to_unit

PSI_SWEEP = (1.0, 0.75, 0.5, 0.25, 0.0, -0.25, -0.5, -0.75, -1.0)


def _z(G, seeds) -> Tensor:
    device = next(G.parameters()).device
    return torch.stack([torch.randn(G.z_dim, generator=torch.Generator().manual_seed(int(s))) for s in seeds]).to(device)


def _img(G, x: Tensor) -> Tensor:
    return to_unit(x, G.out_range)


def style_ranges(G) -> dict[str, range]:
    """The layers of coarse, middle and fine styles (two layers per resolution, 4² first)."""
    n = G.num_layers
    mid_end = 8 if G.levels >= 5 else 6
    return {"coarse": range(0, min(4, n)), "middle": range(min(4, n), min(mid_end, n)), "fine": range(min(mid_end, n), n)}


@torch.no_grad()
def style_mixing(G, a_seeds=(1, 2, 3, 4, 5), b_seeds=(11, 12, 13, 14, 15, 16),
                 rows=("coarse", "coarse", "coarse", "middle", "middle", "fine"), psi: float = 0.7) -> tuple[Tensor, int]:
    if len(rows) != len(b_seeds):
        raise ValueError("one style range per B source")
    ranges = style_ranges(G)
    w_a = G.truncate(G.map(_z(G, a_seeds)).unsqueeze(1).repeat(1, G.num_layers, 1), psi)
    w_b = G.truncate(G.map(_z(G, b_seeds)).unsqueeze(1).repeat(1, G.num_layers, 1), psi)
    img_a, img_b = _img(G, G.synthesis(w_a, "const")), _img(G, G.synthesis(w_b, "const"))
    cells = [torch.ones_like(img_a[0])]  # the empty corner
    cells += list(img_a)
    for r, name in enumerate(rows):
        ws = w_a.clone()
        layers = list(ranges[name])
        ws[:, layers] = w_b[r : r + 1, layers]
        cells.append(img_b[r])
        cells += list(_img(G, G.synthesis(ws, "const")))
    return torch.stack(cells), len(a_seeds) + 1


@torch.no_grad()
def stochastic_variation(G, seed: int = 1, n_show: int = 4, n_std: int = 100, psi: float = 0.7) -> tuple[Tensor, int]:
    """[n_show noise draws of one w, their per-pixel std over n_std draws (scaled to its max)]."""
    w = G.truncate(G.map(_z(G, [seed])).unsqueeze(1).repeat(1, G.num_layers, 1), psi)
    gen = torch.Generator().manual_seed(seed)
    draws = []
    for _ in range(n_std):
        torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
        draws.append(_img(G, G.synthesis(w, "random"))[0])
    draws = torch.stack(draws)
    std = draws.std(dim=0).mean(dim=0, keepdim=True)
    std = (std / std.max().clamp_min(1e-8)).expand_as(draws[0])
    return torch.cat([draws[:n_show], std[None]]), n_show + 1


@torch.no_grad()
def truncation_sweep(G, seeds=(1, 2, 3, 4, 5, 6), psis=PSI_SWEEP) -> tuple[Tensor, int]:
    """Row per seed, column per ψ (all layers truncated, fixed noise)."""
    w = G.map(_z(G, seeds)).unsqueeze(1).repeat(1, G.num_layers, 1)
    cols = [_img(G, G.synthesis(G.truncate(w, psi), "const")) for psi in psis]
    return torch.stack(cols, dim=1).flatten(0, 1), len(psis)


def save_style_pictures(G, out_dir: Path, prefix: str = "stylegan") -> dict[str, Path]:
    """The three pictures as ``{prefix}-style-mixing.png``, ``-noise.png``, ``-truncation.png``."""
    from .grid import save_grid

    out_dir = Path(out_dir)
    was = G.training
    G.eval()
    rng = torch.get_rng_state()
    try:
        paths = {}
        for name, fn in (("style-mixing", style_mixing), ("noise", stochastic_variation), ("truncation", truncation_sweep)):
            x, nrow = fn(G)
            paths[name] = out_dir / f"{prefix}-{name}.png"
            save_grid(x, paths[name], nrow=nrow, scale=3)
        return paths
    finally:
        torch.set_rng_state(rng)
        G.train(was)
