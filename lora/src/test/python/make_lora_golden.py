#!/usr/bin/python3
"""Golden values for jlora's LoRA layers, computed by PyTorch reimplementations of loralib and PEFT.

Run by hand (Debian's python3-torch, torch 1.13):

    /usr/bin/python3 lora/src/test/python/make_lora_golden.py

It writes lora/src/test/resources/golden/<case>.safetensors, one file per layer, holding

    weight, bias          the frozen base layer (bias absent for the embedding)
    lora_A, lora_B        fixed non-zero adapter matrices, in loralib's / PEFT's shapes
    x (or ids)            the input (ids stored as F32 whole numbers)
    out                   the layer's output
    loss_weights          a fixed random tensor R; loss = sum(out * R)
    grad_lora_A, grad_lora_B, grad_x   d loss / d A, d B, d x (no grad_x for the embedding)

and the layer's hyper-parameters as string __metadata__. The classes below follow
microsoft/LoRA loralib/layers.py (Linear, MergedLinear, Embedding, ConvLoRA) and
peft/tuners/lora/layer.py (Conv2d) line for line where it matters; only init is dropped, since
every tensor is set explicitly. torch has no safetensors package here, so the format is written
by hand: 8-byte little-endian header length, JSON header, raw little-endian float32.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden")


# ---------------------------------------------------------------- loralib/layers.py

class LoraLinear(nn.Linear):
    """loralib.Linear (unmerged forward): y = x W^T + b + dropout(x) A^T B^T * scaling."""

    def __init__(self, in_features, out_features, r, lora_alpha, fan_in_fan_out=False):
        super().__init__(in_features, out_features)
        self.fan_in_fan_out = fan_in_fan_out
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, in_features)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((out_features, r)))
        self.scaling = lora_alpha / r
        self.weight.requires_grad = False
        if fan_in_fan_out:
            self.weight.data = self.weight.data.transpose(0, 1)

    def forward(self, x):
        def T(w):
            return w.transpose(0, 1) if self.fan_in_fan_out else w
        result = F.linear(x, T(self.weight), bias=self.bias)
        result += (x @ self.lora_A.transpose(0, 1) @ self.lora_B.transpose(0, 1)) * self.scaling
        return result


class MergedLinear(nn.Linear):
    """loralib.MergedLinear: the block-diagonal delta built with conv1d and zero_pad, as loralib does."""

    def __init__(self, in_features, out_features, r, lora_alpha, enable_lora, fan_in_fan_out=False):
        super().__init__(in_features, out_features)
        self.enable_lora = enable_lora
        self.fan_in_fan_out = fan_in_fan_out
        self.lora_A = nn.Parameter(self.weight.new_zeros((r * sum(enable_lora), in_features)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((out_features // len(enable_lora) * sum(enable_lora), r)))
        self.scaling = lora_alpha / r
        self.weight.requires_grad = False
        self.lora_ind = self.weight.new_zeros((out_features,), dtype=torch.bool).view(len(enable_lora), -1)
        self.lora_ind[enable_lora, :] = True
        self.lora_ind = self.lora_ind.view(-1)
        if fan_in_fan_out:
            self.weight.data = self.weight.data.transpose(0, 1)

    def zero_pad(self, x):
        result = x.new_zeros((len(self.lora_ind), *x.shape[1:]))
        result[self.lora_ind] = x
        return result

    def merge_AB(self):
        def T(w):
            return w.transpose(0, 1) if self.fan_in_fan_out else w
        delta_w = F.conv1d(self.lora_A.unsqueeze(0), self.lora_B.unsqueeze(-1),
                           groups=sum(self.enable_lora)).squeeze(0)
        return T(self.zero_pad(delta_w))

    def forward(self, x):
        def T(w):
            return w.transpose(0, 1) if self.fan_in_fan_out else w
        result = F.linear(x, T(self.weight), bias=self.bias)
        result += x @ T(self.merge_AB().T) * self.scaling
        return result


class LoraEmbedding(nn.Embedding):
    """loralib.Embedding: y = W[ids] + (A^T[ids]) B^T * scaling."""

    def __init__(self, num_embeddings, embedding_dim, r, lora_alpha):
        super().__init__(num_embeddings, embedding_dim)
        self.lora_A = nn.Parameter(self.weight.new_zeros((r, num_embeddings)))
        self.lora_B = nn.Parameter(self.weight.new_zeros((embedding_dim, r)))
        self.scaling = lora_alpha / r
        self.weight.requires_grad = False

    def forward(self, x):
        result = nn.Embedding.forward(self, x)
        after_A = F.embedding(x, self.lora_A.transpose(0, 1), self.padding_idx, self.max_norm,
                              self.norm_type, self.scale_grad_by_freq, self.sparse)
        result += (after_A @ self.lora_B.transpose(0, 1)) * self.scaling
        return result


class ConvLoRA(nn.Module):
    """loralib.ConvLoRA: conv(x, W + (B A).view(W.shape) * scaling) + b."""

    def __init__(self, in_channels, out_channels, kernel_size, r, lora_alpha, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, **kwargs)
        self.lora_A = nn.Parameter(self.conv.weight.new_zeros((r * kernel_size, in_channels * kernel_size)))
        self.lora_B = nn.Parameter(
            self.conv.weight.new_zeros((out_channels // self.conv.groups * kernel_size, r * kernel_size)))
        self.scaling = lora_alpha / r
        self.conv.weight.requires_grad = False

    def forward(self, x):
        return self.conv._conv_forward(
            x, self.conv.weight + (self.lora_B @ self.lora_A).view(self.conv.weight.shape) * self.scaling,
            self.conv.bias)


# ---------------------------------------------------------------- peft/tuners/lora/layer.py (Conv2d)

class PeftConv2d(nn.Module):
    """PEFT's lora.Conv2d: base(x) + lora_B(lora_A(dropout(x))) * scaling, A a conv in -> r with the
    base's kernel/stride/padding, B a 1x1 conv r -> out. PEFT 0.13 passes neither groups nor
    dilation to A and B; with groups = dilation = 1 this is exactly PEFT. With groups or dilation
    it is jlora's generalisation (A and B carry the base's groups, A its dilation), which F.conv2d
    computes independently here."""

    def __init__(self, in_channels, out_channels, kernel_size, r, lora_alpha, stride=1, padding=0,
                 dilation=1, groups=1):
        super().__init__()
        self.base_layer = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                    dilation=dilation, groups=groups)
        self.base_layer.weight.requires_grad = False
        self.lora_A = nn.Conv2d(in_channels, r, kernel_size, stride, padding, dilation=dilation, groups=groups,
                                bias=False)
        self.lora_B = nn.Conv2d(r, out_channels, (1, 1), (1, 1), groups=groups, bias=False)
        self.scaling = lora_alpha / r

    def forward(self, x):
        result = self.base_layer(x)
        return result + self.lora_B(self.lora_A(x)) * self.scaling


# ---------------------------------------------------------------- safetensors, by hand

def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def fill(gen, *params, scale=0.5):
    with torch.no_grad():
        for p in params:
            p.copy_(torch.randn(p.shape, generator=gen) * scale)


def run_case(name, layer, weight, bias, x, metadata, gen, ids=False):
    """Forward, loss = sum(out * R), backward; write everything the Java test needs."""
    lora_A = layer.lora_A if isinstance(layer.lora_A, nn.Parameter) else layer.lora_A.weight
    lora_B = layer.lora_B if isinstance(layer.lora_B, nn.Parameter) else layer.lora_B.weight
    fill(gen, lora_A, lora_B)
    if not ids:
        x.requires_grad_(True)
    out = layer(x)
    loss_weights = torch.randn(out.shape, generator=gen)
    (out * loss_weights).sum().backward()
    tensors = {"weight": weight}
    if bias is not None:
        tensors["bias"] = bias
    tensors.update({"lora_A": lora_A, "lora_B": lora_B, "x": x.to(torch.float32), "out": out,
                    "loss_weights": loss_weights, "grad_lora_A": lora_A.grad, "grad_lora_B": lora_B.grad})
    if not ids:
        tensors["grad_x"] = x.grad
    metadata = dict(metadata, case=name, torch=torch.__version__)
    write_safetensors(os.path.join(OUT_DIR, name + ".safetensors"), tensors, metadata)
    print("%-28s out %-16s |out|max %.4f" % (name, list(out.shape), out.abs().max().item()))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    gen = torch.Generator().manual_seed(20240611)
    torch.manual_seed(20240611)

    for fifo in (False, True):
        lin = LoraLinear(5, 4, r=2, lora_alpha=3, fan_in_fan_out=fifo)
        run_case("linear" + ("_fifo" if fifo else ""), lin, lin.weight, lin.bias,
                 torch.randn(2, 3, 5, generator=gen), {"r": 2, "lora_alpha": 3, "fan_in_fan_out": fifo}, gen)

    for fifo in (False, True):
        ml = MergedLinear(5, 6, r=2, lora_alpha=4, enable_lora=[True, False, True], fan_in_fan_out=fifo)
        run_case("merged_linear" + ("_fifo" if fifo else ""), ml, ml.weight, ml.bias,
                 torch.randn(2, 3, 5, generator=gen),
                 {"r": 2, "lora_alpha": 4, "enable_lora": "[true, false, true]", "fan_in_fan_out": fifo}, gen)

    emb = LoraEmbedding(7, 4, r=3, lora_alpha=6)
    ids = torch.tensor([[0, 3, 6], [3, 1, 3]])
    run_case("embedding", emb, emb.weight, None, ids, {"r": 3, "lora_alpha": 6}, gen, ids=True)

    conv = ConvLoRA(4, 6, 3, r=2, lora_alpha=3, stride=2, padding=1, groups=2)
    run_case("conv_loralib", conv, conv.conv.weight, conv.conv.bias, torch.randn(2, 4, 7, 6, generator=gen),
             {"r": 2, "lora_alpha": 3, "stride": 2, "padding": 1, "dilation": 1, "groups": 2}, gen)

    peft = PeftConv2d(4, 6, (3, 2), r=2, lora_alpha=3, stride=2, padding=1)
    run_case("conv_factorized", peft, peft.base_layer.weight, peft.base_layer.bias,
             torch.randn(2, 4, 7, 6, generator=gen),
             {"r": 2, "lora_alpha": 3, "stride": 2, "padding": 1, "dilation": 1, "groups": 1}, gen)

    grouped = PeftConv2d(4, 6, (3, 3), r=2, lora_alpha=3, stride=1, padding=2, dilation=2, groups=2)
    run_case("conv_factorized_groups", grouped, grouped.base_layer.weight, grouped.base_layer.bias,
             torch.randn(2, 4, 7, 6, generator=gen),
             {"r": 2, "lora_alpha": 3, "stride": 1, "padding": 2, "dilation": 2, "groups": 2}, gen)


if __name__ == "__main__":
    main()
