"""The Python GPU path (Namespace.get_to_device / put_from_device) beside torch's pinned-memory copies, in one run on
the lent GPU: 128 pages of 16 KiB, 64 KiB and 256 KiB scattered into a device pool of 4,096 slots, and 128 blocks of
2 MiB into one contiguous tensor (256 MiB: two layers' KV of a 32K-token Llama-3-8B prefix). The default copy
(get_to_device choosing) and each copy method of kvpool (one Triton launch; one cuMemcpyBatchAsync; a
cudaMemcpyAsync a piece) are timed beside torch copying the same pages from one pinned host tensor, one copy_ a page
(as engines swap blocks), and the whole bytes at once (the line rate), all taking turns within every repeat. Every
byte is checked once. Needs a running manager (bench/engine/run.sh starts one).

    python3 bench/engine/gpu_path_bench.py --control SOCKET --admin-token TOKEN
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import kvpool  # noqa: E402

PAGES = 128
SLOTS = 4096


def timed(action, repeats: int) -> float:
    """Median seconds of ``action`` (which returns once its copies are complete), after two warm-ups."""
    return interleaved({"action": action}, repeats)["action"]


def interleaved(actions: dict, repeats: int) -> dict:
    """Median seconds of each action, the actions taking turns within every repeat (so that a drift in the machine
    touches them all alike), after two warm-ups each."""
    for action in actions.values():
        action()
        action()
    samples = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            torch.cuda.synchronize()
            started = time.perf_counter()
            action()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def case(pool, label: str, page: int, count: int, scattered: bool, repeats: int, admin_token: str):
    name = f"gpu-{label}"
    pool.create_namespace(name, page, "gpu", admin_token=admin_token)
    ns = pool.namespace(name, page, "gpu")
    rng = np.random.default_rng(page)
    host = rng.integers(0, 256, (count, page), dtype=np.uint8)
    keys = kvpool.chain_keys(range(count * 4), 4, parent=page.to_bytes(32, "little"))
    assert ns.put(keys, list(host)) == [kvpool.STORED] * count
    slots = sorted(rng.choice(SLOTS, count, replace=False).tolist()) if scattered else list(range(count))
    target = torch.zeros((SLOTS if scattered else count) * page, dtype=torch.uint8, device="cuda")
    base = target.data_ptr()
    destinations = [[(base + slot * page, page)] for slot in slots]
    pinned = torch.from_numpy(host.reshape(-1)).pin_memory()
    device = pool.device()
    methods = [None] + [method for method, there in (("kernel", True), ("batch", device._batch is not None),
                                                     ("engine", device._memcpy is not None)) if there]

    def get_with(method):
        # method None: get_to_device chooses (the default engines get); else every copy goes by the one named.
        return lambda: ns.get_to_device(keys, destinations, copy=method)

    for method in methods:
        target.zero_()
        assert get_with(method)() == [True] * count
        check = target.view(-1, page)[torch.tensor(slots, device="cuda")].cpu().numpy()
        assert np.array_equal(check, host), f"{label} {method or 'default'} copy: bytes differ"

    stream = torch.cuda.Stream()

    def torch_per_page():
        with torch.cuda.stream(stream):
            for i, slot in enumerate(slots):
                target[slot * page:(slot + 1) * page].copy_(pinned[i * page:(i + 1) * page], non_blocking=True)
        stream.synchronize()

    contiguous = target[:count * page]

    def torch_contiguous():
        with torch.cuda.stream(stream):
            contiguous.copy_(pinned, non_blocking=True)
        stream.synchronize()

    actions = {f"kvpool {method or 'auto'}": get_with(method) for method in methods}
    actions.update({"torch per page": torch_per_page, "torch contiguous": torch_contiguous})
    results = {f"kvpool {method}": float("inf") for method in ("kernel", "batch", "engine")}  # absent: 0 GB/s
    results.update({f"put {method}": float("inf") for method in ("kernel", "batch", "engine")})
    results.update(interleaved(actions, repeats))
    puts = max(3, repeats // 4)
    for number, method in enumerate(methods[1:]):
        fresh = iter([kvpool.chain_keys(range(count * 4), 4, parent=(1 << 200 | page << 20 | number << 10 |
                                                                      i).to_bytes(32, "little"))
                      for i in range(puts + 2)])
        results[f"put {method}"] = timed(lambda: _put(ns, next(fresh), destinations, method), puts)
    ns.close()
    return {name: count * page / seconds / 1e9 for name, seconds in results.items()}


def _put(ns, keys, sources, method):
    """A put of new keys (the pool evicts old ones as it fills), every copy by ``method``."""
    statuses = ns.put_from_device(keys, sources, copy=method)
    assert statuses == [kvpool.STORED] * len(keys), [kvpool.status_name(s) for s in statuses]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", required=True)
    parser.add_argument("--admin-token", required=True)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--out", help="write the table here too")
    args = parser.parse_args()
    lines = [f"GPU path: {torch.cuda.get_device_name()}, torch {torch.__version__}; GB/s (median of "
             f"{args.repeats}); ratios against torch's pinned copy of the same pages"]
    with kvpool.connect(args.control) as pool:
        rows = []
        for label, page, count, scattered in (("16k", 16 << 10, PAGES, True), ("64k", 64 << 10, PAGES, True),
                                              ("256k", 256 << 10, PAGES, True), ("2m", 2 << 20, 128, False)):
            rates = case(pool, label, page, count, scattered, args.repeats, args.admin_token)
            if not rows:
                lines.append(f"region registered with CUDA in {pool.device().register_seconds * 1e3:.0f} ms "
                             f"({pool._region.geometry.region_length >> 20} MiB)")
            rows.append((label, count, scattered, rates))
    lines.append(f"{'case':<26} {'default':>8} {'kernel':>8} {'batch':>8} {'engine':>8} {'put k':>7} {'put b':>7} "
                 f"{'put e':>7} {'torch/page':>11} {'torch contig':>13} {'default/torch page':>19} "
                 f"{'default/contig':>15} {'best/torch page':>16}")
    for label, count, scattered, rates in rows:
        best = max(rates["kvpool kernel"], rates["kvpool batch"], rates["kvpool engine"])
        default = rates["kvpool auto"]
        lines.append(f"{f'{count} x {label} ' + ('scattered' if scattered else 'contiguous'):<26} "
                     f"{default:>8.2f} {rates['kvpool kernel']:>8.2f} {rates['kvpool batch']:>8.2f} "
                     f"{rates['kvpool engine']:>8.2f} "
                     f"{rates['put kernel']:>7.2f} {rates['put batch']:>7.2f} {rates['put engine']:>7.2f} "
                     f"{rates['torch per page']:>11.2f} {rates['torch contiguous']:>13.2f} "
                     f"{default / rates['torch per page']:>18.2f}x {default / rates['torch contiguous']:>14.2f}x "
                     f"{best / rates['torch per page']:>15.2f}x")
    lines.append("default = get_to_device choosing its copy itself (kvpool._device.choose_method); kernel, batch, "
                 "engine = each copy named")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
