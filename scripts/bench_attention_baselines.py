"""Same-run attention baselines for the block-sparse kernel, and the benchmark report.

  measure: times cuDNN SDPA (dense) and FlexAttention on the masks that
           bench_block_sparse_attention wrote with --mask-dir, so both kernels see the identical
           block mask. Every selected block is a full block (no mask_mod), 128x128.
  report:  merges the kernel's JSON and the baselines' JSON into a markdown report.

FLOPs are counted as 4*B*H*S*S*D*density (QK^T and PV, forward only); times are the median of N
launches between CUDA events after warm-up, on random normal inputs.

  python3 scripts/bench_attention_baselines.py measure --shape 2,48,17776,64 --density 1,0.5 \
      --mask-dir /tmp/masks --json baselines.json
  python3 scripts/bench_attention_baselines.py report --kernel-json astraea.json \
      --baseline-json baselines.json --out report.md --command "..."
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

BLOCK = 128


def median_ms(fn, iters, warmup=3):
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def iterations_for(first_ms, cap):
    return max(5, min(cap, int(4000 / max(first_ms, 1e-3))))


def load_mask(mask_dir, shape, density_text, device):
    import numpy as np
    import torch
    batch, heads, seq, dim = shape
    blocks = (seq + BLOCK - 1) // BLOCK
    path = os.path.join(mask_dir, f"mask_{batch}_{heads}_{seq}_{dim}_{density_text}.bin")
    raw = np.fromfile(path, dtype=np.int32)
    rows = batch * heads * blocks
    if raw.size != rows + rows * blocks:
        sys.exit(f"{path}: expected {rows + rows * blocks} int32 values, found {raw.size}")
    counts = torch.from_numpy(raw[:rows].copy()).view(batch, heads, blocks).to(device)
    indices = torch.from_numpy(raw[rows:].copy()).view(batch, heads, blocks, blocks).to(device)
    return counts, indices


def measure(args):
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.nn.attention.flex_attention import BlockMask, flex_attention

    flex = torch.compile(flex_attention, dynamic=False)
    rows = []
    print(f"# {torch.cuda.get_device_name()} torch {torch.__version__}", flush=True)
    for text in args.shape:
        shape = [int(x) for x in text.split(",")]
        batch, heads, seq, dim = shape
        q, k, v = (torch.randn(batch, heads, seq, dim, device="cuda", dtype=torch.bfloat16) for _ in range(3))
        dense_flops = 4 * batch * heads * seq * seq * dim
        with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):  # settle clocks and power, as the C++ bench does
            warm = lambda: F.scaled_dot_product_attention(q, k, v)
            first = median_ms(warm, 1, 1)
            for _ in range(int(args.warmup_ms / max(first, 1e-3))):
                warm()
            torch.cuda.synchronize()
        with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
            call = lambda: F.scaled_dot_product_attention(q, k, v)
            ms = median_ms(call, iterations_for(median_ms(call, 1, 1), args.iters))
        rows.append(dict(shape=shape, kernel="cudnn_sdpa", density=1.0, requested_density=1.0, ms=ms, tflops=dense_flops / ms / 1e9))
        print(f"{text:>20} cudnn_sdpa dense {ms:9.3f} ms {dense_flops / ms / 1e9:7.1f} TF/s", flush=True)
        for density_text in args.density.split(","):
            counts, indices = load_mask(args.mask_dir, shape, density_text, "cuda")
            density = counts[0, 0, 0].item() / counts.shape[-1]
            block_mask = BlockMask.from_kv_blocks(torch.zeros_like(counts), indices, counts, indices, BLOCK_SIZE=BLOCK,
                                                  seq_lengths=(seq, seq))
            call = lambda: flex(q, k, v, block_mask=block_mask)
            ms = median_ms(call, iterations_for(median_ms(call, 1, 1), args.iters))
            flops = dense_flops * density
            rows.append(dict(shape=shape, kernel="flex_attention", density=density, requested_density=float(density_text), ms=ms,
                             tflops=flops / ms / 1e9))
            print(f"{text:>20} flex density {density:.3f} {ms:9.3f} ms {flops / ms / 1e9:7.1f} TF/s", flush=True)
            del counts, indices, block_mask
        del q, k, v
        torch.cuda.empty_cache()
    with open(args.json, "w") as f:
        json.dump(dict(gpu=torch.cuda.get_device_name(), torch=torch.__version__, rows=rows), f, indent=1)


def git_commit(root):
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain"], capture_output=True, text=True, check=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("ASTRAEA_COMMIT", "unknown (no git checkout on the GPU host)")


def report(args):
    ours = json.load(open(args.kernel_json))
    base = json.load(open(args.baseline_json))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    lines = [
        "# Block-sparse attention forward: astraea kernel vs cuDNN SDPA and FlexAttention",
        "",
        f"- GPU: {base['gpu']}; torch {base['torch']} (baselines); bf16, non-causal forward, 128x128 blocks",
        f"- commit: {args.commit or git_commit(root)}",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `{args.command}`",
        "- time: median of N launches between CUDA events (N in the table; N = clamp(4 s / first launch, 5, cap)), after"
        " about 2 s of untimed launches per shape",
        "- mask: the same number of key blocks per query block, diagonal kept, the others uniform without replacement,"
        " drawn per (batch, head, query block) by the C++ bench and loaded by the baseline script from the same file;"
        " every block full (FlexAttention gets no mask_mod)",
        "- effective TF/s = 4*B*H*S*S*D*density / time; baselines measured in the same run on the same card",
        "",
        "| shape (B,H,S,D) | kernel | density | ms | N | eff TF/s | x cuDNN dense | x Flex |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for shape in sorted({tuple(r["shape"]) for r in base["rows"]}, key=lambda s: s[3]):
        cudnn = next(r for r in base["rows"] if tuple(r["shape"]) == shape and r["kernel"] == "cudnn_sdpa")
        flex = {r["requested_density"]: r for r in base["rows"] if tuple(r["shape"]) == shape and r["kernel"] == "flex_attention"}
        lines.append(f"| {shape} | cuDNN SDPA | 1 | {cudnn['ms']:.2f} | | {cudnn['tflops']:.0f} | 1.00 | |")
        for r in [r for r in ours if tuple(r["shape"]) == shape]:
            name = "astraea (dense policy)" if r["policy"] == "dense" else "astraea (block list)"
            f = flex.get(r["requested_density"]) if r["policy"] == "list" else None
            vs_flex = f"{f['ms'] / r['ms']:.2f}" if f else ""
            lines.append(f"| {shape} | {name} | {r['density']:.3f} | {r['ms']:.2f} | {r['iters']} | {r['tflops']:.0f} | "
                         f"{cudnn['ms'] / r['ms']:.2f} | {vs_flex} |")
        for d, f in sorted(flex.items(), reverse=True):
            lines.append(f"| {shape} | FlexAttention | {f['density']:.3f} | {f['ms']:.2f} | | {f['tflops']:.0f} | "
                         f"{cudnn['ms'] / f['ms']:.2f} | 1.00 |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--shape", action="append", required=True, help="B,H,S,D (repeatable)")
    m.add_argument("--density", default="1,0.5,0.25,0.1", help="as passed to bench_block_sparse_attention")
    m.add_argument("--mask-dir", required=True)
    m.add_argument("--iters", type=int, default=20, help="most launches timed per point")
    m.add_argument("--warmup-ms", type=float, default=2000, help="untimed cuDNN launches per shape before timing")
    m.add_argument("--json", required=True)
    r = sub.add_parser("report")
    r.add_argument("--kernel-json", required=True)
    r.add_argument("--baseline-json", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--command", default="scripts/bench_attention.sh")
    r.add_argument("--commit", default="")
    args = ap.parse_args()
    measure(args) if args.mode == "measure" else report(args)


if __name__ == "__main__":
    main()
