#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plots of a scripts/bench.sh results file, next to it:
throughput.png (median Gbit/s per direction and configuration, helper beside
the reference forwarder) and cpu.png (CPU seconds per GB forwarded)."""

import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DIRECTIONS = (("vm_to_host", "VM → host"), ("host_to_vm", "host → VM"))


def label(row):
    return "%s, %d stream%s" % ("offload" if row["offload"] else "no offload",
                                row["streams"], "" if row["streams"] == 1 else "s")


def bars(ax, rows, keys, names, ylabel, title):
    width = 0.8 / len(keys)
    xs = range(len(rows))
    for k, (key, name) in enumerate(zip(keys, names)):
        vals = [key(r) or 0 for r in rows]
        pos = [x + (k - (len(keys) - 1) / 2) * width for x in xs]
        b = ax.bar(pos, vals, width, label=name)
        ax.bar_label(b, fmt="%.2f", fontsize=7)
    ax.set_xticks(list(xs), [label(r) for r in rows], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)


def main():
    path = sys.argv[1]
    res = json.load(open(path))
    rows = res["medians"]
    out = os.path.dirname(os.path.abspath(path))
    m = res["machine"]
    note = "%s; %d cores; Linux %s; %s; median of %d rounds, %d s each" % (
        res["helper_version"], m["cores"], m["kernel"], res["date"], res["rounds"],
        res["seconds"])

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, (d, name) in zip(axes, DIRECTIONS):
        bars(ax, rows, [lambda r, d=d: r[d]["reference_gbits"],
                        lambda r, d=d: r[d]["helper_gbits"]],
             ["reference forwarder", "vmnet-helper"], "Gbit/s (iperf3 receiver)", name)
    fig.suptitle("Throughput, helper beside the reference forwarder")
    fig.text(0.5, 0.005, note, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(os.path.join(out, "throughput.png"), dpi=100)

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, (d, name) in zip(axes, DIRECTIONS):
        bars(ax, rows, [lambda r, d=d: r[d]["reference_cpu_s_per_gb"],
                        lambda r, d=d: r[d]["helper_cpu_s_per_gb"]],
             ["reference forwarder", "vmnet-helper (all threads)"], "CPU seconds per GB",
             name)
    fig.suptitle("CPU time per GB forwarded")
    fig.text(0.5, 0.005, note, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(os.path.join(out, "cpu.png"), dpi=100)
    print("plots:", os.path.join(out, "throughput.png"), os.path.join(out, "cpu.png"))


if __name__ == "__main__":
    main()
