# shellcheck shell=bash
# ./setup.sh containers: docker/ tested for real with podman, sourced by
# setup.sh (which provides log/die, apt_install_missing, debian_mirror and the
# cache paths).  No image registry is needed: the Debian 12 base image is made
# here with mmdebstrap from the Debian packages this machine's apt already
# uses, and imported as debian:bookworm, so the Dockerfiles stay unmodified.
#
# Steps (each is a function, so a failing one can be rerun alone):
#   containers_packages   podman, runc, mmdebstrap (Debian 12's)
#   containers_config     containers.conf (ulimits, runc) and the state dir
#   containers_base       debian:bookworm from mmdebstrap (CA certs, apt settings)
#   containers_images     bpf4j-build and bpf4j-test from a git clone of HEAD
#   containers_matrix     the README's capability table, each set and each drop
#   containers_suite      the test container (offline, README's capabilities)
#
# State lives in $CONTAINERS_DIR (default .cache/containers; set
# BPF4J_CONTAINERS_DIR to keep it elsewhere); images in podman's own storage.

CONTAINERS_DIR=${BPF4J_CONTAINERS_DIR:-$CACHE/containers}
BASE_IMAGE=docker.io/library/debian:bookworm
BUILD_IMAGE=localhost/bpf4j-build:latest
TEST_IMAGE=localhost/bpf4j-test:latest
# The base image is rebuilt when this changes (or with BPF4J_REBUILD_BASE=1).
BASE_STAMP="bookworm|apt|ca-certificates git|v1"

containers_packages() {
  # runc: crun (podman's first choice) refuses this host's hybrid cgroup
  # layout (v1 controllers with a cgroup2 "unified" mount).
  apt_install_missing podman runc mmdebstrap uidmap
}

# containers.conf, passed with CONTAINERS_CONF so the system's is untouched.
# The ulimits: podman otherwise asks for RLIMIT_NOFILE 1048576, which a host
# with a lower hard limit refuses, and every container fails to start.
containers_config() {
  mkdir -p "$CONTAINERS_DIR"
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] && nproc=4194304
  # Found by trying (podman 4.3.1, runc 1.1.5, no CAP_SYS_RESOURCE): an nproc
  # above kernel.pid_max is refused with EPERM even when the hard limit allows it.
  local pid_max
  pid_max=$(cat /proc/sys/kernel/pid_max)
  if [ "$nproc" -gt "$pid_max" ]; then nproc=$pid_max; fi
  cat >"$CONTAINERS_DIR/containers.conf" <<EOF
# Written by setup.sh containers.
[containers]
default_ulimits = [
  "nofile=$nofile:$nofile",
  "nproc=$nproc:$nproc",
]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf"
}

# podman with the configuration above; builds and runs use the host's network
# for building (apt, Maven) and none at all for running.
pm() { podman "$@"; }

# debian:bookworm from Debian packages, made like the host's own apt sees
# them: the same archive URIs (read from the system's sources, never written
# into the repository), the same Check-Valid-Until setting (a snapshot
# archive's Release files are past their Valid-Until date), and this machine's
# locally added CA certificates (a TLS-inspecting proxy's, say), without which
# Maven's HTTPS downloads fail inside the image.
containers_base() {
  local stamp="$CONTAINERS_DIR/base.stamp"
  if [ -z "${BPF4J_REBUILD_BASE:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$BASE_STAMP" ] \
      && pm image exists "$BASE_IMAGE"; then
    log "containers: $BASE_IMAGE is there (BPF4J_REBUILD_BASE=1 makes it again)"
    return 0
  fi
  local main security tmp cert started
  main=$(debian_mirror main)
  security=$(debian_mirror security)
  tmp="$CONTAINERS_DIR/base.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp/ca"
  for cert in /usr/local/share/ca-certificates/*.crt; do
    if [ -f "$cert" ]; then cp "$cert" "$tmp/ca/"; fi
  done
  local valid
  valid=$(apt-config dump Acquire::Check-Valid-Until | sed -n 's/^Acquire::Check-Valid-Until "\(.*\)";$/\1/p')
  local aptopts=()
  if [ "$valid" = false ] || [ "$valid" = 0 ]; then
    aptopts=(--aptopt='Acquire::Check-Valid-Until "false"')
  fi
  started=$SECONDS
  log "containers: making $BASE_IMAGE with mmdebstrap (Debian 12, variant apt)"
  # ca-certificates before the hook runs update-ca-certificates; git for the
  # clone-based builds' own use (setup.sh needs none).
  mmdebstrap --variant=apt --include=ca-certificates,git --format=tar \
    "${aptopts[@]}" \
    --customize-hook="sync-in $(printf '%q' "$tmp/ca") /usr/local/share/ca-certificates" \
    --customize-hook='chroot "$1" update-ca-certificates' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$tmp/base.tar" \
    "deb $main bookworm main" "deb $main bookworm-updates main" "deb $security bookworm-security main" >&2
  pm import --change 'CMD ["/bin/bash"]' "$tmp/base.tar" "$BASE_IMAGE" >&2
  rm -rf "$tmp"
  printf '%s' "$BASE_STAMP" >"$stamp"
  log "containers: $BASE_IMAGE ready in $((SECONDS - started)) s"
}

# ./setup.sh containers [step...]: every step, or only the named ones.
containers() {
  local steps=("$@")
  [ ${#steps[@]} -gt 0 ] || steps=(packages config base images matrix suite)
  local s
  for s in "${steps[@]}"; do
    case "$s" in
      packages | config | base | images | matrix | suite) ;;
      *) die "containers: unknown step '$s' (packages config base images matrix suite)" ;;
    esac
  done
  containers_packages
  containers_config
  for s in "${steps[@]}"; do
    case "$s" in
      packages | config) ;;
      *) "containers_$s" ;;
    esac
  done
}

# ./setup.sh prefetch: what `./setup.sh test -o` needs besides a kernel, so
# that it runs with no network (docker/test.Dockerfile's build step): deps,
# the JDK matrix, and every Maven plugin, dependency and surefire provider of
# the test command's profiles.  Surefire resolves its JUnit provider only when
# it runs a test, so each execution runs one that needs no kernel.
prefetch() {
  deps
  jdks
  cd "$ROOT"
  "$MVN" -B verify -Dbpf4j.jdks="$JDKS_DIR" \
    -Dbpf4j.sanitize -Dbpf4j.sanitize.preload="$(sanitizer_preload)" \
    -Dtest='TracePipeTest#parsesTraceLines' -Dsurefire.failIfNoSpecifiedTests=false "$@"
}

# The images from a git clone of HEAD: what a user checks out, never this
# checkout's .cache or target (.dockerignore keeps those out of a plain
# `podman build .` too).  Both Dockerfiles begin alike, so the second build
# reuses the first one's `./setup.sh package` layer.
containers_images() {
  local ctx="$CONTAINERS_DIR/src" head started
  head=$(git -C "$ROOT" rev-parse HEAD)
  if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ]; then
    warn "containers: building HEAD ($head); uncommitted changes are not in the images"
  fi
  rm -rf "$ctx"
  git clone -q --no-local "$ROOT" "$ctx"
  git -C "$ctx" checkout -q --detach "$head"
  local f
  for f in build test; do
    started=$SECONDS
    log "containers: building docker/$f.Dockerfile from a clone of $head"
    pm build --pull=never --network host -f "docker/$f.Dockerfile" -t "localhost/bpf4j-$f:latest" "$ctx" >&2
    log "containers: localhost/bpf4j-$f built in $((SECONDS - started)) s"
  done
}
