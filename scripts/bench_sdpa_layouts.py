"""Same-run baseline for row-subset attention: cuDNN SDPA over Sq query rows and Skv keys, with
q, k and v laid out head-major [B, H, S, D] (contiguous) or token-major [B, S, H, D] (as a
projection leaves them, viewed as [B, H, S, D]). Median of N launches between CUDA events.

  python3 scripts/bench_sdpa_layouts.py --shape 2,48,85906,64 --rows 43066,85906 [--json out.json]
"""
import argparse
import json

from bench_attention_baselines import iterations_for, median_ms


def main():
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", required=True, help="B,H,Skv,D")
    parser.add_argument("--rows", required=True, help="query row counts, comma-separated")
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    batch, heads, keys, dim = (int(x) for x in args.shape.split(","))
    torch.manual_seed(0)
    device, dtype = "cuda", torch.bfloat16
    results = []
    print(f"# {torch.cuda.get_device_name()}, torch {torch.__version__}, cuDNN SDPA, bf16")
    print(f"{'layout':>12} {'B,H,Sq,Skv,D':>26} {'ms':>9} {'iters':>6} {'TF/s':>7}")
    for layout in ("head-major", "token-major"):
        def make(rows):
            if layout == "head-major":
                return torch.randn(batch, heads, rows, dim, device=device, dtype=dtype)
            return torch.randn(batch, rows, heads, dim, device=device, dtype=dtype).transpose(1, 2)
        k, v = make(keys), make(keys)
        for rows in (int(x) for x in args.rows.split(",")):
            q = make(rows)
            with sdpa_kernel(SDPBackend.CUDNN_ATTENTION):
                run = lambda: F.scaled_dot_product_attention(q, k, v)
                first = median_ms(run, 1, warmup=1)
                ms = median_ms(run, iterations_for(first, args.iters))
            flops = 4.0 * batch * heads * rows * keys * dim
            tflops = flops / ms / 1e9
            print(f"{layout:>12} {f'{batch},{heads},{rows},{keys},{dim}':>26} {ms:9.2f} {iterations_for(first, args.iters):6d} {tflops:7.1f}")
            results.append({"layout": layout, "shape": [batch, heads, rows, keys, dim], "ms": ms, "tflops": tflops})
            del q
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": torch.cuda.get_device_name(), "torch": torch.__version__, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
