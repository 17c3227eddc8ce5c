#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Merges the C baseline's output and JMH's JSON into BENCHMARKS.md (on stdout).

  report.py <baseline.txt> <jmh.json> <meta.txt>

meta.txt: "key: value" lines (machine, settings, run time), listed as they are.
"""
import json
import math
import sys

# JMH benchmark -> (C baseline name, what it measures). Order = table order.
ROWS = [
    ("HashElemBench.lookupHitBuffer", "hash_lookup_hit", "HASH lookup, hit (direct ByteBuffer)"),
    ("HashElemBench.lookupHitArray", "hash_lookup_hit", "HASH lookup, hit (byte[])"),
    ("HashElemBench.lookupMissBuffer", "hash_lookup_miss", "HASH lookup, miss (direct ByteBuffer)"),
    ("HashElemBench.lookupMissArray", "hash_lookup_miss", "HASH lookup, miss (byte[])"),
    ("HashElemBench.updateBuffer", "hash_update", "HASH update (direct ByteBuffer)"),
    ("HashElemBench.updateArray", "hash_update", "HASH update (byte[])"),
    ("HashDumpBench.lookupBatch", "dump_batch", "HASH dump, lookupBatch ×1024, per element"),
    ("HashDumpBench.nextKeyLookup", "dump_next_key", "HASH dump, nextKey + lookup, per element"),
    ("MmapBench.mmapGetLong", "mmap_get", "mmap ARRAY, getLong (C: volatile load)"),
    ("MmapBench.mmapPutLong", "mmap_put", "mmap ARRAY, putLong (C: volatile store)"),
    ("MmapBench.lookup", "array_lookup", "same ARRAY, lookup syscall"),
    ("MmapBench.update", "array_update", "same ARRAY, update syscall"),
    ("TestRunBench.testRun", "xdp_test_run", "XDP testRun, 64 B, repeat 1"),
]


def fmt(x):
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def zero_copy_payloads(jmh_json):
    """The "Zero-copy payloads: ring record vs arena" section: ArenaPayloadBench, ns per payload by size."""
    modes = ("ringRecord", "arenaSlot", "arenaSlotSlice")
    got = {}
    for r in json.load(open(jmh_json)):
        cls, method = r["benchmark"].split(".")[-2:]
        if cls != "ArenaPayloadBench" or method not in modes:
            continue
        norm = None
        for key, m in r.get("secondaryMetrics", {}).items():
            if key.lstrip("·") == "gc.alloc.rate.norm":
                norm = m["score"]
        got[(int(r["params"]["size"]), method)] = (r["primaryMetric"]["score"], norm)
    if not got:
        return []
    out = ["", "## Zero-copy payloads: ring record vs arena", "",
           "`ArenaPayloadBench`, per payload: a syscall program writes 64 payloads per run (the same",
           "bpf_for loop over 64-byte chunks either way), Java reads every byte (summing longs). Ring record: the payload",
           "is the record (`test-bpf/payload_inline.bpf.c`). Arena: the payload is in an arena slot, the",
           "24-byte record carries its pointer (`bpf/arena_events.bpf.c`), Java reads it in place through",
           "`ArenaRegion.getLong`, or through one `ArenaRegion.slice` of the slot area taken at setup, and",
           "releases the slot. GB/s = payload bytes ÷ time, producer and consumer together.", "",
           "| payload | ring record ns | arena, getLong ns | arena, slice ns | slice ÷ ring | ring GB/s | slice GB/s | B/op (ring / getLong / slice) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sorted({k[0] for k in got}):
        ring, get, sl = (got.get((size, m)) for m in modes)
        label = f"{size // 1024} KiB" if size >= 1024 else f"{size} B"

        def ns(x):
            return fmt(x[0]) if x else "–"

        def gbs(x):
            return f"{size / x[0]:.2f}" if x else "–"

        def b(x):
            return f"{x[1]:.3f}" if x and x[1] is not None else "–"
        ratio = f"{sl[0] / ring[0]:.2f}×" if ring and sl else "–"
        out.append(f"| {label} | {ns(ring)} | {ns(get)} | {ns(sl)} | {ratio} | {gbs(ring)} | {gbs(sl)} |"
                   f" {b(ring)} / {b(get)} / {b(sl)} |")
    return out


def main(baseline_txt, jmh_json, meta_txt):
    c = {}
    for line in open(baseline_txt):
        if line.strip() and not line.startswith("#"):
            name, median, lo, hi = line.split()
            c[name] = (float(median), float(lo), float(hi))
    java = {}
    for r in json.load(open(jmh_json)):
        name = ".".join(r["benchmark"].split(".")[-2:])
        pm = r["primaryMetric"]
        norm = None
        for key, m in r.get("secondaryMetrics", {}).items():
            if key.lstrip("·") == "gc.alloc.rate.norm":
                norm = m["score"]
        error = float(pm["scoreError"])  # "NaN" with a single iteration
        java[name] = (pm["score"], None if math.isnan(error) else error, pm["scoreUnit"], norm)
    meta = [line.rstrip("\n").split(": ", 1) for line in open(meta_txt) if ": " in line]

    out = ["# Benchmarks", "",
           "bpf4j from Java (JMH) against the same libbpf calls from C, measured in the same run",
           "by `java/bench/run.sh`. Ratio = Java ns/op ÷ C ns/op (1.00 = no overhead).",
           "Java B/op is JMH's `gc.alloc.rate.norm` (`-prof gc`): bytes allocated per operation.", "",
           "| benchmark | C ns/op (median; min–max) | Java ns/op (± 99.9% CI) | Java ÷ C | Java B/op |",
           "|---|---:|---:|---:|---:|"]
    for jname, cname, what in ROWS:
        j = java.get(jname)
        cc = c.get(cname)
        if j is None and cc is None:
            continue
        ratio = j[0] / cc[0] if j and cc and cc[0] > 0 else None
        out.append("| {} `{}` | {} | {} | {} | {} |".format(
            what, jname,
            f"{fmt(cc[0])} ({fmt(cc[1])}–{fmt(cc[2])})" if cc else "–",
            (fmt(j[0]) + ("" if j[1] is None else f" ± {fmt(j[1])}")) if j else "–",
            f"{ratio:.2f}×" if ratio else "–",
            f"{j[3]:.3f}" if j and j[3] is not None else "–"))

    def times(x):
        return f"{x:.0f}×" if x >= 100 else f"{x:.1f}×"

    def speedup(label, slow_j, fast_j, slow_c, fast_c):
        parts = []
        if slow_j in java and fast_j in java:
            parts.append(f"Java {times(java[slow_j][0] / java[fast_j][0])}")
        if slow_c in c and fast_c in c:
            parts.append(f"C {times(c[slow_c][0] / c[fast_c][0])}")
        if parts:
            out.append(f"- {label}: " + ", ".join(parts))

    out += ["", "## Derived", ""]
    speedup("dump speed-up of lookupBatch over nextKey + lookup",
            "HashDumpBench.nextKeyLookup", "HashDumpBench.lookupBatch", "dump_next_key", "dump_batch")
    speedup("reading a long through mmap instead of a lookup syscall",
            "MmapBench.lookup", "MmapBench.mmapGetLong", "array_lookup", "mmap_get")
    speedup("writing a long through mmap instead of an update syscall",
            "MmapBench.update", "MmapBench.mmapPutLong", "array_update", "mmap_put")

    out += zero_copy_payloads(jmh_json)

    out += ["", "## Reading the numbers", "", "Java B/op of a few thousandths is JMH's own background allocation spread over millions of",
            "operations: one allocation in the measured call would show as 16 B/op or more.",
            "The element, dump and test-run rows are dominated by the `bpf()` system call (the C column);",
            "Java ns/op minus C ns/op is what JNI and bpf4j's checks add per call. The machine may be",
            "shared: the load average below says how quiet it was."]
    out += ["", "## This run", ""]
    out += [f"- {k}: {v}" for k, v in meta]
    out += ["", "## Reproduce", "",
            "As root, after `./setup.sh deps` (Maven 3.9, the pinned sources):", "",
            "```sh",
            "java/bench/run.sh                       # build, C baseline, JMH, rewrite BENCHMARKS.md",
            "FORKS=1 WARMUP=2 ITERATIONS=3 java/bench/run.sh -e Dump   # quicker; extra args go to JMH",
            "```", "",
            "The script builds bpf4j and `java/bench` with `mvn -Pbench -Dmaven.test.skip=true test-compile`,",
            "the C baseline (`java/bench/c/baseline.c`, `-DBPF4J_BUILD_BENCH=ON`, against the same static",
            "libbpf/libelf/zlib) in `target/cmake-bench`, snapshots the classes into `target/bench/benchmarks.jar`,",
            "runs the baseline and then JMH with `-prof gc -rf json`, and merges both here. Raw outputs:",
            "`target/bench/baseline.txt`, `jmh.txt`, `jmh.json`.", "",
            "The C baseline times each loop with `CLOCK_MONOTONIC`: 1 s warm-up, then 15 rounds of 0.2 s;",
            "it reports the median (and min–max) ns/op. Both sides use the same maps (a 64k-entry HASH",
            "u32 → u64, prefilled; a 512-slot `BPF_F_MMAPABLE` ARRAY), the same key sequence (cycling",
            "through all keys; misses use keys 65536..131071) and the same XDP program",
            "(`test-bpf/core_test.bpf.c`, `bump_first_byte`). The mmap rows count one op per long: an",
            "invocation walks the whole page (512 longs), in Java through the `ByteBuffer` from",
            "`BpfMap.mmap()`, in C through a `volatile uint64_t *` so every access happens.", ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
