#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the libFuzzer target (jni/fuzz/fuzz_object.c + jni/validate.c +
# libbpf's sources, all with -fsanitize=fuzzer,address) and runs it for a
# bounded time with the project's BPF objects as the seed corpus.
#
#   jni/fuzz/run.sh [seconds]        (default 300; BPF4J_FUZZ_SECONDS too)
#
# Needs a Maven build first (target/cmake holds libbpf's unpacked sources and
# the static libelf/zlib; target/classes and target/test-classes the objects)
# and clang-19 with its compiler-rt (Debian: clang-19 libclang-rt-19-dev).
# Output in target/fuzz-native/: the fuzzer, the evolving corpus, crash
# artifacts (crash-*, leak-*, timeout-*) and fuzz.log. Exits non-zero if the
# fuzzer found anything.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-${BPF4J_FUZZ_SECONDS:-300}}
cc=${BPF4J_FUZZ_CC:-clang-19}
deps="$root/target/cmake/deps"
libbpf="$deps/libbpf/src/bpf4j_libbpf"
out="$root/target/fuzz-native"
obj="$out/obj"

for f in "$libbpf/src/libbpf.c" "$deps/elfutils-install/lib/libelf.a" "$deps/zlib-install/lib/libz.a"; do
  [[ -e "$f" ]] || { echo "run.sh: $f missing: run a Maven build first" >&2; exit 2; }
done
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found" >&2; exit 2; }
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$probe/t.c"
"$cc" -fsanitize=fuzzer,address "$probe/t.c" -o "$probe/t" 2>/dev/null || {
  echo "run.sh: $cc cannot link -fsanitize=fuzzer,address: install its compiler-rt (Debian: libclang-rt-19-dev)" >&2; exit 2; }
# validate.c includes the shim's header, which includes jni.h
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}

mkdir -p "$obj" "$out/corpus" "$out/artifacts"
flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address
       -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64
       -I"$libbpf/src" -I"$libbpf/include" -I"$libbpf/include/uapi"
       -I"$deps/libbpf-install/include"
       -I"$deps/elfutils-install/include" -I"$deps/zlib-install/include"
       -I"$jdk/include" -I"$jdk/include/linux")

# libbpf is compiled here, instrumented, file by file (make-like: only what changed).
objs=()
for src in "$libbpf"/src/*.c "$root/jni/validate.c" "$root/jni/fuzz/fuzz_object.c"; do
  o="$obj/$(basename "${src%.c}").o"
  if [[ ! -e "$o" || "$src" -nt "$o" ]]; then
    "$cc" "${flags[@]}" -I"$root/jni" -w -c "$src" -o "$o"
  fi
  objs+=("$o")
done
"$cc" -fsanitize=fuzzer,address "${objs[@]}" \
  "$deps/elfutils-install/lib/libelf.a" "$deps/elfutils-install/lib/libeu.a" "$deps/zlib-install/lib/libz.a" \
  -o "$out/bpf4j_fuzz_object"

# Seeds: the project's objects and the regression corpus.
cp -f "$root"/target/test-classes/bpf/*.bpf.o "$root"/target/classes/io/github/bpf4j/bpf/*.bpf.o \
      "$root"/java/test/resources/fuzz/regressions/*.bpf.o "$out/corpus/" 2>/dev/null || true

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1}
export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer-19 || command -v llvm-symbolizer || true)}
echo "run.sh: fuzzing for ${seconds}s; log in $out/fuzz.log"
set +e
"$out/bpf4j_fuzz_object" "$out/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=262144 -print_final_stats=1 -artifact_prefix="$out/artifacts/" >"$out/fuzz.log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+ +DONE|stat::|Done )' "$out/fuzz.log" || tail -5 "$out/fuzz.log"
if [[ $rc -ne 0 ]] || compgen -G "$out/artifacts/*" >/dev/null; then
  echo "run.sh: the fuzzer found a problem (exit $rc); inputs in $out/artifacts, details in $out/fuzz.log" >&2
  grep -m1 -A30 'ERROR: ' "$out/fuzz.log" >&2 || true
  exit 1
fi
