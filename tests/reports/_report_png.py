"""Decode the 8-bit RGB/RGBA PNGs Chromium writes, with zlib only (no Pillow installed)."""

from __future__ import annotations

import struct
import zlib


def decode(png: bytes) -> tuple[int, int, int, bytes]:
    """Return (width, height, channels, raw pixel bytes) of a non-interlaced 8-bit PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(png):
        length, kind = struct.unpack("!I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack("!IIBBBBB", data)
            assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += data
        elif kind == b"IEND":
            break
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out += line
        prev = line
    return width, height, channels, bytes(out)


def region_stats(png: bytes, x0: int, y0: int, x1: int, y1: int) -> tuple[int, float]:
    """Return (distinct colours, luminance variance) of a rectangle of the image."""
    width, height, ch, px = decode(png)
    x1, y1 = min(x1, width), min(y1, height)
    colours: set[bytes] = set()
    lum: list[float] = []
    for y in range(max(y0, 0), y1, 2):
        row = y * width * ch
        for x in range(max(x0, 0), x1, 2):
            p = px[row + x * ch: row + x * ch + 3]
            colours.add(p)
            lum.append(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])
    if not lum:
        return 0, 0.0
    mean = sum(lum) / len(lum)
    return len(colours), sum((v - mean) ** 2 for v in lum) / len(lum)
