# SPDX-License-Identifier: Apache-2.0
"""vmnet-client with the real helper on the Linux platform.

Every test runs vmnet-client (and so the helper) inside a network namespace
it created, as root with SUDO_UID/SUDO_GID set so the helper drops to
nobody. The "VM" is a stand-in that uses fd 4 for real traffic: this file
run as a program (`test_client.py ping`) sends ARP and ICMP to the gateway
through fd 4 with scapy, or tests/tools/guest-nic bridges fd 4 to a TAP in
a "VM" namespace.

VMNET_BUILD selects the build directory (default: build/).
"""

import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time

import pytest

from netns import Namespace

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VMNET_BUILD", os.path.join(REPO, "build"))
CLIENT = os.path.join(BUILD, "vmnet-client")
HELPER = os.path.join(BUILD, "vmnet-helper")
GUEST_NIC = os.path.join(BUILD, "tools", "guest-nic")
SELF = os.path.abspath(__file__)
UDHCPC_SCRIPT = os.path.join(REPO, "scripts", "guest", "udhcpc.script")

# The helper drops root to these ids (it refuses to forward as root).
DROP_ENV = {"SUDO_UID": "65534", "SUDO_GID": "65534"}
GATEWAY = "192.168.87.1"
RANGE = ["--start-address", GATEWAY, "--end-address", "192.168.87.50",
         "--subnet-mask", "255.255.255.0"]
# Bound for waits that only end this long when something is broken.
WAIT = 30
# The client's exit status when it or the helper fails.
CLIENT_FAILURE = 125

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root (network namespaces)"),
    pytest.mark.skipif(not (os.access(CLIENT, os.X_OK) and os.access(HELPER, os.X_OK)),
                       reason="vmnet-client and vmnet-helper not built"),
]


@pytest.fixture
def ns():
    with Namespace("vmnet-client") as n:
        yield n


def client_argv(ns, args, command):
    env = ["env"] + ["%s=%s" % kv for kv in DROP_ENV.items()]
    return ns.cmd(env + [CLIENT] + list(args) + ["--"] + list(command))


def run_client(ns, args, command, timeout=WAIT):
    return subprocess.run(client_argv(ns, args, command), capture_output=True, text=True,
                          timeout=timeout)


def start_client(ns, args, command, stdin=None):
    return subprocess.Popen(client_argv(ns, args, command), stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_line(stream):
    """The next line of a child's output; fails the test at EOF."""
    line = stream.readline()
    assert line, "unexpected end of output"
    return line.rstrip("\n")


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def gone(pid):
    """True once pid is gone or a zombie nobody reaps yet (not ours)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_gone(pid, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.05)
    return False


def finish(proc, timeout=WAIT, stdin=None):
    """Wait for a started client; return (status, stdout, stderr)."""
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("vmnet-client did not exit: %s" % err)
    return proc.returncode, out, err


# --- forwarding -------------------------------------------------------------


def test_ping_gateway_through_fd4(ns):
    cp = run_client(ns, RANGE, [sys.executable, SELF, "ping"])
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    info = json.loads(lines[0])
    assert info["vmnet_start_address"] == GATEWAY
    assert "PING-OK" in lines[1:], cp.stdout + cp.stderr
    assert "helper started directly" in cp.stderr


@pytest.mark.skipif(not os.access(GUEST_NIC, os.X_OK), reason="tests/tools/guest-nic not built")
def test_guest_nic_in_vm_namespace(ns):
    with Namespace("vmnet-vm") as vm:
        # The NIC takes the vmnet MAC from the environment.
        proc = start_client(ns, RANGE, ["ip", "netns", "exec", vm.name, "sh", "-c",
                                        'exec "$0" --fd 4 --tap eth0 --mac "$VMNET_MAC_ADDRESS"',
                                        GUEST_NIC])
        try:
            info = json.loads(read_line(proc.stdout))
            assert read_line(proc.stdout) == "ready"
            link = vm.run(["ip", "-o", "link", "show", "eth0"]).stdout
            assert info["vmnet_mac_address"] in link
            # A DHCP lease from the helper's network, applied by the test
            # guest's udhcpc script.
            cp = vm.run(["busybox", "udhcpc", "-i", "eth0", "-f", "-q", "-n", "-t", "5", "-T", "2",
                         "-s", UDHCPC_SCRIPT], check=False)
            assert cp.returncode == 0, cp.stdout + cp.stderr
            assert "GUEST-LEASE 192.168.87." in cp.stdout
            assert "router %s" % GATEWAY in cp.stdout
            cp = vm.run(["busybox", "ping", "-c", "3", "-W", "5", GATEWAY], check=False)
            assert cp.returncode == 0, cp.stdout + cp.stderr
        finally:
            proc.send_signal(signal.SIGTERM)
            status, _, err = finish(proc)
        assert status in (0, 128 + signal.SIGTERM), err


# --- information for the command ------------------------------------------


def test_environment_matches_json(ns):
    cp = run_client(ns, RANGE, ["env"])
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()
    info = json.loads(lines[0])
    env = dict(line.split("=", 1) for line in lines[1:] if line.startswith("VMNET_"))
    assert json.loads(env["VMNET_INTERFACE_JSON"]) == info
    assert env["VMNET_MAC_ADDRESS"] == info["vmnet_mac_address"]
    assert env["VMNET_INTERFACE_ID"] == info["vmnet_interface_id"]
    assert env["VMNET_MTU"] == str(info["vmnet_mtu"])
    assert env["VMNET_MAX_PACKET_SIZE"] == str(info["vmnet_max_packet_size"])
    assert env["VMNET_START_ADDRESS"] == GATEWAY
    assert env["VMNET_END_ADDRESS"] == "192.168.87.50"
    assert env["VMNET_SUBNET_MASK"] == "255.255.255.0"


def test_info_file(ns, tmp_path):
    path = tmp_path / "info.json"
    cp = run_client(ns, ["--info-file", str(path)] + RANGE,
                    ["sh", "-c", 'printf "%s\\n" "$VMNET_INTERFACE_JSON"'])
    assert cp.returncode == 0, cp.stderr
    text = path.read_text()
    assert text.endswith("\n") and text.count("\n") == 1
    # Nothing but the command's output on stdout.
    assert cp.stdout == text
    info = json.loads(text)
    assert info["vmnet_start_address"] == GATEWAY
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["info.json"]


def test_command_sees_only_fds_0_1_2_4(ns):
    # The shell lists its own descriptors through ls (a separate process,
    # so ls's directory fd is not counted).
    cp = run_client(ns, RANGE, ["sh", "-c", 'ls /proc/$$/fd; test -S /proc/$$/fd/4 && echo sock'],
                    timeout=WAIT)
    assert cp.returncode == 0, cp.stderr
    lines = cp.stdout.splitlines()[1:]
    assert lines == ["0", "1", "2", "4", "sock"]


def test_inherited_fds_do_not_leak(ns):
    # vmnet-client inherits fd 5 without close-on-exec; the command must
    # not see it.
    r, w = os.pipe()
    try:
        proc = subprocess.run(client_argv(ns, RANGE, ["sh", "-c", "ls /proc/$$/fd"]),
                              capture_output=True, text=True, timeout=WAIT, pass_fds=(w,))
    finally:
        os.close(r)
        os.close(w)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == ["0", "1", "2", "4"]


# --- exit status ------------------------------------------------------------


@pytest.mark.parametrize("code", [0, 3])
def test_exit_status(ns, code):
    cp = run_client(ns, RANGE, ["sh", "-c", "exit %d" % code])
    assert cp.returncode == code, cp.stderr


def test_command_killed_by_signal(ns):
    cp = run_client(ns, RANGE, ["sh", "-c", "kill -USR1 $$"])
    assert cp.returncode == 128 + signal.SIGUSR1, cp.stderr


def test_helper_stopped_when_command_exits(ns):
    # The command waits for a line on its stdin (the client's).
    proc = start_client(ns, RANGE, ["sh", "-c", "echo ready; read line"], stdin=subprocess.PIPE)
    read_line(proc.stdout)
    assert read_line(proc.stdout) == "ready"
    kids = children(proc.pid)
    assert len(kids) == 2  # helper and command
    status, _, err = finish(proc, stdin="go\n")
    assert status == 0, err
    for pid in kids:
        assert wait_gone(pid)
    assert "stopped vmnet interface" in err


def test_missing_command(ns):
    cp = run_client(ns, RANGE, ["no-such-command-for-vmnet-client"])
    assert cp.returncode == 127
    assert "command not found" in cp.stderr
    assert "stopped vmnet interface" in cp.stderr


def test_missing_helper(ns, tmp_path):
    cp = run_client(ns, ["--helper", str(tmp_path / "vmnet-helper")], ["true"])
    assert cp.returncode == CLIENT_FAILURE
    assert "vmnet-helper not found" in cp.stderr


def test_helper_fails_to_start(ns):
    # Valid options, but there is no bridge to attach to.
    cp = run_client(ns, ["--operation-mode", "bridged", "--shared-interface", "nosuchbr0"],
                    ["sh", "-c", "echo command-ran"])
    assert cp.returncode == CLIENT_FAILURE
    assert "command-ran" not in cp.stdout
    assert "before reporting its interface" in cp.stderr
    # The helper's own error line is shown too (its stderr is ours).
    assert "[main]" in cp.stderr


def test_invalid_helper_option(ns):
    cp = run_client(ns, ["--start-address", "192.168.87.1"], ["true"])
    assert cp.returncode == CLIENT_FAILURE
    assert "Try 'vmnet-client --help'." in cp.stderr


# --- supervision ------------------------------------------------------------


def test_helper_killed_stops_command(ns):
    proc = start_client(ns, RANGE, ["sh", "-c", "echo ready; exec sleep 600"])
    read_line(proc.stdout)
    assert read_line(proc.stdout) == "ready"
    kids = children(proc.pid)
    helper = [p for p in kids if comm(p) == "vmnet-helper"]
    command = [p for p in kids if p not in helper]
    assert len(command) == 1 and len(helper) == 1
    os.kill(helper[0], signal.SIGKILL)
    status, _, err = finish(proc)
    assert status == CLIENT_FAILURE, err
    assert "killed by signal 9" in err
    assert wait_gone(command[0])


def test_command_ignoring_sigterm_gets_sigkill(ns):
    proc = start_client(ns, ["--grace-period", "1"] + RANGE,
                        ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"])
    read_line(proc.stdout)
    assert read_line(proc.stdout) == "ready"
    kids = children(proc.pid)
    helper = [p for p in kids if comm(p) == "vmnet-helper"]
    assert len(helper) == 1
    os.kill(helper[0], signal.SIGKILL)
    status, _, err = finish(proc)
    assert status == CLIENT_FAILURE, err
    assert "sending SIGKILL" in err
    assert wait_gone([p for p in kids if p != helper[0]][0])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_signal_forwarded_to_command(ns, sig):
    script = "trap 'echo got-signal; exit 9' %s; echo ready; while :; do sleep 0.1; done" % (
        signal.Signals(sig).name[3:])
    proc = start_client(ns, RANGE, ["sh", "-c", script])
    read_line(proc.stdout)
    assert read_line(proc.stdout) == "ready"
    helper = [p for p in children(proc.pid) if comm(p) == "vmnet-helper"]
    proc.send_signal(sig)
    status, out, err = finish(proc)
    assert "got-signal" in out
    assert status == 9, err
    # The helper was stopped after the command, and stopped cleanly.
    assert wait_gone(helper[0])
    assert "stopped vmnet interface" in err


def test_ctrl_c_on_terminal(ns):
    """Ctrl-C reaches the client and the command (the terminal's
    foreground group), not the helper (its own group): the command ends
    first, then the client stops the helper with SIGTERM."""
    # The trap counts SIGINTs: a second one would print got-int again
    # before the shell exits.
    script = ("trap 'echo got-int; sleep 0.5; exit 5' INT; echo ready;"
              " while :; do sleep 0.1; done")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            argv = client_argv(ns, RANGE, ["sh", "-c", script])
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    output = b""
    sent = False
    deadline = time.monotonic() + WAIT
    try:
        while time.monotonic() < deadline:
            if not select.select([fd], [], [], 1)[0]:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: everyone closed the terminal
                break
            if not data:
                break
            output += data
            if not sent and b"ready" in output:
                os.write(fd, b"\x03")
                sent = True
    finally:
        os.close(fd)
        _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert sent, text
    assert os.waitstatus_to_exitcode(status) == 5, text
    # Exactly once: the terminal's SIGINT reached the command; the client
    # saw that the kernel sent it and did not forward a second one.
    assert text.count("got-int") == 1
    assert "forwarding to the command" not in text
    assert "stopping: received SIGTERM" in text
    assert "stopped vmnet interface" in text


def test_sigquit_stops_the_helper(ns):
    """SIGQUIT (a Ctrl-\\ from a terminal, or kill -QUIT) must not end the
    client and leave the helper, in its own group, running: it is handled
    like SIGINT, so the command gets it and the helper is stopped after."""
    proc = start_client(ns, RANGE, ["sh", "-c", "echo ready; exec sleep 600"])
    read_line(proc.stdout)
    assert read_line(proc.stdout) == "ready"
    helper = [p for p in children(proc.pid) if comm(p) == "vmnet-helper"]
    assert len(helper) == 1
    proc.send_signal(signal.SIGQUIT)
    proc.wait(timeout=WAIT)
    # First, before reading: a helper left running would hold stdout open.
    assert wait_gone(helper[0])
    status, _, err = finish(proc)
    assert status == 128 + signal.SIGQUIT, err
    assert "received Quit, forwarding to the command" in err
    assert "stopped vmnet interface" in err


# --- the VM stand-in ----------------------------------------------------------


def vm_ping():
    """ARP for the gateway, then ICMP echo, over the socket on fd 4."""
    from scapy.all import ARP, ICMP, IP, Ether, Raw

    sock = socket.socket(fileno=4)
    sock.settimeout(1)
    mac = os.environ["VMNET_MAC_ADDRESS"]
    gw = os.environ["VMNET_START_ADDRESS"]
    me = os.environ["VMNET_END_ADDRESS"]
    deadline = time.monotonic() + 20

    def exchange(frame, match):
        while time.monotonic() < deadline:
            sock.send(bytes(frame))
            try:
                end = time.monotonic() + 1
                while time.monotonic() < end:
                    reply = Ether(sock.recv(65536))
                    if match(reply):
                        return reply
            except socket.timeout:
                pass
        return None

    arp = exchange(Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=me, pdst=gw),
                   lambda f: ARP in f and f[ARP].op == 2 and f[ARP].psrc == gw)
    if arp is None:
        print("ARP-FAILED", flush=True)
        return 1
    echo = Ether(src=mac, dst=arp[ARP].hwsrc) / IP(src=me, dst=gw) / ICMP(id=0x4242, seq=1) / Raw(
        b"vmnet-client")
    reply = exchange(echo, lambda f: ICMP in f and f[ICMP].type == 0 and f[ICMP].id == 0x4242)
    if reply is None:
        print("PING-FAILED", flush=True)
        return 1
    print("PING-OK", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["ping"]:
        sys.exit(vm_ping())
    sys.exit("usage: %s ping" % sys.argv[0])
