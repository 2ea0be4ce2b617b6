#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of vmnet-helper against the reference forwarder (see scripts/bench.sh)."""

import argparse
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(TOP, "build")
CLIENT = os.path.join(B, "vmnet-client")
HELPER = os.path.join(B, "vmnet-helper")
GUEST_NIC = os.path.join(B, "tools", "guest-nic")
REF = os.path.join(B, "tools", "ref-forwarder")
GW, GUEST = "192.168.105.1", "192.168.105.50"
RANGE = ["--start-address", GW, "--end-address", "192.168.105.254",
         "--subnet-mask", "255.255.255.0"]
OFFLOAD_OPTS = ["--enable-tso", "--enable-checksum-offload"]
DIRECTIONS = ("vm_to_host", "host_to_vm")
CLK_TCK = os.sysconf("SC_CLK_TCK")

_seq = 0


def sh(*cmd, check=True, **kw):
    return subprocess.run(list(cmd), check=check, **kw)


def ns_exec(ns, *cmd):
    return ["ip", "netns", "exec", ns, *cmd]


def cpu_seconds(pid):
    """User + system time of all threads of pid."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def wait_for(pred, what, timeout=10.0):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def iperf(ns, server, seconds, streams):
    out = sh(*ns_exec(ns, "iperf3", "-J", "-c", server, "-t", str(seconds),
                      "-P", str(streams)), stdout=subprocess.PIPE).stdout
    r = json.loads(out)
    return r["end"]["sum_received"]["bits_per_second"] / 1e9, \
        r["end"]["sum_received"]["bytes"]


class Namespaces:
    """A host and a VM namespace, removed with everything in them."""

    def __init__(self):
        global _seq
        _seq += 1
        tag = f"{os.getpid()}-{_seq}"
        self.host, self.vm = f"vmnet-bench-h-{tag}", f"vmnet-bench-v-{tag}"
        for ns in (self.host, self.vm):
            sh("ip", "netns", "add", ns)
            sh(*ns_exec(ns, "ip", "link", "set", "lo", "up"))
        # Linux caps a unix datagram queue at 10 by default; macOS by bytes only.
        sh(*ns_exec(self.host, "sysctl", "-qw", "net.unix.max_dgram_qlen=512"))

    def close(self):
        for ns in (self.host, self.vm):
            pids = sh("ip", "netns", "pids", ns, check=False,
                      stdout=subprocess.PIPE, text=True).stdout.split()
            for p in pids:
                try:
                    os.kill(int(p), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            sh("ip", "netns", "del", ns, check=False, stderr=subprocess.DEVNULL)


def tap_tx(ns):
    """(frames, drops) the kernel handed to the forwarder's TAP in ns: a
    frame the forwarder does not read in time is dropped there, not by it."""
    links = json.loads(sh(*ns_exec(ns, "ip", "-s", "-j", "link", "show"),
                          stdout=subprocess.PIPE).stdout)
    tx = [link["stats64"]["tx"] for link in links
          if link["ifname"].startswith(("vmtap", "reftap"))]
    return sum(t["packets"] for t in tx), sum(t["dropped"] for t in tx)


def stop(proc, timeout):
    """SIGTERM to the process group of proc, SIGKILL after timeout seconds."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def parse_stats(log):
    last = None
    for line in log.splitlines():
        if "[stats]" in line:
            last = json.loads(line[line.index("{"):])
    return last


def run_one(kind, offload, streams, seconds, work, mode, perf_dir=None):
    """One forwarder, both directions. Returns a result dict. The helper runs
    in vmnet mode `mode`. With perf_dir, perf records the forwarder (all
    threads, call graphs) in each direction."""
    ns = Namespaces()
    nic_out = os.path.join(work, "nic.out")
    log_path = os.path.join(work, "fwd.log")
    open(nic_out, "w").close()
    guest = ns_exec(ns.vm, GUEST_NIC, "--fd", "4", "--tap", "eth0") + \
        (["--offload"] if offload else [])
    if kind == "helper":
        cmd = ns_exec(ns.host, "env", "SUDO_UID=65534", "SUDO_GID=65534", CLIENT,
                      "--helper", HELPER, "--info-file", os.path.join(work, "info.json"),
                      "--operation-mode", mode, *RANGE,
                      *(OFFLOAD_OPTS if offload else []), "--", *guest)
    else:
        cmd = ns_exec(ns.host, REF, "--tap", "reftap",
                      *(["--offload"] if offload else []), "--", *guest)
    with open(nic_out, "w") as out, open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=out, stderr=log, start_new_session=True)
    try:
        wait_for(lambda: "ready" in open(nic_out).read(), "the stand-in VM")
        if kind == "helper":
            wait_for(lambda: sh("pgrep", "-P", str(proc.pid), "-x", "vmnet-helper",
                                check=False, stdout=subprocess.DEVNULL).returncode == 0,
                     "the helper")
            pid = int(sh("pgrep", "-P", str(proc.pid), "-x", "vmnet-helper",
                         stdout=subprocess.PIPE, text=True).stdout.split()[0])
        else:
            pid = proc.pid
            h = ns.host
            sh(*ns_exec(h, "ip", "link", "add", "refbr", "type", "bridge"))
            sh(*ns_exec(h, "ip", "addr", "add", f"{GW}/24", "dev", "refbr"))
            sh(*ns_exec(h, "ip", "link", "set", "reftap", "master", "refbr"))
            sh(*ns_exec(h, "ip", "link", "set", "reftap", "up"))
            sh(*ns_exec(h, "ip", "link", "set", "refbr", "up"))
        sh(*ns_exec(ns.vm, "ip", "addr", "add", f"{GUEST}/24", "dev", "eth0"))
        sh(*ns_exec(ns.host, "iperf3", "-s", "-D", "-B", GW))
        sh(*ns_exec(ns.vm, "iperf3", "-s", "-D", "-B", GUEST))
        time.sleep(0.5)  # the iperf3 servers are listening
        res = {"forwarder": kind, "offload": offload, "streams": streams}
        for d, (src, dst) in zip(DIRECTIONS, ((ns.vm, GW), (ns.host, GUEST))):
            rec = None
            if perf_dir:
                name = "%s-%s-P%d-%s.data" % (kind, "offload" if offload else "plain",
                                              streams, d)
                rec = subprocess.Popen(["perf", "record", "-q", "-g", "-p", str(pid), "-o",
                                        os.path.join(perf_dir, name)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            cpu0, tap0 = cpu_seconds(pid), tap_tx(ns.host)
            gbits, nbytes = iperf(src, dst, seconds, streams)
            cpu, tap1 = cpu_seconds(pid) - cpu0, tap_tx(ns.host)
            if rec:
                rec.send_signal(signal.SIGINT)
                rec.wait()
            sent, dropped = tap1[0] - tap0[0], tap1[1] - tap0[1]
            res[d] = {"gbits": gbits, "bytes": nbytes,
                      "cpu_s_per_gb": cpu / (nbytes / 1e9) if nbytes else None,
                      "tap_drops": dropped,
                      "tap_drop_pct": 100.0 * dropped / (sent + dropped) if sent + dropped
                      else 0.0}
        res["peak_rss_kib"] = peak_rss_kib(pid)
    finally:
        stop(proc, 10)
        ns.close()
    if kind == "helper":
        stats = parse_stats(open(log_path).read())
        if stats is None:
            raise RuntimeError("no stats line from the helper:\n" + open(log_path).read())
        for d in DIRECTIONS:
            s = stats[d]
            # Batched calls: socket sends host->vm, socket receives vm->host.
            calls = s["write_calls"] if d == "host_to_vm" else s["read_calls"]
            res[d].update(packets=s["packets"], drops=s["drops"], retries=s["retries"],
                          drop_pct=100.0 * s["drops"] / (s["packets"] + s["drops"])
                          if s["packets"] + s["drops"] else 0.0,
                          pkts_per_call=s["packets"] / calls if calls else 0.0)
    return res


def time_to_json(offload):
    """Milliseconds from exec of the helper to its JSON line, in a fresh namespace."""
    ns = Namespaces()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        cmd = ns_exec(ns.host, "env", "SUDO_UID=65534", "SUDO_GID=65534", HELPER,
                      "--fd", str(b.fileno()), *RANGE, *(OFFLOAD_OPTS if offload else []))
        # `ip netns exec` costs an exec too; measure it alone and subtract.
        t0 = time.monotonic()
        sh(*ns_exec(ns.host, "true"))
        base = time.monotonic() - t0
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             pass_fds=[b.fileno()])
        line = p.stdout.readline()
        elapsed = time.monotonic() - t0
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
        if not line.startswith(b"{"):
            raise RuntimeError("helper printed no JSON line")
        return max(0.0, elapsed - base) * 1000
    finally:
        a.close()
        b.close()
        ns.close()


def callgrind(work, seconds, output):
    """Instructions per forwarded frame in the helper's own code (src/*.c), one stream;
    the per-function listing goes to output/callgrind.txt."""
    ns = Namespaces()
    # The helper writes its profile at exit, after it dropped to nobody.
    cg_dir = os.path.join(work, "callgrind")
    os.makedirs(cg_dir, exist_ok=True)
    os.chmod(work, 0o755)
    os.chmod(cg_dir, 0o777)
    out = os.path.join(cg_dir, "callgrind.out")
    helper_log = os.path.join(work, "cg-helper.log")
    # Valgrind 3.19 cannot read clang's DWARF 5: a DWARF 4 build of its own,
    # without the seccomp filter, which Valgrind's own system calls would hit.
    cg_build = os.path.join(B, "callgrind")
    sh("make", "-s", "-C", TOP, "-j2", "B=" + cg_build,
       "CFLAGS=-O2 -g -gdwarf-4 -DSANDBOX_PROFILING_BUILD",
       os.path.join(cg_build, "vmnet-helper"), stdout=subprocess.DEVNULL)
    # The helper on a socketpair of ours, not under vmnet-client, whose
    # grace period would kill the slow stop under Valgrind before the
    # profile is written. %p: the network keeper, a fork, writes its own.
    # stderr on a regular file leaves RLIMIT_FSIZE uncapped (isolate.c).
    vm_end, helper_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    with open(helper_log, "w") as log:
        helper = subprocess.Popen(
            ns_exec(ns.host, "env", "SUDO_UID=65534", "SUDO_GID=65534", "valgrind",
                    "--tool=callgrind", "--callgrind-out-file=%s.%%p" % out, "--dump-instr=no",
                    os.path.join(cg_build, "vmnet-helper"), "--fd", str(helper_end.fileno()),
                    *RANGE),
            stdout=subprocess.PIPE, stderr=log, pass_fds=[helper_end.fileno()])
    nic = None
    try:
        if not helper.stdout.readline().startswith(b"{"):
            raise RuntimeError("no JSON line from the helper under callgrind")
        # Callgrind created its file as root and rewrites it at exit as the
        # user the helper dropped to.
        time.sleep(2)
        for name in os.listdir(cg_dir):
            os.chown(os.path.join(cg_dir, name), 65534, 65534)
        nic = subprocess.Popen(ns_exec(ns.vm, GUEST_NIC, "--fd", str(vm_end.fileno()),
                                       "--tap", "eth0"),
                               stdout=subprocess.PIPE, pass_fds=[vm_end.fileno()])
        if nic.stdout.readline().strip() != b"ready":
            raise RuntimeError("guest-nic did not start")
        sh(*ns_exec(ns.vm, "ip", "addr", "add", f"{GUEST}/24", "dev", "eth0"))
        sh(*ns_exec(ns.host, "iperf3", "-s", "-D", "-B", GW))
        time.sleep(1)
        sh(*ns_exec(ns.vm, "iperf3", "-c", GW, "-t", str(seconds)),
           stdout=subprocess.DEVNULL)
    finally:
        helper.send_signal(signal.SIGTERM)
        try:
            helper.wait(timeout=120)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        if nic:
            nic.kill()
            nic.wait()
        vm_end.close()
        helper_end.close()
        ns.close()
    stats = parse_stats(open(helper_log).read())
    if stats is None:
        raise RuntimeError("no stats from the helper under callgrind:\n" + open(helper_log).read())
    frames = sum(stats[d]["packets"] + stats[d]["drops"] for d in DIRECTIONS)
    # Complete profiles only: the keeper (a fork) may still be writing its own.
    files = [os.path.join(cg_dir, n) for n in os.listdir(cg_dir)]
    files = [f for f in files if re.search(r"^(summary|totals):", open(f).read(), re.M)]
    os.unlink(helper_log)
    out = max(files, key=os.path.getsize)  # the helper, not its keeper
    ann = sh("callgrind_annotate", "--inclusive=no", "--threshold=100", out,
             stdout=subprocess.PIPE, text=True).stdout
    with open(os.path.join(output, "callgrind.txt"), "w") as f:
        f.write("\n".join(ann.splitlines()[:80]) + "\n")  # the costliest functions
    own = total = 0
    for line in ann.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(\S+):(\S+)", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        total += ir
        path = m.group(2)
        if re.search(r"(^|/)src/[^/]+\.c$", path):
            own += ir
    return {"frames": frames, "own_instructions": own,
            "own_instructions_per_frame": own / frames if frames else None,
            "all_instructions_per_frame": total / frames if frames else None}


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_table(runs):
    """Medians per (offload, streams, forwarder, direction) and helper/reference ratios."""
    table = []
    for offload in sorted({r["offload"] for r in runs}):
        for streams in sorted({r["streams"] for r in runs}):
            row = {"offload": offload, "streams": streams}
            for d in DIRECTIONS:
                sel = {k: [r for r in runs if r["forwarder"] == k and r["offload"] == offload
                           and r["streams"] == streams] for k in ("reference", "helper")}
                ref = med(r[d]["gbits"] for r in sel["reference"])
                hel = med(r[d]["gbits"] for r in sel["helper"])
                row[d] = {
                    "reference_gbits": ref, "helper_gbits": hel,
                    "ratio": hel / ref if ref and hel is not None else None,
                    "reference_cpu_s_per_gb": med(r[d]["cpu_s_per_gb"] for r in sel["reference"]),
                    "reference_tap_drop_pct": med(r[d].get("tap_drop_pct")
                                                  for r in sel["reference"]),
                }
                for key in ("cpu_s_per_gb", "drop_pct", "drops", "retries", "pkts_per_call",
                            "tap_drop_pct"):
                    row[d]["helper_" + key] = med(r[d].get(key) for r in sel["helper"])
            hel = [r for r in runs if r["forwarder"] == "helper"
                   and r["offload"] == offload and r["streams"] == streams]
            row["helper_peak_rss_kib"] = max((r["peak_rss_kib"] for r in hel), default=None)
            table.append(row)
    return table


def print_table(table):
    def f(v, fmt):
        return fmt % v if v is not None else "-"

    # drop %: the helper's own; TAP drop %: the kernel's at the host TAP, ref/helper.
    print("%-8s %-3s %-11s %9s %9s %6s %9s %8s %13s %8s %8s %9s" % (
        "offload", "P", "direction", "ref", "helper", "ratio", "cpu s/GB", "drop %",
        "TAP drop %", "retries", "pkt/call", "rss KiB"))
    for row in table:
        for d in DIRECTIONS:
            c = row[d]
            print("%-8s %-3d %-11s %9s %9s %6s %9s %8s %13s %8s %8s %9s" % (
                "on" if row["offload"] else "off", row["streams"], d.replace("_to_", "->"),
                f(c["reference_gbits"], "%.2f"), f(c["helper_gbits"], "%.2f"),
                f(c["ratio"], "%.2f"), f(c["helper_cpu_s_per_gb"], "%.3f"),
                f(c["helper_drop_pct"], "%.3f"),
                f(c["reference_tap_drop_pct"], "%.2f") + "/" + f(c["helper_tap_drop_pct"], "%.2f"),
                f(c["helper_retries"], "%d"),
                f(c["helper_pkts_per_call"], "%.1f"), f(row["helper_peak_rss_kib"], "%d")))


def machine():
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = open("/proc/loadavg").read().split()[:3]
    return {"cores": os.cpu_count(), "cpu": model, "kernel": platform.release(),
            "loadavg_at_start": [float(x) for x in load]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-t", "--seconds", type=int, default=10)
    ap.add_argument("-r", "--rounds", type=int, default=3)
    ap.add_argument("-P", "--streams", default="1,4")
    ap.add_argument("--offload", default="off,on", help="off, on or off,on")
    ap.add_argument("--callgrind-seconds", type=int, default=3,
                    help="0 skips the callgrind run")
    ap.add_argument("--mode", choices=("host", "shared"), default="host",
                    help="the helper's vmnet mode: host (default) has the reference's "
                    "network behind the TAP, a bridge with the gateway address; "
                    "shared adds NAT, and so conntrack on every frame")
    ap.add_argument("--only", choices=("reference", "helper"),
                    help="run one forwarder only (no ratios)")
    ap.add_argument("--perf", metavar="DIR",
                    help="perf record each run into DIR (profiles, not results)")
    ap.add_argument("-o", "--output", default=os.path.join(TOP, "docs", "bench"),
                    help="directory for results.json and the plots")
    args = ap.parse_args()
    streams = [int(s) for s in args.streams.split(",")]
    offloads = [o == "on" for o in args.offload.split(",")]
    version = sh(HELPER, "--version", stdout=subprocess.PIPE, text=True).stdout.split()
    results = {"machine": machine(), "helper_version": " ".join(version),
               "command": " ".join(["scripts/bench.sh"] + sys.argv[1:]),
               "seconds": args.seconds, "rounds": args.rounds, "helper_mode": args.mode,
               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "runs": []}
    with tempfile.TemporaryDirectory() as work:
        for offload in offloads:
            for p in streams:
                for rnd in range(args.rounds):
                    # Interleaved: reference, helper, reference, helper, ...
                    for kind in ("reference", "helper"):
                        if args.only and kind != args.only:
                            continue
                        r = run_one(kind, offload, p, args.seconds, work, args.mode, args.perf)
                        r["round"] = rnd
                        results["runs"].append(r)
                        print("offload %-3s P%d round %d %-9s vm->host %6.2f  host->vm %6.2f"
                              % ("on" if offload else "off", p, rnd, kind,
                                 r["vm_to_host"]["gbits"], r["host_to_vm"]["gbits"]),
                              flush=True)
        results["time_to_json_ms"] = {
            "off": statistics.median(time_to_json(False) for _ in range(5)),
            "on": statistics.median(time_to_json(True) for _ in range(5))}
        if args.callgrind_seconds:
            os.makedirs(args.output, exist_ok=True)
            results["callgrind"] = callgrind(work, args.callgrind_seconds, args.output)
    results["machine"]["loadavg_at_end"] = [
        float(x) for x in open("/proc/loadavg").read().split()[:3]]
    results["medians"] = median_table(results["runs"])
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    print_table(results["medians"])
    print("exec to JSON line: %.1f ms (offload off), %.1f ms (on)" % (
        results["time_to_json_ms"]["off"], results["time_to_json_ms"]["on"]))
    if "callgrind" in results:
        print("instructions per frame in the helper's own code: %.0f" %
              results["callgrind"]["own_instructions_per_frame"])
    print("results:", path)
    sh("/usr/bin/python3", os.path.join(TOP, "scripts", "bench_plot.py"), path)


if __name__ == "__main__":
    main()
