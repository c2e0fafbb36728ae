"""Chained block keys, byte for byte as the Java client's ``BlockKeys.chain``: key(i) = SHA-256(key(i-1) | the
block's token ids as 32-bit little-endian integers); the first block's chain starts from ``parent`` (or nothing).
"""

from __future__ import annotations

import hashlib
import struct
from typing import Iterable, Optional, Sequence

from ._wire import KEY_BYTES, MAX_KEYS


def chain_keys(tokens: Sequence[int] | Iterable[int], block_tokens: int, parent: Optional[bytes] = None) -> list[bytes]:
    """One 32-byte key per full block of ``block_tokens`` tokens (a trailing partial block gets none).

    Raises ValueError for a non-positive block size, a parent that is not 32 bytes, or more than 1024 blocks."""
    if block_tokens <= 0:
        raise ValueError(f"block_tokens={block_tokens} must be positive")
    if parent is not None and len(parent) != KEY_BYTES:
        raise ValueError(f"parent is {len(parent)} bytes; a key is {KEY_BYTES}")
    tokens = list(tokens)
    blocks = len(tokens) // block_tokens
    if blocks > MAX_KEYS:
        raise ValueError(f"{blocks} blocks: a batch holds at most {MAX_KEYS} keys; chain in parts, passing the last "
                         f"key as parent")
    keys = []
    previous = parent
    for block in range(blocks):
        digest = hashlib.sha256()
        if previous is not None:
            digest.update(previous)
        chunk = tokens[block * block_tokens:(block + 1) * block_tokens]
        digest.update(struct.pack(f"<{block_tokens}I", *[t & 0xFFFFFFFF for t in chunk]))
        previous = digest.digest()
        keys.append(previous)
    return keys
