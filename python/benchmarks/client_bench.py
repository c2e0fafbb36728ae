"""The Python client's data path beside a plain numpy copy of the same bytes, in one run, on this host: get and put of
batches of 32 blocks (64 KiB and 2 MiB), and SGLang's batch_get_v1 of 128 pages. Starts its own manager on a region
in /dev/shm (through ./kvpool manager) unless --control names a running one. Prints GB/s and the ratio to the copy.

    python3 python/benchmarks/client_bench.py [--seconds 2] [--control SOCKET --admin-token TOKEN]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import kvpool  # noqa: E402

ROOT = HERE.parents[1]
BATCH = 32


def start_manager(directory: Path) -> subprocess.Popen:
    log = open(directory / "manager.log", "wb")
    process = subprocess.Popen([str(ROOT / "kvpool"), "manager", "--region-file", str(directory / "region"),
                                "--size", "1g", "--slab-size", "64m", "--embedded-aeron-dir", str(directory / "aeron"),
                                "--metrics-port", "-1", "--admin-token", "bench"], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    while b"\nready" not in (directory / "manager.log").read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the manager did not start:\n" + (directory / "manager.log").read_text())
        time.sleep(0.1)
    return process


def rate(action, nbytes: int, seconds: float) -> float:
    """GB/s of ``action`` (moving nbytes each call), after one warm-up call."""
    action()
    calls, start = 0, time.perf_counter()
    while True:
        action()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls * nbytes / elapsed / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement (default 2)")
    parser.add_argument("--control", help="a running manager's control socket (default: start one)")
    parser.add_argument("--admin-token", default="bench", help="that manager's admin token")
    args = parser.parse_args()
    directory = None
    manager = None
    control = args.control
    if control is None:
        directory = Path(tempfile.mkdtemp(prefix="kvpool-pybench-", dir="/dev/shm"))
        manager = start_manager(directory)
        control = str(directory / "aeron.sock")
    print(f"python client benchmark: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    rows = []
    try:
        with kvpool.connect(control) as pool:
            for block in (64 * 1024, 2 << 20):
                name = f"pybench-{block}"
                pool.create_namespace(name, block, "t", admin_token=args.admin_token)
                ns = pool.namespace(name, block, "t")
                sources = [np.random.default_rng(i).integers(0, 256, block, dtype=np.uint8) for i in range(BATCH)]
                destinations = [np.empty(block, dtype=np.uint8) for _ in range(BATCH)]
                keys = kvpool.chain_keys(range(BATCH * 4), 4, parent=block.to_bytes(32, "little"))
                assert ns.put(keys, sources) == [kvpool.STORED] * BATCH
                assert ns.get(keys, destinations) == [True] * BATCH
                assert all(np.array_equal(s, d) for s, d in zip(sources, destinations)), "every byte checked"
                region = pool._region.bytes
                offsets = [ns._locations[key][2] for key in keys]

                def copy():
                    for offset, destination in zip(offsets, destinations):
                        np.copyto(destination, region[offset:offset + block])

                def get():
                    ns.get(keys, destinations)

                counter = [0]

                def put():
                    counter[0] += 1
                    fresh = kvpool.chain_keys(range(BATCH * 4), 4, parent=(block * 1000 + counter[0]).to_bytes(
                        32, "little"))
                    ns.put(fresh, sources)

                bytes_moved = BATCH * block
                copy_rate = rate(copy, bytes_moved, args.seconds)
                rows.append((f"get {BATCH} x {block >> 10} KiB", rate(get, bytes_moved, args.seconds), copy_rate))
                rows.append((f"put {BATCH} x {block >> 10} KiB", rate(put, bytes_moved, args.seconds), copy_rate))
                ns.close()
            rows.append(sglang_row(pool, control, args))
    finally:
        if manager is not None:
            os.killpg(manager.pid, signal.SIGTERM)
            manager.wait(60)
            shutil.rmtree(directory, ignore_errors=True)
    print(f"{'operation':<28} {'GB/s':>8} {'copy GB/s':>10} {'ratio':>7}")
    for label, measured, baseline in rows:
        print(f"{label:<28} {measured:>8.2f} {baseline:>10.2f} {measured / baseline:>6.2f}x")


def sglang_row(pool, control: str, args):
    """batch_get_v1 of 128 pages of a page_first host pool (16 tokens, 8 layers, 8 KV heads x 128, bf16: 512 KiB a
    page, K and V 256 KiB each) beside a copy of the same bytes into the same host slots."""
    try:
        import torch
    except ImportError:
        return ("sglang batch_get_v1 (no torch)", float("nan"), 1.0)
    from kvpool.sglang import KvpoolHiCacheStorage
    from types import SimpleNamespace

    pages, page_size, per_token = 128, 16, 8 * 8 * 128 * 2
    half = page_size * per_token

    class HostPool:
        layout, dtype = "page_first", torch.bfloat16

        def __init__(self):
            self.page_size, self.size = page_size, pages * page_size * 2
            self.buffer = torch.zeros(2 * self.size * per_token, dtype=torch.uint8)

        def get_page_buffer_meta(self, indices):
            index = indices.tolist()
            base = self.buffer.data_ptr()
            pointers = []
            for i in range(0, len(index), self.page_size):
                k = base + index[i] * per_token
                pointers.extend([k, k + self.size * per_token])
            return pointers, [half] * len(pointers)

    config = SimpleNamespace(tp_rank=0, tp_size=1, is_mla_model=False, model_name="bench",
                             extra_config={"control": control, "token": "t", "admin_token": args.admin_token,
                                           "namespace": "pybench-sglang"})
    backend = KvpoolHiCacheStorage(config, {})
    host = HostPool()
    backend.register_mem_pool_host(host)
    host.buffer.random_()
    keys = [f"{i:064x}" for i in range(pages)]
    source = torch.arange(0, pages * page_size, dtype=torch.int64)
    target = torch.arange(pages * page_size, 2 * pages * page_size, dtype=torch.int64)
    assert all(backend.batch_set_v1(keys, source))
    assert backend.batch_get_v1(keys, target) == [True] * pages
    view = host.buffer.numpy()
    spans = [(int(p) * per_token, int(q) * per_token) for p, q in zip(source[::page_size], target[::page_size])]

    def copy():
        for src, dst in spans:
            for shift in (0, host.size * per_token):
                np.copyto(view[dst + shift:dst + shift + half], view[src + shift:src + shift + half])

    def get():
        backend.batch_get_v1(keys, target)

    moved = pages * 2 * half
    row = (f"sglang batch_get_v1 {pages} pages", rate(get, moved, args.seconds), rate(copy, moved, args.seconds))
    backend.close()
    return row


if __name__ == "__main__":
    main()
