"""Goldens for the real-model commands, from the reference libraries (transformers 5, PEFT 0.21).

    ./jlora merge --model ../shared/models/stories260K.bin --out /tmp/stories260K-hf   # jlora's own export
    python3 examples/src/test/python/make_cli_goldens.py /tmp/stories260K-hf

The model directory is stories260K converted by jlora (`jlora merge` without an adapter writes a
Hugging Face directory: config.json, model.safetensors, tokenizer.json, tokenizer_config.json). It is
derived from the shared model, so it is not committed; only small outputs are. This script checks,
with the real libraries:
  - `jlora eval --data eval-lines.txt`: each line encoded as AutoTokenizer does by default, cut to the
    context, the loss `model(ids, labels=ids).loss` pooled over every predicted token;
  - `jlora tokenize`: the ids of AutoTokenizer(text)["input_ids"];
  - an adapter jlora trained and saved (stories260K-jlora-adapter/, from `jlora finetune`) loaded with
    PeftModel.from_pretrained: its logits, which jlora must reproduce.
Writes examples/src/test/resources/cli/goldens.json.
"""
import json
import os
import sys

import peft
import torch
import transformers
from peft import PeftModel
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
RES = os.path.normpath(os.path.join(HERE, "..", "resources", "cli"))


def main(model_dir):
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True,
                                                 attn_implementation="eager").eval()
    context = model.config.max_position_embeddings
    lines = [l for l in open(os.path.join(RES, "eval-lines.txt"), encoding="utf-8").read().split("\n") if l.strip()]
    total, count, ids_per_line = 0.0, 0, []
    with torch.no_grad():
        for line in lines:
            ids = tok(line)["input_ids"][:context]
            ids_per_line.append(ids)
            if len(ids) < 2:
                continue
            t = torch.tensor([ids])
            loss = model(input_ids=t, labels=t).loss.item()
            total += loss * (len(ids) - 1)
            count += len(ids) - 1
    tokenize_text = "The Devil's Dictionary, 1911 — ça ira! 🙂"
    tokenize_ids = tok(tokenize_text)["input_ids"]

    adapter_dir = os.path.join(RES, "stories260K-jlora-adapter")
    peft_model = PeftModel.from_pretrained(model, adapter_dir, local_files_only=True).eval()
    probe = ids_per_line[0][:16]
    with torch.no_grad():
        logits = peft_model(input_ids=torch.tensor([probe])).logits[0].to(torch.float32)
    out = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "eval": {"file": "eval-lines.txt", "loss": total / count, "tokens": count, "ids_per_line": ids_per_line},
        "tokenize": {"text": tokenize_text, "ids": tokenize_ids},
        "adapter": {"dir": "stories260K-jlora-adapter", "input_ids": probe,
                    "logits": json.loads(json.dumps(logits.tolist()), parse_float=lambda s: float("%.9g" % float(s)))},
    }
    with open(os.path.join(RES, "goldens.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("eval loss %.6f over %d tokens; tokenize %d ids; adapter logits %s" % (total / count, count, len(tokenize_ids),
                                                                                 list(logits.shape)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
