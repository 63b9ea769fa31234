"""Deflate a zip entry's bytes in independent parts and write the parts as one entry; no XML.

A raw deflate stream may be cut into parts, each deflated from a fresh start and ended on a
byte boundary (a sync flush) but the last (ended as final): their concatenation is one valid
stream, each part needing nothing of the one before (what pigz does). So two processes can
deflate the two halves of a sheet side by side. The entry's CRC-32 is combined from the parts'
(:func:`crc32_combine`, zlib's own method, which Python's ``zlib`` does not offer before 3.13).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

__all__ = ["Deflated", "crc32_combine", "deflate", "write_parts"]

_RAW = -zlib.MAX_WBITS  # a raw stream, as a zip entry holds it


@dataclass(frozen=True)
class Deflated:
    """One part of an entry: its deflated bytes, and the CRC-32 and length of the bytes."""

    data: bytes
    crc: int
    size: int

    def to_bytes(self) -> bytes:
        """The part as bytes (for a pipe): CRC and size, 8 bytes each, then the data."""
        return self.crc.to_bytes(8, "little") + self.size.to_bytes(8, "little") + self.data

    @classmethod
    def from_bytes(cls, raw: bytes) -> Deflated:
        return cls(raw[16:], int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:16],
                                                                               "little"))


def deflate(chunks: Iterable[bytes], *, level: int, final: bool) -> Deflated:
    """``chunks`` deflated from a fresh start at ``level``; ended as the stream's last part
    when ``final``, else on a byte boundary so that another part may follow."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, _RAW)
    out: list[bytes] = []
    crc = size = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out.append(compressor.compress(chunk))
    out.append(compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH))
    return Deflated(b"".join(out), crc, size)


def crc32_combine(crc1: int, crc2: int, size2: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)`` (zlib's
    ``crc32_combine``: ``crc1`` is run through ``size2`` zero bytes by squaring a GF(2)
    matrix, then ``crc2`` added)."""
    if size2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # one zero bit
    even = _square(odd)  # two zero bits
    odd = _square(even)  # four
    while True:
        even = _square(odd)  # the first pass: one zero byte
        if size2 & 1:
            crc1 = _times(even, crc1)
        size2 >>= 1
        if not size2:
            break
        odd = _square(even)
        if size2 & 1:
            crc1 = _times(odd, crc1)
        size2 >>= 1
        if not size2:
            break
    return crc1 ^ crc2


def _times(matrix: Sequence[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _square(matrix: Sequence[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]


class _Written:
    """A compressor that hands on what it is given: the parts are deflated already."""

    def compress(self, data: bytes) -> bytes:
        return data

    def flush(self) -> bytes:
        return b""


def write_parts(stream: IO[bytes], parts: Sequence[Deflated]) -> None:
    """Write ``parts`` (the last one final) as the whole content of ``stream``, an entry just
    opened for writing with ``ZipFile.open(info, "w")`` and ``ZIP_DEFLATED``.

    The deflated bytes go in as they are, and the entry's CRC-32 and size are the parts'
    combined. Where ``zipfile`` is not built as this expects (its writer's compressor, CRC
    and size), the parts are inflated and written as plain bytes: slower, the same entry.
    """
    crc = size = 0
    for part in parts:
        crc, size = crc32_combine(crc, part.crc, part.size), size + part.size
    state = vars(stream)
    if not {"_compressor", "_crc", "_file_size"} <= state.keys():  # pragma: no cover
        for part in parts:
            stream.write(zlib.decompressobj(_RAW).decompress(part.data))
        return
    state["_compressor"] = _Written()
    for part in parts:
        stream.write(part.data)
    state["_crc"], state["_file_size"] = crc, size  # what close() writes into the header
