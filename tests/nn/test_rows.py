"""nn/rows.py: an input layer that skips the input gradient of rows that need none, with
nn.Linear's output and parameter gradients."""

import torch
from torch import nn

from ganforge.nn.rows import InputLinear, rows_without_input_grad


def _pair(seed=0):
    torch.manual_seed(seed)
    ref = nn.Linear(7, 5)
    layer = InputLinear(7, 5)
    layer.load_state_dict(ref.state_dict())
    return ref, layer


def test_inside_the_context_only_the_tail_rows_get_an_input_gradient():
    ref, layer = _pair()
    x = torch.randn(6, 7)
    g = torch.randn(6, 5)
    x_ref = x.clone().requires_grad_()
    ref(x_ref).backward(g)
    x_new = x.clone().requires_grad_()
    with rows_without_input_grad(4):
        out = layer(x_new)
    assert type(out.grad_fn).__name__ == "_TailRowsLinearBackward"  # the skipping path did run
    torch.testing.assert_close(out, ref(x))
    out.backward(g)
    torch.testing.assert_close(x_new.grad[4:], x_ref.grad[4:])
    assert torch.equal(x_new.grad[:4], torch.zeros(4, 7))
    torch.testing.assert_close(layer.weight.grad, ref.weight.grad)
    torch.testing.assert_close(layer.bias.grad, ref.bias.grad)


def test_plain_linear_outside_the_context_or_without_gradients():
    ref, layer = _pair()
    x = torch.randn(6, 7, requires_grad=True)
    assert type(layer(x).grad_fn).__name__ == "AddmmBackward0"  # no context: nn.Linear itself
    with rows_without_input_grad(4):
        assert type(layer(x.detach()).grad_fn).__name__ == "AddmmBackward0"  # input needs no gradient
        assert type(layer(x[:3]).grad_fn).__name__ == "AddmmBackward0"  # no tail rows
    with rows_without_input_grad(4):
        pass
    assert type(layer(x).grad_fn).__name__ == "AddmmBackward0"  # the context is gone after it
    assert set(layer.state_dict()) == {"weight", "bias"}  # same checkpoints as nn.Linear


def test_under_bf16_autocast_as_autocast_runs_linear():
    ref, layer = _pair(1)
    x = torch.randn(8, 7)
    g = torch.randn(8, 5)
    x_ref = x.clone().requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out_ref = ref(x_ref)
    out_ref.float().backward(g)
    x_new = x.clone().requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16), rows_without_input_grad(3):
        out = layer(x_new)
    assert out.dtype == torch.bfloat16 and type(out.grad_fn).__name__ == "_TailRowsLinearBackward"
    torch.testing.assert_close(out, out_ref)
    out.float().backward(g)
    assert layer.weight.grad.dtype == torch.float32 and x_new.grad.dtype == torch.float32
    torch.testing.assert_close(layer.weight.grad, ref.weight.grad)
    torch.testing.assert_close(layer.bias.grad, ref.bias.grad)
    torch.testing.assert_close(x_new.grad[3:], x_ref.grad[3:])
