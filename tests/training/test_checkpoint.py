import numpy as np
import torch

from ganforge.training.checkpoint import list_checkpoints, load_checkpoint, save_checkpoint


def test_tree_roundtrip_and_keep(tmp_path):
    opt = torch.optim.SGD(torch.nn.Linear(3, 2).parameters(), lr=0.1, momentum=0.5)
    for p in opt.param_groups[0]["params"]:
        p.grad = torch.ones_like(p)
    opt.step()
    state = {"step": 3, "opt": opt.state_dict(), "rng": torch.get_rng_state(), "np": np.random.get_state(),
             "t": (1, 2.5, "x"), "none": None}
    for step in (1, 2, 3):
        save_checkpoint(tmp_path, step, state, keep=2)
    assert [p.name for p in list_checkpoints(tmp_path)] == ["step_0000002", "step_0000003"]
    back = load_checkpoint(list_checkpoints(tmp_path)[-1])
    assert back["t"] == (1, 2.5, "x") and back["none"] is None
    assert torch.equal(back["rng"], state["rng"])
    assert back["np"][0] == "MT19937" and np.array_equal(back["np"][1], state["np"][1])
    assert set(back["opt"]["state"]) == set(state["opt"]["state"])  # int keys survive JSON
    opt2 = torch.optim.SGD(torch.nn.Linear(3, 2).parameters(), lr=0.1, momentum=0.5)
    opt2.load_state_dict(back["opt"])
    for k, v in state["opt"]["state"].items():
        assert torch.equal(opt2.state_dict()["state"][k]["momentum_buffer"], v["momentum_buffer"])
