#!/usr/bin/env bash
# Builds docker/test.Dockerfile and runs the test suite against the host kernel.
#
#   docker/run-tests.sh            README's capabilities for root (BPF, PERFMON, NET_ADMIN)
#   docker/run-tests.sh --wide     also what the tests' own set-up steps use
#   ENGINE=podman docker/run-tests.sh ...
#
# The run is offline (--network none): the image resolved everything while it
# was built.  ./setup.sh containers does the same with podman on this machine
# and checks the results.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${ENGINE:-docker}

"$engine" build -f docker/test.Dockerfile -t bpf4j-test .

# The host's tracefs (bpf_printk); the tests mount private BPF filesystems
# for pinning themselves when they may (CAP_SYS_ADMIN).
args=(--rm --network none -v /sys/kernel/tracing:/sys/kernel/tracing
  --security-opt seccomp="$PWD/docker/seccomp-bpf.json"   # bpf(2) with CAP_BPF, not only CAP_SYS_ADMIN
  --cap-drop ALL --cap-add BPF --cap-add PERFMON --cap-add NET_ADMIN)
if [ "${1:-}" = "--wide" ]; then
  # CAP_SYS_ADMIN: private bpffs/tracefs mounts, mount/pid/net namespaces (unshare).
  # CAP_SETUID/SETGID/SETPCAP: the tests that drop to nobody (setpriv) to check refusals.
  # (No AppArmor/SELinux exceptions needed on hosts without those modules.)
  args+=(--cap-add SYS_ADMIN --cap-add SETUID --cap-add SETGID --cap-add SETPCAP)
fi
exec "$engine" run "${args[@]}" bpf4j-test
