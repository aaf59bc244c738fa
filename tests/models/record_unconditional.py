"""Record unconditional_reference.json: run it with the models of the code to compare against on
the path (the code before the n_classes extension of dcgan/resnet: commit 066ad02^), e.g.

    git worktree add /tmp/before 066ad02^
    PYTHONPATH=/tmp/before/src python tests/models/record_unconditional.py tests/models/unconditional_reference.json

It records what is the same on every machine (parameter keys, the constructor's random draws, the
initial state bitwise) and, with this machine's kernel fingerprint (tests/machine.py), what is not
(BN statistics after a forward pass, the outputs): those are compared bitwise only on a machine
with the same fingerprint and to a tolerance elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.machine, whatever ganforge is on the path
from tests.machine import kernel_fingerprint  # noqa: E402


def cases():
    from ganforge.models.dcgan import DCGANDiscriminator, DCGANGenerator
    from ganforge.models.resnet import ResNetDiscriminator, ResNetGenerator

    return {
        "dcgan_g_28": lambda: DCGANGenerator(z_dim=16, out_shape=(1, 28, 28), ngf=8),
        "dcgan_g_32": lambda: DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), ngf=8),
        "dcgan_d_28": lambda: DCGANDiscriminator(in_shape=(1, 28, 28), ndf=8),
        "dcgan_d_32_layer": lambda: DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8, norm="layer"),
        "resnet_g_32": lambda: ResNetGenerator(z_dim=16, out_shape=(3, 32, 32), ch=16),
        "resnet_d_32": lambda: ResNetDiscriminator(in_shape=(3, 32, 32), ch=16),
    }


def tensor_sha(t: torch.Tensor) -> str:
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def state_sha(m: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for k, v in m.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


def build_and_run(make, name: str):
    """(net before the forward pass's effects, the output, the state after) for one case: seed 0
    build, seed 1 input, one forward in train mode (BN statistics move)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as recorded: one thread's reduction order
    try:
        torch.manual_seed(0)
        net = make()
        rng_after = torch.rand(1).item()
        initial = state_sha(net)
        torch.manual_seed(1)
        if "_g_" in name:
            torch.randn(4, 16)  # one batch drawn and dropped before G's input, as first recorded
        shape = (16,) if "_g_" in name else ((1, 28, 28) if name.endswith("28") else (3, 32, 32))
        inp = torch.randn(4, *shape)
        with torch.no_grad():
            out = net(inp)
    finally:
        torch.set_num_threads(threads)  # the rest of the suite keeps the machine's threads
    return net, rng_after, initial, out


def record() -> dict:
    ref: dict = {"_about": "Unconditional dcgan/resnet G and D as built and run by the code before the n_classes "
                           "extension (recorded by tests/models/record_unconditional.py).",
                 "_recorded_on": kernel_fingerprint()}
    for name, make in cases().items():
        net, rng_after, initial, out = build_and_run(make, name)
        buffers = {k: v.tolist() for k, v in net.state_dict().items() if k.endswith(("running_mean", "running_var"))}
        ref[name] = {"keys": list(net.state_dict().keys()), "rng_after": rng_after, "initial_state_sha256": initial,
                     "state_sha256": state_sha(net), "bn_statistics": buffers, "out_sha256": tensor_sha(out),
                     "out_first": out.flatten()[:8].tolist(), "out_abs_sum": out.abs().sum().item()}
    return ref


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(record(), indent=1) + "\n")
