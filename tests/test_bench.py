"""`ganforge bench`'s matmul rates at the step's own shapes: the recorder sees every matrix product
of a forward and backward pass, and the replay times each distinct one in the precision asked for."""

import torch
from torch import nn

from ganforge.bench import RecordMatmuls, time_matmuls


def test_matmuls_of_a_step_are_recorded_and_replayed():
    torch.manual_seed(0)
    lin = nn.Linear(16, 8)
    x = torch.randn(4, 16, requires_grad=True)
    with RecordMatmuls() as rec:
        lin(x).sum().backward()
    # forward addmm, then ∂/∂x and ∂/∂W: three products of 4·16·8 multiply-adds each
    assert len(rec.calls) == 3 and sum(c[2] for c in rec.calls) == 3 * 2 * 4 * 16 * 8
    for dtype in (torch.float32, torch.bfloat16):
        r = time_matmuls(rec.calls + rec.calls, dtype, min_time=1e-3)
        assert r["flops"] == 6 * 2 * 4 * 16 * 8 and r["distinct_shapes"] == 3 and r["seconds"] > 0


def test_bench_interleaves_rounds_and_keeps_the_fastest(shared_data, tmp_path, capsys):
    from ganforge.bench import run_bench

    res = run_bench(steps=3, warmup=1, rounds=2, data_root=str(shared_data), variants=["32"], json_out=None,
                    workers_list=(0,), scratch=str(tmp_path), sets=["G.args.hidden=[64,64]", "D.args.hidden=[32,32]"])
    names = [r["name"] for r in res["rows"]]
    assert names == ["conventional (DataLoader, workers=0)", "ganforge 32"]
    for r in res["rows"]:
        assert len(r["rounds_images_per_s"]) == 2
        assert round(r["images_per_s"], 1) == max(r["rounds_images_per_s"])
    assert "round 2/2" in capsys.readouterr().out
