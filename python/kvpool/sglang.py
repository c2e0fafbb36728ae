"""kvpool as SGLang HiCache's storage layer (L3), loaded without changing SGLang:

    --hicache-storage-backend dynamic
    --hicache-storage-backend-extra-config '{"backend_name": "kvpool", "module_path": "kvpool.sglang",
        "class_name": "KvpoolHiCacheStorage", "interface_v1": 1, "control": "/dev/shm/kvpool-aeron.sock",
        "token": "sglang-token"}'

Written against SGLang at commit 001067fffe33427bee0ed2f007fb7551a1d76b44 (python/sglang/srt/mem_cache/
hicache_storage.py, storage/backend_factory.py, the calls in managers/cache_controller.py, and the host pools'
get_page_buffer_meta): the factory constructs ``cls(storage_config, kwargs)``, the controller hands over the host
pool with ``register_mem_pool_host``, its prefetch thread calls ``batch_exists`` then ``batch_get_v1(keys,
host_indices)`` and counts the leading run of successes, its backup thread calls ``batch_set_v1(keys,
host_indices)``.

Each SGLang page is one pool block: the page's pieces (for page_first MHA pools, its K and then its V; one piece for
MLA) stored end to end, so a page's K and V live and die together. Keys are SGLang's 64-hex SHA-256 page chain, taken
as the 32-byte block key. The namespace is derived from the model, the layout, the page size, the dtype and the TP
rank and size (MLA: one copy for all ranks, written by rank 0); it is created when the extra config carries
``admin_token``, else it must exist (the operator or the Ansible role creates it). Per-key results: a failure of one
key never fails the batch, and nothing is raised into SGLang's prefetch or backup threads.

Extra config keys: control (the manager's socket or host:port), region (where this host sees the region), token,
admin_token, namespace (to name it yourself), max_slabs.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
from typing import Any, List, Optional

import numpy as np

import kvpool

logger = logging.getLogger(__name__)

try:  # Subclass SGLang's interface where SGLang is installed, as its factory checks.
    from sglang.srt.mem_cache.hicache_storage import HiCacheStorage as _Base
except ImportError:  # pragma: no cover - SGLang is not installable on this project's machines
    class _Base:  # type: ignore[no-redef]
        """Stands in for SGLang's HiCacheStorage where SGLang is not installed."""

        def register_mem_pool_host(self, mem_pool_host):
            self.mem_pool_host = mem_pool_host


def _raw(pointer: int, size: int) -> np.ndarray:
    """A uint8 view of host memory SGLang owns (its pinned host pool), at an address it gave."""
    return np.ctypeslib.as_array((ctypes.c_uint8 * size).from_address(pointer))


def _key(value: str) -> bytes:
    if len(value) == 64:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    # Not a 64-hex page hash (a test's or a custom scheme's key): its SHA-256, so any string names one block.
    return hashlib.sha256(value.encode("utf-8")).digest()


class KvpoolHiCacheStorage(_Base):
    """SGLang HiCache storage backed by a kvpool namespace. Thread-safe (SGLang's prefetch and backup threads call it
    at once)."""

    def __init__(self, storage_config: Any, kwargs: Optional[dict] = None):
        self.config = storage_config
        extra = dict(getattr(storage_config, "extra_config", None) or {})
        self._control = extra.get("control", kvpool.DEFAULT_CONTROL)
        self._token = extra.get("token", "")
        self._admin_token = extra.get("admin_token")
        self._namespace_name = extra.get("namespace")
        self._max_slabs = int(extra.get("max_slabs", 0))
        self._pool = kvpool.connect(self._control, region=extra.get("region"))
        self._namespace: Optional[kvpool.Namespace] = None
        self._mla = bool(getattr(storage_config, "is_mla_model", False))
        self._rank = int(getattr(storage_config, "tp_rank", 0))
        self.mem_pool_host = None

    # -- set-up --------------------------------------------------------------------------------------------------------

    def register_mem_pool_host(self, mem_pool_host) -> None:
        super().register_mem_pool_host(mem_pool_host)
        page_size = int(mem_pool_host.page_size)
        try:
            import torch
            first_page = torch.arange(page_size, dtype=torch.int64)
        except ImportError:
            first_page = np.arange(page_size)
        pointers, sizes = self._meta(first_page)
        page_bytes = int(sum(sizes))
        name = self._namespace_name or self._derive_name(mem_pool_host, page_size)
        if self._admin_token is not None:
            self._pool.create_namespace(name, page_bytes, self._token, max_slabs=self._max_slabs,
                                        admin_token=self._admin_token)
        try:
            self._namespace = self._pool.namespace(name, page_bytes, self._token)
        except kvpool.NotAuthorized as error:
            raise RuntimeError(f"kvpool namespace {name!r} ({page_bytes}-byte pages) does not exist or the token "
                               f"is wrong: create it (kvpool manager's namespaces config, the Ansible role, or "
                               f"admin_token in the extra config) — {error}") from error
        logger.info("kvpool HiCache storage: namespace %s, %d-byte pages, %d piece(s) a page", name, page_bytes,
                    len(pointers))

    def _derive_name(self, pool, page_size: int) -> str:
        model = (getattr(self.config, "model_name", None) or "model").replace("/", "-")
        layout = getattr(pool, "layout", "page_first")
        dtype = str(getattr(pool, "dtype", "")).replace("torch.", "")
        ranks = "mla" if self._mla else f"tp{self._rank}of{getattr(self.config, 'tp_size', 1)}"
        return f"sglang/{model}/{layout}/p{page_size}/{dtype}/{ranks}"

    def _meta(self, host_indices):
        """Per page, its pieces as (pointer, size), from the host pool (SGLang's get_page_buffer_meta)."""
        pointers, sizes = self.mem_pool_host.get_page_buffer_meta(host_indices)
        if isinstance(sizes, int):
            sizes = [sizes] * len(pointers)
        return list(pointers), [int(size) for size in sizes]

    def _pages(self, host_indices) -> list[list[np.ndarray]]:
        pointers, sizes = self._meta(host_indices)
        page_size = int(self.mem_pool_host.page_size)
        pages = len(host_indices) // page_size
        per_page = len(pointers) // max(pages, 1)
        return [[_raw(pointers[p * per_page + j], sizes[p * per_page + j]) for j in range(per_page)]
                for p in range(pages)]

    # -- the v1 interface ----------------------------------------------------------------------------------------------

    def batch_exists(self, keys: List[str], extra_info: Any = None) -> int:
        try:
            return self._namespace.exists([_key(key) for key in keys])
        except Exception:  # noqa: BLE001 - never into SGLang's prefetch thread: a miss is safe
            logger.exception("kvpool batch_exists failed; reporting no hit")
            return 0

    def batch_get_v1(self, keys: List[str], host_indices, extra_info: Any = None) -> List[bool]:
        try:
            return self._namespace.get_pieces([_key(key) for key in keys], self._pages(host_indices))
        except Exception:  # noqa: BLE001 - per-key results; a failed batch is all misses
            logger.exception("kvpool batch_get_v1 failed; reporting misses")
            return [False] * len(keys)

    def batch_set_v1(self, keys: List[str], host_indices, extra_info: Any = None) -> List[bool]:
        if self._mla and self._rank != 0:
            # One copy for all ranks of an MLA model: rank 0 writes it.
            return [True] * len(keys)
        try:
            # One RESERVE answers for pages the pool already holds (ALREADY_EXISTS: nothing is copied) as for new ones.
            statuses = self._namespace.put_pieces([_key(key) for key in keys], self._pages(host_indices))
            return [status in (kvpool.STORED, kvpool.ALREADY_EXISTS, kvpool.WRITE_IN_PROGRESS) for status in statuses]
        except Exception:  # noqa: BLE001 - the backup thread goes on; these pages are simply not stored
            logger.exception("kvpool batch_set_v1 failed; reporting the pages unstored")
            return [False] * len(keys)

    # -- the legacy interface ------------------------------------------------------------------------------------------

    def exists(self, key: str) -> bool:
        return self.batch_exists([key]) == 1

    def get(self, key: str, target_location: Any = None, target_sizes: Any = None):
        results = self.batch_get([key], [target_location] if target_location is not None else None)
        return results[0]

    def batch_get(self, keys: List[str], target_locations: Any = None, target_sizes: Any = None):
        if target_locations is None:
            return [None] * len(keys)
        try:
            found = self._namespace.get([_key(key) for key in keys], list(target_locations))
        except Exception:  # noqa: BLE001
            logger.exception("kvpool batch_get failed")
            return [None] * len(keys)
        return [target if ok else None for target, ok in zip(target_locations, found)]

    def set(self, key: str, value: Any = None, target_location: Any = None, target_sizes: Any = None) -> bool:
        return self.batch_set([key], [value])

    def batch_set(self, keys: List[str], values: Any = None, target_locations: Any = None,
                  target_sizes: Any = None) -> bool:
        if values is None:
            return False
        try:
            statuses = self._namespace.put([_key(key) for key in keys], list(values))
        except Exception:  # noqa: BLE001
            logger.exception("kvpool batch_set failed")
            return False
        return all(status in (kvpool.STORED, kvpool.ALREADY_EXISTS) for status in statuses)

    def clear(self) -> None:
        """Not supported: a shared pool is not one engine's to empty (its manager evicts)."""

    def get_stats(self):
        return None

    def close(self) -> None:
        self._pool.close()
