"""train.matmul_precision: torch.set_float32_matmul_precision while a run trains, the caller's
setting afterwards; where "medium" changes fp32 products at all (a behaviour probe, not a flag: some
CPUs with a bf16 GEMM compute them in fp32 all the same), it rounds the inputs to bf16 and sums in fp32."""

import re

import pytest
import torch
import torch.nn.functional as F

import ganforge
from ganforge.bench import _variant_sets, offered_variants
from ganforge.errors import GanforgeError
from ganforge.training import loop, process


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


def test_medium_computes_fp32_products_in_bf16_where_it_changes_them():
    effect = process.matmul_precision_effect("medium")
    if not effect["changes_products"]:
        pytest.skip(f"matmul_precision=medium leaves fp32 products as they are on this CPU (relative error "
                    f"{effect['rel_error']:.1e}, exact fp32 {effect['rel_error_highest']:.1e})")
    torch.manual_seed(0)
    x, w = torch.randn(64, 256), torch.randn(128, 256)
    exact = F.linear(x.double(), w.double()).float()
    with process.matmul_precision("highest"):
        full = F.linear(x, w)
    with process.matmul_precision("medium"):
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


def test_bench_offers_medium_only_where_it_changes_products(monkeypatch):
    for changes in (True, False):
        monkeypatch.setattr("ganforge.bench.matmul_precision_effect", lambda p, changes=changes: {
            "precision": p, "rel_error": 1e-3 if changes else 1e-7, "rel_error_highest": 1e-7, "changes_products": changes})
        offered, effects = offered_variants(None)
        assert ("32+matmul_precision=medium" in offered) is changes and effects["medium"]["changes_products"] is changes
        assert offered[:2] == ["32", "bf16-mixed"]
        # asked for by name, it runs regardless (the probe's finding is printed)
        assert offered_variants(["32+matmul_precision=medium"])[0] == ["32+matmul_precision=medium"]


def test_the_probe_reads_exact_fp32_as_unchanged():
    effect = process.matmul_precision_effect("highest")
    assert not effect["changes_products"] and effect["rel_error"] == effect["rel_error_highest"] < process.CHANGED_REL
