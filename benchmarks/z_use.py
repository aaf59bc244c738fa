"""How much a trained conditional ResNet G (biggan_generator: sagan, biggan) still uses z.

For each run: the singular values of G's z → 4×4 linear layer (σ2/σ1 and the mean σi/σ1; with
spectral norm σ1 is pinned at 1, so a small ratio means z's other directions have shrunk), the share
of the variance at that layer's output and after each up-sampling block that z causes within one
class (variance across z over the total, averaged over classes 0, 3 and 7), and the samples' pixel
spread within a class (the std across z, averaged over pixels and classes). The raw G of the run's last
(or the named) checkpoint, not its EMA, sampled in eval mode.

    python benchmarks/z_use.py RUN [RUN ...] [--checkpoint best|last|step_NNN]
"""

from __future__ import annotations

import argparse

import torch

from ganforge.runs.load import load


def z_use(run: str, checkpoint: str | None = None, n: int = 200, seed: int = 0) -> dict:
    tg = load(run, checkpoint=checkpoint, ema=False)
    G = tg.G
    if not hasattr(G, "project") or not hasattr(G, "blocks") or not getattr(G, "n_classes", None):
        raise SystemExit(f"{run}: not a class-conditional biggan_generator (sagan, biggan)")
    s = torch.linalg.svdvals(G.project.weight.detach())
    s = s / s[0]
    feats: dict[str, torch.Tensor] = {}
    hooks = [G.project.register_forward_hook(lambda m, i, o: feats.__setitem__("project", o))]
    hooks += [b.register_forward_hook(lambda m, i, o, k=k: feats.__setitem__(f"block{k}", o))
              for k, b in enumerate(G.blocks)]
    gen = torch.Generator().manual_seed(seed)
    shares: dict[str, list[float]] = {}
    spreads = []
    with torch.no_grad():
        for c in range(G.n_classes):
            z = torch.randn(n, G.z_dim, generator=gen)
            x = G(z, torch.full((n,), c, dtype=torch.long))
            spreads.append(float(x.std(0).mean()))
            if c in (0, 3, 7):
                for k, f in list(feats.items()) + [("image", x)]:
                    f = f.reshape(n, -1)
                    shares.setdefault(k, []).append(float(f.var(0).mean() / (f - f.mean()).pow(2).mean()))
    for h in hooks:
        h.remove()
    return {"run": run, "step": tg.step, "sigma2_over_sigma1": float(s[1]), "mean_sigma_over_sigma1": float(s.mean()),
            "z_share": {k: sum(v) / len(v) for k, v in shares.items()}, "within_class_pixel_std": sum(spreads) / len(spreads)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--checkpoint", default=None)
    a = ap.parse_args()
    for run in a.runs:
        r = z_use(run, a.checkpoint)
        share = ", ".join(f"{k} {v:.2f}" for k, v in r["z_share"].items())
        print(f"{r['run']} (step {r['step']}): σ2/σ1 {r['sigma2_over_sigma1']:.2f}, mean σi/σ1 "
              f"{r['mean_sigma_over_sigma1']:.2f}; z's share of the variance within a class: {share}; "
              f"within-class pixel std {r['within_class_pixel_std']:.3f}")


if __name__ == "__main__":
    main()
