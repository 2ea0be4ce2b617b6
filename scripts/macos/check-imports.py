#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check the vmnet.framework references of macOS object files against a
deployment target.

Usage: check-imports.py TBD DEPLOYMENT_TARGET OBJECT...

TBD is the vmnet.framework link stub, whose export groups are preceded by
"# macOS X.Y" lines naming the release that introduced them. Code may refer
to a vmnet symbol newer than DEPLOYMENT_TARGET only as a weak reference
(declared with its availability and used behind __builtin_available): a
strong one makes dyld refuse to start the program on older macOS. The
linker cannot tell, because the stub lists every symbol. Objects are
checked rather than programs because zig 0.11's linker drops the weak flag
when it links (Apple's keeps it).

Reads the symbol tables of 64-bit little-endian Mach-O files. Prints one
line per offending object and a summary; exit status 1 if any object breaks
the rule.
"""

import re
import struct
import sys

MH_MAGIC_64 = 0xFEEDFACF
LC_SYMTAB = 0x2
N_STAB, N_TYPE, N_EXT, N_UNDF = 0xE0, 0x0E, 0x01, 0x00
N_WEAK_REF = 0x0040


def version(text):
    return tuple(int(x) for x in text.split("."))


def stub_symbols(path):
    """Return {symbol: (major, minor)} from the stub's "# macOS X.Y" groups."""
    since = {}
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*# macOS (\d+\.\d+)\s*$", line)
            if m:
                current = version(m.group(1))
                continue
            if current and not line.lstrip().startswith("#"):
                for sym in re.findall(r"\b_vmnet_\w+", line):
                    since[sym] = current
    return since


def references(path):
    """Return [(symbol, weak)] for the undefined symbols of a Mach-O file."""
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, ncmds = struct.unpack_from("<IiiII", data)
    if magic != MH_MAGIC_64:
        raise ValueError(f"{path}: not a 64-bit little-endian Mach-O")
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == LC_SYMTAB:
            symoff, nsyms, stroff, _ = struct.unpack_from("<IIII", data, off + 8)
            break
        off += size
    else:
        return []
    result = []
    for i in range(nsyms):
        strx, ntype, _, desc, _ = struct.unpack_from("<IBBHQ", data, symoff + 16 * i)
        if ntype & N_STAB or ntype & N_TYPE != N_UNDF or not ntype & N_EXT:
            continue
        name = data[stroff + strx:].split(b"\0", 1)[0].decode()
        result.append((name, bool(desc & N_WEAK_REF)))
    return result


def main(argv):
    if len(argv) < 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    since = stub_symbols(argv[1])
    target = version(argv[2])
    shown = ".".join(map(str, target))
    used = set()
    ok = True
    for path in argv[3:]:
        for sym, weak in references(path):
            if sym not in since:
                continue
            used.add(sym)
            if since[sym] > target and not weak:
                need = ".".join(map(str, since[sym]))
                print(f"{path}: {sym} (macOS {need}) is a strong reference: the program"
                      f" would not start on macOS {shown}", file=sys.stderr)
                ok = False
    if ok:
        print(f"{len(used)} vmnet symbol(s) referenced, all usable on macOS {shown}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
