"""Pool <-> GPU for Python engines: the mapped region registered with CUDA once per process (page-locked and mapped
into the GPU's address space, so a kernel or a copy engine reaches a block at its host address), and batches of
blocks moved between the region and device memory.

Two ways to move a batch, chosen by its pages' size (``DeviceRegion.method_for``):
- ``kernel``: one Triton launch for the whole batch, each program copying a slice of one page through the GPU's
  loads and stores over PCIe. Scattered small pages cost one launch, not one call each.
- ``engine``: one cudaMemcpyAsync per page on the copy engines (DMA), for pages large enough that the per-call cost
  hides behind the transfer.
Either way the copies run on this region's own stream and the call returns once it is synchronized, so the read
protocol's second check (``Region.end_read``) and the write protocol's intent withdrawal follow complete copies.

torch (and, for ``kernel``, Triton) are imported only here, when a GPU path is first used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import time
from typing import Optional, Sequence

_REGISTER_PORTABLE_MAPPED = 0x1 | 0x2  # cudaHostRegisterPortable | cudaHostRegisterMapped
_MEMCPY_DEFAULT = 4  # cudaMemcpyDefault: direction from the unified address space
_ENGINE_FROM_BYTES = 1 << 20  # pages of at least this size go to the copy engines (bench/engine measures it)
_WORD = 8  # the kernel moves 8-byte words: pages and addresses must be multiples of it

_kernel = None


def _triton_kernel():
    """The batch copy kernel, compiled on first use."""
    global _kernel
    if _kernel is None:
        import triton
        import triton.language as tl

        @triton.jit
        def copy_pages(sources, destinations, words, CHUNK: tl.constexpr):
            page = tl.program_id(0)
            start = tl.program_id(1).to(tl.int64) * CHUNK
            count = tl.load(words + page)
            if start < count:
                source = tl.load(sources + page).to(tl.pointer_type(tl.int64))
                destination = tl.load(destinations + page).to(tl.pointer_type(tl.int64))
                offsets = start + tl.arange(0, CHUNK)
                mask = offsets < count
                tl.store(destination + offsets, tl.load(source + offsets, mask=mask), mask=mask)

        _kernel = copy_pages
    return _kernel


def _cudart():
    """libcudart through ctypes (torch exposes no raw-pointer copy): the library, or None where none is found."""
    import sys
    import torch
    names = [ctypes.util.find_library("cudart")]
    for root in [os.path.dirname(torch.__file__)] + [os.path.join(path, "nvidia") for path in sys.path]:
        if os.path.isdir(root):
            names += sorted(glob.glob(os.path.join(root, "**", "libcudart.so*"), recursive=True))
    for name in names:
        if not name:
            continue
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        library.cudaMemcpyAsync.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                            ctypes.c_void_p]
        library.cudaMemcpyAsync.restype = ctypes.c_int
        library.cudaHostGetDevicePointer.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_uint]
        library.cudaHostGetDevicePointer.restype = ctypes.c_int
        return library
    return None


class DeviceRegion:
    """The region as one GPU sees it. Thread-safe: copies go out on one stream under a lock, one batch at a time."""

    def __init__(self, region, device=None, copier=None):
        import threading
        self.region = region
        self._lock = threading.Lock()
        self._closed = False
        if copier is not None:
            # A copier of the caller's (the GPU-free tests': host memory both sides); nothing is registered.
            self._copier = copier
            self._memcpy = None
            self.device = None
            self.register_seconds = 0.0
            self._registered = False
            return
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError("get_to_device/put_from_device need a CUDA GPU and torch built with CUDA")
        self._torch = torch
        self.device = torch.device(device if device is not None else "cuda")
        if self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())
        started = time.perf_counter()
        with torch.cuda.device(self.device):
            torch.cuda.check_error(torch.cuda.cudart().cudaHostRegister(region.base, region.geometry.region_length,
                                                                        _REGISTER_PORTABLE_MAPPED))
            self._stream = torch.cuda.Stream(self.device)
        self.register_seconds = time.perf_counter() - started
        self._registered = True
        self._staging = self._table = None
        library = _cudart()
        self._memcpy = library.cudaMemcpyAsync if library is not None else None
        # Kernels address the region at its device address: the host's wherever the GPU can use host pointers of
        # registered memory (x86-64 with unified addressing), else the one CUDA names.
        self._host_base = region.base
        self._host_end = region.base + region.geometry.region_length
        self._delta = 0
        if library is not None:
            pointer = ctypes.c_void_p()
            with torch.cuda.device(self.device):
                if library.cudaHostGetDevicePointer(ctypes.byref(pointer), ctypes.c_void_p(region.base), 0) == 0:
                    self._delta = pointer.value - region.base
        self._copier = self._gpu_copy

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._registered:
                self._stream.synchronize()
                self._torch.cuda.cudart().cudaHostUnregister(self.region.base)

    # -- copies ------------------------------------------------------------------------------------------------------

    def copy(self, sources: list[int], destinations: list[int], sizes: list[int], method: Optional[str] = None):
        """Copies ``sizes[i]`` bytes from ``sources[i]`` to ``destinations[i]`` (addresses: the region's, host
        addresses of registered memory, or device addresses) and returns once every copy is complete."""
        if not sizes:
            return
        with self._lock:
            if self._closed:
                raise ValueError("the pool's GPU path is closed")
            self._copier(sources, destinations, sizes, method)

    def method_for(self, sources: list[int], destinations: list[int], sizes: list[int]) -> str:
        aligned = all(value % _WORD == 0 for value in sizes) and all(value % _WORD == 0 for value in sources) and \
            all(value % _WORD == 0 for value in destinations)
        if not aligned or (self._memcpy is not None and min(sizes) >= _ENGINE_FROM_BYTES):
            return "engine"
        return "kernel"

    def _gpu_copy(self, sources, destinations, sizes, method):
        torch = self._torch
        method = method or self.method_for(sources, destinations, sizes)
        with torch.cuda.device(self.device), torch.cuda.stream(self._stream):
            if method == "kernel":
                low, high, delta = self._host_base, self._host_end, self._delta
                if delta:
                    sources = [a + delta if low <= a < high else a for a in sources]
                    destinations = [a + delta if low <= a < high else a for a in destinations]
                count = len(sizes)
                if self._staging is None or self._staging.numel() < 3 * count:
                    self._staging = torch.empty(3 * max(count, 1024), dtype=torch.int64, pin_memory=True)
                    self._table = torch.empty(self._staging.numel(), dtype=torch.int64, device=self.device)
                # The address table through a pinned buffer reused call after call (the stream is synchronized at
                # the end of each copy, so its last transfer is done).
                staged = self._staging.numpy()
                staged[:count] = sources
                staged[count:2 * count] = destinations
                staged[2 * count:3 * count] = sizes
                staged[2 * count:3 * count] //= _WORD
                table = self._table[:3 * count]
                table.copy_(self._staging[:3 * count], non_blocking=True)
                chunk = 2048
                grid = (count, (max(sizes) // _WORD + chunk - 1) // chunk)
                _triton_kernel()[grid](table[:count], table[count:2 * count], table[2 * count:], CHUNK=chunk,
                                       num_warps=8)
            elif method == "engine":
                if self._memcpy is None:
                    raise RuntimeError("no libcudart found for the copy engines: use method='kernel'")
                handle = ctypes.c_void_p(self._stream.cuda_stream)
                for source, destination, size in zip(sources, destinations, sizes):
                    status = self._memcpy(destination, source, size, _MEMCPY_DEFAULT, handle)
                    if status != 0:
                        raise RuntimeError(f"cudaMemcpyAsync failed: CUDA error {status}")
            else:
                raise ValueError(f"method={method!r}: 'kernel' or 'engine'")
        self._stream.synchronize()


def pieces_of(value, count_label: str) -> list[tuple[int, int]]:
    """A block's device memory as (address, bytes) pieces: a contiguous CUDA tensor, or a sequence of
    (address, bytes) pairs (a paged KV cache's K and V pages of one block, per layer)."""
    if hasattr(value, "data_ptr") and hasattr(value, "is_contiguous"):
        if not value.is_cuda:
            raise ValueError(f"{count_label} is a {value.device} tensor: the GPU path takes CUDA tensors (host "
                             f"buffers go to get/put)")
        if not value.is_contiguous():
            raise ValueError(f"{count_label} is a non-contiguous tensor: pass tensor.contiguous() or its pages as "
                             f"(address, bytes) pieces")
        return [(value.data_ptr(), value.numel() * value.element_size())]
    pieces = []
    for piece in value:
        address, size = piece
        if int(size) <= 0:
            raise ValueError(f"{count_label} has a piece of {size} bytes")
        pieces.append((int(address), int(size)))
    if not pieces:
        raise ValueError(f"{count_label} has no pieces")
    return pieces


def plan(offsets: Sequence[int], base: int, pieces: Sequence[list[tuple[int, int]]]):
    """Region-side and device-side addresses and sizes of every piece of every block, laid end to end from each
    block's data offset."""
    region_side, device_side, sizes = [], [], []
    for offset, parts in zip(offsets, pieces):
        position = base + offset
        for address, size in parts:
            region_side.append(position)
            device_side.append(address)
            sizes.append(size)
            position += size
    return region_side, device_side, sizes
