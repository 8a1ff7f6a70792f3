#!/usr/bin/env python3
"""Encodes prompts with a CogVideoX checkpoint's T5 encoder into the safetensors file astraea reads.

    python scripts/encode_prompts.py --model-dir ~/models/CogVideoX-2b \\
        --prompts prompts.txt --out prompts.safetensors

astraea never runs T5 itself: point a config's `prompts.embeddings` at the file this writes, and
list the same prompts, in the same order, under `prompts.texts`.

The encoding is the one CogVideoXPipeline applies: T5Tokenizer with padding to max_length (226),
truncation and the EOS token appended, then T5EncoderModel(input_ids)[0] with no attention mask,
so padding positions carry real, non-zero embeddings (the transformer attends to them).

The output holds `prompt_embeds` [N, max_length, d_model] (one row per prompt, in input order) and
`negative_prompt_embeds` [1, max_length, d_model], both float32, and the metadata `prompts` (JSON
list), `negative_prompt`, `max_length`, `dtype` and `transformers_version`.

Needs torch, safetensors, transformers and sentencepiece, and the checkpoint on local disk
(`tokenizer/` and `text_encoder/`, as CogVideoXPipeline.from_pretrained expects); nothing is
downloaded.
"""

import argparse
import json
import pathlib
import sys

PROG = "encode_prompts"
DTYPES = ("bfloat16", "float32")


def die(message):
    sys.exit(f"{PROG}: {message}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="encode_prompts.py",
        description="Encode prompts with a local CogVideoX checkpoint's T5 encoder as CogVideoXPipeline does "
        "(pad/truncate to max_length, EOS appended, no attention mask) into the safetensors file astraea reads. "
        "Point a config's prompts.embeddings at the output and list the same prompts, in the same order, "
        "under prompts.texts.",
        epilog="Writes prompt_embeds [N, L, D] and negative_prompt_embeds [1, L, D] (float32) plus the metadata "
        "prompts (JSON list), negative_prompt, max_length, dtype and transformers_version. "
        "Needs: pip install torch safetensors transformers sentencepiece.",
    )
    parser.add_argument("--model-dir", required=True, type=pathlib.Path,
                        help="local CogVideoX checkpoint directory holding tokenizer/ and text_encoder/")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--prompts", type=pathlib.Path, metavar="FILE",
                        help="UTF-8 text file, one prompt per line (blank lines are skipped)")
    source.add_argument("--prompt", action="append", metavar="TEXT",
                        help="a prompt; repeat for several (kept in the order given)")
    parser.add_argument("--negative", default="", metavar="TEXT",
                        help='negative prompt, encoded once (default: "", as the pipeline uses)')
    parser.add_argument("--max-length", type=int, default=226,
                        help="tokens per prompt after padding/truncation (default: 226, the CogVideoX text length)")
    parser.add_argument("--dtype", choices=DTYPES, default="bfloat16",
                        help="dtype the encoder runs in (default: bfloat16; float16 overflows in T5 v1.1)")
    parser.add_argument("--device", default=None,
                        help="torch device to run on (default: cuda if available, else cpu)")
    parser.add_argument("--batch-size", type=int, default=8, help="prompts per encoder call (default: 8)")
    parser.add_argument("--out", required=True, type=pathlib.Path, metavar="FILE.safetensors",
                        help="output file (parent directories are created)")
    args = parser.parse_args(argv)

    if args.max_length < 1:
        parser.error(f"--max-length must be positive, got {args.max_length}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be positive, got {args.batch_size}")
    if args.out.suffix != ".safetensors":
        parser.error(f"--out must end in .safetensors, got '{args.out}'")
    for sub in ("tokenizer", "text_encoder"):
        if not (args.model_dir / sub).is_dir():
            parser.error(f"--model-dir '{args.model_dir}' has no {sub}/ subfolder (expected a CogVideoX checkpoint)")
    args.prompt_list = read_prompts(parser, args)
    return args


def read_prompts(parser, args):
    if args.prompt is not None:
        prompts = list(args.prompt)
        if any(not p.strip() for p in prompts):
            parser.error("--prompt must not be empty")
    else:
        try:
            text = args.prompts.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            parser.error(f"cannot read --prompts '{args.prompts}': {e}")
        prompts = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
        if not prompts:
            parser.error(f"--prompts '{args.prompts}' holds no prompts")
    return prompts


def import_libraries():
    """The heavy imports, done after argument checks so that --help and usage errors need none of them."""
    try:
        import torch
        from safetensors.torch import save_file
    except ImportError as e:
        die(f"{e.name or e} is missing: pip install torch safetensors")
    try:
        import sentencepiece  # noqa: F401  (T5Tokenizer reads spiece.model through it)
        import transformers
        from transformers import T5EncoderModel, T5Tokenizer
    except ImportError as e:
        die(f"{e.name or e} is missing: pip install transformers sentencepiece")
    return torch, save_file, transformers, T5Tokenizer, T5EncoderModel


def load_encoder(transformers, T5EncoderModel, path, dtype):
    # transformers renamed from_pretrained's torch_dtype to dtype in 4.56.
    version = tuple(int(part) for part in transformers.__version__.split(".")[:2] if part.isdigit())
    key = "dtype" if version >= (4, 56) else "torch_dtype"
    return T5EncoderModel.from_pretrained(str(path), **{key: dtype})


def encode(torch, tokenizer, encoder, texts, max_length, device, batch_size):
    """[len(texts), max_length, d_model] float32 on the CPU."""
    rows = []
    for start in range(0, len(texts), batch_size):
        batch = texts[start:start + batch_size]
        ids = tokenizer(batch, padding="max_length", max_length=max_length, truncation=True,
                        add_special_tokens=True, return_tensors="pt").input_ids
        full = tokenizer(batch, padding="longest", add_special_tokens=True, return_tensors="pt").input_ids
        if full.shape[-1] > ids.shape[-1]:
            for text, row in zip(batch, full):
                if int((row != tokenizer.pad_token_id).sum()) > max_length:
                    shown = text if len(text) <= 60 else text[:60] + "..."
                    print(f"{PROG}: warning: prompt truncated to {max_length} tokens: {shown!r}", file=sys.stderr)
        with torch.no_grad():
            rows.append(encoder(ids.to(device))[0].float().cpu())
    return torch.cat(rows)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    torch, save_file, transformers, T5Tokenizer, T5EncoderModel = import_libraries()

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dtype = getattr(torch, args.dtype)
    tokenizer = T5Tokenizer.from_pretrained(str(args.model_dir / "tokenizer"))
    encoder = load_encoder(transformers, T5EncoderModel, args.model_dir / "text_encoder", dtype).to(device).eval()

    prompts = args.prompt_list
    prompt_embeds = encode(torch, tokenizer, encoder, prompts, args.max_length, device, args.batch_size)
    negative_embeds = encode(torch, tokenizer, encoder, [args.negative], args.max_length, device, 1)

    metadata = {
        "prompts": json.dumps(prompts, ensure_ascii=False),
        "negative_prompt": args.negative,
        "max_length": str(args.max_length),
        "dtype": args.dtype,
        "transformers_version": transformers.__version__,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_file({"prompt_embeds": prompt_embeds.contiguous(), "negative_prompt_embeds": negative_embeds.contiguous()},
              str(args.out), metadata=metadata)
    print(f"wrote {args.out}: prompt_embeds {list(prompt_embeds.shape)}, "
          f"negative_prompt_embeds {list(negative_embeds.shape)} (float32, encoded in {args.dtype} on {device})")


if __name__ == "__main__":
    main()
