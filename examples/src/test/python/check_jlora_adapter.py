"""Logits of a Hugging Face base model with a PEFT adapter on top, as PEFT itself computes them.

    /usr/bin/python3 examples/src/test/python/check_jlora_adapter.py MODEL_DIR ADAPTER_DIR IDS_JSON OUT_JSON

MODEL_DIR   a directory save_pretrained (or jlora) wrote: config.json + model.safetensors
ADAPTER_DIR adapter_config.json + adapter_model.safetensors, e.g. an adapter jlora saved
IDS_JSON    a JSON object with "input_ids": [[..], ..] (rows of equal length), e.g. a *-logits.json golden
OUT_JSON    written: {"versions", "model", "adapter", "input_ids", "logits" [B, T, V]} (float32, 9 digits)

Loading is strict: PEFT only warns about adapter keys the model expects but the file lacks, and says
nothing about keys in the file that match no module; this script fails on both, so an adapter whose
names are off cannot pass silently.
No network is used; the model is read from disk only.
"""
import json
import os
import sys
import warnings

import peft
import torch
import transformers
from peft import PeftModel
from peft.utils import set_peft_model_state_dict
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

WEIGHTS = "adapter_model.safetensors"


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    model_dir, adapter_dir, ids_json, out_json = argv[1:]
    with open(ids_json) as f:
        input_ids = json.load(f)["input_ids"]
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True,
                                                attn_implementation="eager")
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*(missing adapter keys|unexpected keys|Found missing).*")
        model = PeftModel.from_pretrained(base, adapter_dir, local_files_only=True)
    # loading the same tensors again is a no-op that reports the keys no module took
    unexpected = set_peft_model_state_dict(model, load_file(os.path.join(adapter_dir, WEIGHTS))).unexpected_keys
    if unexpected:
        sys.exit("%s: %d keys match no module of the model, e.g. %s" % (adapter_dir, len(unexpected), unexpected[:3]))
    model.eval()
    with torch.no_grad():
        logits = model(input_ids=torch.tensor(input_ids)).logits.to(torch.float32)
    out = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "model": model_dir,
        "adapter": adapter_dir,
        "input_ids": input_ids,
        "logits": json.loads(json.dumps(logits.tolist()), parse_float=lambda s: float("%.9g" % float(s))),
    }
    with open(out_json, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print("%s + %s: logits %s -> %s" % (model_dir, adapter_dir, list(logits.shape), out_json))


if __name__ == "__main__":
    main(sys.argv)
