# SPDX-License-Identifier: Apache-2.0
"""The version: both programs print "version: SEMVER" and "commit: SHA"
(clients such as minikube parse the first line as semver), and
scripts/version.sh derives SEMVER from scripts/VERSION and git: the bare
version for the tagged commit, git describe's suffix otherwise."""

import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))

# semver.org's regular expression (2.0.0), without build metadata.
SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    r"(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?")


def base_version():
    with open(os.path.join(REPO, "scripts", "VERSION")) as f:
        return f.read().strip()


@pytest.mark.parametrize("program", ["vmnet-helper", "vmnet-client"])
def test_version_is_semver(program):
    path = os.path.join(BUILD, program)
    if not os.access(path, os.X_OK):
        pytest.skip(program + " not built")
    cp = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    lines = cp.stdout.splitlines()
    assert len(lines) == 2, cp.stdout
    key, _, version = lines[0].partition(": ")
    assert key == "version"
    m = SEMVER.fullmatch(version)
    assert m, version
    major, minor, patch = (int(x) for x in m.groups()[:3])
    assert (major, minor, patch) >= (1, 0, 0)
    assert "%d.%d.%d" % (major, minor, patch) == base_version()
    assert re.fullmatch(r"commit: [0-9a-f]{40}", lines[1]), lines[1]


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd,
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def clone(tmp_path):
    """A repository holding only scripts/version.sh and scripts/VERSION."""
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(os.path.join(REPO, "scripts", "version.sh"), repo / "scripts")
    (repo / "scripts" / "VERSION").write_text("1.2.3\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    return repo


def version(repo, *args):
    cp = subprocess.run([str(repo / "scripts" / "version.sh"), *args], capture_output=True,
                        text=True)
    assert cp.returncode == 0, cp.stderr
    return cp.stdout.strip()


def test_untagged_builds_append_describe(clone):
    head = git(clone, "rev-parse", "--short=7", "HEAD")
    assert version(clone) == "1.2.3-0-g" + head
    (clone / "file").write_text("x")
    git(clone, "add", "file")
    git(clone, "commit", "-q", "-m", "two")
    head = git(clone, "rev-parse", "--short=7", "HEAD")
    assert version(clone) == "1.2.3-1-g" + head
    assert SEMVER.fullmatch(version(clone))


def test_tagged_build_is_the_bare_version(clone):
    git(clone, "tag", "v1.2.3")
    assert version(clone) == "1.2.3"
    git(clone, "commit", "-q", "--allow-empty", "-m", "after the tag")
    head = git(clone, "rev-parse", "--short=7", "HEAD")
    assert version(clone) == "1.2.3-1-g" + head
    assert version(clone, "HEAD~1") == "1.2.3"


def test_dirty_tree_is_marked(clone):
    git(clone, "tag", "v1.2.3")
    with open(clone / "scripts" / "version.sh", "a") as f:
        f.write("\n")
    assert version(clone) == "1.2.3-dirty"
    assert version(clone, "HEAD") == "1.2.3"
    assert SEMVER.fullmatch(version(clone))


def test_without_git_the_bare_version(clone):
    shutil.rmtree(clone / ".git")
    assert version(clone) == "1.2.3"


@pytest.mark.parametrize("bad", ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.x", ""])
def test_bad_version_file_is_refused(clone, bad):
    (clone / "scripts" / "VERSION").write_text(bad + "\n")
    cp = subprocess.run([str(clone / "scripts" / "version.sh")], capture_output=True, text=True)
    assert cp.returncode == 1
    assert "is not MAJOR.MINOR.PATCH" in cp.stderr
    assert cp.stdout == ""
