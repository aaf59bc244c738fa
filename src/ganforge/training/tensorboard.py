"""TensorBoard as a sink of the reporter (``--set train.tensorboard=true``): every number of a
log record as a scalar, every sample grid as an image, under ``RUN/tensorboard/``
(``tensorboard --logdir RUN``). Needs the ``tensorboard`` extra."""

from __future__ import annotations

from pathlib import Path

from ..errors import GanforgeError
from ..run_dir import run_path


def require_tensorboard():
    """torch's SummaryWriter, or one clear error when TensorBoard is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise GanforgeError("train.tensorboard=true needs TensorBoard: pip install 'ganforge[tensorboard]' "
                            "(or drop --set train.tensorboard=true)") from None
    return SummaryWriter


class TensorBoardSink:
    def __init__(self, run_dir: Path) -> None:
        self.writer = require_tensorboard()(log_dir=str(run_path(run_dir, "tensorboard")))

    def record(self, record: dict) -> None:
        """One log record: its numbers as scalars at its step (steps/s beside sec_per_step)."""
        step = record["step"]
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                self.writer.add_scalar(key, value, step)
        if record.get("sec_per_step"):
            self.writer.add_scalar("steps_per_s", 1.0 / record["sec_per_step"], step)
        self.writer.flush()

    def image(self, step: int, path: Path) -> None:
        """A sample grid just written to ``path``."""
        import numpy as np
        from PIL import Image

        with Image.open(path) as img:
            pixels = np.asarray(img.convert("RGB"))
        self.writer.add_image("samples", pixels, step, dataformats="HWC")
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()


def make_sinks(tensorboard: bool, run_dir: Path | None, *, is_main: bool) -> list:
    """The reporter's optional sinks for this process (the first rank writes them)."""
    return [TensorBoardSink(run_dir)] if (tensorboard and is_main and run_dir is not None) else []
