"""The Python client against a real manager process: every API call and error, keys and bytes shared with the Java
client, concurrent threads, eviction during reads, and a manager killed mid-stream."""

from __future__ import annotations

import concurrent.futures
import os
import struct
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import kvpool
from kvpool import _wire

ROOT = Path(__file__).resolve().parents[2]
BLOCK = 64 * 1024


def payload(seed: int, length: int) -> np.ndarray:
    """Payloads.fill of the Java protocol module: xorshift words, then a byte tail."""
    out = bytearray(length)
    x = (seed * 0x9E3779B97F4A7C15 + 1) & 0xFFFFFFFFFFFFFFFF
    words = length // 8
    for i in range(words):
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        struct.pack_into("<Q", out, i * 8, x)
    for i in range(words * 8, length):
        out[i] = (seed + i) & 0xFF
    return np.frombuffer(bytes(out), dtype=np.uint8)


def worker_key(number: int) -> bytes:
    """ClientWorker.keys of the Java system tests: the number (big-endian), 0x7B7B, zeros."""
    return struct.pack(">qq", number, 0x7B7B) + bytes(16)


def worker_length(number: int) -> int:
    return BLOCK - number % 1024


def java(main: str, *args: str) -> subprocess.CompletedProcess:
    jdk = subprocess.run([str(ROOT / "kvpool"), "jdk"], capture_output=True, text=True, check=True).stdout.split()[0]
    classes = ROOT / "cli" / "target" / "test-classes"
    if not classes.is_dir():
        pytest.skip("the Java test classes are not built (./kvpool test builds them): cross-language checks need "
                    "ClientWorker")
    options = [line for line in (ROOT / "jvm.options").read_text().splitlines()
               if line and not line.startswith("#") and "SimpleFormatter" not in line]
    classpath = f"{classes}:{ROOT / 'cli' / 'target' / 'lib'}/*"
    return subprocess.run([f"{jdk}/bin/java", *options, "-cp", classpath, main, *args], capture_output=True,
                          text=True, timeout=240)


@pytest.fixture
def pool(manager):
    with kvpool.connect(manager.control) as pool:
        pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
        yield pool


def test_put_get_exists_contains_remove(pool):
    ns = pool.namespace("py", BLOCK, "py-token")
    keys = kvpool.chain_keys(range(64), 16)
    assert len(keys) == 4 and all(len(key) == 32 for key in keys)
    pages = [payload(i, BLOCK - i) for i in range(4)]
    assert ns.exists(keys) == 0
    assert ns.put(keys[:3], pages[:3]) == [kvpool.STORED] * 3
    assert ns.put(keys[:1], pages[:1]) == [kvpool.ALREADY_EXISTS]
    assert ns.exists(keys) == 3
    assert ns.contains(keys) == [True, True, True, False]
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in range(4)]
    assert ns.get(keys, out) == [True, True, True, False]
    for i in range(3):
        assert np.array_equal(out[i][:BLOCK - i], pages[i]), f"block {i} byte-exact"
    # A repeat hit: served from the cached location, validated against the block table.
    again = bytearray(BLOCK)
    assert ns.get(keys[1:2], [again]) == [True]
    assert bytes(again[:BLOCK - 1]) == pages[1].tobytes()
    assert ns.remove(keys[:2]) == [True, True]
    assert ns.contains(keys[:3]) == [False, False, True]
    assert ns.get(keys[:1], out[:1]) == [False]


def test_async_and_torch_buffers(pool):
    ns = pool.namespace("py", BLOCK, "py-token")
    keys = kvpool.chain_keys(range(1000, 1000 + 8 * 16), 16)
    pages = [payload(100 + i, BLOCK) for i in range(8)]
    assert ns.put_async(keys, pages).result(30) == [kvpool.STORED] * 8
    torch = pytest.importorskip("torch", reason="torch is optional; tensors are accepted wherever buffers are")
    tensors = [torch.zeros(BLOCK, dtype=torch.uint8) for _ in keys]
    assert ns.get_async(keys, tensors).result(30) == [True] * 8
    assert all(np.array_equal(t.numpy(), p) for t, p in zip(tensors, pages))


def test_errors_name_the_problem_and_the_fix(manager, pool):
    with pytest.raises(kvpool.NotAuthorized, match="check its name and token"):
        pool.namespace("py", BLOCK, "wrong-token")
    with pytest.raises(kvpool.NotAuthorized):
        pool.namespace("nope", BLOCK, "py-token")
    with pytest.raises(ValueError, match="has blocks of 65536 bytes, not 131072"):
        pool.namespace("py", 2 * BLOCK, "py-token")
    ns = pool.namespace("py", BLOCK, "py-token")
    with pytest.raises(ValueError, match="at most 1024"):
        ns.exists([bytes(32)] * 1025)
    with pytest.raises(ValueError, match="a key is 32 bytes"):
        ns.contains([b"short"])
    with pytest.raises(ValueError, match="one buffer per key"):
        ns.get([bytes(32)], [])
    with pytest.raises(ValueError, match="holds a whole block"):
        ns.get([bytes(32)], [bytearray(10)])
    with pytest.raises(ValueError, match="2 piece lists for 1 keys: one list per key"):
        ns.get_pieces([bytes(32)], [[bytearray(BLOCK)], [bytearray(BLOCK)]])
    with pytest.raises(ValueError, match="0 piece lists for 1 keys"):
        ns.put_pieces([bytes(32)], [])
    with pytest.raises(ValueError, match="read-only"):
        ns.get_pieces([bytes(32)], [[bytes(BLOCK)]])
    with pytest.raises(ValueError, match="read-only"):
        ns.get([bytes(32)], [bytes(BLOCK)])
    with pytest.raises(ValueError, match="1 to 65536"):
        ns.put([bytes(32)], [bytes(BLOCK + 1)])
    with pytest.raises(kvpool.PoolError, match="wrong admin token"):
        pool.create_namespace("other", BLOCK, "t", admin_token="not-admin")
    with pytest.raises(kvpool.ManagerUnreachable, match="is it running"):
        kvpool.connect(manager.control + ".nothing-here", timeout_s=0.5)
    with pytest.raises(kvpool.RegionError, match="cannot open the region"):
        with kvpool.connect(manager.control, region="/dev/shm/no-such-region") as other:
            other.namespace("py", BLOCK, "py-token")


def test_chain_keys_match_the_java_client(launcher):
    tokens = [7, 0, 65535, 2 ** 31 - 1, -1, 42, 3, 9] * 8
    parent = bytes(range(32))
    result = subprocess.run([str(ROOT / "kvpool"), "keys", "--block-tokens", "16", "--parent", parent.hex(),
                             *map(str, tokens)], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [key.hex() for key in kvpool.chain_keys(tokens, 16, parent)]
    with pytest.raises(ValueError, match="must be positive"):
        kvpool.chain_keys(tokens, 0)
    with pytest.raises(ValueError, match="a key is 32"):
        kvpool.chain_keys(tokens, 16, b"x")


def test_blocks_cross_between_python_and_java(manager, pool):
    ns = pool.namespace("py", BLOCK, "py-token")
    numbers = range(5000, 5040)
    assert ns.put([worker_key(n) for n in numbers], [payload(n, worker_length(n)) for n in numbers]) == \
        [kvpool.STORED] * 40
    read = java("io.kvpool.cli.ClientWorker", manager.aeron_dir, "py", "py-token", "read", "5000", "40", str(BLOCK))
    assert read.returncode == 0 and "verified 40" in read.stdout, read.stdout + read.stderr
    wrote = java("io.kvpool.cli.ClientWorker", manager.aeron_dir, "py", "py-token", "write", "7000", "40",
                 str(BLOCK))
    assert wrote.returncode == 0 and "wrote 40" in wrote.stdout, wrote.stdout + wrote.stderr
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in range(40)]
    assert ns.get([worker_key(n) for n in range(7000, 7040)], out) == [True] * 40
    for i, n in enumerate(range(7000, 7040)):
        assert np.array_equal(out[i][:worker_length(n)], payload(n, worker_length(n))), f"key {n}"


def test_threads_share_a_namespace(pool, monkeypatch):
    # A commit every three blocks: each put pipelines six COMMITs under its copies while the other threads' requests
    # share the same connection; every answer must reach the request it answers.
    monkeypatch.setattr(kvpool, "_COMMIT_EVERY_BYTES", 3 * BLOCK)
    ns = pool.namespace("py", BLOCK, "py-token")

    def work(thread: int) -> int:
        good = 0
        for round_ in range(3):
            base = (thread * 10 + round_) * 10_000
            keys = kvpool.chain_keys(range(base, base + 16 * 16), 16)
            missing = kvpool.chain_keys(range(base + 5_000, base + 5_000 + 16 * (thread + 1)), 16)
            pages = [payload(thread * 100 + round_ * 20 + i, BLOCK) for i in range(16)]
            assert ns.put(keys, pages) == [kvpool.STORED] * 16
            assert ns.exists(keys) == 16
            assert ns.contains(missing + keys[:2]) == [False] * (thread + 1) + [True, True]
            out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
            assert ns.get(keys, out) == [True] * 16
            good += sum(np.array_equal(o, p) for o, p in zip(out, pages))
            assert ns.put(keys[:4], pages[:4]) == [kvpool.ALREADY_EXISTS] * 4
        return good

    with concurrent.futures.ThreadPoolExecutor(4) as threads:
        assert list(threads.map(work, range(4))) == [48] * 4


def test_eviction_during_reads_serves_no_wrong_bytes(manager):
    with kvpool.connect(manager.control) as pool:
        # A namespace of one 2 MiB slab: 32 blocks, so every put of new keys evicts.
        pool.create_namespace("small", BLOCK, "t", max_slabs=1, admin_token="admin")
        writer = pool.namespace("small", BLOCK, "t")
        reader = pool.namespace("small", BLOCK, "t")
        stop = threading.Event()
        wrong = []
        served = [0]

        def read():
            out = [np.zeros(BLOCK, dtype=np.uint8) for _ in range(8)]
            while not stop.is_set():
                for start in range(0, 200, 8):
                    numbers = range(start, start + 8)
                    found = reader.get([worker_key(n) for n in numbers], out)
                    for ok, n, o in zip(found, numbers, out):
                        if ok:
                            served[0] += 1
                            if not np.array_equal(o[:worker_length(n)], payload(n, worker_length(n))):
                                wrong.append(n)

        thread = threading.Thread(target=read)
        thread.start()
        try:
            for _ in range(6):
                for start in range(0, 200, 8):
                    numbers = range(start, start + 8)
                    writer.remove([worker_key(n) for n in numbers])
                    writer.put([worker_key(n) for n in numbers], [payload(n, worker_length(n)) for n in numbers])
        finally:
            stop.set()
            thread.join(60)
        assert wrong == [], f"{len(wrong)} blocks served with wrong bytes"
        assert served[0] > 0, "the reader hit something"


def test_survives_a_manager_restart(manager):
    with kvpool.connect(manager.control) as pool:
        pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
        ns = pool.namespace("py", BLOCK, "py-token")
        keys = kvpool.chain_keys(range(16 * 8), 16)
        pages = [payload(i, BLOCK) for i in range(8)]
        assert ns.put(keys, pages) == [kvpool.STORED] * 8
        manager.kill()
        manager.start()
        # The next call re-establishes the session by itself; nothing acknowledged is lost.
        out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
        assert ns.get(keys, out) == [True] * 8
        assert all(np.array_equal(o, p) for o, p in zip(out, pages))
        assert ns.exists(keys) == 8
        manager.kill()
        manager.start()
        # A put first after a restart: its RESERVE finds the connection gone and goes again on a new session.
        more = kvpool.chain_keys(range(16 * 8, 16 * 12), 16, parent=keys[-1])
        assert ns.put(more, pages[:4]) == [kvpool.STORED] * 4
        assert ns.exists(keys + more) == 12


def test_a_put_cut_by_a_manager_kill_says_so_and_loses_nothing_acknowledged(manager, monkeypatch):
    """SIGKILL while a put still copies, its first commits already sent: the put raises ConnectionError (its outcome
    unknown), and putting again after the restart stores the rest; every block then reads back byte-exact."""
    monkeypatch.setattr(kvpool, "_COMMIT_EVERY_BYTES", BLOCK)
    with kvpool.connect(manager.control) as pool:
        pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
        ns = pool.namespace("py", BLOCK, "py-token")
        keys = kvpool.chain_keys(range(16 * 8), 16)
        pages = [payload(50 + i, BLOCK) for i in range(8)]
        copies = [0]
        write_pieces = ns._region.write_pieces

        def write_then_kill(*args):
            copies[0] += 1
            if copies[0] == 5:
                manager.kill()  # four commits were sent, each answered or not
            return write_pieces(*args)

        monkeypatch.setattr(ns._region, "write_pieces", write_then_kill)
        with pytest.raises(ConnectionError, match="outcome is unknown: put again"):
            ns.put(keys, pages)
        monkeypatch.setattr(ns._region, "write_pieces", write_pieces)
        manager.start()
        again = ns.put(keys, pages)
        assert set(again) <= {kvpool.STORED, kvpool.ALREADY_EXISTS}, [kvpool.status_name(s) for s in again]
        assert again[4:] == [kvpool.STORED] * 4, "the blocks copied after the kill were never committed"
        out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
        assert ns.get(keys, out) == [True] * 8
        assert all(np.array_equal(o, p) for o, p in zip(out, pages))


def test_a_put_longer_than_the_lease_renews_it(launcher, monkeypatch):
    """A manager whose reservations last 1 s, and a put whose copies take 3 s: the put renews its leases as it goes
    (every third of a lease), so every block is stored; without renewals the late ones would be LEASE_EXPIRED."""
    from conftest import Manager
    import shutil
    import tempfile
    import time
    directory = Path(tempfile.mkdtemp(prefix="kvpool-py-", dir="/dev/shm"))
    manager = Manager(directory, ["--lease", "1s"])
    try:
        manager.start()
        with kvpool.connect(manager.control) as pool:
            pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
            ns = pool.namespace("py", BLOCK, "py-token")
            assert ns._control.session.reservation_lease_ns == 1_000_000_000
            write_pieces = ns._region.write_pieces

            def slow_write(*args):
                time.sleep(0.4)
                return write_pieces(*args)

            monkeypatch.setattr(ns._region, "write_pieces", slow_write)
            keys = kvpool.chain_keys(range(16 * 8), 16)
            pages = [payload(70 + i, BLOCK) for i in range(8)]
            assert ns.put(keys, pages) == [kvpool.STORED] * 8
            out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
            assert ns.get(keys, out) == [True] * 8
            assert all(np.array_equal(o, p) for o, p in zip(out, pages))
    finally:
        manager.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_bad_frames_on_the_socket_get_an_error_or_a_closed_connection(manager, pool):
    import socket
    for frame in (_wire.header(999, 24, 1, 0), _wire.header(_wire.HELLO, 10, 1, 0),
                  _wire.header(_wire.HELLO, 70_000, 1, 0), b"\x00" * 7):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(manager.control)
        sock.sendall(frame)
        if len(frame) >= 24:
            answer = sock.recv(4096)
            assert _wire.decode_header(answer)[0] == _wire.ERROR
        sock.close()
    ns = pool.namespace("py", BLOCK, "py-token")
    assert ns.exists(kvpool.chain_keys(range(16), 16)) == 0, "still serving"


def test_the_package_builds_as_a_wheel_without_an_index(tmp_path):
    """pip install ./python needs no package index: the in-tree backend packs the package with the standard
    library alone."""
    import sys
    import zipfile
    sys.path.insert(0, str(ROOT / "python"))
    try:
        import build_backend
    finally:
        sys.path.pop(0)
    assert build_backend.get_requires_for_build_wheel() == []
    name = build_backend.build_wheel(str(tmp_path))
    assert name == "kvpool-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / name) as wheel:
        names = set(wheel.namelist())
        assert {"kvpool/__init__.py", "kvpool/sglang.py", "kvpool/_region.py",
                "kvpool-0.1.0.dist-info/METADATA", "kvpool-0.1.0.dist-info/RECORD"} <= names
        assert "Requires-Dist: numpy" in wheel.read("kvpool-0.1.0.dist-info/METADATA").decode()


def test_hits_served_from_cached_locations_are_seen_by_eviction(pool):
    ns = pool.namespace("py", BLOCK, "py-token")
    keys = kvpool.chain_keys(range(50_000, 50_000 + 16), 16)
    assert ns.put(keys, [payload(1, BLOCK)]) == [kvpool.STORED]
    out = [np.zeros(BLOCK, dtype=np.uint8)]
    assert ns.get(keys, out) == [True]
    block = ns._locations[keys[0]][0]
    region = pool._region
    tick_offset = (region.geometry.block_entry_offset(block) + 24) // 4
    before = int(region._u32[tick_offset])
    assert ns.get(keys, out) == [True], "a repeat hit, from the cached location: no request to the manager"
    assert int(region._u32[tick_offset]) > before, "the hit is recorded in the block table's access tick"


def test_first_gets_find_blocks_through_the_key_directory(manager, pool, monkeypatch):
    """Keys another client put are found by a fresh namespace handle in the region's key directory: every byte
    right, and a LOOKUP (or LONGEST_PREFIX) sent only for keys the directory does not name — absent, removed."""
    writer = pool.namespace("py", BLOCK, "py-token")
    keys = kvpool.chain_keys(range(60_000, 60_000 + 16 * 12), 16)
    pages = [payload(300 + i, BLOCK - 64 * i) for i in range(12)]
    assert writer.put(keys[:10], pages[:10]) == [kvpool.STORED] * 10
    assert writer.remove(keys[3:4]) == [True]
    with kvpool.connect(manager.control) as other:
        reader = other.namespace("py", BLOCK, "py-token")
        assert reader._region._directory is not None, "the test manager's region keeps a directory"
        sent = []
        request = reader._control.request

        def counting(encode, *args):
            frame = encode(0, 0)
            sent.append((_wire.decode_header(frame)[0], struct.unpack_from("<I", frame, _wire.HEADER_LENGTH)[0]))
            return request(encode, *args)

        monkeypatch.setattr(reader._control, "request", counting)
        out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
        assert reader.get(keys, out) == [i < 10 and i != 3 for i in range(12)]
        for i in (0, 1, 2, 4, 5, 6, 7, 8, 9):
            assert np.array_equal(out[i][:BLOCK - 64 * i], pages[i]), f"key {i}"
        assert sent == [(_wire.LOOKUP, 3)], "only keys 3, 10 and 11 were asked about"
        sent.clear()
        assert reader.exists(keys) == 3
        assert reader.exists(keys[:3]) == 3
        assert sent == [(_wire.LONGEST_PREFIX, 9)], "from key 3 on; keys 0-2 were counted without a request"


def test_a_region_without_a_directory_asks_the_manager(launcher):
    """A region whose slabs fill it to the last byte keeps no key directory: gets and probes ask the manager."""
    from conftest import Manager
    import shutil
    import tempfile
    directory = Path(tempfile.mkdtemp(prefix="kvpool-py-", dir="/dev/shm"))
    manager = Manager(directory, [], size="96m")
    try:
        manager.start()
        with kvpool.connect(manager.control) as pool:
            pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
            ns = pool.namespace("py", BLOCK, "py-token")
            assert ns._region._directory is None
            keys = kvpool.chain_keys(range(16 * 3), 16)
            assert ns.put(keys[:2], [payload(1, BLOCK), payload(2, BLOCK)]) == [kvpool.STORED] * 2
        with kvpool.connect(manager.control) as pool:
            ns = pool.namespace("py", BLOCK, "py-token")
            out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
            assert ns.get(keys, out) == [True, True, False]
            assert np.array_equal(out[1], payload(2, BLOCK))
            assert ns.exists(keys) == 2
    finally:
        manager.stop()
        shutil.rmtree(directory, ignore_errors=True)

