"""The theory probe: at every log interval, the paper's quantities for the current G and D.

Keys it adds to each ``metrics.jsonl`` record (see ``ganforge.theory.measures`` for definitions):

* ``jsd``, ``c_of_g``: JSD(p_data ‖ p_g) in nats and C(G) = −log 4 + 2·JSD, p_g from a
  histogram of ``n_eval`` G samples (fixed evaluation noise, so records are comparable).
* ``d_star_gap``: mixture-weighted mean |D − D*| over the grid cells.
* ``d_real_eval``, ``d_fake_eval``, ``value_eval``: mean D(x) on ``n_eval`` data points, mean
  D(G(z)) on the ``n_eval`` G samples, and V(G, D) from them, with D in eval mode (no
  dropout). The trainer's own ``d_real``, ``d_fake`` and ``value`` are minibatch means over the
  log interval, taken during D's steps (dropout on, D before its update); both approach ½
  (and −log 4) at the equilibrium.
* Mixtures: ``modes_covered``, ``modes_total``, ``hq_share``, ``mode_kl``, ``missing_modes``;
  when coverage drops, or G makes good samples of only some modes, ``warning`` says so in words
  (the trainer prints it).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from . import measures


def default_probes(cfg, data, family) -> list:
    """The theory probe for toy targets of 1 or 2 dimensions whose law is known; nothing
    otherwise. D is read as a probability only when the loss family says it is one."""
    target = data.info.get("target")
    if target is None or target.dim > 2:
        return []
    return [TheoryProbe(target, probabilistic=family.probabilistic)]


class TheoryProbe:
    """With ``probabilistic=False`` (Wasserstein, hinge, least squares) D's raw scores are not
    probabilities: ``d_star_gap``, ``d_real_eval``, ``d_fake_eval`` and ``value_eval`` are left
    out and ``critic_real_eval`` / ``critic_fake_eval`` (mean raw scores) are logged instead."""

    def __init__(self, target, *, n_eval: int = 50_000, bins: int | None = None, seed: int = 20140610,
                 min_frac: float = 0.1, probabilistic: bool = True) -> None:
        self.target = target
        self.probabilistic = probabilistic
        self.n_eval = n_eval
        self.bins = bins or (400 if target.dim == 1 else 100)
        self.seed = seed
        self.min_frac = min_frac
        self._ready = False
        self._prev_covered: int | None = None
        self._warned_covered: int | None = None

    def _setup(self, G, data) -> None:
        t = self.target
        self.edges = measures.grid_edges(t.bounds, self.bins)
        self.centres = measures.cell_centres(self.edges).float()
        exact = t.bin_mass(self.edges)
        if exact is not None:
            self.p_data = exact.double()
            self.p_out = max(0.0, 1.0 - float(exact.sum()))
        else:
            self.p_data, self.p_out = measures.histogram(data.x.cpu(), self.edges)
        gen = torch.Generator().manual_seed(self.seed)
        from ..models.base import sample_noise

        self.z = sample_noise(self.n_eval, G.z_dim, getattr(G, "z_dist", "normal"), generator=gen)
        idx = torch.randperm(len(data), generator=gen)[: self.n_eval]
        self.real = data.x.cpu()[idx].float()
        self._ready = True

    def __call__(self, *, G, D, data, step: int) -> dict:
        if not self._ready:
            self._setup(G, data)
        device = next(G.parameters()).device
        was_G, was_D = G.training, D.training
        G.eval()
        D.eval()
        try:
            with torch.no_grad():
                fake = G(self.z.to(device)).detach().float().reshape(self.n_eval, -1)
                fake_logits = D(fake).detach().float().reshape(-1)
                real_logits = D(self.real.to(device)).detach().float().reshape(-1)
                grid_d = torch.sigmoid(D(self.centres.to(device)).float().reshape(-1)).cpu()
        finally:
            G.train(was_G)
            D.train(was_D)
        fake = fake.cpu()
        q, q_out = measures.histogram(fake, self.edges)
        js = measures.jsd(measures.with_outside(self.p_data, self.p_out), measures.with_outside(q, q_out))
        d_star = measures.optimal_discriminator(self.p_data.reshape(-1), q.reshape(-1))
        out = {"jsd": js, "c_of_g": measures.virtual_criterion(js), "g_outside_box": q_out}
        if self.probabilistic:
            value = -(F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean())
            out.update({
                "d_star_gap": measures.d_star_gap(grid_d, d_star, self.p_data, q),
                "d_real_eval": float(torch.sigmoid(real_logits).mean()),
                "d_fake_eval": float(torch.sigmoid(fake_logits).mean()),
                "value_eval": float(value),
            })
        else:
            out.update({"critic_real_eval": float(real_logits.mean()), "critic_fake_eval": float(fake_logits.mean())})
        if not all(math.isfinite(v) for v in out.values()):
            out = {k: (v if math.isfinite(v) else None) for k, v in out.items()}
        if self.target.centres is not None:
            stats = measures.mode_stats(fake, self.target.centres, self.target.std, min_frac=self.min_frac)
            out.update(stats)
            warning = self._collapse_warning(stats)
            if warning:
                out["warning"] = warning
        return out

    def _collapse_warning(self, s: dict) -> str | None:
        covered, total = s["modes_covered"], s["modes_total"]
        prev, self._prev_covered = self._prev_covered, covered
        if covered >= total:
            self._warned_covered = None
            return None
        missing = ", ".join(map(str, s["missing_modes"][:10])) + (" …" if len(s["missing_modes"]) > 10 else "")
        if prev is not None and covered < prev:
            self._warned_covered = covered
            return (f"mode collapse: modes covered fell from {prev} to {covered} of {total} "
                    f"(missing modes {missing}; {s['hq_share']:.0%} of samples high quality)")
        if s["hq_share"] >= 0.5 and covered != self._warned_covered:
            self._warned_covered = covered
            return (f"mode collapse: G's samples are good ({s['hq_share']:.0%} high quality) but cover only "
                    f"{covered} of {total} modes (missing modes {missing})")
        return None
