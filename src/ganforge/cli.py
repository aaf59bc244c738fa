"""The ``ganforge`` command."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from .errors import GanforgeError


def _clean_errors(fn):
    """GanforgeError → one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GanforgeError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted; the last complete checkpoint is kept (continue with --resume)", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ganforge")
def main() -> None:
    """ganforge: train, sample and measure GANs, faithful to their papers."""


@main.command("list")
@click.option("--datasets", is_flag=True, help="List the named datasets instead of recipes.")
@click.option("--verbose", "-v", is_flag=True, help="Show each recipe's sources and deviations.")
@_clean_errors
def list_cmd(datasets: bool, verbose: bool) -> None:
    """The registered recipes: name, paper, year, loss, default dataset."""
    from . import api  # noqa: F401  (registers everything)
    from .registry import DATASETS, RECIPES

    if datasets:
        for name, fn in DATASETS.items():
            doc = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
            click.echo(f"{name:16s} {doc}")
        return
    rows = [("recipe", "paper", "year", "loss", "default data")]
    for name, r in RECIPES.items():
        loss = r.defaults.get("loss", "minimax")
        g = r.defaults.get("g_objective")
        rows.append((name, r.paper, str(r.year), f"{loss}" + (f" ({g})" if g else ""), r.default_data))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    if verbose:
        for name, r in RECIPES.items():
            click.echo(f"\n{name}: {r.paper} — {r.url}")
            for what, where in r.sources.items():
                click.echo(f"  source: {what}  [{where}]")
            for d in r.deviations:
                click.echo(f"  deviation: {d}")


@main.command()
@click.argument("recipe", required=False)
@click.option("--data", help="Dataset name (see `ganforge list --datasets`) or a folder / .zip of images.")
@click.option("--data-root", type=click.Path(file_okay=False), help="Where named datasets live (torchvision layout).")
@click.option("--steps", type=int, help="Total steps for the run (with --resume: train up to this step).")
@click.option("--batch-size", type=int, help="Global batch size (split across --devices).")
@click.option("--seed", type=int)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory (default runs/RECIPE-DATA).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]))
@click.option("--devices", type=int, help="Number of processes/devices (DDP when > 1; gloo on CPU).")
@click.option("--precision", type=click.Choice(["32", "bf16-mixed", "16-mixed"]))
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A YAML file of config overrides.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one config key; repeatable.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last complete checkpoint.")
@click.option("--dry-run", is_flag=True, help="Print the resolved config, parameter counts and FLOPs per step; exit.")
@_clean_errors
def train(recipe, data, data_root, steps, batch_size, seed, out, device, devices, precision, config_file, sets,
          resume, dry_run) -> None:
    """Train RECIPE. Writes config.yaml, run.json, metrics.jsonl, samples/ and checkpoints/ to --out."""
    from . import api

    if recipe is None and not (resume or config_file):
        raise GanforgeError("name a recipe, e.g. `ganforge train gan --data digits` (see `ganforge list`)")
    summary = api.train(recipe, data=data, out=out, steps=steps, batch_size=batch_size, seed=seed,
                        data_root=data_root, device=device, devices=devices, precision=precision,
                        config=config_file, set=list(sets), resume=resume, dry_run=dry_run)
    if not dry_run and summary.get("run_dir"):
        import os

        if int(os.environ.get("LOCAL_RANK", "0")) == 0:
            click.echo(f"done: {summary['step']} steps in {summary['seconds']:.1f}s → {summary['run_dir']}")


@main.command()
@click.argument("run_dir", type=click.Path())
@click.option("--n", "n", type=int, default=64, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="grid.png (an image grid) or samples.npy (images [N,C,H,W] float32 in [0,1]; points [N,D]).")
@_clean_errors
def sample(run_dir, n, seed, out) -> None:
    """Draw N samples from RUN_DIR's generator, as a PNG grid or a NumPy array."""
    import numpy as np

    from . import api

    if n < 1:
        raise GanforgeError("--n must be ≥ 1")
    G = api.load(run_dir)
    out = Path(out or Path(run_dir) / "sample.png")
    x = G.sample(n, seed=seed)
    if out.suffix == ".npy":
        np.save(out, x.numpy().astype(np.float32))
    elif out.suffix.lower() == ".png":
        if G.kind == "image":
            from .viz.grid import save_grid

            save_grid(x, out)
        else:
            from .viz.grid import save_points

            save_points(x, out)
    else:
        raise GanforgeError(f"--out {out}: use a .png (grid) or .npy (array) file name")
    click.echo(f"wrote {n} samples from step {G.step} to {out}")


@main.command()
@click.option("--steps", type=int, default=200, show_default=True, help="Timed steps per configuration.")
@click.option("--data-root", type=click.Path(file_okay=False), help="Root holding MNIST/raw (torchvision layout).")
@click.option("--precision", "precisions", multiple=True, default=("32", "bf16-mixed"), show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write the figures as JSON.")
@_clean_errors
def bench(steps, data_root, precisions, json_out) -> None:
    """Images/s and FLOPs utilisation of `gan` on MNIST vs a conventional DataLoader loop."""
    from .bench import run_bench

    run_bench(steps=steps, data_root=data_root, precisions=list(precisions), json_out=json_out)


if __name__ == "__main__":  # pragma: no cover
    main()
