#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Check that linked macOS programs would load on the deployment target.

Usage: check-binds.py [--list] DEPLOYMENT_TARGET PROGRAM...

dyld refuses to start a program when a symbol it imports strongly is
missing from the system it runs on ("Symbol not found"); a weak import of
a missing symbol is bound to NULL instead, which code behind
__builtin_available never touches. The linker cannot tell, because the
SDK's stubs list every symbol of the newest release. So this reads what
the linked binary asks dyld for -- its bind, lazy-bind and weak-bind
opcode streams (LC_DYLD_INFO), or the imports of LC_DYLD_CHAINED_FIXUPS,
which Apple's linker writes instead -- and looks every imported symbol up
in the table of the release whose availability annotation introduces it:
scripts/macos/availability.txt (libSystem: libc, libdispatch, XPC,
Blocks; lines "SYMBOL VERSION") and the "# macOS X.Y" groups of the vmnet
link stub scripts/macos/vmnet.framework/vmnet.tbd. An import is weak when its bind
carries the weak-import flag or its library is loaded with
LC_LOAD_WEAK_DYLIB (-weak_framework).

Fails (exit 1, one line per problem on stderr) when an import is missing
from the table, or is newer than DEPLOYMENT_TARGET and bound strongly. Thin
and universal 64-bit Mach-O files are read. --list prints every import as
"ARCH PROGRAM SYMBOL weak|strong INTRODUCED".
"""

import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "availability.txt")
VMNET_TBD = os.path.join(HERE, "vmnet.framework", "vmnet.tbd")

MH_MAGIC_64 = 0xFEEDFACF
FAT_MAGIC = 0xCAFEBABE
CPU_NAMES = {0x0100000C: "arm64", 0x01000007: "x86_64"}
LC_REQ_DYLD = 0x80000000
LC_LOAD_DYLIB = 0xC
LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD
LC_REEXPORT_DYLIB = 0x1F | LC_REQ_DYLD
LC_LAZY_LOAD_DYLIB = 0x20
LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD
LC_DYLD_INFO = 0x22
LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD
LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD
DYLIB_COMMANDS = (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB,
                  LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB)
BIND_SYMBOL_FLAGS_WEAK_IMPORT = 0x1


def version(text):
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def uleb(data, off):
    result = shift = 0
    while True:
        byte = data[off]
        off += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, off


def bind_stream(data, weak_dylibs):
    """Yield (symbol, weak) for each bind of a dyld-info opcode stream."""
    off = 0
    symbol, flags, ordinal = None, 0, 0
    while off < len(data):
        op, imm = data[off] & 0xF0, data[off] & 0x0F
        off += 1
        if op == 0x00:  # DONE: ends an entry of the lazy stream
            continue
        if op == 0x10:  # SET_DYLIB_ORDINAL_IMM
            ordinal = imm
        elif op == 0x20:  # SET_DYLIB_ORDINAL_ULEB
            ordinal, off = uleb(data, off)
        elif op == 0x30:  # SET_DYLIB_SPECIAL_IMM (self, main, flat lookup)
            ordinal = 0
        elif op == 0x40:  # SET_SYMBOL_TRAILING_FLAGS_IMM
            end = data.index(b"\0", off)
            symbol, flags = data[off:end].decode(), imm
            off = end + 1
        elif op == 0x50:  # SET_TYPE_IMM
            pass
        elif op in (0x60, 0x70, 0x80, 0xA0):  # ADDEND_SLEB, SEGMENT, ADD_ADDR, DO_BIND_ADD
            off = uleb(data, off)[1]
        elif op == 0xC0:  # DO_BIND_ULEB_TIMES_SKIPPING_ULEB
            off = uleb(data, uleb(data, off)[1])[1]
        elif op == 0xD0:  # THREADED: SET_BIND_ORDINAL_TABLE_SIZE_ULEB or APPLY
            if imm == 0:
                off = uleb(data, off)[1]
        if op in (0x90, 0xA0, 0xB0, 0xC0) and symbol is not None:
            yield symbol, bool(flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT) or ordinal in weak_dylibs


def chained_imports(data, weak_dylibs):
    """Yield (symbol, weak) for the imports of LC_DYLD_CHAINED_FIXUPS."""
    _, _, imports_off, symbols_off, count, fmt, _ = struct.unpack_from("<7I", data)
    size = {1: 4, 2: 8, 3: 16}[fmt]
    for i in range(count):
        if fmt == 3:
            raw = struct.unpack_from("<Q", data, imports_off + i * size)[0]
            ordinal, weak, name_off = raw & 0xFFFF, (raw >> 16) & 1, raw >> 32
        else:
            raw = struct.unpack_from("<I", data, imports_off + i * size)[0]
            ordinal, weak, name_off = raw & 0xFF, (raw >> 8) & 1, raw >> 9
        start = symbols_off + name_off
        name = data[start:data.index(b"\0", start)].decode()
        yield name, bool(weak) or ordinal in weak_dylibs


def imports(data):
    """Return {symbol: weak} of one thin 64-bit Mach-O image."""
    magic, _, _, _, ncmds = struct.unpack_from("<IiiII", data)
    if magic != MH_MAGIC_64:
        raise ValueError("not a 64-bit little-endian Mach-O")
    off, ordinal = 32, 0
    weak_dylibs, streams, chained = set(), [], None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd in DYLIB_COMMANDS:
            ordinal += 1
            if cmd == LC_LOAD_WEAK_DYLIB:
                weak_dylibs.add(ordinal)
        elif cmd in (LC_DYLD_INFO, LC_DYLD_INFO_ONLY):
            fields = struct.unpack_from("<10I", data, off + 8)
            # bind, weak bind, lazy bind: (offset, size) pairs 2-4.
            streams = [fields[i:i + 2] for i in (2, 4, 6)]
        elif cmd == LC_DYLD_CHAINED_FIXUPS:
            chained = struct.unpack_from("<II", data, off + 8)
        off += size
    result = {}
    found = []
    for start, length in streams:
        found += bind_stream(data[start:start + length], weak_dylibs)
    if chained:
        start, length = chained
        found += chained_imports(data[start:start + length], weak_dylibs)
    for name, weak in found:
        # One strong bind of a symbol is enough to stop dyld.
        result[name] = result.get(name, True) and weak
    return result


def images(path):
    """Yield (arch, data) for each 64-bit image of a thin or universal file."""
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack_from(">I", data)[0] == FAT_MAGIC:
        for i in range(struct.unpack_from(">I", data, 4)[0]):
            cputype, _, offset, size, _ = struct.unpack_from(">iIIII", data, 8 + 20 * i)
            yield CPU_NAMES.get(cputype, hex(cputype)), data[offset:offset + size]
    else:
        yield CPU_NAMES.get(struct.unpack_from("<i", data, 4)[0], "?"), data


def read_table():
    """Return {symbol: "X.Y"} from availability.txt and vmnet.tbd."""
    table = {}
    with open(TABLE, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if fields:
                table[fields[0]] = fields[1]
    since = None
    with open(VMNET_TBD, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*# macOS (\d+\.\d+)\s*$", line)
            if m:
                since = m.group(1)
            elif since and not line.lstrip().startswith("#"):
                for sym in re.findall(r"\b_vmnet_\w+", line):
                    table[sym] = since
    return table


def main(argv):
    listing = argv[1:2] == ["--list"]
    args = argv[2:] if listing else argv[1:]
    if len(args) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    table, target, programs = read_table(), version(args[0]), args[1:]
    problems, total, weak_total = [], 0, 0
    for path in programs:
        for arch, data in images(path):
            name = os.path.basename(path)
            for sym, weak in sorted(imports(data).items()):
                total += 1
                weak_total += weak
                since = table.get(sym)
                if listing:
                    print(arch, name, sym, "weak" if weak else "strong", since or "?")
                if since is None:
                    problems.append(f"{path} ({arch}): {sym} is not in {TABLE} or {VMNET_TBD}")
                elif version(since) > target and not weak:
                    problems.append(f"{path} ({arch}): {sym} (macOS {since}) is bound strongly:"
                                    f" dyld would refuse to start it on macOS {args[0]}")
    for p in problems:
        print(p, file=sys.stderr)
    if not listing:
        print(f"{len(programs)} program(s), {total} imports ({weak_total} weak):"
              f" {'FAILED' if problems else 'all newer than macOS ' + args[0] + ' weak'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
