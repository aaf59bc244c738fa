"""The ``ganforge`` command."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from .config import SEED_MAX
from .errors import GanforgeError, os_error_message

POSITIVE = click.IntRange(min=1)
PORT = click.IntRange(min=0, max=65535)
SEED = click.IntRange(min=0, max=SEED_MAX)
CHECKPOINT = click.option("--checkpoint", default=None, metavar="best|last|NAME",
                          help="Which checkpoint: best (the best evaluation while training), last (default), or a "
                               "folder under RUN_DIR/checkpoints; RUN_DIR/checkpoints/best works as RUN_DIR too.")


def _fail(message: str) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(2)


def _clean_errors(fn):
    """GanforgeError (and a full disk or a refused write) → one line on stderr and exit code 2,
    never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except GanforgeError as err:
            _fail(str(err))
        except OSError as err:
            message = os_error_message(err)
            if message is None:
                raise
            _fail(message)
        except KeyboardInterrupt:
            click.echo("interrupted; the last complete checkpoint is kept (continue with --resume)", err=True)
            sys.exit(130)

    return wrapper


_NoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click ≥ 8.2


class _OneLineErrors(click.Group):
    """Usage errors (a bad option value, a missing argument) print one ``error:`` line naming
    the command's --help, like every other refusal, instead of click's usage block."""

    def main(self, args=None, prog_name=None, **extra):
        extra.pop("standalone_mode", None)
        try:
            code = super().main(args, prog_name, standalone_mode=False, **extra)
        except _NoArgsIsHelp as err:  # a bare `ganforge` or `ganforge lab`: click's help, as before
            err.show()
            sys.exit(err.exit_code)
        except click.UsageError as err:
            where = err.ctx.command_path if err.ctx is not None else "ganforge"
            _fail(f"{err.format_message()} (see `{where} --help`)")
        except click.ClickException as err:
            _fail(err.format_message())
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(130)
        if isinstance(code, int) and code:
            sys.exit(code)
        return code


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
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
            if r.args:
                args = ", ".join(f"{k}={v}" for k, v in r.args.items())
                click.echo(f"  recipe_args: {args}  (--set recipe_args.NAME=VALUE)")
            for what, where in r.sources.items():
                click.echo(f"  source: {what}  [{where}]")
            for d in r.deviations:
                click.echo(f"  deviation: {d}")


@main.command()
@click.argument("recipe", required=False)
@click.option("--data", help="Dataset name (see `ganforge list --datasets`) or a folder / .zip of images (alone, "
              "with no RECIPE: the recipe and settings are chosen from the images; --dry-run says why).")
@click.option("--data-b", help="A two-domain recipe's second domain (cyclegan: --data mnist --data-b digits).")
@click.option("--data-root", type=click.Path(file_okay=False), help="Where named datasets live (torchvision layout).")
@click.option("--steps", type=POSITIVE, help="Total steps for the run (with --resume: train up to this step).")
@click.option("--batch-size", type=POSITIVE, help="Global batch size (split across --devices).")
@click.option("--seed", type=SEED)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory (default runs/RECIPE-DATA).")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]))
@click.option("--devices", type=POSITIVE, help="Processes (devices) per node (DDP when > 1; gloo on CPU).")
@click.option("--num-nodes", type=POSITIVE, help="Machines, each running --devices processes (launch: docs/multi-node.md).")
@click.option("--precision", type=click.Choice(["32", "bf16-mixed", "16-mixed"]))
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A YAML file of config overrides.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one config key; repeatable.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last complete checkpoint.")
@click.option("--dry-run", is_flag=True, help="Print the resolved config, parameter counts and FLOPs per step; exit.")
@click.option("--live", is_flag=True, help="Serve a page on 127.0.0.1 that shows the run while it trains.")
@click.option("--port", type=PORT, default=None, help="The live page's port (default 8765; 0: any free port).")
@_clean_errors
def train(recipe, data, data_b, data_root, steps, batch_size, seed, out, device, devices, num_nodes, precision, config_file,
          sets, resume, dry_run, live, port) -> None:
    """Train RECIPE. Writes config.yaml, run.json, metrics.jsonl, samples/ and checkpoints/ to --out."""
    from . import api

    if recipe is None and not (resume or config_file or data or any(s.startswith("recipe=") for s in sets)):
        raise GanforgeError("name a recipe, e.g. `ganforge train gan --data digits` (see `ganforge list`), or give "
                            "--data FOLDER alone to have the recipe and settings chosen from the images")
    if port is not None and not live:
        raise GanforgeError("--port is the live page's port: add --live")
    summary = api.train(recipe, data=data, data_b=data_b, out=out, steps=steps, batch_size=batch_size, seed=seed,
                        data_root=data_root, device=device, devices=devices, num_nodes=num_nodes, precision=precision,
                        config=config_file, set=list(sets), resume=resume, dry_run=dry_run,
                        live=_live_port(port) if live else None)
    if not dry_run and summary.get("run_dir"):
        from .runs.launch import first_process

        if first_process():
            click.echo(f"done: {summary['step']} steps in {summary['seconds']:.1f}s → {summary['run_dir']}")


@main.command()
@click.argument("run_dir", type=click.Path())
@click.option("--n", "n", type=POSITIVE, default=64, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="grid.png (an image grid) or samples.npy (images [N,C,H,W] float32 in [0,1]; points [N,D]).")
@click.option("--class", "class_", default=None, metavar="NAME|K",
              help="Conditional runs: every sample of this class, by name (a folder's sub-folder, a CSV label) or "
                   "index (default: balanced classes, saved beside a .npy).")
@click.option("--code", "codes", multiple=True, metavar="NAME=VALUE",
              help="InfoGAN runs: fix a latent code, e.g. --code cat=3 --code cont1=0.5; repeatable.")
@click.option("--sweep", default=None, metavar="CODE",
              help="InfoGAN runs: the paper's Figure 2 — rows = categorical code, columns = CODE from −2 to 2, "
                   "noise fixed (--n is ignored).")
@click.option("--truncation", type=float, default=None, metavar="T",
              help="BigGAN's truncation trick: redraw entries of z beyond ±T (e.g. 0.5; normal z only).")
@click.option("--no-ema", is_flag=True, help="Use G's raw weights even when the run keeps an EMA of them.")
@CHECKPOINT
@_clean_errors
def sample(run_dir, n, seed, out, class_, codes, sweep, truncation, no_ema, checkpoint) -> None:
    """Draw N samples from RUN_DIR's generator, as a PNG grid or a NumPy array."""
    import numpy as np
    import torch

    from . import api
    from .run_dir import atomic_write, run_path
    from .runs.load import resolve_run
    from .sample_file import check_png_size, write_npy

    out = Path(out) if out else run_path(resolve_run(run_dir, checkpoint)[0], "sample.png")
    if out.suffix.lower() not in (".npy", ".png"):
        raise GanforgeError(f"--out {out}: use a .png (grid) or .npy (array) file name")
    if out.suffix.lower() == ".png" and sweep is None:
        check_png_size(n)
    G = api.load(run_dir, ema=not no_ema, truncation=truncation, checkpoint=checkpoint)
    if class_ is not None:
        try:
            class_ = G.class_index(class_)
        except GanforgeError as err:
            raise GanforgeError(f"--class {class_}: {err}") from None
    if sweep is not None:
        from .viz.grid import save_grid

        x, cols = G.code_sweep(sweep, seed=seed)
        if out.suffix.lower() == ".npy":
            with atomic_write(out) as tmp, open(tmp, "wb") as f:  # np.save(path) would append ".npy" to a name that lacks it
                np.save(f, x.numpy().astype(np.float32))
        else:
            save_grid(x, out, nrow=cols)
        click.echo(f"wrote the {sweep} sweep ({len(x) // cols} rows × {cols}) from step {G.step} to {out}")
        return
    # a PNG of a conditional run without --class: one row per class
    per_class = max(1, n // G.n_classes) if (G.n_classes and class_ is None and out.suffix.lower() == ".png") else None
    y = (torch.arange(n) // per_class).clamp_max(G.n_classes - 1) if per_class else class_
    if out.suffix.lower() == ".npy":
        labels_path = write_npy(G, out, n, seed=seed, y=y, codes=_parse_codes(codes))
        extra = f" (classes saved to {labels_path})" if labels_path else ""
        click.echo(f"wrote {n} samples from step {G.step} to {out}{extra}")
        return
    x = G.sample(n, seed=seed, y=y, codes=_parse_codes(codes))
    if G.kind == "image":
        from .viz.grid import save_grid

        save_grid(x, out, nrow=per_class)
    else:
        from .viz.grid import save_points

        save_points(x, out)
    click.echo(f"wrote {n} samples from step {G.step} to {out}")


@main.command("export")
@click.argument("run_dir", type=click.Path())
@click.option("--format", "format_", default=None, metavar="onnx|torchscript",
              help="File format (default: from --out's suffix, .onnx or .pt).")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="The file to write (never overwritten); its model card goes beside it as FILE.card.json.")
@click.option("--no-ema", is_flag=True, help="Export G's raw weights even when the run keeps an EMA of them.")
@CHECKPOINT
@_clean_errors
def export_cmd(run_dir, format_, out, no_ema, checkpoint) -> None:
    """Write RUN_DIR's sampling network as ONNX or TorchScript, with a model card (docs/export.md)."""
    from .exporting import export

    card = export(run_dir, format=format_, out=out, ema=not no_ema, checkpoint=checkpoint)
    inputs = ", ".join(f"{i['name']} {i['shape']}" for i in card["inputs"])
    click.echo(f"wrote {card['format']} ({card['bytes'] / 1e6:.2f} MB) of {card['recipe']} step {card['run']['step']} "
               f"({card['run']['weights']}) to {out}; inputs: {inputs}; output x {card['outputs'][0]['shape']}; "
               f"max |diff| vs `ganforge sample`: {card['check']['max_abs_diff_vs_sample']:.2g}; card: {out}.card.json")


def _live_port(port: int | None) -> int:
    from .viewers.live import DEFAULT_PORT

    return DEFAULT_PORT if port is None else port


@main.command()
@click.argument("run_dir", type=click.Path())
@click.option("--input", "input_", required=True, type=click.Path(),
              help="An .npy array [N, C, H, W] in [0, 1] at the source domain's size, or a folder / .zip of images.")
@click.option("--direction", type=click.Choice(["a2b", "b2a"]), default="a2b", show_default=True,
              help="a2b: G (A → B); b2a: F (B → A).")
@click.option("--out", required=True, type=click.Path(), help="An .npy file, or a folder for PNGs.")
@_clean_errors
def translate(run_dir, input_, direction, out) -> None:
    """Translate images with a two-domain run (cyclegan)."""
    from .translate import translate_files

    r = translate_files(run_dir, input_, direction, out)
    click.echo(f"translated {r['n']} images {tuple(r['from'])} → {tuple(r['to'])} ({direction}) → {r['out']}")


@main.command()
@click.argument("run_dir", type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="The HTML file (default RUN_DIR/report.html).")
@_clean_errors
def report(run_dir, out) -> None:
    """One self-contained HTML file of RUN_DIR: recipe, curves, sample grids over time, eval cards, lab figures."""
    from .viewers.report import write_report

    click.echo(f"wrote {write_report(run_dir, out)}")


@main.command()
@click.argument("run_dir", type=click.Path())
@click.option("--port", type=PORT, default=None, help="Port to serve on (default 8765; 0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 shares it on the network).")
@_clean_errors
def watch(run_dir, port, host) -> None:
    """Serve the live page of RUN_DIR (training in another process, or finished) until Ctrl-C."""
    import time

    from .viewers.live import LiveServer
    from .viewers.run_contents import open_run

    open_run(run_dir)
    with LiveServer(run_dir, port=_live_port(port), host=host) as server:
        click.echo(f"live page: {server.url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopped")


def _parse_codes(items) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise GanforgeError(f"--code {item!r}: expected NAME=VALUE, e.g. --code cat=3 or --code cont1=0.5")
        name, value = item.split("=", 1)
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise GanforgeError(f"--code {item!r}: the value must be a number") from None
    return out


@main.command()
@click.option("--recipe", default="gan", show_default=True, help="Recipe to time (on MNIST).")
@click.option("--steps", type=POSITIVE, default=200, show_default=True, help="Timed steps per configuration.")
@click.option("--batch-size", type=POSITIVE, help="Override the recipe's batch size.")
@click.option("--data-root", type=click.Path(file_okay=False), help="Root holding MNIST/raw (torchvision layout).")
@click.option("--variant", "variants", multiple=True,
              help="PRECISION[+channels_last][+compile][+matmul_precision=highest|high|medium]; repeatable. Default: 32, "
              "bf16-mixed, and 32+matmul_precision=medium where medium changes fp32 products on this machine.")
@click.option("--workers", "workers", multiple=True, type=int, default=(0, 2), show_default=True,
              help="DataLoader workers for the conventional loop; repeatable.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Config override for both loops.")
@click.option("--rounds", type=POSITIVE, default=2, show_default=True,
              help="Times every configuration is measured, interleaved; the fastest of each counts.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Also write the figures as JSON.")
@_clean_errors
def bench(recipe, steps, batch_size, data_root, variants, workers, sets, rounds, json_out) -> None:
    """Images/s and FLOPs utilisation of RECIPE on MNIST vs a conventional DataLoader loop."""
    from .bench import run_bench

    run_bench(steps=steps, data_root=data_root, variants=list(variants) or None, json_out=json_out, recipe=recipe,
              batch_size=batch_size, workers_list=tuple(workers), sets=list(sets), rounds=rounds)


@main.command("eval")
@click.argument("run_dir", required=False, type=click.Path())
@click.option("--images", help="Instead of a run: an .npy array ([N,C,H,W] in [0,1] or uint8), a folder / .zip "
              "of images, or a dataset split such as mnist:train.")
@click.option("--reference", help="NAME[:SPLIT] or a folder of images (default: the run's dataset).")
@click.option("--like", "like_run", type=click.Path(), help="With --images: measure them as RUN is measured (the "
              "reference defaults to RUN's dataset, brought to the size, fit and channels RUN was trained at).")
@click.option("--data-root", type=click.Path(file_okay=False), help="Where named datasets live (torchvision layout).")
@click.option("--metrics", default="fid,kid,is,pr,dc", show_default=True,
              help="Comma-separated: fid, kid, is, pr, dc, parzen, cacc, modes, memo.")
@click.option("--n", "n", type=click.IntRange(min=2), default=10000, show_default=True, help="Generated samples (and reference images).")
@click.option("--n-ref", type=click.IntRange(min=2), default=None, help="Reference images (default: --n, capped by the split).")
@click.option("--split", default="test", show_default=True, help="Reference split when --reference names none.")
@click.option("--features", default="auto", show_default=True,
              help="auto (the shipped classifier for mnist / fashion-mnist / digits, and for cifar10 where the "
              "Inception weights are absent; else inception-v3), mnist-cnn, fashion-mnist-cnn, digits-cnn, "
              "cifar10-cnn, inception-v3, identity.")
@click.option("--labels", type=click.Path(dir_okay=False), help="With --images: .npy of the class of each image (cacc).")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Sampling seed and KID subset seed.")
@click.option("--splits", type=POSITIVE, default=10, show_default=True, help="Splits for IS and FID's std.")
@click.option("--kid-subsets", type=POSITIVE, default=100, show_default=True)
@click.option("--kid-subset-size", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--no-cache", is_flag=True, help="Recompute the reference features instead of reading the cache.")
@click.option("--threads", type=POSITIVE, default=None, help="torch CPU threads (default: torch's choice).")
@click.option("--truncation", type=float, default=None, metavar="T",
              help="A run's z with entries beyond ±T redrawn (BigGAN's truncation trick; recorded in the cards).")
@click.option("--no-ema", is_flag=True, help="Measure a run's raw G even when it keeps an EMA of its weights.")
@click.option("--train-set", help="memo: NAME[:SPLIT] or a folder, the images G was trained on (default: a run's own).")
@click.option("--out", type=click.Path(dir_okay=False), help="JSONL file the cards are appended to "
              "(default RUN_DIR/eval.jsonl, or IMAGES.eval.jsonl).")
@CHECKPOINT
@_clean_errors
def eval_cmd(run_dir, images, reference, like_run, data_root, metrics, n, n_ref, split, features, labels, seed, splits,
             kid_subsets, kid_subset_size, no_cache, threads, truncation, no_ema, train_set, out, checkpoint) -> None:
    """Measure RUN_DIR's generator (or --images) against a reference set; one protocol card per number."""
    from .metrics.runner import EvalOptions, evaluate

    if threads:
        import torch

        torch.set_num_threads(threads)
    options = EvalOptions(n=n, n_ref=n_ref, seed=seed, splits=splits, kid_subsets=kid_subsets,
                          kid_subset_size=kid_subset_size, use_cache=not no_cache, ema=not no_ema,
                          truncation=truncation, train_set=train_set, checkpoint=checkpoint)
    evaluate(run_dir=run_dir, images=images, labels=labels, reference=reference, data_root=data_root, split=split,
             metrics=metrics, features=features, out=out, options=options, echo=click.echo, like_run=like_run)


@main.group()
def lab() -> None:
    """The adversarial game made visible on toy data: Figure 1, D's field, curves, k schedules."""


def _steps_list(text: str | None) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise GanforgeError(f"--panels {text!r}: expected comma-separated steps, e.g. --panels 100,500,1000,4000") from None


@lab.command("run")
@click.argument("data")
@click.option("--recipe", default="gan-modern", show_default=True, help="Recipe to train (its toy preset is used).")
@click.option("--steps", type=POSITIVE, default=4000, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), help="Run directory (default runs/lab-RECIPE-DATA).")
@click.option("--snapshot-every", type=POSITIVE, default=250, show_default=True,
              help="Save G and D every this many steps (frames of the GIF).")
@click.option("--panels", help="Steps for the still figure's panels (a)-(d), e.g. 100,500,1500,4000.")
@click.option("--seed", type=SEED)
@click.option("--threads", type=POSITIVE, help="torch CPU threads (train.threads).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one config key; repeatable.")
@_clean_errors
def lab_run(data, recipe, steps, out, snapshot_every, panels, seed, threads, sets) -> None:
    """Train RECIPE on toy DATA (gaussian-1d, ring-2d, ... or a .csv of points) with snapshots, then draw."""
    from .lab.commands import check_lab_target, csv_preset, lab_advice
    from .lab.draw import draw_run
    from .lab.snapshots import train_with_snapshots

    chosen = _steps_list(panels) or []
    out = Path(out or Path("runs") / f"lab-{recipe}-{Path(data).stem}")
    check_lab_target(data, out)
    extra = [f"train.seed={seed}"] if seed is not None else []
    extra += [f"train.threads={threads}"] if threads else []
    if data.lower().endswith(".csv"):
        extra = csv_preset(recipe) + extra
    at = list(range(snapshot_every, steps, snapshot_every)) + chosen
    try:
        summary = train_with_snapshots(recipe, data=data, steps=steps, out=out, at=at, sets=extra + list(sets),
                                       console=True)
    except GanforgeError as err:
        raise GanforgeError(lab_advice(str(err))) from None
    click.echo(f"trained {summary['step']} steps in {summary['seconds_total']:.1f}s → {out}")
    for name, path in draw_run(out, panels=chosen or None).items():
        click.echo(f"{name}: {path}")


@lab.command("draw")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--panels", help="Snapshot steps for the still figure, e.g. 100,500,1500,4000.")
@click.option("--no-gif", is_flag=True, help="Skip the animation.")
@_clean_errors
def lab_draw(run_dir, panels, no_gif) -> None:
    """Redraw the lab pictures of RUN_DIR (snapshots from `lab run`, else its last checkpoint)."""
    from .lab.draw import draw_run

    for name, path in draw_run(run_dir, panels=_steps_list(panels), animate=not no_gif).items():
        click.echo(f"{name}: {path}")


@lab.command("schedules")
@click.argument("data")
@click.option("--recipe", default="gan-modern", show_default=True)
@click.option("--steps", type=POSITIVE, default=3000, show_default=True, help="Outer steps per schedule.")
@click.option("--out", type=click.Path(file_okay=False), help="Folder (default runs/schedules-RECIPE-DATA).")
@click.option("--seed", type=SEED)
@click.option("--threads", type=POSITIVE, help="torch CPU threads (train.threads).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override one config key; repeatable.")
@_clean_errors
def lab_schedules(data, recipe, steps, out, seed, threads, sets) -> None:
    """Train DATA with k = 1, k = 5 and 1 D : 5 G steps; draw their curves side by side."""
    from .lab.commands import csv_preset
    from .lab.schedules import run_schedules

    out = Path(out or Path("runs") / f"schedules-{recipe}-{Path(data).stem}")
    extra = [f"train.seed={seed}"] if seed is not None else []
    extra += [f"train.threads={threads}"] if threads else []
    if data.lower().endswith(".csv"):
        extra = csv_preset(recipe) + extra
    res = run_schedules(recipe, data=data, steps=steps, out=out, sets=extra + list(sets), console=False)
    for key, row in res["summary"].items():
        click.echo(f"{row['label']:28s} JSD {row['jsd']:.4f}  D(real) {row['d_real_eval']:.3f}  "
                   f"D(fake) {row['d_fake_eval']:.3f}  {row['seconds']:.0f}s")
    click.echo(f"schedules: {res['png']}")


if __name__ == "__main__":  # pragma: no cover
    main()
