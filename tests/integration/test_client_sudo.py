# SPDX-License-Identifier: Apache-2.0
"""vmnet-client through sudo, for real, as an unprivileged user.

The programs are installed with install.sh into a scratch prefix, with the
project's sudoers rule (sudoers.d/vmnet-helper) rendered for a unique test
user, and, in one variant, the closefrom_override snippet. The rules go
into /etc/sudoers.d under unique names. The user runs vmnet-client inside
a private network namespace; the VM stand-in pings the gateway over fd 4.
User, rules and files are removed in finally blocks.
"""

import json
import os
import pty
import pwd
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

from installkit import make_source_tree, run_install, safe_tmpdir
from netns import Namespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(REPO, "build")
PING = os.path.join(REPO, "tests", "integration", "test_client.py")
SUDOERS_D = "/etc/sudoers.d"
GATEWAY = "192.168.88.1"
RANGE = ["--start-address", GATEWAY, "--end-address", "192.168.88.50",
         "--subnet-mask", "255.255.255.0"]
WAIT = 60

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (users, sudoers, namespaces)"),
    pytest.mark.skipif(not all(os.access(os.path.join(BUILD, p), os.X_OK)
                               for p in ("vmnet-client", "vmnet-helper")),
                       reason="vmnet-client and vmnet-helper not built"),
    pytest.mark.skipif(shutil.which("sudo") is None, reason="sudo not installed"),
]


def install_rule(source):
    """Copy a rendered sudoers file into /etc/sudoers.d under a unique name
    (no dot: sudo skips such names); return its path. The whole
    configuration must still parse, else the file is removed at once."""
    cp = subprocess.run(["visudo", "-cf", source], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    path = os.path.join(SUDOERS_D, "vmnet-client-test-" + uuid.uuid4().hex[:12])
    tmp = os.path.join(SUDOERS_D, ".tmp-" + uuid.uuid4().hex[:12])
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o440)
        os.rename(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    cp = subprocess.run(["visudo", "-c"], capture_output=True, text=True)
    if cp.returncode != 0:
        os.remove(path)
        raise AssertionError("sudoers broken: " + cp.stdout + cp.stderr)
    return path


@pytest.fixture(scope="module")
def user():
    name = "vmc" + uuid.uuid4().hex[:8]
    subprocess.run(["useradd", "-M", "-N", "-s", "/bin/sh", name], check=True,
                   capture_output=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], capture_output=True)


@pytest.fixture(scope="module")
def prefix(user):
    """Installed programs and rendered sudoers files (not yet active)."""
    root = safe_tmpdir()
    try:
        src = make_source_tree(root)
        sudoers = os.path.join(root, "sudoers.d")
        os.mkdir(sudoers, 0o755)
        prefix = os.path.join(root, "prefix")
        run_install(src, "--prefix", prefix, "--sudoers-dir", sudoers, "--sudoers",
                    "--sudoers-user", user, "--closefrom")
        yield {"bin": os.path.join(prefix, "bin"),
               "rule": os.path.join(sudoers, "vmnet-helper"),
               "closefrom": os.path.join(sudoers, "vmnet-helper-closefrom")}
    finally:
        shutil.rmtree(root)


@pytest.fixture
def rules():
    """Activate rendered rules; all are removed after the test."""
    active = []

    def add(source):
        active.append(install_rule(source))

    try:
        yield add
    finally:
        for path in active:
            os.remove(path)


@pytest.fixture
def tmpdir_of(user):
    """A TMPDIR owned by the user, to see what the client leaves there."""
    pw = pwd.getpwnam(user)
    path = tempfile.mkdtemp(prefix="vmnet-client-sudo-")
    os.chown(path, pw.pw_uid, pw.pw_gid)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def run_as(user, tmpdir, argv):
    with Namespace("vmnet-sudo") as ns:
        # runuser keeps no tty: sudo must not prompt, and must not need to.
        cmd = ns.cmd(["runuser", "-u", user, "--", "env", "TMPDIR=" + tmpdir] + argv)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=WAIT,
                              stdin=subprocess.DEVNULL)


def run_on_terminal(user, tmpdir, argv, password=None):
    """Like run_as(), but with a pseudo-terminal as the controlling
    terminal and stdin, stdout and stderr (sudo may prompt there). Answers
    sudo's password prompts with password, or with a Ctrl-C when password
    is INTERRUPT. Return: (status, output, prompts)."""
    with Namespace("vmnet-sudo") as ns:
        cmd = ns.cmd(["runuser", "-u", user, "--", "env", "TMPDIR=" + tmpdir] + argv)
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execvp(cmd[0], cmd)
            finally:
                os._exit(127)
        output = b""
        prompts = 0
        deadline = time.monotonic() + WAIT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1)
                if not ready:
                    continue
                try:
                    data = os.read(fd, 4096)
                except OSError:  # EIO: the terminal's last user is gone
                    break
                if not data:
                    break
                output += data
                if password is not None and output.count(b"password for") > prompts:
                    prompts += 1
                    os.write(fd, b"\x03" if password is INTERRUPT else password.encode() + b"\n")
        finally:
            os.close(fd)
            _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), output.decode(errors="replace"), prompts


# Answer to a password prompt: Ctrl-C.
INTERRUPT = object()


def client(prefix, *args):
    return [os.path.join(prefix["bin"], "vmnet-client")] + RANGE + list(args) + [
        "--", sys.executable, PING, "ping"]


def check_forwarding(cp, user):
    assert cp.returncode == 0, cp.stdout + cp.stderr
    lines = cp.stdout.splitlines()
    assert json.loads(lines[0])["vmnet_start_address"] == GATEWAY
    assert "PING-OK" in lines[1:], cp.stdout + cp.stderr
    # The helper dropped root to the user sudo named.
    uid = pwd.getpwnam(user).pw_uid
    assert "running as uid %d" % uid in cp.stderr, cp.stderr


def test_sudo_with_closefrom_passes_the_fd(user, prefix, rules, tmpdir_of):
    rules(prefix["rule"])
    rules(prefix["closefrom"])
    cp = run_as(user, tmpdir_of, client(prefix))
    check_forwarding(cp, user)
    assert "socket passed as fd 3" in cp.stderr
    assert os.listdir(tmpdir_of) == []


def test_sudo_without_closefrom_uses_socket_mode(user, prefix, rules, tmpdir_of):
    rules(prefix["rule"])
    cp = run_as(user, tmpdir_of, client(prefix))
    check_forwarding(cp, user)
    assert "--socket mode" in cp.stderr, cp.stderr
    # The private directory (socket, lock) is gone.
    assert os.listdir(tmpdir_of) == []


def test_sudo_refusing(user, prefix, tmpdir_of):
    cp = run_as(user, tmpdir_of, client(prefix))
    assert cp.returncode == 125
    assert "sudo refused to run" in cp.stderr
    assert "PING-OK" not in cp.stdout
    assert os.listdir(tmpdir_of) == []


def test_sudo_from_a_terminal(user, prefix, rules, tmpdir_of):
    """stdin is a terminal: the probes may prompt (here they need not)."""
    rules(prefix["rule"])
    rules(prefix["closefrom"])
    status, out, prompts = run_on_terminal(user, tmpdir_of, client(prefix))
    assert status == 0, out
    assert "PING-OK" in out
    assert "socket passed as fd 3" in out
    assert prompts == 0


def test_sudo_asks_for_a_password_on_a_terminal(user, prefix, rules, tmpdir_of, tmp_path):
    """A rule that wants the user's password: sudo prompts once, in the
    probe, and the helper itself starts with the cached credentials."""
    password = "pw-" + uuid.uuid4().hex
    subprocess.run(["chpasswd"], input="%s:%s" % (user, password), text=True, check=True)
    try:
        with open(prefix["rule"]) as f:
            text = f.read()
        assert "NOPASSWD: " in text
        strict = tmp_path / "rule"
        strict.write_text(text.replace("NOPASSWD: ", ""))
        rules(str(strict))
        status, out, prompts = run_on_terminal(user, tmpdir_of, client(prefix), password)
        assert status == 0, out
        assert "PING-OK" in out
        assert prompts == 1, out
        # Without closefrom_override: the socket mode, after the prompt.
        assert "--socket mode" in out
        # Without a terminal the same rule fails: no prompt, a clear error.
        subprocess.run(["runuser", "-u", user, "--", "sudo", "-K"], capture_output=True)
        cp = run_as(user, tmpdir_of, client(prefix))
        assert cp.returncode == 125
        assert "sudo refused to run" in cp.stderr
        assert "password" in cp.stderr
    finally:
        subprocess.run(["passwd", "-d", user], capture_output=True)


def test_ctrl_c_at_the_password_prompt(user, prefix, rules, tmpdir_of, tmp_path):
    """Ctrl-C at sudo's prompt ends the client as it would any command: 130,
    no second prompt, nothing left."""
    # A password, so that sudo prompts (an empty one may be accepted unasked).
    password = "pw-" + uuid.uuid4().hex
    subprocess.run(["chpasswd"], input="%s:%s" % (user, password), text=True, check=True)
    try:
        with open(prefix["rule"]) as f:
            text = f.read()
        strict = tmp_path / "rule"
        strict.write_text(text.replace("NOPASSWD: ", ""))
        rules(str(strict))
        subprocess.run(["runuser", "-u", user, "--", "sudo", "-K"], capture_output=True)
        status, out, prompts = run_on_terminal(user, tmpdir_of, client(prefix), INTERRUPT)
        assert status == 128 + 2, out
        assert prompts == 1, out
        assert out.count("password for") == 1, out
        assert "PING-OK" not in out
        assert os.listdir(tmpdir_of) == []
    finally:
        subprocess.run(["passwd", "-d", user], capture_output=True)
