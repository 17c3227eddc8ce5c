#!/usr/bin/env bash
# Builds docker/test.Dockerfile and runs the test suite against the host kernel.
#
#   docker/run-tests.sh            privileged container (simplest)
#   docker/run-tests.sh --minimal  only the capabilities the tests use
set -euo pipefail
cd "$(dirname "$0")/.."

docker build -f docker/test.Dockerfile -t bpf4j-test .

# The host's BPF filesystem (pinning) and tracefs (bpf_printk) are shared
# with the container; the tests mount tracefs themselves when it is absent.
mounts=(-v /sys/fs/bpf:/sys/fs/bpf -v /sys/kernel/tracing:/sys/kernel/tracing)

if [ "${1:-}" = "--minimal" ]; then
  # CAP_BPF + CAP_PERFMON: maps, programs, test runs, bpf_printk.
  # CAP_NET_ADMIN: XDP/TC, network namespaces and veth pairs in the tests.
  # CAP_SYS_ADMIN: mounting tracefs and mount namespaces in the tests.
  # CAP_SETUID/SETGID: one test drops to nobody to check the unprivileged error.
  # Docker's default seccomp and AppArmor profiles block mount(2) and
  # unshare(2), so they are lifted for this test container only.
  exec docker run --rm "${mounts[@]}" \
    --cap-add BPF --cap-add PERFMON --cap-add NET_ADMIN --cap-add SYS_ADMIN \
    --cap-add SETUID --cap-add SETGID \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    bpf4j-test
fi
exec docker run --rm --privileged "${mounts[@]}" bpf4j-test
