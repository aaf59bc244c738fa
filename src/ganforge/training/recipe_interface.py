"""What the trainer reads of a recipe: the one declaration of that interface.

``recipes.base.Recipe`` implements it; anything with these attributes trains. The trainer never
asks a recipe's name: a variant differs only through what it supplies here.
"""

from __future__ import annotations

from typing import Callable, Protocol

from torch import Tensor, nn

from ..config import Config
from .context import StepContext
from .latent import LatentSpec


class TrainableRecipe(Protocol):
    sampler: str  # the network that makes samples (and gets the EMA): "G"
    # two-domain recipes: network → (input source, output source), e.g. {"G": ("a", "b")}; {} for one dataset
    domains: dict
    # (cfg, data) → (the config this data trains, a message or None), or None
    adapt_to_data: Callable | None
    # (network name, networks built so far) → extra constructor arguments, or None
    network_args: Callable[[str, dict], dict] | None
    # (networks, cfg, data shape, latent) → None, raising GanforgeError on a mismatch; None: G → D shapes
    check_networks: Callable[[dict[str, nn.Module], Config, tuple, LatentSpec], None] | None
    initial_state: Callable[[Config], dict[str, Tensor]] | None  # tensors kept between steps, checkpointed
    before_step: Callable[[StepContext], None] | None  # schedules that change the networks (growth)
    preview: Callable | None  # (LatentSpec, n, generator) → (latents, row length) of the sample grid
    sample_grid: Callable | None  # (run) → (images [N, C, H, W] in [0, 1], row length): the preview instead

    def make_players(self, cfg: Config) -> list:  # Player / Simultaneous entries, in update order
        ...

    def make_probes(self, cfg: Config, data, family) -> list:  # callables run at log intervals
        ...
