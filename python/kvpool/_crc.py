"""CRC32C (Castagnoli, as the block table records it) of many equal-length byte strings at once, with torch tensor
operations, so that it runs where the bytes are: on the GPU after get_to_device (verify=True), or on the CPU.

CRC is linear over GF(2) once its initial value is set apart. Each string is cut into segments of ``SEGMENT`` bytes,
every segment's register is computed from zero in parallel (one table step a byte, ``SEGMENT`` steps for the whole
batch), and the registers are folded together group by group: a register followed by n more bytes contributes
``Z^n(register)``, where Z is the linear map of one zero byte, kept as the 32 images of its basis vectors. Zero bytes
in front of a string change nothing (the register starts at zero), so strings are padded in front to whole segments.
The standard initial value and final xor are applied last, for the string's true length.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

POLYNOMIAL = 0x82F63B78  # CRC32C, reflected
SEGMENT = 256  # bytes a parallel register takes
GROUP = 64  # registers folded together at a time
_MASK = 0xFFFFFFFF


def _table() -> np.ndarray:
    table = np.zeros(256, dtype=np.int64)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (POLYNOMIAL if crc & 1 else 0)
        table[byte] = crc
    return table


TABLE = _table()


def _zero_byte_columns() -> np.ndarray:
    """Z, the register map of one zero byte, as the images of the 32 basis vectors."""
    columns = np.zeros(32, dtype=np.int64)
    for bit in range(32):
        register = 1 << bit
        columns[bit] = int(TABLE[register & 0xFF]) ^ (register >> 8)
    return columns


def _apply(columns: np.ndarray, value: int) -> int:
    result = 0
    bit = 0
    while value:
        if value & 1:
            result ^= int(columns[bit])
        value >>= 1
        bit += 1
    return result


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """outer after inner."""
    return np.array([_apply(outer, int(column)) for column in inner], dtype=np.int64)


@lru_cache(maxsize=64)
def _power(count: int) -> tuple:
    """Z^count as 32 columns (square and multiply)."""
    result = np.array([1 << bit for bit in range(32)], dtype=np.int64)
    base = _zero_byte_columns()
    while count:
        if count & 1:
            result = _compose(base, result)
        base = _compose(base, base)
        count >>= 1
    return tuple(int(column) for column in result)


@lru_cache(maxsize=64)
def _fold_columns(step: int) -> np.ndarray:
    """For a group of GROUP registers each covering ``step`` bytes: the columns of Z^(step * (GROUP - 1 - k)) for
    each position k, shape [GROUP, 32]."""
    one = np.array(_power(step), dtype=np.int64)
    columns = np.zeros((GROUP, 32), dtype=np.int64)
    current = np.array([1 << bit for bit in range(32)], dtype=np.int64)
    for k in range(GROUP - 1, -1, -1):
        columns[k] = current
        current = _compose(one, current)
    return columns


def _xor_reduce(values, dim: int):
    """XOR of a tensor's entries along ``dim`` (its size a power of two), by halving."""
    while values.shape[dim] > 1:
        half = values.shape[dim] // 2
        values = values.narrow(dim, 0, half) ^ values.narrow(dim, half, half)
    return values.squeeze(dim)


def crc32c(data, length: int):
    """CRC32C of each row of ``data`` (a uint8 torch tensor [rows, length], on any device): an int64 tensor [rows]."""
    import torch
    device = data.device
    rows = data.shape[0]
    groups = max(1, -(-length // SEGMENT))
    padded = groups * SEGMENT
    if padded != length:
        data = torch.cat([torch.zeros(rows, padded - length, dtype=torch.uint8, device=device), data], dim=1)
    table = torch.as_tensor(TABLE, device=device)
    parts = data.view(rows, groups, SEGMENT)
    registers = torch.zeros(rows, groups, dtype=torch.int64, device=device)
    for position in range(SEGMENT):
        registers = table[(registers ^ parts[:, :, position].to(torch.int64)) & 0xFF] ^ (registers >> 8)
    step = SEGMENT
    bits = torch.arange(32, device=device)
    while registers.shape[1] > 1:
        count = registers.shape[1]
        if count % GROUP:
            # Zero registers in front: they stand for zero bytes, which contribute nothing.
            registers = torch.cat([torch.zeros(rows, GROUP - count % GROUP, dtype=torch.int64, device=device),
                                   registers], dim=1)
        columns = torch.as_tensor(_fold_columns(step), device=device)  # [GROUP, 32]
        grouped = registers.view(rows, -1, GROUP)  # [rows, n, GROUP]
        selected = ((grouped.unsqueeze(-1) >> bits) & 1) * columns  # [rows, n, GROUP, 32]
        registers = _xor_reduce(_xor_reduce(selected, 3), 2)
        step *= GROUP
    raw = registers[:, 0]
    # The standard initial value, carried over the string's true length, and the final xor.
    initial = _apply(np.array(_power(length), dtype=np.int64), _MASK)
    return (raw ^ initial ^ _MASK) & _MASK
