#!/usr/bin/env python3
"""Goldens for jlora's tokenizers (org.jlora.examples.tokenize), made with the real libraries.

Trains three small BPE tokenizers with Hugging Face `tokenizers` on The Devil's Dictionary (the text
is read, never written into the repository), then records what `transformers` makes of ~40 tricky
strings: ids with and without special tokens, and the decoded text with and without them.

    python3 examples/src/test/python/make_tokenizer_goldens.py [path/to/devils-dictionary.txt]

Writes under examples/src/test/resources/tokenize/:
  gpt2/        byte-level BPE as GPT-2 has it: tokenizer.json, and vocab.json + merges.txt
  chatml/      SmolLM2/Qwen2 style: NFC, Split(Qwen2 regex) + ByteLevel(use_regex=false), ChatML
               special tokens, a non-special added token, a ChatML chat template
  llama/       SentencePiece-style BPE as Llama 2 / TinyLlama have it (byte fallback, <0xNN>
               pieces, Prepend/Replace normalizer, add_bos_token), a Llama-2 chat template
  llama2c/     golden.json: ids that the real `tokenizers` gives for tokenizer.json, which is jlora's
               conversion of llama2.c's tok512.bin (Llama2cTokenizer.writeHfTokenizerJson), written
               beforehand from the built classes, e.g.
                 java -cp <examples, lora classes + jackson jars> Conv.java ../shared/models/tok512.bin \
                   examples/src/test/resources/tokenize/llama2c
               (Llama2cTokenizerTest checks the committed conversion equals what the code writes)
  */golden.json  {"cases": [{"text", "ids", "ids_special", "decoded", "decoded_skip"}], ...}
  llama-metaspace/  the same vocabulary in the older form: Metaspace pre-tokenizer and decoder
  variants/    Lowercase, Digits + ByteLevel(add_prefix_space), ignore_merges, added tokens with
               lstrip / rstrip / single_word / normalized: true
  chat_goldens.json  apply_chat_template(tokenize=False) for both templates
Needs: tokenizers 0.23, transformers 5 (no network, no model hub).
"""
import json
import os
import sys
import tempfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, GPT2Tokenizer, PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "tokenize"))
TEXT = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/devils-dictionary.txt"

QWEN2_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

CASES = [
    "",
    "Hello world",
    "The Devil's Dictionary was begun in a weekly paper in 1881.",
    " leading space",
    "trailing space ",
    "  two leading spaces",
    "multiple    spaces   inside",
    "tab\tseparated\tvalues",
    "\ttab first",
    "line one\nline two",
    "paragraph\n\n\nafter three newlines",
    "\n\nleading newlines",
    "windows\r\nline end",
    "digits 0123456789 and 3.14159",
    "a long number 12345678901234567890",
    "contractions: it's, we'll, don't, I'm, they've, she'd, you're",
    "UPPERCASE CONTRACTIONS: IT'S WE'LL DON'T",
    "Mixed 'S 'Ll 'T",
    "caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00fcber",
    "cafe\u0301 (decomposed accent)",
    "\u4e2d\u6587\u5b57\u7b26 and \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "Korean \ud55c\uad6d\uc5b4",
    "emoji \U0001F600 smile",
    "family \U0001F468\u200D\U0001F469\u200D\U0001F467 zwj",
    "flags \U0001F1EB\U0001F1F7\U0001F1EF\U0001F1F5",
    "thumbs \U0001F44D\U0001F3FD skin tone",
    "math \u2211 \u222b \u221e \u2248",
    "\u00a0non-breaking\u00a0space",
    "\u0001control\u007f chars",
    "<|endoftext|>",
    "before<|endoftext|>after",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
    "<s> hello </s>",
    "text with <s>inside</s> tokens",
    "<think>reasoning</think> answer",
    "<unk> literal",
    "punctuation!!! ??? ... ---",
    "a" * 300,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "   ",
    "\n",
    "End.",
    # for the "variants" tokenizer's added tokens (lstrip, rstrip, single_word, normalized) and Lowercase
    "a   <mask>b and <mask>",
    "[END]   next [END]",
    "hello world, ahello hellob (hello)",
    "HELLO World WORLDS",
    "\u039f\u0394\u039f\u03a3 \u0130stanbul",
    "year 2024: 1,000,000",
]


def train_files():
    return [TEXT]


def gpt2_style(dst):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train(train_files(), trainer)
    os.makedirs(dst, exist_ok=True)
    tok.save(os.path.join(dst, "tokenizer.json"))
    tok.model.save(dst)  # vocab.json + merges.txt
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|endoftext|>",
                   "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
                   "clean_up_tokenization_spaces": False}, f, indent=2)
    fast = AutoTokenizer.from_pretrained(dst)
    with tempfile.TemporaryDirectory() as only_pair:
        for name in ("vocab.json", "merges.txt"):
            with open(os.path.join(dst, name), "rb") as src, open(os.path.join(only_pair, name), "wb") as out:
                out.write(src.read())
        pair = GPT2Tokenizer.from_pretrained(only_pair)  # GPT-2's two files, nothing else
        for s in CASES:
            assert pair(s)["input_ids"] == fast(s)["input_ids"], ("vocab.json+merges.txt differs", s)
    return fast


def chatml_style(dst):
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train(train_files(), trainer)
    tok.add_tokens([AddedToken("<think>", special=False, normalized=False),
                    AddedToken("</think>", special=False, normalized=False)])
    os.makedirs(dst, exist_ok=True)
    tok.save(os.path.join(dst, "tokenizer.json"))
    template = (
        "{% for message in messages %}"
        "{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\\n' }}"
        "{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<|im_start|>",
                   "eos_token": "<|im_end|>", "pad_token": "<|im_end|>", "unk_token": "<|endoftext|>",
                   "add_bos_token": False, "clean_up_tokenization_spaces": False,
                   "chat_template": template}, f, indent=2, ensure_ascii=False)
    return AutoTokenizer.from_pretrained(dst)


def variants_style(dst):
    """Less common switches in one tokenizer: Lowercase, SmolLM2's Digits + ByteLevel with a prefix
    space, ignore_merges, and added tokens with lstrip / rstrip / single_word / normalized."""
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=500, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train(train_files(), trainer)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False),
                            AddedToken("[END]", rstrip=True, special=True, normalized=False)])
    tok.add_tokens([AddedToken("hello", single_word=True, normalized=False),
                    AddedToken("world", normalized=True)])
    os.makedirs(dst, exist_ok=True)
    tok.save(os.path.join(dst, "tokenizer.json"))
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": "<|endoftext|>",
                   "clean_up_tokenization_spaces": False}, f, indent=2)
    return AutoTokenizer.from_pretrained(dst)


LLAMA2_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}"
    "{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}"
    "{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}"
    "{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}"
    "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}"
    "{% endif %}{% endfor %}")


def llama_style(dst):
    # Train the merges on whitespace-split words (SentencePiece never merges across a space), then
    # lay the vocabulary out as Llama's: <unk> <s> </s>, the 256 byte pieces, then the merged pieces.
    trainer_tok = Tokenizer(models.BPE())
    trainer_tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    trainer_tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="never", split=True)
    trainer = trainers.BpeTrainer(vocab_size=600 - 259, show_progress=False, limit_alphabet=120)
    trainer_tok.train(train_files(), trainer)
    trained = json.loads(trainer_tok.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for b in range(256):
        vocab["<0x%02X>" % b] = 3 + b
    for piece, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1]):
        if piece not in vocab:
            vocab[piece] = len(vocab)
    merges = [m if isinstance(m, list) else m.split(" ") for m in trained["merges"]]
    special = lambda i, c: {"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    spec = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "\u2581"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
        "pre_tokenizer": None,
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
            {"type": "ByteFallback"}, {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": merges},
    }
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(dst, "tokenizer.json"), "w") as f:
        json.dump(spec, f, ensure_ascii=False)
    Tokenizer.from_file(os.path.join(dst, "tokenizer.json"))  # the real library accepts it
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False,
                   "clean_up_tokenization_spaces": False, "chat_template": LLAMA2_TEMPLATE},
                  f, indent=2, ensure_ascii=False)
    return AutoTokenizer.from_pretrained(dst)


def llama_metaspace_style(llama_dir, dst):
    """The older Llama tokenizer.json form: no normalizer, a Metaspace pre-tokenizer and decoder."""
    with open(os.path.join(llama_dir, "tokenizer.json")) as f:
        spec = json.load(f)
    spec["normalizer"] = None
    spec["pre_tokenizer"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}
    spec["decoder"] = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": True}
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(dst, "tokenizer.json"), "w") as f:
        json.dump(spec, f, ensure_ascii=False)
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "clean_up_tokenization_spaces": False}, f, indent=2)
    return AutoTokenizer.from_pretrained(dst)


def golden(tok, dst):
    cases = []
    for s in CASES:
        ids_special = tok(s, add_special_tokens=True)["input_ids"]
        ids = tok(s, add_special_tokens=False)["input_ids"]
        cases.append({"text": s, "ids": ids, "ids_special": ids_special,
                      "decoded": tok.decode(ids_special, skip_special_tokens=False),
                      "decoded_skip": tok.decode(ids_special, skip_special_tokens=True)})
    with open(os.path.join(dst, "golden.json"), "w") as f:
        json.dump({"made_by": "make_tokenizer_goldens.py", "vocab_size": len(tok), "cases": cases},
                  f, ensure_ascii=False, indent=0)


CHATS = [
    [{"role": "user", "content": "What is a cynic?"}],
    [{"role": "user", "content": "What is a cynic?"},
     {"role": "assistant", "content": "  A blackguard whose faulty vision sees things as they are.  "},
     {"role": "user", "content": "And a bore?\n"}],
    [{"role": "system", "content": "You are Ambrose Bierce."},
     {"role": "user", "content": "Define 'peace'."},
     {"role": "assistant", "content": "A period of cheating between two periods of fighting."}],
]


def chat_goldens(dirs):
    out = {}
    for name, d in dirs.items():
        tok = AutoTokenizer.from_pretrained(d)
        rendered = []
        for chat in CHATS:
            for gen in (False, True):
                rendered.append({"messages": chat, "add_generation_prompt": gen,
                                 "text": tok.apply_chat_template(chat, tokenize=False, add_generation_prompt=gen)})
        out[name] = rendered
    with open(os.path.join(OUT, "chat_goldens.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)


LLAMA2C_TEXTS = [
    "Once upon a time",
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
    "The Devil's Dictionary: CYNIC, n. A blackguard whose faulty vision sees things as they are.",
    "  two spaces, a tab\tand a newline\nhere",
    "caf\u00e9 \u4e2d\u6587 \U0001F600",
    "1234567890",
]


def llama2c_golden():
    """Ids of the real `tokenizers` for jlora's conversion of tok512.bin (written by the Java test)."""
    converted = os.path.join(OUT, "llama2c", "tokenizer.json")
    if not os.path.exists(converted):
        print("skip llama2c: write", converted, "with Llama2cTokenizer.writeHfTokenizerJson first")
        return
    tok = Tokenizer.from_file(converted)
    cases = [{"text": s, "ids": tok.encode(s, add_special_tokens=False).ids,
              "ids_special": tok.encode(s, add_special_tokens=True).ids} for s in LLAMA2C_TEXTS]
    with open(os.path.join(OUT, "llama2c", "golden.json"), "w") as f:
        json.dump({"made_by": "make_tokenizer_goldens.py", "cases": cases}, f, ensure_ascii=False, indent=0)


def main():
    dirs = {"gpt2": os.path.join(OUT, "gpt2"), "chatml": os.path.join(OUT, "chatml"),
            "llama": os.path.join(OUT, "llama"), "variants": os.path.join(OUT, "variants")}
    golden(gpt2_style(dirs["gpt2"]), dirs["gpt2"])
    golden(chatml_style(dirs["chatml"]), dirs["chatml"])
    golden(llama_style(dirs["llama"]), dirs["llama"])
    golden(variants_style(dirs["variants"]), dirs["variants"])
    metaspace = os.path.join(OUT, "llama-metaspace")
    golden(llama_metaspace_style(dirs["llama"], metaspace), metaspace)
    chat_goldens({"chatml": dirs["chatml"], "llama": dirs["llama"]})
    llama2c_golden()


if __name__ == "__main__":
    main()
