"""Writes PEFT 0.21 oracles for jlora's LoRA variants under lora/src/test/resources/peft-variants/.

Run by hand from the repository root (no network; the model is a small torch module built here):
    /usr/bin/python3 examples/src/test/python/make_peft_variant_goldens.py
Made with torch 2.13, peft 0.21, safetensors 0.8, float32 on the CPU, seeded: reruns give the same files.

The model ("TinyStack", mirrored in lora's tests by TinyStack.java), x: [3, 8] -> [3, 4]:
    model.layers.{0,1,2}.q, .v, .mlp.fc   Linear(8, 8) with bias
    head                                   Linear(8, 4) with bias
    h = x; for each layer: h = h + v(tanh(q(h))); h = h + mlp.fc(h); return head(h)

What it writes:
  base.safetensors        the model's weights by their module names
  targeting.json          for several target_modules / exclude_modules / layers_to_transform /
                          layers_pattern configs, the modules PEFT adapts (sorted)
  dora/                   PeftModel.save_pretrained of a DoRA adapter (use_dora, r 2, alpha 4, on q, v, fc),
                          trained 5 SGD steps so that lora_B != 0 and the magnitude differs from ||W + sBA||
  dora.json               {"x" [3,8], "loss_weights" [3,4], "base_out", "dora_out", "merged_out" [3,4],
                          "grads": {parameter name (PEFT's, in memory): gradient of sum(out * loss_weights)}}
  linalg.json             torch.linalg.qr (Q, R) and torch.linalg.svd (S) of four matrices (tall, wide, rank 3 of 6, square)
  pissa/, olora/          PEFT adapters with init_lora_weights "pissa" / "olora" (r 2, alpha 4, q, v, fc), trained
                          3 SGD steps after the init; saved as PEFT saves them by default (the config keeps the init,
                          so loading redoes the decomposition on the original base)
  pissa-as-lora/          the same PiSSA adapter saved with path_initial_model_for_weight_conversion: a plain LoRA
                          of rank 4 for the original base
  init.json               {"x", "pissa": {"residual": {module: W - s·B·A at init}, "trained_out"},
                          "olora": likewise, "pissa_niter_4": {"residual"} (torch's randomized SVD, seed 5)}
  ops-a/, ops-b/           two plain adapters (a: r 2, alpha 4, on q, v; b: r 2, alpha 8, on q, fc; A and B random)
  ops.json                {"x", "a_out", "b_out", "both_out" (set_adapter(["a", "b"])),
                          "mixed": {"adapter_names": [...], "out"} (forward with adapter_names=, one per row),
                          "weighted": [{"combination_type", "weights", "svd_rank", "density", "out" (the new
                          adapter alone)}]} for the deterministic combinations
  lora-bias/               a lora_bias=True adapter (r 2, alpha 4, q and v, init_lora_weights=False: A, B and B's bias random)
  lora-bias.json          {"x", "out", "merged_out"}
  jlora-made.json         PEFT's outputs with the adapters jlora wrote into jlora-made/ (JloraToPeftTest,
                          -Djlora.writeJloraGoldens=true): targeting, lora-bias, pissa-converted, weighted-cat
  jlora-dora.json         the other direction: PEFT's outputs ("peft_out") on dora.json's x with jlora-dora/,
                          a DoRA adapter jlora wrote (DoraTest, -Djlora.writeDoraGolden=true; commit it first)
"""
import json
import os
import shutil
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    # PEFT keeps target_modules as a set: fix string hashing so that configs list them in the same order every run
    os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))

import peft
import safetensors
import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "lora", "src", "test", "resources", "peft-variants"))
VERSIONS = {"torch": torch.__version__, "peft": peft.__version__, "safetensors": safetensors.__version__}


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(8, 8)
        self.v = nn.Linear(8, 8)
        self.mlp = nn.Module()
        self.mlp.fc = nn.Linear(8, 8)

    def forward(self, h):
        h = h + self.v(torch.tanh(self.q(h)))
        return h + self.mlp.fc(h)


class TinyStack(nn.Module):
    def __init__(self):
        super().__init__()
        self.model = nn.Module()
        self.model.layers = nn.ModuleList([Layer() for _ in range(3)])
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = x
        for layer in self.model.layers:
            h = layer(h)
        return self.head(h)


def tiny_stack():
    torch.manual_seed(0)
    m = TinyStack()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _, p in m.named_parameters():
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return m


def floats(t):
    return json.loads(json.dumps(t.detach().tolist()), parse_float=lambda s: float("%.9g" % float(s)))


def write_json(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


TARGETING = [
    {"target_modules": ["q", "v"], "exclude_modules": ["model.layers.1.q"]},
    {"target_modules": ["q", "v", "fc"], "exclude_modules": ".*\\.0\\..*"},
    {"target_modules": ["q", "fc"], "layers_to_transform": [0, 2]},
    {"target_modules": ["q"], "layers_to_transform": 1, "layers_pattern": "layers"},
    {"target_modules": ["fc", "head"], "layers_to_transform": [1], "layers_pattern": ["blocks", "layers"]},
    {"target_modules": ["model.layers.2.v", "q"], "layers_to_transform": [0]},
]


def targeting():
    cases = []
    for cfg in TARGETING:
        pm = get_peft_model(tiny_stack(), LoraConfig(r=2, **cfg))
        adapted = sorted(n[len("base_model.model."):] for n, m in pm.named_modules()
                         if hasattr(m, "lora_A") and n.startswith("base_model.model."))
        cases.append({"config": cfg, "adapted": adapted})
    write_json("targeting.json", {"versions": VERSIONS, "cases": cases})


def dora():
    torch.manual_seed(2)
    base = tiny_stack()
    x = torch.randn(3, 8, generator=torch.Generator().manual_seed(3))
    w = torch.randn(3, 4, generator=torch.Generator().manual_seed(4))
    base_out = base(x)
    cfg = LoraConfig(r=2, lora_alpha=4, target_modules=["q", "v", "fc"], use_dora=True)
    pm = get_peft_model(tiny_stack(), cfg)
    opt = torch.optim.SGD([p for p in pm.parameters() if p.requires_grad], lr=0.1)
    for step in range(5):
        opt.zero_grad()
        target = torch.randn(3, 4, generator=torch.Generator().manual_seed(10 + step))
        ((pm(x) - target) ** 2).mean().backward()
        opt.step()
    opt.zero_grad()
    out = pm(x)
    (out * w).sum().backward()
    grads = {n[len("base_model.model."):]: floats(p.grad) for n, p in pm.named_parameters() if p.requires_grad}
    shutil.rmtree(os.path.join(OUT, "dora"), ignore_errors=True)
    pm.save_pretrained(os.path.join(OUT, "dora"))
    os.remove(os.path.join(OUT, "dora", "README.md"))
    pm.eval()
    with torch.no_grad():
        dora_out = pm(x)
        merged_out = pm.merge_and_unload()(x)
    write_json("dora.json", {"versions": VERSIONS, "x": floats(x), "loss_weights": floats(w),
                             "base_out": floats(base_out), "dora_out": floats(dora_out),
                             "merged_out": floats(merged_out), "grads": grads})


def linalg():
    g = torch.Generator().manual_seed(6)
    mats = [torch.randn(7, 5, generator=g), torch.randn(5, 7, generator=g),
            torch.randn(6, 3, generator=g) @ torch.randn(3, 6, generator=g), torch.randn(8, 8, generator=g)]
    cases = []
    for a in mats:
        a = a.double()
        q, r = torch.linalg.qr(a)
        s = torch.linalg.svdvals(a)
        cases.append({"a": floats(a), "q": floats(q), "r": floats(r), "s": floats(s)})
    write_json("linalg.json", {"versions": VERSIONS, "cases": cases})


def residuals(pm):
    return {n[len("base_model.model."):-len(".base_layer")]: floats(m.weight)
            for n, m in pm.named_modules() if n.endswith(".base_layer")}


def trained_init(init, x):
    pm = get_peft_model(tiny_stack(), LoraConfig(r=2, lora_alpha=4, target_modules=["q", "v", "fc"],
                                                 init_lora_weights=init))
    res = residuals(pm)
    init_dir = os.path.join(OUT, init + "-initial")
    pm.peft_config["default"].init_lora_weights = True
    pm.save_pretrained(init_dir)
    pm.peft_config["default"].init_lora_weights = init
    opt = torch.optim.SGD([p for p in pm.parameters() if p.requires_grad], lr=0.01)
    for step in range(3):
        opt.zero_grad()
        target = torch.randn(3, 4, generator=torch.Generator().manual_seed(20 + step))
        ((pm(x) - target) ** 2).mean().backward()
        opt.step()
    pm.eval()
    with torch.no_grad():
        out = pm(x)
    for d in [init, init + "-as-lora"]:
        shutil.rmtree(os.path.join(OUT, d), ignore_errors=True)
    pm.save_pretrained(os.path.join(OUT, init))
    os.remove(os.path.join(OUT, init, "README.md"))
    if init == "pissa":
        pm.save_pretrained(os.path.join(OUT, "pissa-as-lora"), path_initial_model_for_weight_conversion=init_dir)
        os.remove(os.path.join(OUT, "pissa-as-lora", "README.md"))
        converted = PeftModel.from_pretrained(tiny_stack(), os.path.join(OUT, "pissa-as-lora"))
        converted.eval()
        with torch.no_grad():
            assert torch.allclose(converted(x), out, atol=1e-5), "PEFT's own conversion"
    shutil.rmtree(init_dir)
    # the default save reloads onto the original base by redoing the decomposition
    reloaded = PeftModel.from_pretrained(tiny_stack(), os.path.join(OUT, init))
    reloaded.eval()
    with torch.no_grad():
        assert torch.allclose(reloaded(x), out, atol=1e-5), "PEFT reloads its " + init + " adapter"
    return {"residual": res, "trained_out": floats(out)}


def inits():
    x = torch.tensor(json.load(open(os.path.join(OUT, "dora.json")))["x"])
    result = {"versions": VERSIONS, "x": floats(x)}
    for init in ["pissa", "olora"]:
        result[init] = trained_init(init, x)
    torch.manual_seed(5)
    pm = get_peft_model(tiny_stack(), LoraConfig(r=2, lora_alpha=4, target_modules=["q", "v", "fc"],
                                                 init_lora_weights="pissa_niter_4"))
    result["pissa_niter_4"] = {"residual": residuals(pm)}
    write_json("init.json", result)


WEIGHTED = [
    {"combination_type": "linear", "weights": [0.7, 0.5]},
    {"combination_type": "linear", "weights": [1.0], "adapters": ["a"]},
    {"combination_type": "cat", "weights": [0.7, -0.5]},
    {"combination_type": "svd", "weights": [0.7, 0.5], "svd_rank": 3},
    {"combination_type": "ties", "weights": [0.7, 0.5], "density": 1.0},
    {"combination_type": "ties", "weights": [0.7, 0.5], "density": 0.5},
    {"combination_type": "ties", "weights": [0.7, 0.5], "density": 0.5, "majority_sign_method": "frequency"},
    {"combination_type": "magnitude_prune", "weights": [0.7, 0.5], "density": 0.5},
    {"combination_type": "dare_linear", "weights": [0.7, 0.5], "density": 1.0},
    {"combination_type": "dare_ties", "weights": [0.7, 0.5], "density": 1.0},
    {"combination_type": "ties_svd", "weights": [0.7, 0.5], "density": 0.5, "svd_rank": 2},
    {"combination_type": "magnitude_prune_svd", "weights": [0.7, 0.5], "density": 0.5, "svd_rank": 2},
]


def two_adapters():
    pm = get_peft_model(tiny_stack(), LoraConfig(r=2, lora_alpha=4, target_modules=["q", "v"]), adapter_name="a")
    pm.add_adapter("b", LoraConfig(r=2, lora_alpha=8, target_modules=["q", "fc"]))
    g = torch.Generator().manual_seed(30)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_" in n:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return pm


def ops():
    x = torch.tensor(json.load(open(os.path.join(OUT, "dora.json")))["x"])
    pm = two_adapters()
    pm.eval()
    for name in ["a", "b"]:
        shutil.rmtree(os.path.join(OUT, "ops-" + name), ignore_errors=True)
        pm.save_pretrained(os.path.join(OUT, "ops-tmp"), selected_adapters=[name])
        src = os.path.join(OUT, "ops-tmp") if name == "default" else os.path.join(OUT, "ops-tmp", name)
        shutil.move(src, os.path.join(OUT, "ops-" + name))
        if os.path.exists(os.path.join(OUT, "ops-" + name, "README.md")):
            os.remove(os.path.join(OUT, "ops-" + name, "README.md"))
    shutil.rmtree(os.path.join(OUT, "ops-tmp"), ignore_errors=True)
    result = {"versions": VERSIONS, "x": floats(x)}
    with torch.no_grad():
        for name in ["a", "b"]:
            pm.set_adapter(name)
            result[name + "_out"] = floats(pm(x))
        pm.base_model.set_adapter(["a", "b"])
        result["both_out"] = floats(pm(x))
        pm.set_adapter("a")
        names = ["b", "__base__", "a"]
        result["mixed"] = {"adapter_names": names, "out": floats(pm(x, adapter_names=names))}
    weighted = []
    for i, case in enumerate(WEIGHTED):
        case = dict(case)
        adapters = case.pop("adapters", ["a", "b"])
        pm = two_adapters()
        pm.eval()
        pm.add_weighted_adapter(adapters, adapter_name="w", **case)
        pm.set_adapter("w")
        with torch.no_grad():
            out = pm(x)
        weighted.append(dict(case, adapters=adapters, out=floats(out)))
    result["weighted"] = weighted
    write_json("ops.json", result)


def lora_bias():
    x = torch.tensor(json.load(open(os.path.join(OUT, "dora.json")))["x"])
    torch.manual_seed(8)
    pm = get_peft_model(tiny_stack(), LoraConfig(r=2, lora_alpha=4, target_modules=["q", "v"], lora_bias=True,
                                                 init_lora_weights=False))
    pm.eval()
    shutil.rmtree(os.path.join(OUT, "lora-bias"), ignore_errors=True)
    pm.save_pretrained(os.path.join(OUT, "lora-bias"))
    os.remove(os.path.join(OUT, "lora-bias", "README.md"))
    with torch.no_grad():
        out = pm(x)
        merged = pm.merge_and_unload()(x)
    write_json("lora-bias.json", {"versions": VERSIONS, "x": floats(x), "out": floats(out), "merged_out": floats(merged)})


def check_jlora_dora():
    """PEFT loads the DoRA adapter jlora saved and computes its outputs (DoraTest compares them with jlora's)."""
    adapter = os.path.join(OUT, "jlora-dora")
    if not os.path.isdir(adapter):
        print("no jlora-dora/ yet: run DoraTest with -Djlora.writeDoraGolden=true, then this script again")
        return
    x = torch.tensor(json.load(open(os.path.join(OUT, "dora.json")))["x"])
    pm = PeftModel.from_pretrained(tiny_stack(), adapter)
    assert pm.peft_config["default"].use_dora
    pm.eval()
    with torch.no_grad():
        out = pm(x)
    write_json("jlora-dora.json", {"versions": VERSIONS, "adapter": "jlora-dora", "peft_out": floats(out)})


def check_jlora_made():
    """PEFT loads each adapter jlora saved under jlora-made/ onto the original base (JloraToPeftTest compares)."""
    made = os.path.join(OUT, "jlora-made")
    if not os.path.isdir(made):
        print("no jlora-made/ yet: run JloraToPeftTest with -Djlora.writeJloraGoldens=true, then this script again")
        return
    x = torch.tensor(json.load(open(os.path.join(OUT, "dora.json")))["x"])
    result = {"versions": VERSIONS}
    for name in sorted(os.listdir(made)):
        pm = PeftModel.from_pretrained(tiny_stack(), os.path.join(made, name))
        pm.eval()
        with torch.no_grad():
            result[name] = floats(pm(x))
    write_json("jlora-made.json", result)


def main():
    os.makedirs(OUT, exist_ok=True)
    save_file({k: v.contiguous() for k, v in tiny_stack().state_dict().items()}, os.path.join(OUT, "base.safetensors"))
    targeting()
    dora()
    check_jlora_dora()
    linalg()
    inits()
    ops()
    lora_bias()
    check_jlora_made()
    for name in sorted(os.listdir(OUT)):
        print(name)


if __name__ == "__main__":
    main()
