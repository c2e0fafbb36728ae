"""kvpool for Python engines: the control protocol over the manager's stream socket, block bytes by load/store on
the mapped region (no compiled extension; the standard library and numpy; torch tensors accepted wherever buffers
are).

    import kvpool
    with kvpool.connect() as pool:                         # /dev/shm/kvpool-aeron.sock, the manager's default
        ns = pool.namespace("llama-3-8b", 2 << 20, "llama-token")
        keys = kvpool.chain_keys(prompt_tokens, 16)
        held = ns.exists(keys)                              # leading blocks the pool holds
        found = ns.get(keys[:held], pages[:held])           # one copy pool -> your memory per block
        ns.put(keys[held:], computed_pages)                 # one copy your memory -> pool per block

Reads follow the read protocol of docs/spec/region-format.md (a block evicted, reused or written into during its
copy is a miss, never data), writes the write protocol (announced with a writer intent, made only under a live
reservation, leases renewed on long batches). Every object here is thread-safe.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from typing import Optional, Sequence

import numpy as np

from . import _wire
from ._control import ControlConnection
from ._region import Region, RegionError
from .errors import ManagerUnreachable, NotAuthorized, PoolError, ProtocolError
from .keys import chain_keys

__all__ = ["connect", "chain_keys", "Pool", "Namespace", "PoolError", "NotAuthorized", "ManagerUnreachable",
           "ProtocolError", "RegionError", "STORED", "ALREADY_EXISTS", "WRITE_IN_PROGRESS", "NO_CAPACITY",
           "LEASE_EXPIRED", "status_name"]

DEFAULT_CONTROL = "/dev/shm/kvpool-aeron.sock"
STORED = _wire.OK
ALREADY_EXISTS = _wire.ALREADY_EXISTS
WRITE_IN_PROGRESS = _wire.WRITE_IN_PROGRESS
NO_CAPACITY = _wire.INSUFFICIENT_CAPACITY
LEASE_EXPIRED = _wire.LEASE_EXPIRED
status_name = _wire.status_name

# COMMIT's length field: bit 31 asks the manager to compute the payload's CRC32C (no CRC32C in Python's standard
# library, and a numpy one would run at a tenth of a copy's speed).
_COMPUTE_CHECKSUM = 1 << 31
# A put sends a COMMIT for every this many bytes copied (the last one for the rest).
_COMMIT_EVERY_BYTES = 8 << 20


def connect(control: str = DEFAULT_CONTROL, region: Optional[str] = None, timeout_s: float = 10.0,
            client_name: str = "kvpool-python") -> "Pool":
    """Connects to a pool manager.

    control: the manager's Unix-domain control socket (default /dev/shm/kvpool-aeron.sock), or host:port of its TCP
    control endpoint. region: where this host sees the manager's region, when not under the manager's own path."""
    return Pool(control, region, timeout_s, client_name)


def _as_bytes(buffer, writable: bool) -> np.ndarray:
    """A flat uint8 view of a buffer: numpy array, bytearray, memoryview, or a CPU torch tensor."""
    if type(buffer) is np.ndarray and buffer.dtype == np.uint8 and buffer.ndim == 1 and \
            buffer.flags.c_contiguous and (buffer.flags.writeable or not writable):
        return buffer  # the common case, as it is
    if hasattr(buffer, "is_contiguous") and hasattr(buffer, "numpy"):
        if getattr(buffer, "device", None) is not None and str(buffer.device) != "cpu":
            raise ValueError(f"a {buffer.device} tensor: get and put move bytes to and from host memory")
        if not buffer.is_contiguous():
            raise ValueError("a non-contiguous tensor: pass tensor.contiguous()")
        view = buffer.detach().view(-1).numpy().view(np.uint8)
    else:
        view = np.frombuffer(buffer, dtype=np.uint8) if not isinstance(buffer, np.ndarray) else buffer
        if not view.flags.c_contiguous:
            raise ValueError("a non-contiguous array: pass np.ascontiguousarray(buffer)")
        view = view.reshape(-1).view(np.uint8)
    if writable and not view.flags.writeable:
        raise ValueError("a read-only buffer: get needs writable destinations")
    return view


def _check_keys(keys: Sequence[bytes]) -> list[bytes]:
    keys = list(keys)
    if len(keys) > _wire.MAX_KEYS:
        raise ValueError(f"{len(keys)} keys: a batch holds at most {_wire.MAX_KEYS}; split it")
    for i, key in enumerate(keys):
        if type(key) is bytes and len(key) == _wire.KEY_BYTES:
            continue
        if not isinstance(key, (bytes, bytearray, memoryview)) or len(key) != _wire.KEY_BYTES:
            raise ValueError(f"key {i} is {len(key) if hasattr(key, '__len__') else type(key).__name__}: a key is "
                             f"{_wire.KEY_BYTES} bytes (kvpool.chain_keys makes them)")
        keys[i] = bytes(key)
    return keys


class Pool:
    """A connection to a pool manager: namespaces, and the region mapped once for all of them."""

    def __init__(self, control: str, region: Optional[str], timeout_s: float, client_name: str):
        self._control = control
        self._region_path = region
        self._timeout_s = timeout_s
        self._client_name = client_name
        self._lock = threading.Lock()
        self._region: Optional[Region] = None
        self._device = None  # the region registered with CUDA, on first use of the GPU path
        self._namespaces: list[Namespace] = []
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="kvpool")
        self._closed = False
        # Reaching the socket proves the manager is there now, with a clear error if it is not; sessions come with
        # namespaces (each its own, with its own token).
        ControlConnection.probe(control, timeout_s)

    def create_namespace(self, name: str, block_bytes: int, token: str, min_slabs: int = 0, max_slabs: int = 0,
                         admin_token: str = "") -> dict:
        """Creates a namespace (or finds it with the same layout and token); needs the manager's admin token."""
        self._check_open()
        admin = ControlConnection(self._control, "", admin_token, self._client_name, self._timeout_s)
        try:
            answer = admin.request(lambda c, s: _wire.encode_create_namespace(c, s, name, block_bytes, min_slabs,
                                                                              max_slabs, token), repeatable=True)
            namespace_id, blocks_per_slab, size, minimum, maximum, found = _wire.decode_namespace_ok(answer)
            return {"id": namespace_id, "name": found, "block_bytes": size, "blocks_per_slab": blocks_per_slab,
                    "min_slabs": minimum, "max_slabs": maximum}
        finally:
            admin.close()

    def namespace(self, name: str, block_bytes: int, token: str) -> "Namespace":
        """Opens an existing namespace; its block size must be ``block_bytes``."""
        self._check_open()
        control = ControlConnection(self._control, name, token, self._client_name, self._timeout_s)
        if control.session.block_bytes != block_bytes:
            control.close()
            raise ValueError(f"namespace {name!r} has blocks of {control.session.block_bytes} bytes, not "
                             f"{block_bytes}: open it with its own block size (each KV layout is its own namespace)")
        region = self._map(control.session)
        namespace = Namespace(self, control, region)
        with self._lock:
            self._namespaces.append(namespace)
        return namespace

    def _map(self, session: _wire.Session) -> Region:
        with self._lock:
            if self._region is None:
                self._region = Region(self._region_path or session.path_hint, session.region_uuid, session.geometry)
            elif self._region.geometry != session.geometry:
                raise RegionError("the manager's region changed under this pool (a reformat?): reconnect")
            return self._region

    def device(self, device=None, copier=None):
        """The region registered with CUDA for this process (done once, on first use; ``register_seconds`` says
        what it cost), through which Namespace.get_to_device and put_from_device move blocks. ``device``: the CUDA
        device (default the current one). ``copier``: tests without a GPU pass a host copier instead."""
        self._check_open()
        with self._lock:
            if self._device is None:
                if self._region is None:
                    raise ValueError("no region mapped yet: open a namespace first")
                from ._device import DeviceRegion
                self._device = DeviceRegion(self._region, device, copier)
            return self._device

    def _check_open(self):
        if self._closed:
            raise ValueError("the pool is closed")

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
            namespaces = list(self._namespaces)
        for namespace in namespaces:
            namespace.close()
        self._executor.shutdown(wait=True)
        if self._device is not None:
            self._device.close()
        if self._region is not None:
            self._region.close()

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Namespace:
    """One namespace (a model's KV layout) of the pool: batch exists, contains, get, put and remove on 32-byte keys.

    Repeat hits are served from locations cached here and validated against the shared block table, first hits
    from the region's key directory (checked the same way), with no request to the manager."""

    def __init__(self, pool: Pool, control: ControlConnection, region: Region):
        self._pool = pool
        self._control = control
        self._region = region
        self.block_bytes = control.session.block_bytes
        self._namespace_id = control.session.namespace_id
        self._locations: dict[bytes, tuple[int, int, int, int]] = {}  # key -> (block, generation, offset, length)
        self._locations_lock = threading.Lock()
        self._closed = False

    # -- probes ------------------------------------------------------------------------------------------------------

    def exists(self, keys: Sequence[bytes]) -> int:
        """How many leading keys the pool holds (touches nothing). Keys the region's key directory names are counted
        without a request; the manager is asked about the rest."""
        keys = _check_keys(keys)
        found = self._region.find(self._namespace_id, keys)
        held = next((i for i, location in enumerate(found) if location is None), len(keys))
        if held == len(keys):
            return held
        rest = keys[held:]
        answer = self._control.request(lambda c, s: _wire.encode_keys(_wire.LONGEST_PREFIX, c, s, rest), True)
        return held + _wire.decode_batch_response(answer)[0]

    def contains(self, keys: Sequence[bytes]) -> list[bool]:
        """Per key whether the pool holds it (touches nothing)."""
        keys = _check_keys(keys)
        if not keys:
            return []
        answer = self._control.request(lambda c, s: _wire.encode_keys(_wire.CONTAINS, c, s, keys), True)
        return [entry.status == _wire.OK for entry in _wire.decode_batch_response(answer)[1]]

    # -- get ---------------------------------------------------------------------------------------------------------

    def get(self, keys: Sequence[bytes], buffers: Sequence) -> list[bool]:
        """Copies each key's block into its buffer (at least ``block_bytes`` long, writable). Per key True, or False
        for a miss (the buffer's bytes are then undefined)."""
        keys = _check_keys(keys)
        views = self._views(buffers, len(keys), writable=True)
        return self._get([[view] for view in views], keys)

    def get_pieces(self, keys: Sequence[bytes], pieces: Sequence[Sequence]) -> list[bool]:
        """Like get, into several buffers per key that take the block's bytes end to end (a paged KV cache's K and V
        pieces of one page). The pieces of a key must together take exactly the block's stored length."""
        keys = _check_keys(keys)
        return self._get(self._piece_views(pieces, len(keys), writable=True), keys)

    def _get(self, pieces: list[list[np.ndarray]], keys: list[bytes]) -> list[bool]:
        found = [False] * len(keys)
        # Cached locations are tried as they are (the read protocol checks them); those that fail, and keys never
        # seen, are looked up once and read again.
        with self._locations_lock:
            locations = [self._locations.get(key) for key in keys]
        cached = [i for i, location in enumerate(locations) if location is not None]
        self._read(cached, locations, pieces, found)
        retry = [i for i in range(len(keys)) if not found[i]]
        if retry:
            for i in retry:
                if locations[i] is not None:
                    self._forget(keys[i])
            looked = self._lookup([keys[i] for i in retry])
            for i, location in zip(retry, looked):
                locations[i] = location
            self._read([i for i in retry if locations[i] is not None], locations, pieces, found)
            for i in retry:
                if locations[i] is not None and not found[i]:
                    self._forget(keys[i])
        return found

    def _read(self, indices: list[int], locations: list, pieces: list[list[np.ndarray]], found: list[bool]) -> None:
        readable = []
        for i in indices:
            # Exactly the stored bytes: a single buffer takes the block's length, pieces must add up to it.
            length = locations[i][3]
            parts = pieces[i]
            if len(parts) == 1:
                readable.append((i, [parts[0][:length]]))
            elif sum(part.size for part in parts) == length:
                readable.append((i, parts))
        if readable:
            good = self._region.read_batch([locations[i][0] for i, _ in readable],
                                           [locations[i][1] for i, _ in readable],
                                           [locations[i][2] for i, _ in readable], [parts for _, parts in readable])
            for (i, _), ok in zip(readable, good):
                found[i] = ok

    # -- the GPU path ------------------------------------------------------------------------------------------------

    def get_to_device(self, keys: Sequence[bytes], destinations: Sequence, verify: bool = False,
                      copy: Optional[str] = None) -> list[bool]:
        """Copies each key's block into GPU memory: per key a contiguous CUDA tensor (at least the block's stored
        length), or (address, bytes) pieces that take the block's bytes end to end (a paged KV cache's pages of one
        block). One copy launch for the batch (Pool.device says how); every block's stamp is checked after the
        copy, so a block evicted or rewritten meanwhile is False, never used. With ``verify``, each block's bytes
        as they landed are checksummed on the GPU (CRC32C, against the block table's) and a block whose bytes were
        corrupted in the pool is False too. ``copy`` names the copy ('kernel', 'batch' or 'engine'; None: chosen by
        piece size and count, kvpool._device.choose_method). Per key True, or False for a miss."""
        return self.start_get_to_device(keys, destinations, verify, copy).wait()

    def start_get_to_device(self, keys: Sequence[bytes], destinations: Sequence, verify: bool = False,
                            copy: Optional[str] = None) -> "DeviceGet":
        """get_to_device in two steps: this looks the keys up, checks their blocks and launches the copies; ``wait()``
        on the result waits for them and answers per key. A caller can so launch the next batch (the next layer of a
        prompt's KV) before waiting for this one: the copy engines never idle between batches."""
        keys = _check_keys(keys)
        if len(destinations) != len(keys):
            raise ValueError(f"{len(destinations)} destinations for {len(keys)} keys: one per key")
        from ._device import pieces_of, plan
        pieces = [pieces_of(value, lambda: f"destination {i}") for i, value in enumerate(destinations)]
        with self._locations_lock:
            locations = [self._locations.get(key) for key in keys]
        fresh = [i for i, location in enumerate(locations) if location is None]
        if fresh:
            for i, location in zip(fresh, self._lookup([keys[i] for i in fresh])):
                locations[i] = location
        readable = []
        for i, location in enumerate(locations):
            if location is None:
                continue
            parts = pieces[i]
            if len(parts) == 1:
                if parts[0][1] >= location[3]:
                    readable.append((i, [(parts[0][0], location[3])]))
            elif sum(size for _, size in parts) == location[3]:
                readable.append((i, parts))
        device = self._pool.device()
        check = self._region.begin_read([locations[i][0] for i, _ in readable],
                                        [locations[i][1] for i, _ in readable])
        copied = [(i, parts) for (i, parts), ok in zip(readable, check.sealed) if ok]
        region_side, device_side, sizes = plan([locations[i][2] for i, _ in copied], self._region.base,
                                               [parts for _, parts in copied])
        handle = device.copy(region_side, device_side, sizes, copy, wait=False)
        # What the landed bytes are checked against: each block's recorded CRC32C and length.
        expected = [(parts, locations[i][3], checksum) for (i, parts), checksum in
                    zip(readable, self._region.checksums(check))] if verify else None
        return DeviceGet(self, keys, pieces, set(fresh), [i for i, _ in readable], check, handle, expected)

    def put_from_device(self, keys: Sequence[bytes], sources: Sequence, copy: Optional[str] = None) -> list[int]:
        """Stores each key's block from GPU memory: per key a contiguous CUDA tensor (1 to ``block_bytes`` bytes) or
        (address, bytes) pieces stored end to end. One copy launch for the batch, under the write protocol (each
        block announced before, withdrawn after the copy completes); ``copy`` as get_to_device's. Per key a status,
        as put."""
        keys = _check_keys(keys)
        if len(sources) != len(keys):
            raise ValueError(f"{len(sources)} sources for {len(keys)} keys: one per key")
        from ._device import pieces_of, plan
        pieces = [pieces_of(value, lambda: f"source {i}") for i, value in enumerate(sources)]
        sizes = [sum(size for _, size in parts) for parts in pieces]
        for i, size in enumerate(sizes):
            if size > self.block_bytes:
                raise ValueError(f"source {i} is {size} bytes: a block holds 1 to {self.block_bytes}")
        if not keys:
            return []
        device = self._pool.device()
        reserve, answer = self._control.exchange(lambda c, s: _wire.encode_keys(_wire.RESERVE, c, s, keys), True)
        entries = _wire.decode_batch_response(answer)[1]
        statuses = [entry.status for entry in entries]
        announced = []
        for i, entry in enumerate(entries):
            if entry.status == _wire.OK:
                if self._region.begin_write(entry.block, entry.generation):
                    announced.append(i)
                else:
                    statuses[i] = _wire.LEASE_EXPIRED
        try:
            region_side, device_side, copy_sizes = plan([entries[i].offset for i in announced], self._region.base,
                                                        [pieces[i] for i in announced])
            # The copy runs region <- device: the region side is the destination.
            device.copy(device_side, region_side, copy_sizes, copy)
        finally:
            for i in announced:
                self._region.end_write(entries[i].block)
        if announced:
            try:
                answer = self._control.finish(self._send_commit(entries, sizes, announced, reserve))
            except ConnectionError:
                raise ConnectionError("the manager restarted during a put; its outcome is unknown: put again") \
                    from None
            self._record_commits(keys, entries, sizes, announced, answer, statuses)
        return statuses

    def _lookup(self, keys: list[bytes]) -> list[Optional[tuple[int, int, int, int]]]:
        """Locations from the region's key directory, and one LOOKUP for the keys it does not name; the locations
        found are cached."""
        geometry = self._region.geometry
        locations: list[Optional[tuple]] = [
            None if hit is None else (hit[0], hit[1], geometry.block_data_offset(hit[0], self.block_bytes), hit[2])
            for hit in self._region.find(self._namespace_id, keys)]
        asked = [i for i, location in enumerate(locations) if location is None]
        if asked:
            missing = [keys[i] for i in asked]
            answer = self._control.request(lambda c, s: _wire.encode_keys(_wire.LOOKUP, c, s, missing), True)
            for i, entry in zip(asked, _wire.decode_batch_response(answer)[1]):
                if entry.status == _wire.OK:
                    locations[i] = (entry.block, entry.generation, entry.offset, entry.length)
        with self._locations_lock:
            for key, location in zip(keys, locations):
                if location is not None:
                    self._locations[key] = location
        return locations

    def _forget(self, key: bytes):
        with self._locations_lock:
            self._locations.pop(key, None)

    # -- put ---------------------------------------------------------------------------------------------------------

    def put(self, keys: Sequence[bytes], buffers: Sequence) -> list[int]:
        """Stores each buffer (1 to ``block_bytes`` bytes) under its key. Per key a status: kvpool.STORED,
        ALREADY_EXISTS (skipped), WRITE_IN_PROGRESS (another writer has it), NO_CAPACITY, LEASE_EXPIRED (the write
        outlived its reservation: put again)."""
        keys = _check_keys(keys)
        views = self._views(buffers, len(keys), writable=False)
        return self._put(keys, [[view] for view in views])

    def put_pieces(self, keys: Sequence[bytes], pieces: Sequence[Sequence]) -> list[int]:
        """Like put, from several buffers per key stored end to end in one block (a page's K and V, which then
        live and die together)."""
        keys = _check_keys(keys)
        return self._put(keys, self._piece_views(pieces, len(keys), writable=False))

    def _put(self, keys: list[bytes], pieces: list[list[np.ndarray]]) -> list[int]:
        sizes = [sum(part.size for part in parts) for parts in pieces]
        for i, size in enumerate(sizes):
            if size == 0 or size > self.block_bytes:
                raise ValueError(f"buffer {i} is {size} bytes: a block holds 1 to {self.block_bytes}")
        if not keys:
            return []
        # RESERVE is repeated once on a lost connection: the lost session's reservations end with it (a key it held
        # is WRITE_IN_PROGRESS at worst, until then).
        reserve, answer = self._control.exchange(lambda c, s: _wire.encode_keys(_wire.RESERVE, c, s, keys), True)
        entries = _wire.decode_batch_response(answer)[1]
        statuses = [entry.status for entry in entries]
        lease_ns = self._control.session.reservation_lease_ns
        renewed_at = time.monotonic_ns()
        # Commits go out while later blocks are still being copied, each for the blocks copied since the one before:
        # the manager checksums them (and seals them) while this thread copies on. All on the reservation's
        # connection: once that is lost, the session and its reservations are gone, and the copying stops.
        commits: list[tuple[list[int], object]] = []
        written, written_bytes = [], 0
        for i, entry in enumerate(entries):
            if entry.status != _wire.OK:
                continue
            if self._control.lost(reserve):
                break
            if time.monotonic_ns() - renewed_at > lease_ns // 3:
                # Every reservation not yet committed: those copied since the last commit, and those still to copy.
                self._renew([entries[j] for j in written] +
                            [entries[j] for j in range(i, len(entries)) if entries[j].status == _wire.OK], reserve)
                renewed_at = time.monotonic_ns()
            if self._region.write_pieces(entry.block, entry.generation, entry.offset, pieces[i]):
                written.append(i)
                written_bytes += sizes[i]
            else:
                statuses[i] = _wire.LEASE_EXPIRED
            if written and written_bytes >= _COMMIT_EVERY_BYTES:
                commits.append((written, self._send_commit(entries, sizes, written, reserve)))
                written, written_bytes = [], 0
        if written:
            commits.append((written, self._send_commit(entries, sizes, written, reserve)))
        lost = None
        for indices, ticket in commits:
            try:
                answer = self._control.finish(ticket)
            except (ConnectionError, PoolError) as error:
                lost = lost or error  # every ticket is still waited for
                continue
            self._record_commits(keys, entries, sizes, indices, answer, statuses)
        if isinstance(lost, ConnectionError):
            raise ConnectionError("the manager restarted during a put; its outcome is unknown: put again") from lost
        if lost is not None:
            raise lost
        return statuses

    def _record_commits(self, keys, entries, sizes: list[int], indices: list[int], answer: bytes,
                        statuses: list[int]) -> None:
        """A COMMIT's answers into the put's statuses; blocks committed are cached as locations."""
        for i, result in zip(indices, _wire.decode_batch_response(answer)[1]):
            statuses[i] = result.status
            if result.status == _wire.OK:
                with self._locations_lock:
                    self._locations[keys[i]] = (entries[i].block, entries[i].generation, entries[i].offset,
                                                sizes[i])

    def _send_commit(self, entries, sizes: list[int], indices: list[int], reserve):
        commits = [(entries[i].block, entries[i].generation, sizes[i] | _COMPUTE_CHECKSUM, 0) for i in indices]
        return self._control.send(lambda c, s: _wire.encode_blocks(_wire.COMMIT, c, s, commits), since=reserve)

    def _renew(self, entries, reserve):
        """Extends the leases of reservations still to be written, on their own connection (a lost one ends them)."""
        reservations = [(entry.block, entry.generation) for entry in entries]
        try:
            self._control.finish(self._control.send(
                lambda c, s: _wire.encode_blocks(_wire.RENEW, c, s, reservations), since=reserve))
        except ConnectionError:
            pass  # the put stops copying at its next block and says so

    # -- the rest ----------------------------------------------------------------------------------------------------

    def remove(self, keys: Sequence[bytes]) -> list[bool]:
        """Removes keys; per key whether it was there (a pinned block stays)."""
        keys = _check_keys(keys)
        for key in keys:
            self._forget(key)
        if not keys:
            return []
        answer = self._control.request(lambda c, s: _wire.encode_keys(_wire.REMOVE, c, s, keys), True)
        return [entry.status == _wire.OK for entry in _wire.decode_batch_response(answer)[1]]

    def get_async(self, keys: Sequence[bytes], buffers: Sequence) -> concurrent.futures.Future:
        """get on the pool's I/O threads."""
        return self._pool._executor.submit(self.get, list(keys), list(buffers))

    def put_async(self, keys: Sequence[bytes], buffers: Sequence) -> concurrent.futures.Future:
        """put on the pool's I/O threads; the buffers must stay untouched until the future is done."""
        return self._pool._executor.submit(self.put, list(keys), list(buffers))

    def _views(self, buffers: Sequence, count: int, writable: bool) -> list[np.ndarray]:
        buffers = list(buffers)
        if len(buffers) != count:
            raise ValueError(f"{len(buffers)} buffers for {count} keys: one buffer per key")
        views = [_as_bytes(buffer, writable) for buffer in buffers]
        if writable:
            for i, view in enumerate(views):
                if view.size < self.block_bytes:
                    raise ValueError(f"buffer {i} is {view.size} bytes: a get destination holds a whole block, "
                                     f"{self.block_bytes}")
        return views

    @staticmethod
    def _piece_views(pieces: Sequence[Sequence], count: int, writable: bool) -> list[list[np.ndarray]]:
        if len(pieces) != count:
            raise ValueError(f"{len(pieces)} piece lists for {count} keys: one list per key")
        return [[_as_bytes(piece, writable) for piece in parts] for parts in pieces]

    def close(self):
        if not self._closed:
            self._closed = True
            self._control.close()

    def __enter__(self) -> "Namespace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class DeviceGet:
    """A get_to_device whose copies are in flight (Namespace.start_get_to_device)."""

    def __init__(self, namespace: Namespace, keys, pieces, fresh: set, readable: list[int], check, handle,
                 expected=None):
        self._namespace = namespace
        self._expected = expected
        self.corrupt: list[int] = []  # keys whose bytes did not match their checksum (verify=True)
        self._keys = keys
        self._pieces = pieces
        self._fresh = fresh
        self._readable = readable
        self._check = check
        self._handle = handle
        self._found: Optional[list[bool]] = None

    def wait(self) -> list[bool]:
        """Waits for the copies and answers per key: True where the block's bytes arrived and it was not evicted or
        rewritten meanwhile. A location this client had cached that failed is looked up again once."""
        if self._found is not None:
            return self._found
        namespace = self._namespace
        namespace._pool.device().finish(self._handle)
        found = [False] * len(self._keys)
        for i, ok in zip(self._readable, namespace._region.end_read(self._check)):
            found[i] = ok
        if self._expected is not None:
            self.corrupt = self._verify(found)
        retry = [i for i in range(len(self._keys)) if not found[i] and i not in self._fresh and
                 i not in self.corrupt]
        for i in range(len(self._keys)):
            if not found[i]:
                namespace._forget(self._keys[i])
        if retry:
            again = namespace.get_to_device([self._keys[i] for i in retry], [self._pieces[i] for i in retry],
                                            self._expected is not None)
            for i, ok in zip(retry, again):
                found[i] = ok
        self._found = found
        return found

    def _verify(self, found: list[bool]) -> list[int]:
        """CRC32C of each good block's landed bytes (on the device, blocks of one length at a time) against the
        recorded one; a mismatch is a miss. Returns the keys caught so."""
        import torch
        from ._crc import crc32c
        device = self._namespace._pool.device()
        by_length: dict[int, list[tuple[int, list, int]]] = {}
        for i, (parts, length, checksum) in zip(self._readable, self._expected):
            if found[i]:
                by_length.setdefault(length, []).append((i, parts, checksum))
        corrupt = []
        for length, blocks in by_length.items():
            rows = torch.stack([torch.cat([device.view(address, size) for address, size in parts])[:length]
                                for _, parts, _ in blocks])
            computed = crc32c(rows, length).tolist()
            for (i, _, checksum), crc in zip(blocks, computed):
                if crc != checksum:
                    found[i] = False
                    corrupt.append(i)
        return corrupt
