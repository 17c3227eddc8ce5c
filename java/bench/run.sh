#!/usr/bin/env bash
# Benchmarks bpf4j from Java (JMH) against the same libbpf calls from C, in one
# run, and writes the ratios to BENCHMARKS.md.  As root, after ./setup.sh deps:
#
#   java/bench/run.sh [JMH options]     e.g. -e Dump to leave out the dumps
#
# C and Java run in ROUNDS (5) interleaved rounds: each round is one JMH fork
# of every benchmark (WARMUP warm-up + ITERATIONS measured iterations of TIME)
# and one run of the C baseline (C_ROUNDS timed rounds of C_ROUND_MS after
# C_WARMUP_MS); C goes first in odd rounds, Java in even ones. The report
# gives each side's median and best round.
#
#   RINGBUF_ONLY=1 java/bench/run.sh    only the ring buffer consumption part
#                                       (Java vs libbpf, ~5 min); rewrites that
#                                       section of BENCHMARKS.md, keeps the rest
#
# RINGBUF_ROUNDS (rounds per side, 5), RINGBUF_SIZES (8,64,1024) and
# RINGBUF_MODES (drain,poll,consume,perf-drain,perf-poll) set the ring buffer part;
# RINGBUF_HANDLER=view reads the ring with RecordHandler instead of OffsetRecordHandler;
# RINGBUF=0 leaves it out and keeps the section (with its own date) from the last run.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
MVN=${MVN:-$ROOT/.cache/maven/apache-maven-3.9.16/bin/mvn}
ROUNDS=${ROUNDS:-5} WARMUP=${WARMUP:-2} ITERATIONS=${ITERATIONS:-3} TIME=${TIME:-1s}
C_ROUNDS=${C_ROUNDS:-5} C_ROUND_MS=${C_ROUND_MS:-200} C_WARMUP_MS=${C_WARMUP_MS:-500}
OUT=target/bench
start=$(date +%s)
log() { printf '[bench] %s\n' "$*" >&2; }

log "building bpf4j and java/bench (mvn -Pbench test-compile)"
"$MVN" -B -q -Pbench -Dmaven.test.skip=true test-compile
log "building the C baseline in target/cmake-bench"
cmake -S . -B target/cmake-bench -DCMAKE_BUILD_TYPE=Release -DBPF4J_BUILD_BPF=OFF \
  -DBPF4J_BUILD_BENCH=ON >/dev/null
cmake --build target/cmake-bench --target bpf4j_bench_baseline bpf4j_bench_ringbuf -j "$(nproc)" >/dev/null

# A snapshot of what was just built, so another build rewriting target/classes
# meanwhile cannot pull classes out from under the forked JVMs.
rm -rf "$OUT"
mkdir -p "$OUT/classes"
cp -r target/classes/. target/bench-classes/. "$OUT/classes/"
"$JAVA_HOME/bin/jar" --create --file "$OUT/benchmarks.jar" -C "$OUT/classes" .
rm -rf "$OUT/classes"
cp target/test-classes/bpf/core_test.bpf.o target/test-classes/bpf/map_types.bpf.o \
  target/test-classes/bpf/ringbuf_bench.bpf.o target/test-classes/bpf/trace_target.bpf.o "$OUT/"
# ArenaPayloadBench's ring-record baseline (the arena side, bpf/arena_events.bpf.o, is in the jar).
cp target/test-classes/bpf/payload_inline.bpf.o "$OUT/"
cp target/cmake-bench/bpf4j-bench-ringbuf "$OUT/"
CP="$OUT/benchmarks.jar:$(cat target/bench-classpath.txt)"

# Ring buffer consumption: bpf4j's RingBuffer and libbpf's consumer in
# interleaved rounds (RingBufferThroughput runs the C binary between its own
# rounds), then that section of BENCHMARKS.md, spliced in place.
ringbuf() {
  local rounds=${RINGBUF_ROUNDS:-5} sizes=${RINGBUF_SIZES:-8,64,1024} modes=${RINGBUF_MODES:-drain,poll,consume,perf-drain,perf-poll}
  local t0 load0
  t0=$(date +%s) load0=$(cut -d' ' -f1-3 /proc/loadavg)
  log "ring buffer consumption: $rounds interleaved rounds per side, sizes $sizes, modes $modes"
  local form=OffsetRecordHandler
  [ "${RINGBUF_HANDLER:-offset}" != view ] || form=RecordHandler
  "$JAVA_HOME/bin/java" -Dbpf4j.bench.ringbuf.handler="${RINGBUF_HANDLER:-offset}" -cp "$CP" io.github.bpf4j.bench.RingBufferThroughput \
    "$OUT" "$OUT/bpf4j-bench-ringbuf" "$rounds" "$sizes" "$modes" | tee "$OUT/ringbuf.txt"
  local took=$(($(date +%s) - t0))
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
    echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
    echo "rounds: $rounds per side and configuration, interleaved (C first in odd rounds, Java first in even ones), after 3 Java warm-up rounds and 1 C warm-up round per configuration"
    echo "load average (1/5/15 min) before / after: $load0 / $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "Java ring buffer handler: $form (RINGBUF_HANDLER=offset|view)"
    echo "ring buffer part: $((took / 60)) min $((took % 60)) s"
  } >"$OUT/ringbuf-meta.txt"
  [ -f BENCHMARKS.md ] || : >BENCHMARKS.md
  python3 java/bench/report.py ringbuf "$OUT/ringbuf.txt" "$OUT/ringbuf-meta.txt" BENCHMARKS.md
  log "wrote the ring buffer section of BENCHMARKS.md (${took}s)"
  sed -n '/^## Ring buffer consumption/,/^### /p' BENCHMARKS.md
}
if [ -n "${RINGBUF_ONLY:-}" ]; then
  ringbuf
  exit 0
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
kept_ringbuf=
if [ "${RINGBUF:-1}" = 0 ] && [ -f BENCHMARKS.md ]; then
  kept_ringbuf=$(sed -n '/^## Ring buffer consumption$/,$p' BENCHMARKS.md)
fi

c_round() {
  log "round $1: C baseline"
  target/cmake-bench/bpf4j-bench-baseline -r "$C_ROUNDS" -t "$C_ROUND_MS" -w "$C_WARMUP_MS" "$OUT" \
    | tee "$OUT/baseline-$1.txt"
}
# Set after the first C round: why this machine creates no arena (the baseline says so), or empty.
arenas_refused=
jmh_round() {
  local r=$1
  shift # the rest are the JMH options given to run.sh
  log "round $r: JMH, one fork × ($WARMUP warm-up + $ITERATIONS measured iterations of $TIME), -prof gc"
  local leave_out=ArenaPayloadBench
  [ -z "$arenas_refused" ] || leave_out='ArenaPayloadBench|ArenaHashBench'
  "$JAVA_HOME/bin/java" -cp "$CP" org.openjdk.jmh.Main \
    -f 1 -wi "$WARMUP" -w "$TIME" -i "$ITERATIONS" -r "$TIME" -prof gc -e "$leave_out" \
    -jvmArgsAppend "-Dbpf4j.bench.bpf=$OUT" -rf json -rff "$OUT/jmh-$r.json" "$@" | tee "$OUT/jmh-$r.txt"
}
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then
    c_round "$round"
    arenas_refused=$(sed -n 's/^# no arena rows: //p' "$OUT/baseline-1.txt")
    [ -z "$arenas_refused" ] || log "no arena rows, no arena payloads, no arena KV: $arenas_refused"
    jmh_round "$round" "$@"
  else
    jmh_round "$round" "$@"; c_round "$round"
  fi
done

rm -f "$OUT/jmh-arena.json" "$OUT/kv.txt"
if [ -z "$arenas_refused" ]; then
  log "JMH: ArenaPayloadBench (its own section; no C side), 1 fork × (3 warm-up + 5 iterations of $TIME)"
  "$JAVA_HOME/bin/java" -cp "$CP" org.openjdk.jmh.Main -f 1 -wi 3 -w "$TIME" -i 5 -r "$TIME" -prof gc \
    -jvmArgsAppend "-Dbpf4j.bench.bpf=$OUT" -rf json -rff "$OUT/jmh-arena.json" ArenaPayloadBench | tee "$OUT/jmh-arena.txt"

  log "arena KV: UDP GETs answered by XDP from the arena vs by a JVM server"
  "$JAVA_HOME/bin/java" -cp "$CP" \
    io.github.bpf4j.bench.KvThroughput "$OUT" | tee "$OUT/kv.txt"
fi

elapsed=$(($(date +%s) - start))
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
  echo "JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  echo "kernel entry: meltdown $(cat /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null || echo unknown), $(grep -qw pcid /proc/cpuinfo && echo with || echo without) PCID"
  echo "rounds: $ROUNDS per side, interleaved (C first in odd rounds, Java first in even ones)"
  echo "JMH round: 1.37, one fork × ($WARMUP warm-up + $ITERATIONS measured iterations of $TIME), mode avgt, -prof gc${*:+, extra options: $*}"
  echo "C round: $(sed -n 's/^# name median_ns_per_op min max rounds\.\.\. (\(.*\))$/\1/p' "$OUT/baseline-1.txt") (the round's value is their median), gcc -O3, libbpf 1.7.0 static"
  echo "load average (1/5/15 min) before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "whole run (build, C and JMH rounds, arena payloads, KV): $((elapsed / 60)) min $((elapsed % 60)) s"
  [ -z "$arenas_refused" ] || echo "arenas: not measured, this machine refuses them ($arenas_refused)"
} >"$OUT/meta.txt"
# report.py fails (after writing) when a row with a buffer form allocates.
status=0
python3 java/bench/report.py "$OUT" "$OUT/meta.txt" >BENCHMARKS.md || status=$?
# Lines: "kv xdp rps N cpu_us_per_request X", "kv jvm ...".
kv() { awk -v who="$1" -v what="$2" '$1 == "kv" && $2 == who { for (i = 3; i < NF; i++) if ($i == what) print $(i + 1) }' "$OUT/kv.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
if [ -n "$arenas_refused" ]; then
  printf '\n## Arena use case 1: GETs answered in the kernel\n\nNot measured in this run: this machine refuses BPF arena maps (%s).\n' \
    "$arenas_refused" >>BENCHMARKS.md
else
cat >>BENCHMARKS.md <<KV

## Arena use case 1: GETs answered in the kernel

UDP \`GET key\` requests from a client JVM in a network namespace of its own,
over a veth pair, for 5 s after 1 s of warm-up with 32 requests in flight;
1024 keys in an arena hash table (\`ArenaHashTable\`) that the JVM filled.
CPU per request is the whole machine's busy time (all CPUs, /proc/stat)
during the measured seconds, divided by the replies: client, kernel and
server together.

| who answers | requests/s | CPU µs per request (whole machine) | CPU ÷ JVM server |
|---|---:|---:|---:|
| \`kv_get\` (XDP, native veth mode) from the arena; no user space | $(kv xdp rps) | $(kv xdp cpu_us_per_request) | $(ratio "$(kv xdp cpu_us_per_request)" "$(kv jvm cpu_us_per_request)")× |
| a JVM UDP server (one thread, \`DatagramSocket\`) doing the same lookups in the same table | $(kv jvm rps) | $(kv jvm cpu_us_per_request) | 1.00× |

How to read it: with veth, the XDP reply runs in the softirq of the CPU that
sent the request (the client's), while the JVM server runs on the other CPU
in parallel; with one client on a 2-CPU machine, requests/s mostly measures
the client. The CPU cost per request is the fair comparison: what answering
in the kernel saves is the server's whole receive/wake/send path.
KV
fi
if [ "${RINGBUF:-1}" = 0 ]; then
  [ -z "$kept_ringbuf" ] || printf '\n%s\n' "$kept_ringbuf" >>BENCHMARKS.md
else
  ringbuf
fi
log "wrote BENCHMARKS.md (run took $(($(date +%s) - start))s)"
sed -n '/^| benchmark/,/^$/p;/^## Derived/,/^## This run/p' BENCHMARKS.md
exit "$status"
