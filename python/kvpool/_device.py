"""Pool <-> GPU for Python engines: the mapped region registered with CUDA once per process (page-locked and mapped
into the GPU's address space, so a kernel or a copy engine reaches a block at its host address), and batches of
blocks moved between the region and device memory.

Three ways to move a batch (``choose_method`` picks one by piece size and count and what the driver has):
- ``kernel``: one Triton launch for the whole batch, each program copying a slice of one page through the GPU's
  loads and stores over PCIe. Scattered small pages cost one launch, not one call each.
- ``batch``: one cuMemcpyBatchAsync (CUDA 12.8+ drivers) for the whole batch, moved by the copy engines (DMA): no
  multiprocessor is taken from the model, which matters when loads overlap its layers.
- ``engine``: one cudaMemcpyAsync a piece on the copy engines, where the driver has no batched copy.
A thread's first batched copy makes the device current there (a loader thread may never have called CUDA).
The copies run on this region's own stream; callers wait for them (``finish``) before the read protocol's second
check (``Region.end_read``) and the write protocol's intent withdrawal.

torch (and, for ``kernel``, Triton) are imported only here, when a GPU path is first used.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import operator
import os
import time
from functools import reduce
from typing import Optional, Sequence

_REGISTER_PORTABLE_MAPPED = 0x1 | 0x2  # cudaHostRegisterPortable | cudaHostRegisterMapped
_MEMCPY_DEFAULT = 4  # cudaMemcpyDefault: direction from the unified address space
_ENGINE_FROM_BYTES = 64 << 10  # pieces of at least this size go to the copy engines (bench/engine measures it)
_BATCH_FROM_PIECES = 4  # more pieces than this go as one batched copy, fewer as a copy each
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
        library.cudaSetDevice.argtypes = [ctypes.c_int]
        library.cudaSetDevice.restype = ctypes.c_int
        return library
    return None


class DeviceRegion:
    """The region as one GPU sees it. Thread-safe: batches are launched under a lock, in order on one stream; several
    may be in flight until their callers ``finish`` them."""

    def __init__(self, region, device=None, copier=None):
        import threading
        self.region = region
        self._lock = threading.Lock()
        self._closed = False
        if copier is not None:
            # A copier of the caller's (the GPU-free tests': host memory both sides); nothing is registered.
            self._copier = copier
            self._memcpy = self._batch = self._set_device = None
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
        library = _cudart()
        self._memcpy = library.cudaMemcpyAsync if library is not None else None
        self._set_device = library.cudaSetDevice if library is not None else None
        # cuMemcpyBatchAsync is a driver call: it needs the device's context current on the calling thread, which
        # the runtime makes so only once that thread has called into it (an engine's loader thread may not have).
        self._batch = _batch_copy() if library is not None else None
        self._threads = threading.local()
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

    def copy(self, sources: list[int], destinations: list[int], sizes: list[int], method: Optional[str] = None,
             wait: bool = True):
        """Copies ``sizes[i]`` bytes from ``sources[i]`` to ``destinations[i]`` (addresses: the region's, host
        addresses of registered memory, or device addresses). Adjacent copies (both sides continuing where the last
        ended, as blocks stored in one batch mostly are) go as one. With ``wait`` it returns once every copy is
        complete; else it returns a handle for ``finish`` (copies go out in order on this region's stream)."""
        if not sizes:
            return None
        sources, destinations, sizes = _coalesce(sources, destinations, sizes)
        with self._lock:
            if self._closed:
                raise ValueError("the pool's GPU path is closed")
            handle = self._copier(sources, destinations, sizes, method)
        if wait:
            self.finish(handle)
            return None
        return handle

    def view(self, address: int, size: int):
        """A uint8 torch tensor over ``size`` bytes at ``address`` (device memory on a GPU, host memory with a host
        copier), sharing them."""
        import torch
        if self._registered:
            return torch.as_tensor(_CudaBytes(address, size), device=self.device)
        import numpy as np
        return torch.from_numpy(np.ctypeslib.as_array((ctypes.c_ubyte * size).from_address(address)))

    @staticmethod
    def finish(handle) -> None:
        """Returns once the copies behind ``handle`` (from ``copy(wait=False)``) are complete."""
        if handle is not None:
            handle.synchronize()

    def method_for(self, sources: list[int], destinations: list[int], sizes: list[int]) -> str:
        """The copy ``copy`` uses when none is named: see ``choose_method``."""
        return choose_method(sources, destinations, sizes, self._batch is not None, self._memcpy is not None)

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
                # The address table through pinned memory of torch's caching host allocator, which keeps it until
                # the transfer that reads it is done (launches may be in flight, not yet waited for).
                staging = torch.empty(3 * count, dtype=torch.int64, pin_memory=True)
                staged = staging.numpy()
                staged[:count] = sources
                staged[count:2 * count] = destinations
                staged[2 * count:] = sizes
                staged[2 * count:] //= _WORD
                table = staging.to(self.device, non_blocking=True)
                chunk = 2048
                grid = (count, (max(sizes) // _WORD + chunk - 1) // chunk)
                _triton_kernel()[grid](table[:count], table[count:2 * count], table[2 * count:], CHUNK=chunk,
                                       num_warps=8)
            elif method == "batch":
                if self._batch is None:
                    raise RuntimeError("this CUDA driver has no cuMemcpyBatchAsync (CUDA 12.8+): use 'engine'")
                if not getattr(self._threads, "current", False):
                    status = self._set_device(self.device.index)
                    if status != 0:
                        raise RuntimeError(f"cudaSetDevice({self.device.index}) failed: CUDA error {status}")
                    self._threads.current = True
                self._batch(sources, destinations, sizes, self._stream.cuda_stream)
            elif method == "engine":
                if self._memcpy is None:
                    raise RuntimeError("no libcudart found for the copy engines: use method='kernel'")
                handle = ctypes.c_void_p(self._stream.cuda_stream)
                for source, destination, size in zip(sources, destinations, sizes):
                    status = self._memcpy(destination, source, size, _MEMCPY_DEFAULT, handle)
                    if status != 0:
                        raise RuntimeError(f"cudaMemcpyAsync failed: CUDA error {status}")
            else:
                raise ValueError(f"method={method!r}: 'kernel', 'batch' or 'engine'")
            event = torch.cuda.Event()
            event.record(self._stream)
        return event


def choose_method(sources: list[int], destinations: list[int], sizes: list[int], batch: bool, engine: bool) -> str:
    """``kernel`` where every piece is under 64 KiB (one launch beats the copy engines' per-piece cost); from there
    on the copy engines: ``engine`` (a cudaMemcpyAsync a piece) for a few pieces, ``batch`` (one
    cuMemcpyBatchAsync) for more, whichever the driver has; the kernel again where neither is there. Pieces not
    aligned to 8 bytes never go to the kernel. On the H100 (bench/engine/RESULTS-h100.txt), 128 scattered pieces of
    64 KiB and 256 KiB went 1.1-1.3x faster as one batched copy than as a copy each; an engine's layer, its blocks
    coalesced into one or two pieces, needs no more than a call or two, and the batch's table would cost more."""
    aligned = (reduce(operator.or_, sizes) | reduce(operator.or_, sources) |
               reduce(operator.or_, destinations)) % _WORD == 0
    if aligned and (max(sizes) < _ENGINE_FROM_BYTES or not (batch or engine)):
        return "kernel"
    if batch and (len(sizes) > _BATCH_FROM_PIECES or not engine):
        return "batch"
    if engine:
        return "engine"
    raise ValueError("pieces not aligned to 8 bytes and no libcudart found for the copy engines")


class _CudaBytes:
    """Device bytes at an address, for torch.as_tensor (the CUDA array interface)."""

    def __init__(self, address: int, size: int):
        self.__cuda_array_interface__ = {"shape": (size,), "typestr": "|u1", "data": (address, False),
                                         "version": 2}


_MAX_MERGED = 256 << 20  # a merged piece stays within the kernel's grid (65,535 slices of 16 KiB)


def _coalesce(sources: list[int], destinations: list[int], sizes: list[int]):
    merged_sources, merged_destinations, merged_sizes = [sources[0]], [destinations[0]], [sizes[0]]
    for source, destination, size in zip(sources[1:], destinations[1:], sizes[1:]):
        last = merged_sizes[-1]
        if merged_sources[-1] + last == source and merged_destinations[-1] + last == destination and \
                last + size <= _MAX_MERGED:
            merged_sizes[-1] = last + size
        else:
            merged_sources.append(source)
            merged_destinations.append(destination)
            merged_sizes.append(size)
    return merged_sources, merged_destinations, merged_sizes


def _batch_copy():
    """cuMemcpyBatchAsync from libcuda through ctypes (as gpu-bridge's BatchCopy calls it from Java): CUDA 13
    drivers export ``_v2`` (no failure index), 12.8 and 12.9 the first form. None where the driver has neither."""
    import numpy as np
    try:
        library = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return None
    pointer, size = ctypes.c_void_p, ctypes.c_size_t
    with_fail_index = False
    try:
        function = library.cuMemcpyBatchAsync_v2
    except AttributeError:
        try:
            function = library.cuMemcpyBatchAsync
            with_fail_index = True
        except AttributeError:
            return None
    function.argtypes = [pointer, pointer, pointer, size, pointer, pointer, size] + \
        ([pointer] if with_fail_index else []) + [pointer]
    function.restype = ctypes.c_int
    # CUmemcpyAttributes: srcAccessOrder (STREAM = 1), srcLocHint {type, id}, dstLocHint {type, id}, flags.
    attributes = (ctypes.c_int * 6)(1, 0, 0, 0, 0, 0)
    attribute_index = (ctypes.c_size_t * 1)(0)
    fail_index = (ctypes.c_size_t * 1)(0)

    def enqueue(sources, destinations, sizes, stream: int) -> None:
        table = np.array([destinations, sources, sizes], dtype=np.uint64)  # read by the driver during the call
        arguments = [table[0].ctypes.data, table[1].ctypes.data, table[2].ctypes.data, len(sizes),
                     ctypes.addressof(attributes), ctypes.addressof(attribute_index), 1]
        if with_fail_index:
            arguments.append(ctypes.addressof(fail_index))
        status = function(*arguments, stream)
        if status != 0:
            raise RuntimeError(f"cuMemcpyBatchAsync failed: CUDA error {status}")

    return enqueue


def pieces_of(value, label) -> list[tuple[int, int]]:
    """A block's device memory as (address, bytes) pieces: a contiguous CUDA tensor, or a sequence of
    (address, bytes) pairs (a paged KV cache's K and V pages of one block, per layer). ``label()`` names the value in
    an error."""
    if type(value) is list or type(value) is tuple:
        # The common case, checked without copying: pairs of positive Python ints.
        for piece in value:
            if type(piece) is not tuple or len(piece) != 2 or type(piece[0]) is not int or \
                    type(piece[1]) is not int or piece[1] <= 0:
                break
        else:
            if value:
                return value
    if hasattr(value, "data_ptr") and hasattr(value, "is_contiguous"):
        if not value.is_cuda:
            raise ValueError(f"{label()} is a {value.device} tensor: the GPU path takes CUDA tensors (host "
                             f"buffers go to get/put)")
        if not value.is_contiguous():
            raise ValueError(f"{label()} is a non-contiguous tensor: pass tensor.contiguous() or its pages as "
                             f"(address, bytes) pieces")
        return [(value.data_ptr(), value.numel() * value.element_size())]
    pieces = []
    for piece in value:
        address, size = piece
        if int(size) <= 0:
            raise ValueError(f"{label()} has a piece of {size} bytes")
        pieces.append((int(address), int(size)))
    if not pieces:
        raise ValueError(f"{label()} has no pieces")
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
