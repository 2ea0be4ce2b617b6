# SPDX-License-Identifier: Apache-2.0
"""The sudoers rule, checked by sudo itself.

install.sh renders the rule for a scratch prefix and a unique group; the
test copies it into /etc/sudoers.d under a unique name, creates unique
users (one in the group, one not), and asks sudo, as those users, what
they may do. Users, group and sudoers files are removed in finally blocks.
"""

import os
import shutil
import subprocess
import uuid

import pytest

from installkit import REPO, make_source_tree, run_install, safe_tmpdir

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sudoers tests need root")

SUDOERS_D = "/etc/sudoers.d"


def test_templates_are_valid_sudoers():
    for name in ("vmnet-helper", "vmnet-helper-closefrom"):
        cp = subprocess.run(
            ["visudo", "-cf", os.path.join(REPO, "sudoers.d", name)], capture_output=True, text=True
        )
        assert cp.returncode == 0, cp.stdout + cp.stderr


class SudoersFile:
    """A file in /etc/sudoers.d under a unique name (sudo skips names with
    a dot, so the name has none); removed by remove()."""

    def __init__(self, source):
        self.path = os.path.join(SUDOERS_D, "vmnet-test-" + uuid.uuid4().hex[:12])
        tmp = os.path.join(SUDOERS_D, ".vmnet-test-" + uuid.uuid4().hex[:12])
        try:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o440)
            os.rename(tmp, self.path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        # The whole configuration must still parse, or sudo breaks for all.
        cp = subprocess.run(["visudo", "-c"], capture_output=True, text=True)
        if cp.returncode != 0:
            self.remove()
            raise AssertionError("sudoers broken by %s: %s%s" % (source, cp.stdout, cp.stderr))

    def remove(self):
        if os.path.exists(self.path):
            os.remove(self.path)


def _run(args):
    return subprocess.run(args, capture_output=True, text=True)


@pytest.fixture(scope="module")
def env():
    """Install into a scratch prefix with the rule rendered for a unique
    group; create a member and an outsider; put the rule in place."""
    tag = uuid.uuid4().hex[:8]
    group, member, outsider = "vmg" + tag, "vmu" + tag, "vmo" + tag
    root = safe_tmpdir()
    created = []
    rule = None
    try:
        for args in (["groupadd", group], ["useradd", "-M", "-N", "-s", "/bin/sh", "-G", group, member],
                     ["useradd", "-M", "-N", "-s", "/bin/sh", outsider]):
            subprocess.run(args, check=True, capture_output=True)
            created.append(args)
        src = make_source_tree(root)
        sudoers = os.path.join(root, "sudoers.d")
        os.mkdir(sudoers, 0o755)
        prefix = os.path.join(root, "prefix")
        run_install(src, "--prefix", prefix, "--sudoers-dir", sudoers, "--sudoers", "--sudoers-group", group,
                    "--closefrom")
        rule = SudoersFile(os.path.join(sudoers, "vmnet-helper"))
        yield {
            "helper": os.path.join(prefix, "bin", "vmnet-helper"),
            "member": member,
            "outsider": outsider,
            "snippet": os.path.join(sudoers, "vmnet-helper-closefrom"),
            "src": src,
            "root": root,
        }
    finally:
        if rule:
            rule.remove()
        for args in reversed(created):
            if args[0] == "useradd":
                _run(["userdel", args[-1]])
            else:
                _run(["groupdel", args[-1]])
        shutil.rmtree(root)


def as_user(user, *args):
    return _run(["runuser", "-u", user, "--", "sudo", "-n", *args])


def test_member_may_list_only_the_helper(env):
    cp = as_user(env["member"], "-l")
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    start = next(i for i, l in enumerate(lines) if "may run the following commands" in l)
    commands = [l.split() for l in lines[start + 1:] if l.strip()]
    assert len(commands) == 1, cp.stdout
    # sudo prints the tags in its own order.
    runas, *tags, command = commands[0]
    assert (runas, sorted(tags), command) == ("(root)", ["NOPASSWD:", "NOSETENV:"], env["helper"])


def test_member_runs_the_helper_without_password(env):
    cp = as_user(env["member"], env["helper"], "--version")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip()
    # The helper ran as root: sudo resolved the rule, not a password.
    assert "password" not in cp.stderr


@pytest.mark.parametrize(
    "args, reason",
    [
        (["/bin/true"], "a password is required"),
        (["/bin/sh", "-c", "id"], "a password is required"),
        (["-u", "nobody", "{helper}", "--version"], "a password is required"),  # root only
        (["-g", "staff", "{helper}", "--version"], "a password is required"),
        (["FOO=bar", "{helper}", "--version"], "not allowed to set the following environment variables"),
        (["-E", "{helper}", "--version"], "not allowed to preserve the environment"),
        (["-C", "4", "{helper}", "--version"], "not permitted to use the -C option"),
    ],
)
def test_member_is_refused_everything_else(env, args, reason):
    cp = as_user(env["member"], *[a.format(helper=env["helper"]) for a in args])
    assert cp.returncode != 0
    assert reason in cp.stderr


def test_outsider_is_refused_the_helper(env):
    cp = as_user(env["outsider"], env["helper"], "--version")
    assert cp.returncode != 0
    assert "password is required" in cp.stderr


def test_closefrom_snippet_allows_close_from_for_the_helper_only(env):
    snippet = SudoersFile(env["snippet"])
    try:
        cp = as_user(env["member"], "--close-from=4", env["helper"], "--version")
        assert cp.returncode == 0, cp.stderr
        assert cp.stdout.strip()
        # The override is tied to the helper; other rules keep the default.
        cp = as_user(env["member"], "-C", "4", "/bin/true")
        assert cp.returncode != 0
        assert "not permitted to use the -C option" in cp.stderr
    finally:
        snippet.remove()


def test_user_rule_covers_only_that_user(env):
    sudoers = os.path.join(env["root"], "user-rule")
    os.mkdir(sudoers, 0o755)
    prefix = os.path.join(env["root"], "prefix2")
    run_install(env["src"], "--prefix", prefix, "--sudoers-dir", sudoers, "--sudoers", "--sudoers-user",
                env["outsider"])
    rule = SudoersFile(os.path.join(sudoers, "vmnet-helper"))
    try:
        helper = os.path.join(prefix, "bin", "vmnet-helper")
        cp = as_user(env["outsider"], helper, "--version")
        assert cp.returncode == 0, cp.stderr
        cp = as_user(env["member"], helper, "--version")
        assert cp.returncode != 0
    finally:
        rule.remove()
