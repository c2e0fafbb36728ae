"""The pool's region as a client on the CXL fabric (or the manager's host) maps it, and the block protocols of
docs/spec/region-format.md §5 carried out on it: a copy out is valid only if the block was SEALED with the expected
generation before and after and no writer intent was held; a copy in is announced (writer intent +1, a full fence)
and made only while the block is still WRITING with the reservation's generation.

Atomics: the writer intent is a 32-bit word other processes add to atomically. Plain Python has no atomic
read-modify-write on shared memory, so this module calls libatomic's ``__atomic_fetch_add_4`` (GCC's runtime, Debian's
``libatomic1``) through ctypes, with sequentially consistent ordering. Loads of the stamp and the intent are single
aligned loads through memoryviews; the load-load ordering the read protocol needs is x86-64's own (TSO), which is
why the data path is refused on other architectures (the control plane works anywhere).

Copies go through numpy, which releases the GIL for them, so SGLang's I/O threads copy in parallel.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
import platform
import struct
import uuid
from typing import Optional, Sequence

import numpy as np

from ._wire import ENTRY_BYTES, Geometry

MAGIC = 0x47524C4F4F50564B
MAJOR_VERSION = 1
DIRECTORY_SINCE_MINOR = 2  # region-format.md §9: regions of format 1.2 keep a key directory in their tail
FREE, WRITING, SEALED = 0, 1, 2
NAMESPACE_ID_OFFSET = 8
CHECKSUM_OFFSET = 16
LAST_ACCESS_TICK_OFFSET = 24
WRITER_INTENT_OFFSET = 28
ACCESS_TICK_OFFSET = 144  # the superblock's published access clock
_SEQ_CST = 5


class RegionError(RuntimeError):
    """The region cannot be mapped or used here; the message says why and what to do."""


def _atomic_add():
    path = ctypes.util.find_library("atomic")
    if path is None:
        return None
    library = ctypes.CDLL(path)
    function = library.__atomic_fetch_add_4
    function.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int]
    function.restype = ctypes.c_uint32
    return function


_FETCH_ADD = _atomic_add()


def stamp(generation: int, state: int) -> int:
    return (generation << 8) | state


def directory_layout(geometry: Geometry) -> tuple[int, int]:
    """Where a region of this geometry keeps its key directory and how many 64-byte buckets (region-format.md §9);
    0 buckets: none."""
    entries = geometry.slab_count * geometry.max_blocks_per_slab
    offset = -(-(geometry.data_offset + geometry.slab_count * geometry.slab_size) // 4096) * 4096
    if entries > 0xFFFFFFFF:
        return offset, 0
    buckets = 1 << (max(64, -(-entries // 8)) - 1).bit_length()
    room = max(0, (geometry.region_length - offset) // 64)
    while buckets > room:
        buckets >>= 1
    return offset, buckets if buckets >= 64 else 0


_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))
_SHIFT = np.uint64(33)


def directory_hash(namespace_id: int, keys: Sequence[bytes]) -> np.ndarray:
    """The key directory's hash of each key (region-format.md §9), all keys at once: h = namespace id, then per
    little-endian 64-bit word of the key h = fmix64(h ^ word)."""
    words = np.frombuffer(b"".join(keys), dtype="<u8").reshape(len(keys), 4)
    h = np.full(len(keys), namespace_id, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for w in range(4):
            h ^= words[:, w]
            for multiplier in _FMIX:
                h ^= h >> _SHIFT
                h *= multiplier
            h ^= h >> _SHIFT
    return h


class Region:
    """A mapping of the region, shared with the manager and every other client. Thread-safe: holds no mutable
    state besides the mapping itself; every method is a protocol step on shared memory."""

    def __init__(self, path: str, region_uuid: uuid.UUID, geometry: Geometry, populate: bool = True):
        if platform.machine() not in ("x86_64", "AMD64"):
            raise RegionError(f"the load/store data path needs x86-64's memory ordering; this is "
                              f"{platform.machine()}: use a Java client here, or an x86-64 host")
        if _FETCH_ADD is None:
            raise RegionError("writing blocks needs libatomic (GCC's atomics runtime): apt-get install libatomic1")
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError as error:
            raise RegionError(f"cannot open the region {path}: {error.strerror}; run on the manager's host (or one "
                              f"that maps the same device) as a user of the engine group, or pass region=PATH "
                              f"where this host sees it under another name") from error
        try:
            length = os.fstat(fd).st_size if not path.startswith("/dev/dax") else geometry.region_length
            if length < geometry.region_length:
                raise RegionError(f"{path} is {length} bytes, the region {geometry.region_length}: not this region")
            # MAP_POPULATE: this process's page tables are filled now, not by a fault on every 4 KiB a first copy
            # touches (a 64 KiB put ran at a twentieth of a copy's speed on a fresh mapping). The manager has already
            # faulted the memory itself in; this is the mapping's share of it.
            flags = mmap.MAP_SHARED | (getattr(mmap, "MAP_POPULATE", 0) if populate else 0)
            self._map = mmap.mmap(fd, geometry.region_length, flags, mmap.PROT_READ | mmap.PROT_WRITE)
        finally:
            os.close(fd)
        self.path = path
        self.geometry = geometry
        self.bytes = np.frombuffer(self._map, dtype=np.uint8)
        # Table words through memoryviews: one aligned load or store per item, and for a batch's few dozen blocks
        # several times cheaper than numpy's vector operations, whose fixed cost per call dominates at that size.
        self._u64 = memoryview(self._map).cast("Q")
        self._u32 = memoryview(self._map).cast("I")
        self._directory = None
        self._base = ctypes.addressof(ctypes.c_char.from_buffer(self._map))
        magic, major = struct.unpack_from("<QI", self._map, 0)
        msb, lsb = struct.unpack_from("<QQ", self._map, 16)
        if magic != MAGIC or major != MAJOR_VERSION:
            self.close()
            raise RegionError(f"{path} holds no kvpool region of format {MAJOR_VERSION}.x (magic {magic:#x}, "
                              f"major {major})")
        found = uuid.UUID(int=(msb << 64) | lsb)
        if found != region_uuid:
            self.close()
            raise RegionError(f"{path} is region {found}, not the manager's {region_uuid}: pass region=PATH where "
                              f"this host sees the manager's region")
        (minor,) = struct.unpack_from("<I", self._map, 12)
        offset, buckets = directory_layout(geometry)
        # Buckets of eight slots, loaded a batch's buckets at once; None where the region keeps no directory.
        self._directory = None if minor < DIRECTORY_SINCE_MINOR or buckets == 0 else np.frombuffer(
            self._map, dtype="<u8", count=buckets * 8, offset=offset).reshape(buckets, 8)

    def close(self):
        # Views keep the mapping alive; drop them before closing it.
        for view in (self._u64, self._u32):
            if view is not None:
                view.release()
        self.bytes = self._u64 = self._u32 = self._directory = None
        try:
            self._map.close()
        except BufferError:
            # A caller still holds a view of the region (a block view); the mapping goes when it does.
            pass

    # -- block table words -------------------------------------------------------------------------------------------

    def stamp_of(self, block: int) -> int:
        return self._u64[self.geometry.block_entry_offset(block) >> 3]

    def _add_intent(self, block: int, delta: int) -> int:
        address = self._base + self.geometry.block_entry_offset(block) + WRITER_INTENT_OFFSET
        return _FETCH_ADD(address, delta & 0xFFFFFFFF, _SEQ_CST)

    # -- the key directory -------------------------------------------------------------------------------------------

    def find(self, namespace_id: int, keys: Sequence[bytes]) -> list[Optional[tuple[int, int, int, int]]]:
        """Each key's sealed block as the region's key directory names it (region-format.md §9): per key (block,
        generation, length, checksum), or None (not there, or no directory: ask the manager). A slot is only a hint:
        the block counts only if its entry is SEALED in this namespace with this key, read between two equal stamps
        with no writer intent held."""
        found: list[Optional[tuple[int, int, int, int]]] = [None] * len(keys)
        directory = self._directory
        if directory is None or not keys:
            return found
        hashes = directory_hash(namespace_id, keys)
        slots = directory[(hashes & np.uint64(len(directory) - 1)).astype(np.int64)]
        tags = (hashes >> np.uint64(32)) | np.uint64(1)
        matches = (slots >> np.uint64(32)) == tags[:, None]
        words, halves = self._u64, self._u32
        entries = self.geometry.slab_count * self.geometry.max_blocks_per_slab
        table = self.geometry.block_table_offset
        for i in np.flatnonzero(matches.any(axis=1)).tolist():
            for block in (slots[i][matches[i]] & np.uint64(0xFFFFFFFF)).tolist():
                if block >= entries:
                    continue
                entry = table + block * ENTRY_BYTES
                before = words[entry >> 3]
                if (before & 0xFF != SEALED or halves[(entry + NAMESPACE_ID_OFFSET) >> 2] != namespace_id
                        or self._map[entry + 32:entry + 64] != keys[i]):
                    continue
                length = halves[(entry + 12) >> 2]
                checksum = halves[(entry + CHECKSUM_OFFSET) >> 2]
                # x86-64 keeps these loads after the ones above (the load-load fence of the read protocol).
                if halves[(entry + WRITER_INTENT_OFFSET) >> 2] == 0 and words[entry >> 3] == before:
                    found[i] = (block, before >> 8, length, checksum)
                    break
        return found

    # -- the read protocol -------------------------------------------------------------------------------------------

    def read_batch(self, blocks: list[int], generations: list[int], offsets: list[int],
                   pieces: list[list[np.ndarray]]) -> list[bool]:
        """The read protocol for a whole batch, its table loads batched: every block's stamp is loaded before any
        copy, every intent and stamp again after all of them, so each copy still lies between its block's two
        checks. Per block whether its copy is good."""
        check = self.begin_read(blocks, generations)
        region = self.bytes
        for i, ok in enumerate(check.sealed):
            if ok:
                position = offsets[i]
                for piece in pieces[i]:
                    end = position + piece.size
                    np.copyto(piece, region[position:end])
                    position = end
        return self.end_read(check)

    def begin_read(self, blocks: list[int], generations: list[int]) -> "ReadCheck":
        """The read protocol's first half for a batch: each block's stamp, and whether it is SEALED with the expected
        generation (only those may be copied)."""
        table = self.geometry.block_table_offset
        entries = [table + block * ENTRY_BYTES for block in blocks]
        words = self._u64
        before = [words[entry >> 3] for entry in entries]
        return ReadCheck(entries, before,
                         [stamp == (generation << 8 | SEALED) for stamp, generation in zip(before, generations)])

    def checksums(self, check: "ReadCheck") -> list[int]:
        """The recorded CRC32C of each block of a batch, loaded between ``begin_read`` and ``end_read``: the manager
        writes it before sealing and never while the block stays sealed, so it is the block's if ``end_read`` finds
        the stamp unchanged."""
        halves = self._u32
        return [halves[(entry + CHECKSUM_OFFSET) >> 2] for entry in check.entries]

    def end_read(self, check: "ReadCheck") -> list[bool]:
        """The second half, once every copy of the batch is complete (a device copy: its stream synchronized): per
        block whether no writer intent is held and the stamp is unchanged, i.e. the copy is good. Good reads are
        recorded as hits."""
        # x86-64 keeps these loads after the copies' (the read protocol's load-load fence); a device's copy is
        # complete before the stream synchronization returns.
        words, halves = self._u64, self._u32
        good = [ok and halves[(entry + WRITER_INTENT_OFFSET) >> 2] == 0 and words[entry >> 3] == stamp
                for ok, entry, stamp in zip(check.sealed, check.entries, check.before)]
        self._touch([entry for entry, ok in zip(check.entries, good) if ok])
        return good

    def _touch(self, entries: list[int]) -> None:
        """Records hits the manager did not see (served from cached locations), so eviction treats the blocks as
        referenced: a tick newer than the block's and the manager's published clock. Plain stores of the 32-bit
        tick, as the Java client's; a lost race only ages a hint."""
        if not entries:
            return
        ticks = self._u32
        clock = self._u64[ACCESS_TICK_OFFSET >> 3] & 0xFFFFFFFF
        for entry in entries:
            tick = (entry + LAST_ACCESS_TICK_OFFSET) >> 2
            ticks[tick] = max((ticks[tick] + 1) & 0xFFFFFFFF, clock)

    # -- the write protocol ------------------------------------------------------------------------------------------

    def write_pieces(self, block: int, generation: int, offset: int, pieces: list[np.ndarray]) -> bool:
        """Stores sources laid end to end into a reserved block, under one writer intent; False when the reservation
        is gone (nothing stored). The intent is withdrawn with sequentially consistent ordering, after every store."""
        if not self.begin_write(block, generation):
            return False
        try:
            position = offset
            for piece in pieces:
                np.copyto(self.bytes[position:position + piece.size], piece)
                position += piece.size
            return True
        finally:
            self.end_write(block)

    def begin_write(self, block: int, generation: int) -> bool:
        """Announces a writer (intent +1, a full fence) and checks the block is still WRITING under the reservation's
        generation. True: store, then ``end_write``. False: nothing may be stored (the intent is already withdrawn)."""
        self._add_intent(block, 1)
        if self.stamp_of(block) != stamp(generation, WRITING):
            self._add_intent(block, -1)
            return False
        return True

    def end_write(self, block: int) -> None:
        """Withdraws the intent, after every store to the block is complete (a device's: its stream synchronized)."""
        self._add_intent(block, -1)

    @property
    def base(self) -> int:
        """The mapping's address in this process."""
        return self._base


class ReadCheck:
    """What ``begin_read`` saw of a batch: table entry offsets, stamps, and which blocks may be copied."""

    __slots__ = ("entries", "before", "sealed")

    def __init__(self, entries: list[int], before: list[int], sealed: list[bool]):
        self.entries = entries
        self.before = before
        self.sealed = sealed
