"""The GPU path (Namespace.get_to_device / put_from_device) against a real manager process.

Without a GPU (./kvpool test here): the protocol and the planning of the copies run for real, with the one part that
needs a GPU — the copy itself — done by ``memmove`` between the region and host memory given as (address, bytes)
pieces, exactly as the GPU copier is handed them. On a CUDA machine (bench/engine/run.sh runs these there) the same
checks run on CUDA tensors through every copy method: the Triton kernel, cuMemcpyBatchAsync and cudaMemcpyAsync."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

import kvpool
from test_client import BLOCK, payload


def host_copier(sources, destinations, sizes, method):
    for source, destination, size in zip(sources, destinations, sizes):
        ctypes.memmove(destination, source, size)


def address(array: np.ndarray) -> int:
    return array.ctypes.data


@pytest.fixture
def namespace(manager):
    with kvpool.connect(manager.control) as pool:
        pool.create_namespace("py", BLOCK, "py-token", admin_token="admin")
        yield pool, pool.namespace("py", BLOCK, "py-token")


def test_blocks_go_to_and_from_device_pieces(namespace):
    pool, ns = namespace
    pool.device(copier=host_copier)
    keys = kvpool.chain_keys(range(16 * 6), 16)
    pages = [payload(300 + i, BLOCK) for i in range(6)]
    half = BLOCK // 2
    # K and V of a page as two pieces (a paged cache's two pools), stored end to end in one block.
    sources = [[(address(page), half), (address(page) + half, half)] for page in pages]
    assert ns.put_from_device(keys, sources) == [kvpool.STORED] * 6
    assert ns.put_from_device(keys[:2], sources[:2]) == [kvpool.ALREADY_EXISTS] * 2
    # Read back by the host path: the bytes stored are the pieces end to end.
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
    assert ns.get(keys, out) == [True] * 6
    assert all(np.array_equal(o, p) for o, p in zip(out, pages))
    # And by the device path, into pieces of another split.
    k = [np.zeros(BLOCK // 4, dtype=np.uint8) for _ in keys]
    v = [np.zeros(3 * BLOCK // 4, dtype=np.uint8) for _ in keys]
    missing = kvpool.chain_keys(range(5000, 5016), 16)
    spare = np.zeros(BLOCK, dtype=np.uint8)
    found = ns.get_to_device(keys + missing, [[(address(a), a.size), (address(b), b.size)] for a, b in zip(k, v)] +
                             [[(address(spare), BLOCK)]])
    assert found == [True] * 6 + [False]
    assert all(np.array_equal(np.concatenate([a, b]), p) for a, b, p in zip(k, v, pages))
    assert not spare.any(), "a miss copies nothing"


def test_a_block_removed_during_its_device_copy_is_a_miss(namespace):
    pool, ns = namespace
    keys = kvpool.chain_keys(range(16 * 4), 16)
    pages = [payload(400 + i, BLOCK) for i in range(4)]
    assert ns.put(keys, pages) == [kvpool.STORED] * 4
    removed = []

    def copier_with_a_removal(sources, destinations, sizes, method):
        # Between the read protocol's two checks the manager frees block 1 (as eviction would), then the copy runs.
        removed.append(ns.remove([keys[1]]))
        host_copier(sources, destinations, sizes, method)

    pool.device(copier=copier_with_a_removal)
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
    assert ns.get_to_device(keys, [[(address(o), BLOCK)] for o in out]) == [True, False, True, True]
    assert removed == [[True]]
    assert np.array_equal(out[0], pages[0]) and np.array_equal(out[3], pages[3])


def test_batches_in_flight_answer_each_for_its_own_keys(namespace):
    """start_get_to_device launches; wait answers. Two batches launched before either is waited for (a prompt's
    next layer launched before this one is used), the second with a miss."""
    pool, ns = namespace
    pool.device(copier=host_copier)
    keys = kvpool.chain_keys(range(16 * 6, 16 * 10), 16)
    pages = [payload(600 + i, BLOCK) for i in range(4)]
    assert ns.put(keys, pages) == [kvpool.STORED] * 4
    first = [np.zeros(BLOCK, dtype=np.uint8) for _ in range(2)]
    second = [np.zeros(BLOCK, dtype=np.uint8) for _ in range(3)]
    pending_first = ns.start_get_to_device(keys[:2], [[(address(o), BLOCK)] for o in first])
    pending_second = ns.start_get_to_device(keys[2:] + kvpool.chain_keys(range(9000, 9016), 16),
                                            [[(address(o), BLOCK)] for o in second])
    assert pending_second.wait() == [True, True, False]
    assert pending_first.wait() == [True, True]
    assert pending_first.wait() == [True, True], "wait answers again, the same"
    assert all(np.array_equal(o, p) for o, p in zip(first + second[:2], pages))


def test_a_block_corrupted_in_the_pool_is_caught_by_verify_not_used(namespace):
    """Bytes of a sealed block changed behind the manager's back (a bit flip, a rogue writer): the read protocol
    cannot see it, its checksum can. verify=True checksums the bytes as they landed (CRC32C, the one the manager
    recorded at commit), so the block is a miss; the others are served."""
    pytest.importorskip("torch", reason="verify=True checksums the landed bytes with torch (python3-torch)")
    pool, ns = namespace
    pool.device(copier=host_copier)
    keys = kvpool.chain_keys(range(16 * 30, 16 * 34), 16)
    pages = [payload(800 + i, BLOCK - 100 * i) for i in range(4)]  # lengths differ: checksummed a length at a time
    assert ns.put(keys, pages) == [kvpool.STORED] * 4
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
    destinations = [[(address(o), BLOCK)] for o in out]
    pending = ns.start_get_to_device(keys, destinations, verify=True)
    assert pending.wait() == [True] * 4 and pending.corrupt == [], "the manager's CRC32C and ours agree"
    block, generation, offset, length = ns._locations[keys[2]]
    pool._region.bytes[offset + length // 2] ^= 0x40
    assert ns.get_to_device(keys, destinations) == [True] * 4, "without verify, corruption goes unseen"
    pending = ns.start_get_to_device(keys, destinations, verify=True)
    assert pending.wait() == [True, True, False, True]
    assert pending.corrupt == [2]
    assert all(np.array_equal(out[i][:pages[i].size], pages[i]) for i in (0, 1, 3))


def test_crc32c_of_many_strings_at_once_matches_the_standard():
    torch = pytest.importorskip("torch")
    from kvpool._crc import crc32c
    assert crc32c(torch.tensor([list(b"123456789")], dtype=torch.uint8), 9).tolist() == [0xE3069283]
    table = [0] * 256
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table[byte] = crc

    def bytewise(data: bytes) -> int:
        crc = 0xFFFFFFFF
        for value in data:
            crc = table[(crc ^ value) & 0xFF] ^ (crc >> 8)
        return crc ^ 0xFFFFFFFF

    rng = np.random.default_rng(5)
    for length in (1, 255, 256, 257, 16 * 1024 + 3, 300 * 256):  # within, at and past segment and group edges
        rows = rng.integers(0, 256, (3, length), dtype=np.uint8)
        assert crc32c(torch.from_numpy(rows), length).tolist() == [bytewise(row.tobytes()) for row in rows], length


def test_adjacent_copies_go_as_one():
    from kvpool._device import _coalesce, _MAX_MERGED
    # Blocks 0-2 adjacent on both sides, then a gap on the device side, then a region-side gap.
    assert _coalesce([1000, 1100, 1200, 1300, 5000], [0, 100, 200, 900, 1000], [100, 100, 100, 100, 100]) == \
        ([1000, 1300, 5000], [0, 900, 1000], [300, 100, 100])
    half = _MAX_MERGED // 2
    assert _coalesce([0, half, 2 * half], [0, half, 2 * half], [half, half, half]) == \
        ([0, 2 * half], [0, 2 * half], [2 * half, half]), "a merged piece stops at the kernel's bound"


def test_a_named_copy_reaches_the_copier_and_none_leaves_the_choice_to_it(namespace):
    pool, ns = namespace
    named = []

    def recording_copier(sources, destinations, sizes, method):
        named.append(method)
        host_copier(sources, destinations, sizes, method)

    pool.device(copier=recording_copier)
    keys = kvpool.chain_keys(range(16 * 30, 16 * 32), 16)
    pages = [payload(900 + i, BLOCK) for i in range(2)]
    assert ns.put_from_device(keys, [[(address(p), BLOCK)] for p in pages], copy="engine") == [kvpool.STORED] * 2
    back = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
    assert ns.get_to_device(keys, [[(address(b), BLOCK)] for b in back], copy="kernel") == [True] * 2
    assert ns.start_get_to_device(keys, [[(address(b), BLOCK)] for b in back], copy="batch").wait() == [True] * 2
    assert ns.get_to_device(keys, [[(address(b), BLOCK)] for b in back]) == [True] * 2
    assert named == ["engine", "kernel", "batch", None]
    assert all(np.array_equal(b, p) for b, p in zip(back, pages))


def test_the_default_copy_follows_piece_size_and_what_the_driver_has():
    from kvpool._device import choose_method
    small, large = [16 << 10] * 3, [16 << 10, 64 << 10]
    addresses = [0, 1 << 20, 2 << 20]
    assert choose_method(addresses, addresses, small, batch=True, engine=True) == "kernel"
    assert choose_method(addresses[:2], addresses[:2], large, batch=True, engine=True) == "engine", "few pieces"
    assert choose_method(addresses[:2], addresses[:2], large, batch=True, engine=False) == "batch"
    many = [i << 20 for i in range(5)]
    assert choose_method(many, many, [64 << 10] * 5, batch=True, engine=True) == "batch"
    assert choose_method(many, many, [64 << 10] * 5, batch=False, engine=True) == "engine"
    assert choose_method(addresses[:2], addresses[:2], large, batch=False, engine=False) == "kernel"
    unaligned = [addresses[0] + 4]
    assert choose_method(unaligned, addresses[:1], [4096], batch=False, engine=True) == "engine"
    assert choose_method(addresses[:1], addresses[:1], [4100], batch=True, engine=False) == "batch"
    with pytest.raises(ValueError, match="not aligned to 8 bytes"):
        choose_method(unaligned, addresses[:1], [4096], batch=False, engine=False)


def test_device_path_errors_name_the_fix(namespace):
    pool, ns = namespace
    keys = kvpool.chain_keys(range(32), 16)
    with pytest.raises(ValueError, match="2 destinations for 1 keys"):
        ns.get_to_device(keys[:1], [[(1, 8)], [(2, 8)]])
    with pytest.raises(ValueError, match="a block holds 1 to 65536"):
        ns.put_from_device(keys[:1], [[(1, BLOCK), (2, 8)]])
    with pytest.raises(ValueError, match="piece of 0 bytes"):
        ns.put_from_device(keys[:1], [[(1, 0)]])
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="the GPU path takes CUDA tensors"):
        ns.get_to_device(keys[:1], [torch.zeros(BLOCK, dtype=torch.uint8)])
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="need a CUDA GPU"):
            pool.device()


cuda = pytest.mark.skipif(not __import__("importlib").util.find_spec("torch") or
                          not __import__("torch").cuda.is_available(),
                          reason="no CUDA GPU here: bench/engine/run.sh runs these on the lent GPU")


@cuda
@pytest.mark.parametrize("method", ["kernel", "batch", "engine"])
def test_cuda_tensors_round_trip_through_every_copy_method(namespace, method):
    import torch
    pool, ns = namespace
    device = pool.device()
    assert device.register_seconds > 0
    if method == "engine" and device._memcpy is None:
        pytest.skip("no libcudart found beside torch: the copy engines' path is unavailable here")
    if method == "batch" and device._batch is None:
        pytest.skip("this CUDA driver has no cuMemcpyBatchAsync (12.8+)")
    keys = kvpool.chain_keys(range(16 * 8, 16 * 16), 16)
    pages = [torch.from_numpy(payload(500 + i, BLOCK).copy()).cuda() for i in range(8)]
    half = BLOCK // 2
    sources = [[(p.data_ptr(), half), (p.data_ptr() + half, half)] for p in pages]
    assert ns.put_from_device(keys, sources, copy=method) == [kvpool.STORED] * 8
    out = [np.zeros(BLOCK, dtype=np.uint8) for _ in keys]
    assert ns.get(keys, out) == [True] * 8
    assert all(np.array_equal(o, p.cpu().numpy()) for o, p in zip(out, pages))
    back = [torch.zeros(BLOCK, dtype=torch.uint8, device="cuda") for _ in keys]
    assert ns.get_to_device(keys, back, copy=method) == [True] * 8
    assert all(torch.equal(b, p) for b, p in zip(back, pages))
    # The same checked on the GPU against the manager's CRC32C, then with one block corrupted in the pool.
    assert ns.get_to_device(keys, back, verify=True, copy=method) == [True] * 8
    block, generation, offset, length = ns._locations[keys[5]]
    pool._region.bytes[offset + 7] ^= 0x01
    assert ns.get_to_device(keys, back, verify=True, copy=method) == [True] * 5 + [False] + [True] * 2


@cuda
@pytest.mark.parametrize("method", ["kernel", "batch", "engine"])
def test_copies_run_from_a_thread_that_never_called_cuda(namespace, method):
    """An engine loads KV from a loader thread of its own; a driver call there needs the device's context made
    current first (the batched copy once failed so, with CUDA error 1)."""
    import threading
    import torch
    pool, ns = namespace
    device = pool.device()
    if (method == "batch" and device._batch is None) or (method == "engine" and device._memcpy is None):
        pytest.skip(f"no {method} copy here")
    keys = kvpool.chain_keys(range(16 * 20, 16 * 24), 16)
    pages = [payload(700 + i, BLOCK) for i in range(4)]
    assert ns.put(keys, pages) == [kvpool.STORED] * 4
    back = [torch.zeros(BLOCK, dtype=torch.uint8, device="cuda") for _ in keys]
    answer = []
    thread = threading.Thread(target=lambda: answer.append(ns.get_to_device(keys, back, copy=method)))
    thread.start()
    thread.join(60)
    assert answer == [[True] * 4]
    assert all(torch.equal(b.cpu(), torch.from_numpy(p.copy())) for b, p in zip(back, pages))
