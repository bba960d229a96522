#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pixel counts of a PNG (8-bit RGB/RGBA, not interlaced), decoded with the stdlib only.

usage: pngstat.py FILE [RRGGBB ...]
Prints width=, height=, colours= (distinct), nonwhite= (pixels not pure white), dark=
(pixels with every channel below 96, e.g. text), and c_RRGGBB= for each colour asked.
"""
import struct
import sys
import zlib

WHITE = b'\xff\xff\xff'


def pixels(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit(f'{path}: not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            if depth != 8 or ctype not in (2, 6) or interlace != 0:
                sys.exit(f'{path}: unexpected PNG format')
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        for x in range(0, stride, bpp):
            yield bytes(line[x:x + 3])
        prev = line
    pixels.size = (w, h)


def main():
    counts = {}
    for px in pixels(sys.argv[1]):
        counts[px] = counts.get(px, 0) + 1
    w, h = pixels.size
    print(f'width={w}\nheight={h}\ncolours={len(counts)}')
    print(f'nonwhite={w * h - counts.get(WHITE, 0)}')
    print(f'dark={sum(n for px, n in counts.items() if max(px) < 96)}')
    for c in sys.argv[2:]:
        print(f'c_{c}={counts.get(bytes.fromhex(c), 0)}')


if __name__ == '__main__':
    main()
