"""scripts/trace_summary.py on a hand-made trace: kernels go to the innermost region around their launch."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import trace_summary  # noqa: E402


def region(name, ts, dur, tid=10):
    return {"ph": "X", "cat": "user_annotation", "name": name, "pid": 1, "tid": tid, "ts": ts, "dur": dur}


def launch(corr, ts, tid=10):
    return {"ph": "X", "cat": "cuda_runtime", "name": "cudaLaunchKernel", "pid": 1, "tid": tid, "ts": ts, "dur": 1, "args": {"correlation": corr}}


def kernel(name, corr, ts, dur, cat="kernel"):
    args = {} if corr is None else {"correlation": corr}
    return {"ph": "X", "cat": cat, "name": name, "pid": 0, "tid": 7, "ts": ts, "dur": dur, "args": args}


EVENTS = [
    region("outer", 0, 100), region("inner", 20, 30), region("later", 200, 100),
    region("other thread", 0, 1000, tid=11),
    launch(1, 10), launch(2, 30), launch(3, 250), launch(4, 150),
    kernel("k1", 1, 1000, 5), kernel("k2", 2, 1003, 10), kernel("k3", 3, 1020, 4), kernel("k4", 4, 1030, 2),
    kernel("copy", None, 1040, 1, cat="gpu_memcpy"),
]


class GpuByRegion(unittest.TestCase):
    def test_innermost_enclosing_region_of_the_launch(self):
        totals, counts, _, _ = trace_summary.gpu_by_region(EVENTS)
        self.assertEqual(totals["outer"], 5)
        self.assertEqual(totals["inner"], 10)
        self.assertEqual(totals["later"], 4)
        self.assertEqual(totals[trace_summary.UNNAMED], 3)  # k4 launched between regions, the copy unlinked
        self.assertNotIn("other thread", totals)
        self.assertEqual(counts[trace_summary.UNNAMED], 2)

    def test_span_and_busy_merge_overlapping_kernels(self):
        _, _, span, busy = trace_summary.gpu_by_region(EVENTS)
        self.assertEqual(span, 41)  # 1000 .. 1041
        self.assertEqual(busy, 13 + 4 + 2 + 1)  # k1 and k2 overlap: 1000 .. 1013

    def test_no_kernels(self):
        self.assertEqual(trace_summary.gpu_by_region([region("only", 0, 5)])[2:], (0.0, 0.0))


if __name__ == "__main__":
    unittest.main()
