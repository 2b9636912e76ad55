"""Writes examples/src/test/resources/gpt/golden.safetensors: a small GPT's weights, one batch, and
the logits, loss and every parameter gradient PyTorch computes for it. GptGoldenTest loads it.

Run by hand from the repository root: /usr/bin/python3 examples/src/test/python/make_gpt_golden.py
Config: vocab 20, block 16, 2 layers, 4 heads, 32 dims, batch 2 (the test repeats it).
Keys: every parameter by its GPT-2 name; "batch.ids" and "batch.targets" [B, T] (token ids stored
as f32, -100 marks ignored targets); "out.logits" [B, T, V]; "out.loss" [1]; "grad.<name>".
Weights are drawn wider than GPT-2's init (std 0.2, LayerNorm gains around 1) so every term of the
gradient is exercised.
"""
import json
import os
import struct

import torch

from gpt_model import Gpt

V, T, L, H, C, B = 20, 16, 2, 4, 32, 2


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main():
    torch.manual_seed(1234)
    model = Gpt(V, T, L, H, C)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    ids = torch.randint(0, V, (B, T))
    targets = torch.randint(0, V, (B, T))
    targets[0, :5] = -100  # a prompt whose positions are not scored
    targets[1, 9] = -100
    logits, loss = model(ids, targets)
    loss.backward()
    out = {name: p for name, p in model.named_parameters()}
    out["batch.ids"] = ids.float()
    out["batch.targets"] = targets.float()
    out["out.logits"] = logits
    out["out.loss"] = loss.reshape(1)
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "resources", "gpt", "golden.safetensors")
    write_safetensors(os.path.normpath(path), out)
    print("wrote", os.path.normpath(path), "loss", loss.item())


if __name__ == "__main__":
    main()
