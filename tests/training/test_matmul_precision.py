"""train.matmul_precision: torch.set_float32_matmul_precision while a run trains, the caller's
setting afterwards; on a CPU with a bf16 GEMM (oneDNN) "medium" really computes fp32 products in bf16."""

import re

import pytest
import torch
import torch.nn.functional as F

import ganforge
from ganforge.bench import _variant_sets
from ganforge.errors import GanforgeError
from ganforge.training import loop


def test_the_setting_holds_during_training_and_is_restored(tmp_path, monkeypatch):
    seen = []
    real_train = loop._train

    def spy(*args, **kwargs):
        seen.append(torch.get_float32_matmul_precision())
        return real_train(*args, **kwargs)

    monkeypatch.setattr(loop, "_train", spy)
    before = torch.get_float32_matmul_precision()
    assert before == "highest"
    ganforge.train("gan", data="digits", steps=2, out=tmp_path / "medium", console=False,
                   set=["train.matmul_precision=medium", "train.threads=1", "G.args.hidden=[16,16]", "D.args.hidden=[8,8]"])
    ganforge.train("gan", data="digits", steps=2, out=tmp_path / "untouched", console=False,
                   set=["train.threads=1", "G.args.hidden=[16,16]", "D.args.hidden=[8,8]"])
    assert seen == ["medium", "highest"]  # the default (None) leaves torch's setting alone
    assert torch.get_float32_matmul_precision() == before


@pytest.mark.skipif(not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="this CPU has no bf16 GEMM in oneDNN")
def test_medium_computes_fp32_products_in_bf16_on_this_cpu():
    torch.manual_seed(0)
    x, w = torch.randn(64, 256), torch.randn(128, 256)
    exact = F.linear(x.double(), w.double()).float()
    with loop.matmul_precision("highest"):
        full = F.linear(x, w)
    with loop.matmul_precision("medium"):
        medium = F.linear(x, w)
    as_bf16 = F.linear(x.bfloat16().double(), w.bfloat16().double()).float()  # inputs rounded to bf16, exact sums
    err_full = ((full - exact).abs().max() / exact.abs().max()).item()
    err_medium = ((medium - exact).abs().max() / exact.abs().max()).item()
    assert err_full < 1e-5 < err_medium < 2e-2
    assert ((medium - as_bf16).abs().max() / exact.abs().max()).item() < 1e-4  # bf16 inputs, fp32 accumulation


def test_bench_variant_takes_the_setting():
    assert _variant_sets("32+matmul_precision=medium") == ("32", ["train.matmul_precision=medium"])
    assert _variant_sets("bf16-mixed+channels_last") == ("bf16-mixed", ["train.channels_last=true"])
    with pytest.raises(GanforgeError, match=re.escape("matmul_precision=highest|high|medium")):
        _variant_sets("32+matmul_precision=low")
