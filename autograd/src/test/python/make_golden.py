#!/usr/bin/python3
"""Writes PyTorch golden values for the autograd tests (run by hand; CI never runs Python).

    /usr/bin/python3 autograd/src/test/python/make_golden.py

Output: autograd/src/test/resources/golden/ops.txt and mlp_adamw.txt, one tensor per line:

    name d0,d1,... : v v v ...

(a scalar has "-" for its shape; floats are repr()s of float32 values; integer ids and targets
are written as floats). For each op case "<case>.<tensor>": the inputs, the output "y", the
weights "w" of the scalar loss sum(y * w), and the gradients "grad.<input>" of that loss.
"""
import math
import os

import torch
import torch.nn.functional as Fn

torch.manual_seed(20240607)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden")


def fmt(name, t):
    t = t.detach().to(torch.float32).contiguous()
    shape = ",".join(str(d) for d in t.shape) if t.dim() > 0 else "-"
    vals = " ".join(repr(float(v)) for v in t.reshape(-1).tolist())
    return f"{name} {shape} : {vals}"


lines = []


def case(name, fn, inputs, consts=None):
    """inputs: differentiable tensors by name; consts: tensors passed as they are (ids, targets)."""
    consts = consts or {}
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    y = fn(**leaves, **consts)
    w = torch.randn_like(y)
    (y * w).sum().backward()
    for k, v in inputs.items():
        lines.append(fmt(f"{name}.{k}", v))
    for k, v in consts.items():
        lines.append(fmt(f"{name}.{k}", v.float()))
    lines.append(fmt(f"{name}.y", y))
    lines.append(fmt(f"{name}.w", w))
    for k, v in leaves.items():
        lines.append(fmt(f"{name}.grad.{k}", v.grad))


r = torch.randn
case("add_broadcast", lambda a, b: a + b, {"a": r(2, 3, 4), "b": r(4)})
case("sub_broadcast", lambda a, b: a - b, {"a": r(3, 1), "b": r(2, 3, 4)})
case("mul_broadcast", lambda a, b: a * b, {"a": r(2, 3, 4), "b": r(3, 1)})
case("div", lambda a, b: a / b, {"a": r(3, 4), "b": torch.rand(3, 4) + 1})
case("exp", lambda x: torch.exp(x), {"x": r(3, 5)})
case("log", lambda x: torch.log(x), {"x": torch.rand(3, 5) + 0.5})
case("tanh", lambda x: torch.tanh(x), {"x": r(3, 5)})
case("relu", lambda x: torch.relu(x), {"x": r(3, 5)})
case("sigmoid", lambda x: torch.sigmoid(x), {"x": r(3, 5)})
case("gelu_tanh", lambda x: Fn.gelu(x, approximate="tanh"), {"x": r(3, 5)})
case("gelu_erf", lambda x: Fn.gelu(x), {"x": r(3, 5)})
case("scale", lambda x: x * -2.5, {"x": r(3, 5)})
for ta in (False, True):
    for tb in (False, True):
        a = r(4, 3) if ta else r(3, 4)
        b = r(5, 4) if tb else r(4, 5)
        case(f"matmul_{int(ta)}{int(tb)}",
             lambda a, b, ta=ta, tb=tb: (a.t() if ta else a) @ (b.t() if tb else b), {"a": a, "b": b})
case("bmm_11", lambda a, b: a.transpose(1, 2) @ b.transpose(1, 2), {"a": r(2, 4, 3), "b": r(2, 5, 4)})
case("linear", lambda x, weight, bias: Fn.linear(x, weight, bias), {"x": r(2, 3, 4), "weight": r(5, 4), "bias": r(5)})
case("sum_all", lambda x: (x * x).sum(), {"x": r(2, 3)})
case("mean_all", lambda x: (x * x).mean(), {"x": r(2, 3)})
case("sum_axis1", lambda x: x.sum(1), {"x": r(2, 3, 4)})
case("mean_axis_last", lambda x: x.mean(-1), {"x": r(2, 3, 4)})
case("transpose12", lambda x: x.transpose(1, 2).contiguous(), {"x": r(2, 3, 4, 5)})
case("permute", lambda x: x.permute(2, 0, 3, 1).contiguous(), {"x": r(2, 3, 4, 5)})
case("slice", lambda x: x[:, :, 1:3], {"x": r(2, 3, 4)})
case("split_concat", lambda x, z: torch.cat([torch.split(x, [2, 3], dim=2)[1], z], dim=2),
     {"x": r(2, 3, 5), "z": r(2, 3, 2)})
case("softmax", lambda x: torch.softmax(x, -1), {"x": r(2, 3, 6)})
case("log_softmax", lambda x: torch.log_softmax(x, -1), {"x": r(2, 3, 6)})
mask = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
case("causal_softmax", lambda x: torch.softmax(x.masked_fill(mask, float("-inf")), -1), {"x": r(2, 4, 4)})
case("layer_norm", lambda x, weight, bias: Fn.layer_norm(x, (8,), weight, bias, 1e-5),
     {"x": r(3, 2, 8), "weight": torch.rand(8) + 0.5, "bias": r(8)})
case("embedding", lambda weight, ids: Fn.embedding(ids, weight), {"weight": r(6, 4)},
     {"ids": torch.tensor([[1, 5, 1], [0, 3, 1]])})
case("conv2d", lambda x, weight, bias: Fn.conv2d(x, weight, bias, stride=(2, 1), padding=(1, 1), groups=2),
     {"x": r(2, 4, 5, 6), "weight": r(6, 2, 3, 2), "bias": r(6)})
case("conv2d_dilated", lambda x, weight: Fn.conv2d(x, weight, None, stride=1, padding=(0, 1), dilation=2),
     {"x": r(2, 4, 5, 6), "weight": r(3, 4, 2, 2)})
case("cross_entropy", lambda logits, targets: Fn.cross_entropy(logits, targets, ignore_index=-100),
     {"logits": r(5, 7)}, {"targets": torch.tensor([3, -100, 0, 6, 3])})


def attention(x, c_attn_weight, c_attn_bias, c_proj_weight, c_proj_bias, n_head=2):
    B, T, C = x.shape
    q, k, v = Fn.linear(x, c_attn_weight, c_attn_bias).split(C, dim=2)
    q = q.view(B, T, n_head, C // n_head).transpose(1, 2)
    k = k.view(B, T, n_head, C // n_head).transpose(1, 2)
    v = v.view(B, T, n_head, C // n_head).transpose(1, 2)
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
    att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf"))
    y = torch.softmax(att, dim=-1) @ v
    y = y.transpose(1, 2).contiguous().view(B, T, C)
    return Fn.linear(y, c_proj_weight, c_proj_bias)


case("attention", attention, {"x": r(2, 5, 8), "c_attn_weight": r(24, 8) * 0.3, "c_attn_bias": r(24) * 0.1,
                              "c_proj_weight": r(8, 8) * 0.3, "c_proj_bias": r(8) * 0.1})

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "ops.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")

# ---- one small MLP, two AdamW steps (lr 1e-2, wd 0.1, default betas and eps)
lines = []
mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(approximate="tanh"), torch.nn.Linear(8, 3))
for k, v in mlp.state_dict().items():
    lines.append(fmt(f"init.{k}", v))
x = r(6, 4)
targets = torch.tensor([0, 2, 1, -100, 2, 0])
lines.append(fmt("x", x))
lines.append(fmt("targets", targets.float()))
opt = torch.optim.AdamW(mlp.parameters(), lr=1e-2, weight_decay=0.1)
for step in (1, 2):
    opt.zero_grad()
    loss = Fn.cross_entropy(mlp(x), targets, ignore_index=-100)
    loss.backward()
    lines.append(fmt(f"step{step}.loss", loss))
    for k, p in mlp.named_parameters():
        lines.append(fmt(f"step{step}.grad.{k}", p.grad))
    opt.step()
    for k, v in mlp.state_dict().items():
        lines.append(fmt(f"step{step}.after.{k}", v))
with open(os.path.join(OUT, "mlp_adamw.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote", OUT)
