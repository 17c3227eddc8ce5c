# shellcheck shell=bash
# ./setup.sh containers: docker/ tested for real with podman, sourced by
# setup.sh (which provides log/die, apt_install_missing, debian_mirror and the
# cache paths).  No image registry is needed: the Debian 12 base image is made
# here with mmdebstrap from the Debian packages this machine's apt already
# uses, and imported as debian:bookworm, so the Dockerfiles stay unmodified.
#
# Steps (./setup.sh containers STEP... runs only those):
#   k8s       docker/daemonset.yaml against the Kubernetes schemas, offline (npm)
#   base      debian:bookworm from mmdebstrap (CA certificates, apt settings)
#   images    bpf4j-build and bpf4j-test from a git clone of HEAD
#   matrix    the README's capability table: each set works, each drop is refused
#   example   examples/write-counter's jar (when built) with its capabilities
#   suite     the test image's tests, offline, with the README's capabilities
# podman, runc and mmdebstrap (Debian 12's) and a containers.conf come first.
#
# State lives in $CONTAINERS_DIR (default .cache/containers; set
# BPF4J_CONTAINERS_DIR to keep it elsewhere); images in podman's own storage.

CONTAINERS_DIR=${BPF4J_CONTAINERS_DIR:-$CACHE/containers}
BASE_IMAGE=docker.io/library/debian:bookworm
BUILD_IMAGE=localhost/bpf4j-build:latest
TEST_IMAGE=localhost/bpf4j-test:latest
# The npm packages for the manifest check (exact versions, npm's own registry settings).
K8S_NPM_PACKAGES="kubernetes-models@5.1.0 js-yaml@4.1.0"
# The base image is rebuilt when this changes (or with BPF4J_REBUILD_BASE=1).
BASE_STAMP="bookworm|minbase|ca-certificates git|v2"

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
  log "containers: making $BASE_IMAGE with mmdebstrap (Debian 12, variant minbase)"
  # minbase (Essential and Priority: required, as Debian's own images): the
  # tests call mount(8), which variant apt leaves out.  ca-certificates before
  # the hook runs update-ca-certificates; git for users of the image.
  mmdebstrap --variant=minbase --include=ca-certificates,git --format=tar \
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
CONTAINER_STEPS="k8s base images matrix example suite"
containers() {
  local steps=("$@") s podman=
  [ ${#steps[@]} -gt 0 ] || read -r -a steps <<<"$CONTAINER_STEPS"
  for s in "${steps[@]}"; do
    case " $CONTAINER_STEPS " in
      *" $s "*) ;;
      *) die "containers: unknown step '$s' ($CONTAINER_STEPS)" ;;
    esac
    [ "$s" = k8s ] || podman=1
  done
  if [ -n "$podman" ]; then
    containers_packages
    containers_config
  fi
  for s in "${steps[@]}"; do "containers_$s"; done
}

# ./setup.sh prefetch: what `./setup.sh test -o` needs besides a kernel, so
# that it runs with no network (docker/test.Dockerfile's build step): deps,
# the JDK matrix, and every Maven plugin, dependency and surefire provider of
# the test command's builds.  Surefire resolves its JUnit provider only when
# it runs a test, so each execution runs one that needs no kernel; the
# examples reactor (plugin, write-counter) is built without its tests, whose
# surefire and provider the library's build has fetched already.
prefetch() {
  deps
  jdks
  cd "$ROOT"
  "$MVN" -B install -Dbpf4j.jdks="$JDKS_DIR" \
    -Dbpf4j.sanitize -Dbpf4j.sanitize.preload="$(sanitizer_preload)" \
    -Dtest='TracePipeTest#parsesTraceLines' -Dsurefire.failIfNoSpecifiedTests=false "$@"
  if [ -f "$ROOT/examples/pom.xml" ]; then
    "$MVN" -B -f "$ROOT/examples/pom.xml" install -DskipTests "$@"
  fi
  # the test command's last step: qemu-user and the arm64 JRE
  apt_install_missing qemu-user-static
  arm64_root
  arm64_java
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

# README's "Running in containers" table, tried: each capability set with
# exactly those capabilities (--cap-drop ALL, no --privileged), the shipped
# seccomp profile, the host's tracefs, the jar of bpf4j-build alone, and
# docker/CapabilityProbe.java (from this checkout) doing one call per line.
# Fields: what | capabilities | user | expected results, "check=OK" or
# "check=Exception~text the message or hint must contain".  Arenas need
# CAP_PERFMON too: the verifier refuses an arena program without it (EPERM
# with a verifier log naming the capabilities: a BpfPermissionException).
MATRIX=(
  "README set|BPF,PERFMON,NET_ADMIN|0|map=OK syscall=OK tracing=OK xdp=OK trace=OK fromid=BpfPermissionException~lacks CAP_SYS_ADMIN"
  "without BPF|PERFMON,NET_ADMIN|0|map=BpfPermissionException~lacks CAP_BPF syscall=BpfPermissionException~CAP_BPF tracing=BpfPermissionException~lacks CAP_BPF xdp=BpfPermissionException~lacks CAP_BPF"
  "without PERFMON|BPF,NET_ADMIN|0|map=OK xdp=OK tracing=BpfPermissionException~lacks CAP_PERFMON syscall=BpfPermissionException~this process lacks CAP_PERFMON"
  "without NET_ADMIN (tracing only)|BPF,PERFMON|0|map=OK syscall=OK tracing=OK trace=OK xdp=BpfPermissionException~lacks CAP_NET_ADMIN"
  "non-root, with DAC_READ_SEARCH|BPF,PERFMON,DAC_READ_SEARCH|65534|map=OK tracing=OK trace=OK"
  "non-root, without DAC_READ_SEARCH|BPF,PERFMON|65534|map=OK tracing=OK trace=BpfPermissionException~CAP_DAC_READ_SEARCH"
  "README set + SYS_ADMIN|BPF,PERFMON,NET_ADMIN,SYS_ADMIN|0|fromid=OK"
  "README set, engine's default seccomp profile|BPF,PERFMON,NET_ADMIN|0|map=BpfPermissionException~seccomp filter tracing=BpfPermissionException~seccomp filter"
)

# One probe run: $1 capabilities, $2 uid, $3 seccomp profile (or "default"), then the checks.
probe_in_container() {
  local caps=$1 user=$2 seccomp=$3 c
  shift 3
  local args=(--rm --network none --cap-drop ALL --user "$user"
    -v /sys/kernel/tracing:/sys/kernel/tracing
    -v "$ROOT/docker/CapabilityProbe.java:/probe/CapabilityProbe.java:ro")
  for c in ${caps//,/ }; do args+=(--cap-add "$c"); done
  if [ "$seccomp" != default ]; then args+=(--security-opt "seccomp=$seccomp"); fi
  # The jar alone, as a service ships it; the source launcher compiles the probe.
  pm run "${args[@]}" "$BUILD_IMAGE" sh -c 'for j in /src/target/bpf4j-*.jar; do
      case "$j" in *-sources.jar | *-javadoc.jar | *-tests.jar) ;; *) jar=$j ;; esac
    done
    exec java -Djava.io.tmpdir=/tmp -cp "$jar" /probe/CapabilityProbe.java "$@"' probe "$@" 2>&1
}

containers_matrix() {
  local row what caps user expect out failed=0 started=$SECONDS
  local report="$CONTAINERS_DIR/matrix.txt"
  : >"$report"
  for row in "${MATRIX[@]}"; do
    IFS='|' read -r what caps user expect <<<"$row"
    local seccomp="$ROOT/docker/seccomp-bpf.json" checks=() e
    case "$what" in *"default seccomp"*) seccomp=default ;; esac
    # Split on the spaces between checks only: "name=..." starts each.
    mapfile -t checks < <(grep -o '[a-z]*=[^=]*\( \|$\)' <<<"$expect" | sed 's/ $//')
    local names=()
    for e in "${checks[@]}"; do names+=("${e%%=*}"); done
    out=$(probe_in_container "$caps" "$user" "$seccomp" "${names[@]}") || true
    {
      echo "== $what: --cap-add ${caps//,/ --cap-add }, uid $user, seccomp ${seccomp##*/}"
      echo "$out"
    } >>"$report"
    for e in "${checks[@]}"; do
      local name=${e%%=*} want=${e#*=} line
      line=$(grep "^$name: " <<<"$out" | head -n1)
      if [ "$want" = OK ]; then
        case "$line" in "$name: OK"*) continue ;; esac
      else
        local cls=${want%%~*} text=${want#*~}
        case "$line" in "$name: $cls: "*"$text"*) continue ;; esac
      fi
      warn "containers matrix, $what: $name should be '$want', was: ${line:-<no line>}"
      failed=1
    done
    log "containers matrix: $what checked"
  done
  log "containers matrix: results in ${report#"$ROOT"/} ($((SECONDS - started)) s)"
  [ "$failed" = 0 ] || die "containers matrix: the README's capability table does not hold (see above)"
}

# docker/daemonset.yaml against kubernetes-models' schemas (types, enums,
# required fields) and, since those let unknown field names through, the
# capability fields by name.  kubectl --dry-run=client wants an API server.
containers_k8s() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install_missing nodejs npm
  local dir="$CACHE/npm" stamp
  stamp="$dir/.bpf4j-stamp"
  if ! stamp_matches "$dir" "$K8S_NPM_PACKAGES"; then
    rm -rf "$dir"
    mkdir -p "$dir"
    # shellcheck disable=SC2086 # one word per package
    (cd "$dir" && npm install --prefix . --no-audit --no-fund --no-save --loglevel=error $K8S_NPM_PACKAGES >&2)
    printf '%s' "$K8S_NPM_PACKAGES" >"$stamp"
  fi
  BPF4J_EXPECT_CAPS=BPF,PERFMON,NET_ADMIN node "$ROOT/.ci/validate-k8s.mjs" "$dir/node_modules" \
    "$ROOT/docker/daemonset.yaml" >&2 || die "docker/daemonset.yaml is not a valid DaemonSet (see above)"
}

# The test image, offline (--network none), with the README's set for root
# (BPF, PERFMON, NET_ADMIN) and the shipped seccomp profile: one JDK, no
# sanitizers (BPF4J_CONTAINER_TEST="./setup.sh test -o" runs the image's full
# command instead).  Tests that need more (new namespaces, dropping to nobody,
# private bpffs mounts) skip and say which capability they lack.
containers_suite() {
  local started=$SECONDS log="$CONTAINERS_DIR/suite.log" cmd
  cmd=${BPF4J_CONTAINER_TEST:-".cache/maven/apache-maven-$MAVEN_VERSION/bin/mvn -B -o test"}
  log "containers: the test image's tests: $cmd (log: ${log#"$ROOT"/})"
  local rc=0
  pm run --rm --network none --cap-drop ALL --cap-add BPF --cap-add PERFMON --cap-add NET_ADMIN \
    --security-opt "seccomp=$ROOT/docker/seccomp-bpf.json" \
    -v /sys/kernel/tracing:/sys/kernel/tracing \
    "$TEST_IMAGE" sh -c "$cmd"' ; rc=$?
      for f in target/surefire-reports/TEST-*.xml; do
        sed -n "s/.*<testsuite [^>]*name=\"\([^\"]*\)\".*tests=\"\([0-9]*\)\".*skipped=\"\([0-9]*\)\".*failures=\"\([0-9]*\)\".*/\1 \2 \3 \4/p" "$f" | head -n1
      done >target/summary.txt 2>/dev/null
      awk "{t+=\$2; s+=\$3} END {print \"tests \" t \", skipped \" s}" target/summary.txt
      echo "skip reasons:"
      grep -h -A1 "<skipped" target/surefire-reports/TEST-*.xml | sed "s/.*TestAbortedException: *//; s/^Assumption failed: //" | grep -v "^\s*at \|^--\|^\s*\$" | cut -c1-160 | sort | uniq -c | sort -rn | head -n 40
      exit $rc' >"$log" 2>&1 || rc=$?
  tail -n 60 "$log" >&2
  log "containers: test image run exited $rc after $((SECONDS - started)) s"
  [ "$rc" = 0 ] || die "containers: tests failed in the container (see ${log#"$ROOT"/})"
}

# examples/write-counter's jar (./setup.sh test builds it) in the build image
# with the capabilities its README names (BPF, PERFMON), then without each:
# exit 0, and exit 2 with the BpfPermissionException's hint naming the one gone.
containers_example() {
  local jar="$ROOT/examples/write-counter/target/write-counter.jar"
  if [ ! -f "$jar" ]; then
    warn "containers: no ${jar#"$ROOT"/} (./setup.sh test builds it): the example is not run"
    return 0
  fi
  local set caps want out rc
  for set in "BPF,PERFMON|0|" "PERFMON|2|CAP_BPF" "BPF|2|CAP_PERFMON"; do
    IFS='|' read -r caps want text <<<"$set"
    local args=(--rm --network none --cap-drop ALL --security-opt "seccomp=$ROOT/docker/seccomp-bpf.json"
      -v /sys/kernel/tracing:/sys/kernel/tracing -v "$jar:/app/write-counter.jar:ro") c
    for c in ${caps//,/ }; do args+=(--cap-add "$c"); done
    rc=0
    out=$(pm run "${args[@]}" "$BUILD_IMAGE" java -jar /app/write-counter.jar 2>&1) || rc=$?
    printf '== example, --cap-add %s: exit %s\n%s\n' "${caps//,/ --cap-add }" "$rc" "$out" >>"$CONTAINERS_DIR/example.txt"
    # It prints the BpfPermissionException's message and hint, not its class.
    if [ "$rc" != "$want" ] || { [ -n "$text" ] && [[ "$out" != *"hint: "*"lacks "*"$text"* ]]; }; then
      die "containers: write-counter with $caps exited $rc (want $want${text:+, a hint that it lacks $text}):
$out"
    fi
    log "containers: write-counter with $caps: exit $rc as documented"
  done
}
