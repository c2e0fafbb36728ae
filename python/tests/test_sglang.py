"""The SGLang backend driven exactly as SGLang's cache controller drives it (SGLang cannot be installed here; read at
commit 001067fffe33427bee0ed2f007fb7551a1d76b44): the factory's ``cls(storage_config, kwargs)``, the controller's
``register_mem_pool_host``, a backup thread that stores only new pages (``batch_exists``, ``batch_set_v1``) while a
prefetch thread loads them (``batch_exists`` then ``batch_get_v1`` into other host slots, counting the leading run of
successes), over a host pool laid out as SGLang's page_first MHA pool and answering ``get_page_buffer_meta`` as it
does."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the SGLang backend's host pools are torch tensors (python3-torch)")

import kvpool  # noqa: E402
from kvpool.sglang import KvpoolHiCacheStorage  # noqa: E402


@dataclass
class HiCacheStorageConfig:
    """The fields of SGLang's HiCacheStorageConfig the backend reads."""
    tp_rank: int
    tp_size: int
    pp_rank: int
    pp_size: int
    attn_cp_rank: int
    attn_cp_size: int
    is_mla_model: bool
    enable_storage_metrics: bool
    is_page_first_layout: bool
    model_name: Optional[str]
    extra_config: Optional[dict] = None


class PageFirstHostPool:
    """SGLang's MHA host pool, page_first: kv_buffer (2, tokens, layers, heads, dim); a page's K and V are two
    pieces, at the addresses get_page_buffer_meta gives."""

    layout = "page_first"

    def __init__(self, tokens=256, page_size=16, layers=4, heads=2, dim=64, dtype=torch.bfloat16):
        self.page_size, self.size, self.dtype = page_size, tokens, dtype
        self.layer_num, self.head_num, self.head_dim = layers, heads, dim
        self.kv_buffer = torch.zeros((2, tokens, layers, heads, dim), dtype=dtype)

    def _per_token(self):
        return self.layer_num * self.head_num * self.head_dim * torch.empty(0, dtype=self.dtype).element_size()

    def get_page_buffer_meta(self, indices):
        ptrs = []
        base = self.kv_buffer.data_ptr()
        index = indices.tolist()
        v_offset = self.size * self._per_token()
        for i in range(0, len(index), self.page_size):
            k_ptr = base + index[i] * self._per_token()
            ptrs.extend([k_ptr, k_ptr + v_offset])
        return ptrs, [self.page_size * self._per_token()] * len(ptrs)

    def page(self, slot):
        flat = self.kv_buffer.view(torch.uint8).reshape(2, -1)
        n = self.page_size * self._per_token()
        return flat[0, slot * n:(slot + 1) * n].clone(), flat[1, slot * n:(slot + 1) * n].clone()

    def fill(self, slot, seed):
        flat = self.kv_buffer.view(torch.uint8).reshape(2, -1)
        n = self.page_size * self._per_token()
        generator = torch.Generator().manual_seed(seed)
        flat[0, slot * n:(slot + 1) * n] = torch.randint(0, 256, (n,), dtype=torch.uint8, generator=generator)
        flat[1, slot * n:(slot + 1) * n] = torch.randint(0, 256, (n,), dtype=torch.uint8, generator=generator)


def page_hashes(tokens, page_size):
    """SGLang's page chain: SHA-256 over the previous hash and the page's token ids, as 64 hex digits."""
    hashes, last = [], None
    for i in range(0, len(tokens) - page_size + 1, page_size):
        digest = hashlib.sha256()
        if last:
            digest.update(bytes.fromhex(last))
        for token in tokens[i:i + page_size]:
            digest.update(int(token).to_bytes(4, "little", signed=False))
        last = digest.hexdigest()
        hashes.append(last)
    return hashes


def config(manager, **extra):
    return HiCacheStorageConfig(0, 1, 0, 1, 0, 1, False, False, True, "meta-llama/Llama-3-8B",
                                {"backend_name": "kvpool", "module_path": "kvpool.sglang",
                                 "class_name": "KvpoolHiCacheStorage", "interface_v1": 1,
                                 "control": manager.control, "token": "sg-token", **extra})


def test_controller_backup_and_prefetch_threads(manager):
    writer_pool = PageFirstHostPool()
    backend = KvpoolHiCacheStorage(config(manager, admin_token="admin"), {})
    backend.register_mem_pool_host(writer_pool)
    reader_pool = PageFirstHostPool()
    reader = KvpoolHiCacheStorage(config(manager), {})   # a second engine: the namespace exists now
    reader.register_mem_pool_host(reader_pool)
    page = writer_pool.page_size
    tokens = list(range(1000, 1000 + 8 * page))
    hashes = page_hashes(tokens, page)
    for slot in range(8):
        writer_pool.fill(slot, seed=slot)
    failures = []

    def backup():
        # The controller writes only pages not already stored.
        try:
            for start in range(0, 8, 2):
                keys = hashes[start:start + 2]
                stored = backend.batch_exists(keys)
                indices = torch.arange((start + stored) * page, (start + 2) * page, dtype=torch.int64)
                results = backend.batch_set_v1(keys[stored:], indices)
                if not all(results):
                    failures.append(f"set {start}: {results}")
        except Exception as error:  # noqa: BLE001
            failures.append(repr(error))

    def prefetch():
        try:
            loaded = 0
            while loaded < 8:
                hit = reader.batch_exists(hashes[loaded:])
                if hit == 0:
                    continue
                # Into other host slots than the writer's: slots 8 to 15 of the reader's pool.
                results = reader.batch_get_v1(hashes[loaded:loaded + hit], torch.arange(
                    (8 + loaded) * page, (8 + loaded + hit) * page, dtype=torch.int64))
                run = results.index(False) if False in results else len(results)
                loaded += run
        except Exception as error:  # noqa: BLE001
            failures.append(repr(error))

    threads = [threading.Thread(target=backup), threading.Thread(target=prefetch)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    for slot in range(8):
        k, v = reader_pool.page(8 + slot)
        want_k, want_v = writer_pool.page(slot)
        assert torch.equal(k, want_k) and torch.equal(v, want_v), f"page {slot}: K and V byte-exact"
    # Storing pages again changes nothing (already present), and a missing page is a miss, never an exception.
    assert backend.batch_set_v1(hashes[:2], torch.arange(0, 2 * page, dtype=torch.int64)) == [True, True]
    assert reader.batch_get_v1(["f" * 64], torch.arange(0, page, dtype=torch.int64)) == [False]
    assert reader.batch_exists(hashes + ["0" * 64]) == 8
    backend.close()
    reader.close()


def test_missing_namespace_is_reported_with_what_to_run(manager):
    backend = KvpoolHiCacheStorage(config(manager, namespace="never-created"), {})
    with pytest.raises(RuntimeError, match="create it"):
        backend.register_mem_pool_host(PageFirstHostPool())
    backend.close()


def test_mla_ranks_share_one_copy_written_by_rank_zero(manager):
    rank0 = KvpoolHiCacheStorage(config(manager, admin_token="admin"), {})
    rank0.config.is_mla_model = True
    rank0._mla = True
    pool0 = PageFirstHostPool()
    rank0.register_mem_pool_host(pool0)
    rank1 = KvpoolHiCacheStorage(config(manager), {})
    rank1._mla, rank1._rank = True, 1
    rank1.register_mem_pool_host(PageFirstHostPool())
    keys = page_hashes(list(range(64)), pool0.page_size)
    pool0.fill(0, seed=7)
    assert rank1.batch_set_v1(keys[:1], torch.arange(0, 16, dtype=torch.int64)) == [True]
    assert rank1.batch_exists(keys[:1]) == 0, "rank 1 writes nothing"
    assert rank0.batch_set_v1(keys[:1], torch.arange(0, 16, dtype=torch.int64)) == [True]
    assert rank1.batch_exists(keys[:1]) == 1, "rank 0's copy serves every rank"
    rank0.close()
    rank1.close()
