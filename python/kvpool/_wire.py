"""The control protocol's messages (docs/spec/wire-protocol.md, version 2), as the manager's stream sockets carry
them: every message starts with a 24-byte little-endian header whose frameLength delimits it on the stream.

Encoders return bytes; decoders take a whole frame (bytes or memoryview). Nothing here touches a socket.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import time
import uuid
from dataclasses import dataclass

PROTOCOL_VERSION = 2
HEADER = struct.Struct("<HHIqq")  # templateId, protocolVersion, frameLength, correlationId, sessionId
HEADER_LENGTH = HEADER.size
MAX_FRAME_LENGTH = 64 * 1024
MAX_KEYS = 1024
KEY_BYTES = 32
ENTRY_BYTES = 64  # one block table entry (region-format.md §5)

HELLO, HELLO_OK, ERROR, GOODBYE = 1, 2, 3, 4
LOOKUP, LONGEST_PREFIX, RESERVE, PIN, REMOVE, COMMIT, ABORT, RENEW, UNPIN, CONTAINS = range(10, 20)
BATCH_RESPONSE = 20
CREATE_NAMESPACE, NAMESPACE_OK = 30, 31
STATS, STATS_RESPONSE = 40, 41

CREDENTIAL_PROOF = 1
_PROOF_CONTEXT = b"kvpool-hello-1"

# Per-key statuses (io.kvpool.protocol.Status).
OK, NOT_FOUND, INSUFFICIENT_CAPACITY, LEASE_EXPIRED, UNKNOWN_RESERVATION, ALREADY_EXISTS = 0, -1, -2, -3, -4, -5
WRITE_IN_PROGRESS, PINNED, UNKNOWN_PIN, INVALID_LENGTH, PIN_CAPACITY_EXHAUSTED = -6, -7, -9, -10, -11  # -8 retired
OUT_OF_RANGE, TRANSPORT_FAILED = -12, -13
STATUS_NAMES = {
    OK: "OK", NOT_FOUND: "NOT_FOUND", INSUFFICIENT_CAPACITY: "INSUFFICIENT_CAPACITY", LEASE_EXPIRED: "LEASE_EXPIRED",
    UNKNOWN_RESERVATION: "UNKNOWN_RESERVATION", ALREADY_EXISTS: "ALREADY_EXISTS",
    WRITE_IN_PROGRESS: "WRITE_IN_PROGRESS", PINNED: "PINNED", UNKNOWN_PIN: "UNKNOWN_PIN",
    INVALID_LENGTH: "INVALID_LENGTH", PIN_CAPACITY_EXHAUSTED: "PIN_CAPACITY_EXHAUSTED", OUT_OF_RANGE: "OUT_OF_RANGE",
    TRANSPORT_FAILED: "TRANSPORT_FAILED",
}

# Wire errors (io.kvpool.protocol.wire.WireError) and the pool's error codes that reach a client.
WIRE_ERRORS = {
    5000: "TRUNCATED", 5001: "OVERSIZED", 5002: "MALFORMED", 5003: "UNKNOWN_TEMPLATE", 5004: "PROTOCOL_VERSION",
    5005: "OUT_OF_RANGE", 5006: "UNKNOWN_SESSION", 5007: "NOT_AUTHORIZED", 5008: "SHUTTING_DOWN", 5009: "INTERNAL",
    5010: "UNSUPPORTED", 5011: "LIMIT_REACHED",
}
UNKNOWN_SESSION, NOT_AUTHORIZED, SHUTTING_DOWN = 5006, 5007, 5008

_BATCH_ENTRY = struct.Struct("<iIIIqqqq")  # status, length, checksum, 0, blockIndex, generation, offset, pinId
_HELLO_OK = struct.Struct("<IIqqqqqqqIIqqqqIIqq")


def status_name(status: int) -> str:
    return STATUS_NAMES.get(status, f"STATUS({status})")


def error_name(code: int) -> str:
    return WIRE_ERRORS.get(code, f"ERROR({code})")


def header(template: int, length: int, correlation_id: int, session_id: int) -> bytes:
    return HEADER.pack(template, PROTOCOL_VERSION, length, correlation_id, session_id)


def _text(value: bytes) -> bytes:
    if len(value) > 4096:
        raise ValueError(f"a text field is at most 4096 bytes, got {len(value)}")
    return struct.pack("<H", len(value)) + value


def token_hash(token: str) -> bytes:
    """SHA-256 of a token's UTF-8 bytes: what the manager stores, and the key of HELLO proofs."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def token_proof(token: str, namespace: str, now_millis: int | None = None) -> bytes:
    """A HELLO credential proving the token without sending it (TokenProof in the Java protocol module)."""
    if not token:
        return b""
    nonce = os.urandom(16)
    issued = int(time.time() * 1000) if now_millis is None else now_millis
    issued_bytes = struct.pack("<q", issued)
    mac = hmac.new(token_hash(token), _PROOF_CONTEXT + nonce + issued_bytes + namespace.encode("utf-8"),
                   hashlib.sha256).digest()
    return nonce + issued_bytes + mac


def encode_hello(correlation_id: int, namespace: str, token: str, client_name: str) -> bytes:
    body = (struct.pack("<II", 0, CREDENTIAL_PROOF) + _text(namespace.encode("utf-8"))
            + _text(token_proof(token, namespace)) + _text(b"stream") + _text(client_name.encode("utf-8")))
    return header(HELLO, HEADER_LENGTH + len(body), correlation_id, 0) + body


def encode_goodbye(correlation_id: int, session_id: int) -> bytes:
    return header(GOODBYE, HEADER_LENGTH, correlation_id, session_id)


def encode_keys(template: int, correlation_id: int, session_id: int, keys: list[bytes]) -> bytes:
    body = struct.pack("<II", len(keys), 0) + b"".join(keys)
    return header(template, HEADER_LENGTH + len(body), correlation_id, session_id) + body


def encode_blocks(template: int, correlation_id: int, session_id: int, entries: list[tuple], kind: int = 0) -> bytes:
    """COMMIT entries: (block, generation, length, checksum); ABORT/RENEW: (block, generation)."""
    if template == COMMIT:
        packed = b"".join(struct.pack("<qqIi", *entry) for entry in entries)
    else:
        packed = b"".join(struct.pack("<qq", *entry) for entry in entries)
    body = struct.pack("<II", len(entries), kind) + packed
    return header(template, HEADER_LENGTH + len(body), correlation_id, session_id) + body


def encode_create_namespace(correlation_id: int, session_id: int, name: str, block_bytes: int, min_slabs: int,
                            max_slabs: int, token: str) -> bytes:
    body = (struct.pack("<qII", block_bytes, min_slabs, max_slabs) + _text(name.encode("utf-8"))
            + _text(token_hash(token) if token else b""))
    return header(CREATE_NAMESPACE, HEADER_LENGTH + len(body), correlation_id, session_id) + body


def decode_header(frame) -> tuple[int, int, int, int, int]:
    """(templateId, protocolVersion, frameLength, correlationId, sessionId)."""
    return HEADER.unpack_from(frame, 0)


def decode_error(frame) -> tuple[int, str]:
    code = struct.unpack_from("<i", frame, HEADER_LENGTH)[0]
    (length,) = struct.unpack_from("<H", frame, HEADER_LENGTH + 8)
    start = HEADER_LENGTH + 10
    return code, bytes(frame[start:start + length]).decode("utf-8", "replace")


@dataclass(frozen=True)
class Geometry:
    """The region's layout (region-format.md §1), as HELLO_OK gives it."""
    region_length: int
    slab_size: int
    min_block_size: int
    max_namespaces: int
    slab_count: int
    max_blocks_per_slab: int
    namespace_table_offset: int
    slab_table_offset: int
    block_table_offset: int
    data_offset: int

    def block_entry_offset(self, block: int) -> int:
        return self.block_table_offset + block * ENTRY_BYTES

    def block_data_offset(self, block: int, block_bytes: int) -> int:
        """Where a block of a namespace of ``block_bytes`` blocks begins (region-format.md §6)."""
        slab, slot = divmod(block, self.max_blocks_per_slab)
        return self.data_offset + slab * self.slab_size + slot * block_bytes


@dataclass(frozen=True)
class Session:
    session_id: int
    namespace_id: int
    block_bytes: int
    blocks_per_slab: int
    manager_epoch: int
    region_uuid: uuid.UUID
    path_hint: str
    geometry: Geometry
    reservation_lease_ns: int
    pin_lease_ns: int


def decode_hello_ok(frame) -> Session:
    (namespace_id, blocks_per_slab, block_bytes, epoch, msb, lsb, region_length, slab_size, min_block, slab_count,
     max_blocks, block_table, data_offset, lease_ns, pin_lease_ns, max_namespaces, _, namespace_table,
     slab_table) = _HELLO_OK.unpack_from(frame, HEADER_LENGTH)
    path_at = HEADER_LENGTH + _HELLO_OK.size
    (path_length,) = struct.unpack_from("<H", frame, path_at)
    path = bytes(frame[path_at + 2:path_at + 2 + path_length]).decode("utf-8")
    session_id = decode_header(frame)[4]
    region_uuid = uuid.UUID(int=((msb & (2 ** 64 - 1)) << 64) | (lsb & (2 ** 64 - 1)))
    geometry = Geometry(region_length, slab_size, min_block, max_namespaces, slab_count, max_blocks, namespace_table,
                        slab_table, block_table, data_offset)
    return Session(session_id, namespace_id, block_bytes, blocks_per_slab, epoch, region_uuid, path, geometry,
                   lease_ns, pin_lease_ns)


@dataclass
class BatchEntry:
    status: int
    length: int
    checksum: int
    block: int
    generation: int
    offset: int
    pin_id: int


def decode_batch_response(frame) -> tuple[int, list[BatchEntry]]:
    count, result = struct.unpack_from("<Ii", frame, HEADER_LENGTH)
    entries = []
    for i in range(count):
        status, length, checksum, _, block, generation, offset, pin_id = _BATCH_ENTRY.unpack_from(
            frame, HEADER_LENGTH + 8 + _BATCH_ENTRY.size * i)
        entries.append(BatchEntry(status, length, checksum, block, generation, offset, pin_id))
    return result, entries


def decode_namespace_ok(frame) -> tuple[int, int, int, int, int, str]:
    """(namespaceId, blocksPerSlab, blockSizeBytes, minSlabs, maxSlabs, name)."""
    namespace_id, blocks_per_slab, block_bytes, min_slabs, max_slabs = struct.unpack_from("<IIqII", frame,
                                                                                          HEADER_LENGTH)
    (length,) = struct.unpack_from("<H", frame, 48)
    return namespace_id, blocks_per_slab, block_bytes, min_slabs, max_slabs, bytes(frame[50:50 + length]).decode()
