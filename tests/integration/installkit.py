# SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the install.sh and sudoers tests.

Everything is made under a fresh directory in /run (root-owned, 0755), so
that install.sh accepts it as a prefix, and is removed afterwards. Nothing
here touches /etc/sudoers.d: tests that need a rule there install it under
a unique name themselves.
"""

import io
import os
import shutil
import subprocess
import tarfile
import tempfile

from conftest import BUILD

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROGRAMS = ("vmnet-helper", "vmnet-client", "vmnet-run", "socket_vmnet")

# Release-layout path -> path in the source tree.
LAYOUT = {
    "bin/vmnet-helper": "build/vmnet-helper",
    "bin/vmnet-client": "build/vmnet-client",
    "bin/vmnet-run": "build/vmnet-run",
    "bin/socket_vmnet": "build/socket_vmnet",
    "share/man/man8/vmnet-helper.8": "docs/man/vmnet-helper.8",
    "share/man/man1/vmnet-client.1": "docs/man/vmnet-client.1",
    "share/doc/vmnet-helper/sudoers.d/vmnet-helper": "sudoers.d/vmnet-helper",
    "share/doc/vmnet-helper/sudoers.d/vmnet-helper-closefrom": "sudoers.d/vmnet-helper-closefrom",
    "share/doc/vmnet-helper/sudoers.d/README.md": "sudoers.d/README.md",
}

DIRS = (
    "",
    "bin",
    "share",
    "share/man",
    "share/man/man1",
    "share/man/man8",
    "share/doc",
    "share/doc/vmnet-helper",
    "share/doc/vmnet-helper/sudoers.d",
)

STAND_IN = '#!/bin/sh\necho "{name} stand-in"\n'


def safe_tmpdir():
    """A new directory whose every ancestor is root-owned and writable by
    root only (/tmp is world-writable, so install.sh would refuse it)."""
    path = tempfile.mkdtemp(prefix="vmnet-install-test-", dir="/run")
    os.chmod(path, 0o755)
    return path


def make_source_tree(root):
    """Copy install.sh, the manual pages and the sudoers files into
    root/src, with the built programs, or small stand-in scripts when the
    programs are not built. Return: the tree's path."""
    src = os.path.join(root, "src")
    os.makedirs(os.path.join(src, "build"))
    shutil.copy2(os.path.join(REPO, "install.sh"), src)
    shutil.copytree(os.path.join(REPO, "docs", "man"), os.path.join(src, "docs", "man"))
    shutil.copytree(os.path.join(REPO, "sudoers.d"), os.path.join(src, "sudoers.d"))
    for name in PROGRAMS:
        dest = os.path.join(src, "build", name)
        built = os.path.join(BUILD, name)
        if os.path.exists(built):
            shutil.copy2(built, dest)
        else:
            with open(dest, "w") as f:
                f.write(STAND_IN.format(name=name))
            os.chmod(dest, 0o755)
    return src


def make_archive(src, dest_dir, version="9.8.7", edit=None, extra=None):
    """Pack the source tree into vmnet-helper-VERSION.tar.gz with the
    release layout. edit(rel, data) may change a file's bytes; extra is a
    list of tarfile.TarInfo members (with bytes, or None) to add.
    Return: the archive's path."""
    top = "vmnet-helper-" + version
    path = os.path.join(dest_dir, top + ".tar.gz")
    with tarfile.open(path, "w:gz") as tar:
        for rel, source in LAYOUT.items():
            with open(os.path.join(src, source), "rb") as f:
                data = f.read()
            if edit:
                data = edit(rel, data)
            info = tarfile.TarInfo(top + "/" + rel)
            info.size = len(data)
            info.mode = 0o755 if rel.startswith("bin/") else 0o644
            tar.addfile(info, fileobj=io.BytesIO(data))
        for info, data in extra or ():
            tar.addfile(info, fileobj=io.BytesIO(data) if data is not None else None)
    return path


def run_install(src, *args, stdin=subprocess.DEVNULL, check=True):
    """Run src/install.sh with args; return the CompletedProcess."""
    cp = subprocess.run(
        [os.path.join(src, "install.sh"), *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        cwd="/",
    )
    if check and cp.returncode != 0:
        raise AssertionError(
            "install.sh %s failed (%d):\n%s%s" % (" ".join(args), cp.returncode, cp.stdout, cp.stderr)
        )
    return cp


def tree(path):
    """Every path under path (inclusive), relative, with its stat result."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in [""] + dirnames + filenames:
            full = os.path.join(dirpath, name) if name else dirpath
            out[os.path.relpath(full, path)] = os.lstat(full)
    return out
