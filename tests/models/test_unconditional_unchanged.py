"""The n_classes extension of dcgan/resnet must leave the unconditional nets exactly as they were:
same parameters (bitwise), same number of random draws at construction, same outputs.

The reference was recorded with the pre-change code (unconditional_reference.json). Parameters
and RNG use are platform independent and compared bitwise; outputs are compared bitwise when the
CPU kernels match the recording machine's, and to float tolerance elsewhere.
"""

import hashlib
import json
from pathlib import Path

import pytest
import torch

from ganforge.models.dcgan import DCGANDiscriminator, DCGANGenerator
from ganforge.models.resnet import ResNetDiscriminator, ResNetGenerator

REF = json.loads((Path(__file__).parent / "unconditional_reference.json").read_text())

CASES = {
    "dcgan_g_28": lambda: DCGANGenerator(z_dim=16, out_shape=(1, 28, 28), ngf=8),
    "dcgan_g_32": lambda: DCGANGenerator(z_dim=16, out_shape=(3, 32, 32), ngf=8),
    "dcgan_d_28": lambda: DCGANDiscriminator(in_shape=(1, 28, 28), ndf=8),
    "dcgan_d_32_layer": lambda: DCGANDiscriminator(in_shape=(3, 32, 32), ndf=8, norm="layer"),
    "resnet_g_32": lambda: ResNetGenerator(z_dim=16, out_shape=(3, 32, 32), ch=16),
    "resnet_d_32": lambda: ResNetDiscriminator(in_shape=(3, 32, 32), ch=16),
}


def _sha(t: torch.Tensor) -> str:
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def _state_sha(m: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for k, v in m.state_dict().items():
        h.update(k.encode())
        h.update(v.detach().contiguous().numpy().tobytes())
    return h.hexdigest()


@pytest.mark.parametrize("name", sorted(CASES))
def test_unconditional_nets_are_unchanged(name):
    torch.set_num_threads(1)
    ref = REF[name]
    torch.manual_seed(0)
    net = CASES[name]()
    assert torch.rand(1).item() == ref["rng_after"], "the constructor draws a different number of random numbers"
    assert list(net.state_dict().keys()) == ref["keys"]
    torch.manual_seed(1)
    if "_g_" in name:
        torch.randn(4, 16)  # the recording script drew (and dropped) one batch before G's input
    shape = (16,) if "_g_" in name else ((1, 28, 28) if name.endswith("28") else (3, 32, 32))
    inp = torch.randn(4, *shape)
    with torch.no_grad():
        out = net(inp)  # train mode: BN running statistics move, and are part of the recorded state
    assert _state_sha(net) == ref["state_sha256"], "parameters or BN statistics differ from the pre-change code"
    if torch.backends.cpu.get_cpu_capability() == REF["_cpu_capability"]:
        assert _sha(out) == ref["out_sha256"], "outputs are not bitwise identical to the pre-change code"
    torch.testing.assert_close(out.flatten()[:8], torch.tensor(ref["out_first"]), rtol=1e-5, atol=1e-6)
    assert out.abs().sum().item() == pytest.approx(ref["out_abs_sum"], rel=1e-5)
