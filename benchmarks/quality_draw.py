"""bench_quality.py's tables and pictures: FID against CPU seconds beside the DCGAN loop, and each
recipe beside the plain loop of its own algorithm."""

from __future__ import annotations

from pathlib import Path

from quality_common import BASELINE, CIFAR_SETS, RECIPES, THRESHOLDS


def seconds_to(points: list[dict], fid: float) -> float | None:
    """CPU seconds at the first evaluation with FID ≤ ``fid`` (None: never)."""
    return next((p["cpu_s"] for p in points if p["fid"] <= fid), None)


def draw(results: dict, images: bool) -> None:
    rows = results["runs"]
    base = next(r for r in rows if r["name"] == BASELINE)
    target = base["points"][-1]["fid"]
    t_base = base["points"][-1]["cpu_s"]
    levels = results.get("thresholds", THRESHOLDS.get(results["data"], THRESHOLDS["mnist"]))
    thresholds = [target] + [x for x in levels if x != target]
    print(f"\ndata: {results['data']}; FID with {results['features']} features, n = {results['n']} generated vs the test "
          f"split; time: process CPU seconds at 1 thread, evaluation excluded; measured under load: {results['load']}")
    head = " | ".join(f"s to FID ≤ {x:g}" for x in thresholds)
    print(f"| run | steps (preset) | final FID | CPU s | {head} | ≤ ½ baseline's time to its final FID? |")
    print("|---|---|---|---|" + "---|" * len(thresholds) + "---|")
    for r in rows:
        last = r["points"][-1]
        cells = []
        for x in thresholds:
            s = seconds_to(r["points"], x)
            cells.append("–" if s is None else f"{s:.0f}")
        s = seconds_to(r["points"], target)
        verdict = "(baseline)" if r["name"] == BASELINE else ("yes" if s is not None and s <= t_base / 2 else "no")
        print(f"| {r['name']} | {r['steps']} ({r['preset_steps']}) | {last['fid']:.2f} | {last['cpu_s']:.0f} | "
              f"{' | '.join(cells)} | {verdict} |")
    if not images:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for r in rows:
        xs = [p["cpu_s"] for p in r["points"]]
        ys = [p["fid"] for p in r["points"]]
        style = {"color": "black", "linestyle": "--", "linewidth": 2} if r["name"] == BASELINE else {"linewidth": 1.6}
        ax.plot(xs, ys, marker="o", markersize=3, label=r["name"], **style)
    ax.axhline(target, color="gray", linewidth=0.8, linestyle=":")
    ax.axvline(t_base / 2, color="gray", linewidth=0.8, linestyle=":")
    ax.set_yscale("log")
    ax.set_xlabel("training CPU seconds (1 thread, process_time)")
    ax.set_ylabel(f"FID ({results['features']}, n = {results['n']})")
    ax.set_title(f"Quality against time on {results['data']}: ganforge recipes vs a plain PyTorch DCGAN loop", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    suffix = "" if results["data"] == "mnist" else f"-{results['data']}"
    plot = Path(f"docs/images/quality-vs-time{suffix}.png")
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    plt.close(fig)
    from PIL import Image, ImageDraw

    grids = [(r["name"], Path(results["out"]) / r["name"] / "grid.png") for r in rows]
    tiles = [(n, Image.open(p).convert("RGB")) for n, p in grids if p.is_file()]
    tiles = [(n, im.crop((0, 0, im.width, im.height // 2))) for n, im in tiles]  # the first 4 rows: < 400 kB
    if tiles:
        w, h = tiles[0][1].size
        panel = Image.new("RGB", (len(tiles) * (w + 6), h + 16), "white")
        pen = ImageDraw.Draw(panel)
        for i, (n, im) in enumerate(tiles):
            panel.paste(im, (i * (w + 6), 16))
            pen.text((i * (w + 6) + 2, 2), n, fill="black")
        if results["data"] == "mnist":
            panel = panel.convert("L")  # gray digits: a third of the bytes
        panel.save(Path(f"docs/images/quality-vs-time{suffix}-samples.png"), optimize=True)
    print(f"wrote {plot}")


def draw_matched(results: dict, images: bool) -> None:
    """Each recipe against the plain loop of its own algorithm (``pytorch-loop-<recipe>``): the
    table, and with ``images`` one panel per recipe (docs/images/quality-vs-time[-DATA]-matched.png)
    and the samples at the end (…-matched-samples.png)."""
    by = {r["name"]: r for r in results["runs"]}
    groups = [(n, [by[x] for x in (f"{BASELINE}-{n}", n, f"{n}-bf16") if x in by])
              for n in RECIPES if f"{BASELINE}-{n}" in by]
    print(f"\n{results['data']}: each recipe beside a plain PyTorch loop of its own algorithm; FID with "
          f"{results['features']} features, n = {results['n']}; time: process CPU seconds, 1 thread")
    from ganforge.recipes.base import resolve_config
    from ganforge.recipes.standard import d_steps_at

    print("| recipe | run | G steps (D updates) in the budget | CPU-s per G step | speed per D update, × the loop's | "
          "final FID | mean of the last 3 | CPU-s to the loop's final FID | × the loop's time |")
    print("|---|---|---|---|---|---|---|---|---|")

    def cost(r: dict, name: str) -> tuple[int, float, float]:
        """(D updates, training CPU-s per G step, per D update): setup (data loading, building) excluded;
        D updates counted from the recipe's d_steps and d_steps_boost (WGAN's 100 for the first 25)."""
        cfg = resolve_config(name, sets=[f"data.name={results['data']}",
                                         *(CIFAR_SETS[name] if results["data"] == "cifar10" else [])])
        steps = r["points"][-1]["step"]
        d = sum(d_steps_at(cfg, g) for g in range(steps))
        t = r["points"][-1]["cpu_s"] - r.get("setup_s", 0.0)
        return d, t / max(steps, 1), t / max(d, 1)

    for name, rows in groups:
        loop, loop_cost = rows[0]["points"][-1], cost(rows[0], name)
        for r in rows:
            last, s = r["points"][-1], seconds_to(r["points"], loop["fid"])
            (d, per_g, per_d), tail = cost(r, name), sum(p["fid"] for p in r["points"][-3:]) / len(r["points"][-3:])
            reach = ("–", "–") if s is None else (f"{s:.0f}", f"{s / loop['cpu_s']:.2f}")
            print(f"| {name} | {r['name']} | {last['step']} ({d}) | {per_g:.3f} | {loop_cost[2] / per_d:.2f}× | "
                  f"{last['fid']:.1f} | {tail:.1f} | {reach[0]} | {reach[1]} |")
    if not images or not groups:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # top: FID against CPU seconds; bottom: against generator steps (the same algorithm should learn alike per step)
    fig, axes = plt.subplots(2, len(groups), figsize=(3.3 * len(groups), 6.4), dpi=110, squeeze=False)
    styles = ({"color": "black", "linestyle": "--", "linewidth": 2}, {"color": "tab:blue"}, {"color": "tab:orange"})
    for col, (name, rows) in enumerate(groups):
        for row, (key, xlabel) in enumerate((("cpu_s", "training CPU-s (1 thread)"), ("step", "generator steps"))):
            ax = axes[row][col]
            for r, style in zip(rows, styles):
                ax.plot([p[key] for p in r["points"]], [p["fid"] for p in r["points"]], marker="o", markersize=2.5,
                        label=r["name"], **{"linewidth": 1.5, **style})
            ax.axhline(rows[0]["points"][-1]["fid"], color="gray", linewidth=0.8, linestyle=":")
            ax.set_title(name, fontsize=9)
            ax.set_yscale("log")
            ax.set_xlabel(xlabel, fontsize=8)
            ax.grid(alpha=0.3, which="both")
            ax.legend(fontsize=7)
    for row in axes:
        row[0].set_ylabel(f"FID ({results['features']}, n = {results['n']})", fontsize=8)
    fig.suptitle(f"{results['data']}: ganforge (fp32, bf16-mixed) vs a plain PyTorch loop of the same algorithm",
                 fontsize=9)
    fig.tight_layout()
    stem = "quality-vs-time" + ("" if results["data"] == "mnist" else f"-{results['data']}") + "-matched"
    plot = Path(f"docs/images/{stem}.png")
    plot.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot)
    plt.close(fig)
    from PIL import Image, ImageDraw

    tiles = [(r["name"], Path(results["out"]) / r["name"] / "grid.png") for _, rows in groups for r in rows]
    tiles = [(n, Image.open(p).convert("RGB")) for n, p in tiles if p.is_file()]
    tiles = [(n, im.crop((0, 0, im.width, im.height // 4))) for n, im in tiles]  # the first 2 rows of 8
    if tiles:
        w, h = tiles[0][1].size
        cols = 3
        panel = Image.new("RGB", (cols * (w + 6), (len(tiles) + cols - 1) // cols * (h + 16)), "white")
        pen = ImageDraw.Draw(panel)
        for i, (n, im) in enumerate(tiles):
            x, y = i % cols * (w + 6), i // cols * (h + 16)
            panel.paste(im, (x, y + 14))
            pen.text((x + 2, y + 1), n, fill="black")
        panel = panel.quantize(256)  # noisy early samples: a palette keeps the file small
        panel.save(Path(f"docs/images/{stem}-samples.png"), optimize=True)
    print(f"wrote {plot}")
