#!/usr/bin/env bash
# Prepare a Debian machine to build bpf4j, then optionally build/run it.
#
#   ./setup.sh deps           build tools, pinned sources, glibc sysroots, Maven 3.9
#   ./setup.sh jdks           JDK 8/11/21 (+25) homes for the test matrix in .cache/jdks
#   ./setup.sh package [args] deps + mvn package -DskipTests [args] (the jar, both natives)
#   ./setup.sh demo [args]    deps + mvn package -DskipTests [args] + java -jar ... demo
#   ./setup.sh test [args]    deps + jdks + mvn install [args] on every JDK (+ ASan/UBSan) + the demo jar on every JDK + the plugin and examples/ + arm64 under qemu
#   ./setup.sh fuzz [args]    deps + clang-19's libFuzzer runtime + mvn -Pfuzz test: 200,000 mutants, then libFuzzer (README: Reliability)
#   ./setup.sh prefetch       deps + jdks + every plugin the test command resolves: then ./setup.sh test -o runs offline
#   ./setup.sh containers     podman: Debian 12 image, docker/*.Dockerfile from a clone, the capability table, the test container
#   ./setup.sh bench [args]   deps + perf, valgrind and HotSpot's disassembler (hsdis) + java/bench/run.sh [JMH args]; --tools: only install them
#
# Everything downloaded lands in .cache/ (git-ignored) and is reused, so a
# second run needs no network.  Registry/mirror host names are never written
# into this repository: the Debian mirror is read from the system's apt
# configuration at run time (the private apt state that has to name it lives
# in .cache/apt only while this script runs), and Maven 3.9 is fetched
# through the system mvn's own repository settings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# BPF4J_CACHE: keep it elsewhere (a checkout sharing another's downloads must
# not share its transient apt state and scratch space, which go on exit).
CACHE=${BPF4J_CACHE:-$ROOT/.cache}
SOURCES_DIR="$CACHE/sources"
DEBS_DIR="$CACHE/debs"
JDKS_DIR="$CACHE/jdks"
APT_DIR="$CACHE/apt"
SCRATCH="$CACHE/.tmp"
export DEBIAN_FRONTEND=noninteractive

# --- Pins --------------------------------------------------------------------
# Keep these SHA-256 values in sync with CMakeLists.txt (BPF4J_*_SHA256_PINNED).
# Fields: source package | wanted Debian version | orig tarball name | SHA-256
# elfutils' orig tarball is byte-identical to upstream's elfutils-0.192.tar.bz2.
# zlib's is Debian's "dfsg" repack (docs/contrib trimmed), so it differs from
# upstream's zlib-1.3.1.tar.gz, but ships everything needed to build libz
# (zlib.h says 1.3.1).
SOURCE_PINS=(
  "libbpf|1.7.0-1|libbpf_1.7.0.orig.tar.gz|7ab5feffbf78557f626f2e3e3204788528394494715a30fc2070fcddc2051b7b"
  "elfutils|0.192-4|elfutils_0.192.orig.tar.bz2|616099beae24aba11f9b63d86ca6cc8d566d968b802391334c91df54eab416b4"
  "zlib|1:1.3.dfsg+really1.3.1-1|zlib_1.3.dfsg+really1.3.1.orig.tar.gz|60dd315c07f616887caa029408308a018ace66e3d142726a97db164b3b8f69fb"
)
# libbpf 1.7.0 only exists in testing; elfutils/zlib come from stable.  Code
# names rather than "testing"/"stable" so the meaning doesn't shift under us.
SOURCE_SUITES="trixie forky"

# Binary packages.  Fields: suite | package | architecture | version | SHA-256
# of the .deb.  apt-get already checks every .deb against the hashes in the
# suite's signed index; the pins add reproducibility on top.
#
# The glibc libbpf4j.so is linked against (CMakeLists.txt: BPF4J_SYSROOT):
# Debian 11's 2.31, whose symbol versions top out at GLIBC_2.28 for what we
# call.  bullseye is frozen (its last point release is out), so these never
# move: a mismatch is an error.  linux-libc-dev only supplies <asm/*.h> and the
# like; libbpf brings its own newer <linux/bpf.h> and friends, searched first.
SYSROOT_PINS=(
  "bullseye|libc6|amd64|2.31-13+deb11u11|05f7264da867b37f4c5ce49266b558ea1e81e05a9464f623152fca70f3550282"
  "bullseye|libc6-dev|amd64|2.31-13+deb11u11|e7f7b45d9c5cfcf37609f0b6efd3c645272c812144703af89dfd32218fcb0fd3"
  "bullseye|linux-libc-dev|amd64|5.10.223-1|e3be603bd12377bb90fcfb0f2048ca3a81c886e49d6f09945b82159d1c54f7b2"
  "bullseye|libc6|arm64|2.31-13+deb11u11|baaa9aa184e2f21738c5819055e6740cc5b22f198e3f416e33f82b40ff6933d8"
  "bullseye|libc6-dev|arm64|2.31-13+deb11u11|28d478134722dcd4b0bd2045a199301d18713bf95947b9fce66634e7aeacab2e"
  "bullseye|linux-libc-dev|arm64|5.10.223-1|8b6374a64412d33eac61d74f77b8f932da4b8a707ea8a614791e2a35b8917618"
)
SYSROOT_ARCHES="amd64 arm64"

# The JDK matrix the test command runs on (JDK 8, 11, 17, 21, 25): its pins
# and functions, kept apart because only tests need them.
# shellcheck source=.ci/jdks.sh
source "$ROOT/.ci/jdks.sh"
# docker/ under podman, and the arm64 jar under qemu-user: their own verbs.
# shellcheck source=.ci/containers.sh
source "$ROOT/.ci/containers.sh"
# shellcheck source=.ci/arm64.sh
source "$ROOT/.ci/arm64.sh"

# cmake-maven-plugin 4.0.3-b1 needs Maven >= 3.9.9; Debian 12 ships 3.8.7.
MAVEN_VERSION=3.9.16
MAVEN_SHA512=831a8591fe20c8243b1dbe7d71e3244f31d1665b0804b2e825e38cbbe5ce0cafb8338851f90780735568773e0a6cd07bbec107cda0b896b008b861075358b6f6
# Pinned so the bootstrap does not depend on which plugin version 3.8.7 resolves.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
MAVEN_HOME="$CACHE/maven/apache-maven-$MAVEN_VERSION"
MVN="$MAVEN_HOME/bin/mvn"

log() { printf '[setup] %s\n' "$*" >&2; }
warn() { printf '[setup] WARNING: %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root (apt-get needs it)"
  SUDO=(sudo)
fi

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# A fresh directory under .cache/.tmp, removed on exit.  With "apt": apt's
# downloader runs as _apt, so let it write there instead of warning and
# falling back to root.
scratch_dir() {
  mkdir -p "$SCRATCH"
  local d
  d=$(mktemp -d "$SCRATCH/$1.XXXXXX")
  if [ "${2:-}" = apt ] && id _apt >/dev/null 2>&1; then "${SUDO[@]}" chown _apt "$d"; fi
  echo "$d"
}

# ~100 MB of indexes that are refreshed before every use anyway, and the
# sources files naming the mirror: neither is worth keeping.  On exit, so a
# failed fetch cleans up too.
cleanup() {
  if [ -e "$APT_DIR" ]; then "${SUDO[@]}" rm -rf "$APT_DIR"; fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# --- 1. Debian packages ------------------------------------------------------
# Only ask apt when something is actually missing: keeps repeat runs offline
# and fast.
APT_UPDATED=
apt_update_once() {
  if [ -z "$APT_UPDATED" ]; then
    "${SUDO[@]}" apt-get update -q
    APT_UPDATED=1
  fi
}

apt_install_missing() {
  local missing=() p
  for p in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" != installed ]; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt_update_once
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

install_packages() {
  local pkgs=(
    clang-19 llvm-19          # BPF objects; llvm-19 brings llvm-objdump/llvm-strip for inspecting them
    cmake make gcc libc6-dev linux-libc-dev   # libbpf4j.so and the three static deps
    gcc-aarch64-linux-gnu     # ... cross-compiled for arm64 (brings binutils-aarch64-linux-gnu)
    pkg-config m4 gawk        # elfutils' configure/build
    maven                     # only to bootstrap Maven 3.9
    iproute2                  # tests/demo create network namespaces / attach to links (ip, tc)
    python3                   # attach tests: the socket-making child processes put in a test cgroup
    libasan8 libubsan1        # gcc's sanitizer runtimes: the test command's ASan+UBSan run (gcc brings them; named so a minimal gcc can't miss them)
    debian-archive-keyring    # verifies the indexes we fetch sources and .debs from
  )
  # A JDK only if none is there already (a Temurin JDK on PATH is fine too).
  command -v javac >/dev/null || pkgs+=(openjdk-17-jdk-headless)
  apt_install_missing "${pkgs[@]}"
}

# trixie/forky/sid Release files are signed with the Debian 13 archive keys.
# bookworm's debian-archive-keyring only gained them in 2023.3+deb12u2, so an
# older image needs the (signed, bookworm-provided) keyring update first.
ensure_keyring() {
  local trixie_key=/usr/share/keyrings/debian-archive-trixie-automatic.gpg
  if [ ! -s "$trixie_key" ]; then
    log "system keyring lacks the Debian 13 keys; upgrading debian-archive-keyring"
    apt_update_once
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends debian-archive-keyring
    [ -s "$trixie_key" ] || die "debian-archive-keyring has no Debian 13 (trixie) keys even after upgrading;
  can't verify the trixie/forky/sid indexes. Put the files into $SOURCES_DIR and $DEBS_DIR by hand
  (their SHA-256 is pinned in setup.sh)."
  fi
}

# --- 2. Private apt ----------------------------------------------------------
# Sources, binary packages for other suites/architectures and JDKs all come
# through one private apt configuration, so neither /etc/apt nor
# /var/lib/apt/lists is touched: own source lists, own lists and caches.  apt
# still reads /etc/apt/apt.conf.d, so proxies and similar site settings keep
# working.  Suites are added on demand (apt_private_use), and indexes are only
# fetched when a file is actually missing.

# The archive URI this machine already trusts for its main or security
# suites.  deb822 first (one stanza per archive), then the one-line format.
debian_mirror() {
  local kind=$1 uri=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk -v kind="$kind" '
      function flush() {
        if (!found && uri != "" && ((kind == "security") == (suites ~ /-security/))) { print uri; found = 1 }
        uri = ""; suites = ""
      }
      /^[ \t]*$/ { flush(); next }
      /^URIs:/   { uri = $2 }
      /^Suites:/ { suites = $0 }
      END        { flush() }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    uri=$(awk -v kind="$kind" '$1 == "deb" {
      for (i = 2; i < NF; i++) if ($i ~ /^[a-z+]+:\/\//) {
        if ((kind == "security") == ($(i + 1) ~ /-security/)) { print $i; exit }
        break
      } }' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || die "cannot find Debian's $kind archive in /etc/apt/sources.list.d/debian.sources"
  echo "$uri"
}

APT_OPTS=()
APT_PRIVATE_READY=
APT_STALE=
apt_private_init() {
  if [ -n "$APT_PRIVATE_READY" ]; then return 0; fi
  ensure_keyring
  # Start from nothing: indexes go stale quickly, and are only needed when a
  # file is missing, so an old copy is never worth trusting.
  "${SUDO[@]}" rm -rf "$APT_DIR"
  mkdir -p "$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial \
           "$APT_DIR"/sources.list.d "$APT_DIR"/preferences.d
  APT_OPTS=(
    -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
    -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d"
    -o Dir::State::Lists="$APT_DIR/lists"
    -o Dir::Cache="$APT_DIR/cache"
    # Foreign architectures for the arm64 sysroot; each source below still
    # names the ones it needs, so no index is fetched twice.
    -o APT::Architectures::=amd64 -o APT::Architectures::=arm64
  )
  APT_PRIVATE_READY=1
}

# apt_private_use TYPE SUITE [ARCH]: make SUITE's main component (TYPE deb or
# deb-src; binary packages for ARCH) available to apt_private.  One source
# per suite: apt warns about a suite configured twice, so a second
# architecture is added to the existing one.
apt_private_use() {
  local type=$1 suite=$2 arch=${3:-}
  apt_private_init
  local file="$APT_DIR/sources.list.d/$type-$suite.sources" arches=""
  if [ -f "$file" ]; then
    [ -n "$arch" ] || return 0
    arches=$(sed -n 's/^Architectures: //p' "$file")
    case " $arches " in *" $arch "*) return 0 ;; esac
  fi
  arches="${arches:+$arches }$arch"
  local uri
  case "$suite" in
    *-security) uri=$(debian_mirror security) ;;
    *) uri=$(debian_mirror main) ;;
  esac
  {
    echo "# Generated by setup.sh from the system's apt sources; deleted on exit."
    echo "Types: $type"
    echo "URIs: $uri"
    echo "Suites: $suite"
    echo "Components: main"
    if [ -n "$arches" ]; then echo "Architectures: $arches"; fi
    echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
  } >"$file"
  APT_STALE=1
}

# Fetch the indexes if a suite was added since the last update (those already
# fetched are unchanged and cost one request each).  Explicit rather than
# inside apt_private_cache, whose output is usually read in a subshell that
# would forget it was done.
apt_private_refresh() {
  if [ -n "$APT_STALE" ]; then
    local f names=""
    for f in "$APT_DIR"/sources.list.d/*.sources; do names+=" $(basename "$f" .sources)"; done
    log "refreshing private apt indexes:$names"
    "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update -q >&2
    APT_STALE=
  fi
}
apt_private() { apt_private_refresh; "${SUDO[@]}" apt-get "${APT_OPTS[@]}" "$@"; }
apt_private_cache() { apt-cache "${APT_OPTS[@]}" "$@"; }

# --- 3. Pinned source tarballs -----------------------------------------------
# Versions of source package $1 whose file list contains SHA-256 $2, i.e. every
# Debian revision that ships exactly our pinned orig tarball.
versions_with_hash() {
  apt_private_cache showsrc "$1" 2>/dev/null | awk -v sha="$2" '
    /^Package: / { ver = ""; hit = 0 }
    /^Version: / { ver = $2 }
    index($0, sha) { hit = 1 }
    /^$/ { if (hit && ver != "") print ver; ver = ""; hit = 0 }
    END { if (hit && ver != "") print ver }' | awk '!seen[$0]++'
}

fetch_source() {
  local pkg=$1 want=$2 file=$3 sha=$4 dest="$SOURCES_DIR/$3"
  if [ -f "$dest" ]; then
    [ "$(sha256_of "$dest")" = "$sha" ] && return 0
    log "$file: SHA-256 mismatch, fetching again"
    rm -f "$dest"
  fi
  local suite
  for suite in $SOURCE_SUITES; do apt_private_use deb-src "$suite"; done
  apt_private_refresh

  # The exact revision first; if Debian has since dropped it, any other
  # revision built from the very same orig tarball is just as good.
  local candidates=() v
  mapfile -t candidates < <(versions_with_hash "$pkg" "$sha")
  [ ${#candidates[@]} -gt 0 ] || die "no $pkg source in $SOURCE_SUITES ships $file with SHA-256 $sha.
  Download the upstream tarball yourself and pass it to CMake (see BPF4J_*_TARBALL / BPF4J_*_SHA256)."
  local ordered=()
  for v in "${candidates[@]}"; do
    if [ "$v" = "$want" ]; then ordered=("$v" "${ordered[@]}"); else ordered+=("$v"); fi
  done

  local tmp f
  tmp=$(scratch_dir source apt)
  for v in "${ordered[@]}"; do
    if [ "$v" != "$want" ]; then log "$pkg $want is gone; using $v, which ships the same $file"; fi
    log "fetching $pkg=$v source"
    if (cd "$tmp" && apt_private source --download-only -q "$pkg=$v" >&2); then
      # Pick the tarball by content: the pinned hash is what we trust.
      for f in "$tmp"/*.orig.tar.*; do
        [ -f "$f" ] || continue
        if [ "$(sha256_of "$f")" = "$sha" ]; then
          mkdir -p "$SOURCES_DIR"
          mv "$f" "$dest.part" && mv "$dest.part" "$dest"
          break 2
        fi
      done
    fi
  done
  rm -rf "$tmp"
  [ -f "$dest" ] || die "could not fetch $file (SHA-256 $sha) for $pkg"
  log "$file verified"
}

fetch_sources() {
  local entry pkg want file sha
  for entry in "${SOURCE_PINS[@]}"; do
    IFS='|' read -r pkg want file sha <<<"$entry"
    fetch_source "$pkg" "$want" "$file" "$sha"
  done
}

# --- 4. Pinned binary packages -----------------------------------------------
# fetch_deb PIN strict|latest-ok: put the .deb of PIN ("suite|package|arch|
# version|sha256") into $DEBS_DIR/<suite> and set FETCHED_DEB to its path (a
# global, not an echo: the apt state must survive, and $(...) would be a
# subshell).
# A .deb already there with the right hash is used as is, so dropping files
# in by hand works for offline machines.  "latest-ok": if the suite no longer
# has the pinned version, take its current one and say so.
FETCHED_DEB=
fetch_deb() {
  local suite pkg arch ver sha mode=$2
  IFS='|' read -r suite pkg arch ver sha <<<"$1"
  # One directory per suite, so that e.g. bullseye's and trixie's libc6 can
  # both stay while older versions of either are pruned.
  local dir="$DEBS_DIR/$suite"
  local dest="$dir/${pkg}_${ver#*:}_$arch.deb"   # Debian drops the epoch from file names
  FETCHED_DEB=$dest
  if [ -f "$dest" ] && [ "$(sha256_of "$dest")" = "$sha" ]; then return 0; fi
  rm -f "$dest"
  apt_private_use deb "$suite" "$arch"
  apt_private_refresh

  # apt-cache show exits 0 even when the version doesn't exist.
  local spec="$pkg:$arch=$ver"
  if [[ "$(apt_private_cache show "$spec" 2>/dev/null || true)" != *"Package: $pkg"* ]]; then
    [ "$mode" = latest-ok ] || die "$pkg $ver ($arch) is not in Debian's $suite any more.
  Put ${dest##*/} (SHA-256 $sha) into $dir by hand."
    spec="$pkg:$arch/$suite"
  fi
  local tmp f
  tmp=$(scratch_dir deb apt)
  log "fetching $spec"
  (cd "$tmp" && apt_private download -q "$spec" >&2) || die "apt-get download $spec failed"
  f=$(find "$tmp" -maxdepth 1 -name '*.deb' -print -quit)
  [ -n "$f" ] || die "apt-get download $spec produced no .deb"

  if [ "$spec" = "$pkg:$arch=$ver" ]; then
    [ "$(sha256_of "$f")" = "$sha" ] || die "${f##*/}: SHA-256 $(sha256_of "$f") is not the pinned $sha"
  else
    local now
    now=$(dpkg-deb -f "$f" Version)
    dest="$dir/${pkg}_${now#*:}_$arch.deb"
    warn "$pkg $ver is gone from $suite; using its current version $now instead
  (apt checked it against $suite's signed index).  The pin to put into setup.sh:
    $suite|$pkg|$arch|$now|$(sha256_of "$f")"
  fi
  mkdir -p "$dir"
  mv "$f" "$dest.part" && mv "$dest.part" "$dest"
  rm -rf "$tmp"
  for f in "$dir/${pkg}_"*"_$arch.deb"; do
    if [ "$f" != "$dest" ]; then rm -f "$f"; fi
  done
  FETCHED_DEB=$dest
}

# dpkg -x leaves a package's absolute symlinks pointing into this machine's /
# (libc6-dev: libpthread.so -> /lib/.../libpthread.so.0 -- the wrong glibc).
# Make every one whose target is inside the tree relative to it.
relativize_symlinks() {
  local tree=$1 link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    if [ -e "$tree$target" ] || [ -L "$tree$target" ]; then
      ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$tree$target")" "$link"
    fi
  done < <(find "$tree" -type l -lname '/*' -print0)
}

# The stamp of an unpacked tree: the pins it was made from, plus anything else
# that must match (e.g. an absolute path patched into binaries).
# Both sides through $(...), which drops trailing newlines alike.
stamp_matches() { [ -f "$1/.bpf4j-stamp" ] && [ "$(cat "$1/.bpf4j-stamp")" = "$(printf '%s' "$2")" ]; }

# --- 5. glibc sysroots -------------------------------------------------------
# .cache/sysroot-<arch>: the old glibc CMakeLists.txt links libbpf4j.so against
# (BPF4J_SYSROOT), for each architecture we ship.
fetch_sysroot() {
  local arch=$1 dest="$CACHE/sysroot-$1" pins="" entry
  for entry in "${SYSROOT_PINS[@]}"; do
    case "$entry" in *"|$arch|"*) pins+="$entry"$'\n' ;; esac
  done
  if stamp_matches "$dest" "$pins"; then return 0; fi

  local tmp
  tmp=$(scratch_dir "sysroot-$arch")
  while IFS= read -r entry; do
    [ -n "$entry" ] || continue
    fetch_deb "$entry" strict
    dpkg-deb -x "$FETCHED_DEB" "$tmp"
  done <<<"$pins"
  relativize_symlinks "$tmp"
  printf '%s' "$pins" >"$tmp/.bpf4j-stamp"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  log "glibc sysroot for $arch ready in ${dest#"$ROOT"/}"
}

fetch_sysroots() {
  local arch
  for arch in $SYSROOT_ARCHES; do fetch_sysroot "$arch"; done
}

# --- 6. Maven 3.9 ------------------------------------------------------------
install_maven() {
  if [ -x "$MVN" ]; then return 0; fi
  local dir="$CACHE/maven" tgz="$CACHE/maven/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  mkdir -p "$dir"
  if [ ! -f "$tgz" ] || [ "$(sha512sum "$tgz" | cut -d' ' -f1)" != "$MAVEN_SHA512" ]; then
    command -v mvn >/dev/null || die "no system mvn to bootstrap Maven $MAVEN_VERSION"
    log "fetching Maven $MAVEN_VERSION via the system mvn"
    rm -f "$tgz"
    mvn -B -q -Dstyle.color=never "$DEPENDENCY_PLUGIN:copy" \
      -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" \
      -DoutputDirectory="$dir" >&2
  fi
  [ "$(sha512sum "$tgz" | cut -d' ' -f1)" = "$MAVEN_SHA512" ] \
    || die "apache-maven-$MAVEN_VERSION-bin.tar.gz: SHA-512 mismatch"
  # Extract beside the target and rename, so an interrupted run never leaves a
  # half-extracted tree that the -x check above would accept.
  local tmp
  tmp=$(mktemp -d "$dir/.extract.XXXXXX")
  tar -xzf "$tgz" -C "$tmp"
  rm -rf "$MAVEN_HOME"
  mv "$tmp/apache-maven-$MAVEN_VERSION" "$MAVEN_HOME"
  rm -rf "$tmp"
  "$MVN" -v >/dev/null
}

# CMake (run from Maven) looks for the JNI headers via JAVA_HOME first; point
# it at the JDK whose javac is on PATH unless the caller chose one.
ensure_java_home() {
  if [ -z "${JAVA_HOME:-}" ] && command -v javac >/dev/null; then
    JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    export JAVA_HOME
  fi
}

deps() {
  install_packages
  fetch_sources
  fetch_sysroots
  install_maven
  ensure_java_home
  log "ready (Maven: $MVN)"
}

main_jar() {
  local j
  for j in "$ROOT"/target/bpf4j-*.jar; do
    case "$j" in
      *-sources.jar | *-javadoc.jar | *-tests.jar) continue ;;   # -test-sources too
    esac
    if [ -f "$j" ]; then echo "$j"; return 0; fi
  done
  return 1
}

# --- Sanitizers ---------------------------------------------------------------
# The runtimes the sanitized libbpf4j.so was linked against (CMake's compiler
# is cc unless CC says otherwise), ASan first: it must be the first library
# in the process.
sanitizer_preload() {
  local cc=${CC:-cc} lib path paths=()
  for lib in libasan.so libubsan.so; do
    path=$("$cc" -print-file-name="$lib")
    path=$(realpath -e "$path" 2>/dev/null) || die "$cc has no $lib (install libasan8 libubsan1)"
    paths+=("$path")
  done
  (IFS=:; echo "${paths[*]}")
}

# A sanitizer report kills the test JVM, and Maven then only says the fork
# crashed; the report itself (ASan's; UBSan's goes to the JVM's stderr, on
# the console) is in target/sanitizer-reports.
show_sanitizer_reports() {
  local f
  for f in "$ROOT"/target/sanitizer-reports/*; do
    [ -f "$f" ] || continue
    printf '[setup] sanitizer report %s:\n' "${f#"$ROOT"/}" >&2
    cat "$f" >&2
  done
}

# --- Maven plugin and examples -------------------------------------------------
# The plugin and the example service, built the way a user's project is built:
# the examples reactor builds and tests bpf4j-maven-plugin (installing it) and
# then builds examples/write-counter with it, against the library that
# `mvn install` just put into the local repository; then the service runs.
# The test command's own [args] are not passed on (a -Dtest= would match no
# test of the plugin).
# The service then runs on every JDK of the matrix, like the demo.
plugin_and_examples() {
  local start=$SECONDS jar="$ROOT/examples/write-counter/target/write-counter.jar" name out
  "$MVN" -B -f "$ROOT/examples/pom.xml" install \
    || die "examples: mvn install of the plugin and examples failed (see above)"
  [ -f "$jar" ] || die "examples: no ${jar#"$ROOT"/} after the build"
  for name in $MATRIX_JDKS; do
    out=$(run_java "$JDKS_DIR/$name" -jar "$jar" 2>&1) || die "examples: write-counter failed on $name:
$out"
    case "$out" in
      *SLF4J* | *WARNING*) die "examples: write-counter on $name printed a stray warning:
$out" ;;
      *"20 of 20 marked writes seen"*) log "write-counter on $name: ok" ;;
      *) die "examples: write-counter on $name did not report its 20 writes:
$out" ;;
    esac
  done
  log "plugin + examples built, tested and run in $((SECONDS - start)) s"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
  deps)
    deps
    ;;
  jdks)
    jdks
    ;;
  package)
    deps
    cd "$ROOT"
    "$MVN" -B package -DskipTests "$@"
    ;;
  demo)
    deps
    cd "$ROOT"
    "$MVN" -B package -DskipTests "$@"
    jar=$(main_jar) || die "no target/bpf4j-*.jar after mvn package"
    "${JAVA_HOME:+$JAVA_HOME/bin/}java" -jar "$jar" demo
    ;;
  test)
    deps
    jdks
    cd "$ROOT"
    # One build; the jdk-matrix profile adds a surefire run per JDK, the
    # sanitize profile one against the ASan+UBSan library.
    # install: the plugin and the examples below take the library from the
    # local repository, as a user's build does.
    "$MVN" -B install -Dbpf4j.jdks="$JDKS_DIR" \
      -Dbpf4j.sanitize -Dbpf4j.sanitize.preload="$(sanitizer_preload)" "$@" \
      || { show_sanitizer_reports; die "mvn install failed"; }
    demo_on_every_jdk
    plugin_and_examples
    # the arm64 library under qemu-user: loads, registers, passes the kernel-free tests
    arm64 -o
    ;;
  fuzz)
    deps
    # Only the fuzz profile's libFuzzer target links clang-19's compiler-rt;
    # the default build and tests never need it.
    apt_install_missing libclang-rt-19-dev
    cd "$ROOT"
    "$MVN" -B -Pfuzz test -Dtest='MutationFuzzTest,RegressionCorpusTest' "$@"
    ;;
  containers)
    containers "$@"
    ;;
  bench)
    deps
    # Profilers for finding where a hot path's time goes (ARCHITECTURE.md: Performance work):
    # perf (software events on a VM without a PMU), callgrind, and hsdis for -XX:+PrintAssembly.
    apt_install_missing linux-perf valgrind libhsdis0-fcml
    [ "${1:-}" != --tools ] || exit 0
    cd "$ROOT"
    java/bench/run.sh "$@"
    ;;
  prefetch)
    prefetch "$@"
    ;;
  arm64)
    arm64 "$@"
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    ;;
esac
