#!/usr/bin/env bash
# Prepare a Debian machine to build bpf4j, then optionally build/run it.
#
#   ./setup.sh deps           install build tools, fetch pinned sources, get Maven 3.9
#   ./setup.sh demo [args]    deps + mvn package -DskipTests [args] + java -jar ... demo
#   ./setup.sh test [args]    deps + mvn verify [args]
#
# Everything downloaded lands in .cache/ (git-ignored) and is reused, so a
# second run needs no network.  Registry/mirror host names are never written
# into files: the Debian mirror is read from the system's apt configuration and
# Maven 3.9 is fetched through the system mvn's own repository settings.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE="$ROOT/.cache"
SOURCES_DIR="$CACHE/sources"
APT_DIR="$CACHE/apt"
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

# cmake-maven-plugin 4.0.3-b1 needs Maven >= 3.9.9; Debian 12 ships 3.8.7.
MAVEN_VERSION=3.9.16
MAVEN_SHA512=831a8591fe20c8243b1dbe7d71e3244f31d1665b0804b2e825e38cbbe5ce0cafb8338851f90780735568773e0a6cd07bbec107cda0b896b008b861075358b6f6
# Pinned so the bootstrap does not depend on which plugin version 3.8.7 resolves.
DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
MAVEN_HOME="$CACHE/maven/apache-maven-$MAVEN_VERSION"
MVN="$MAVEN_HOME/bin/mvn"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || die "run as root (apt-get needs it)"
  SUDO=(sudo)
fi

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

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

install_packages() {
  local pkgs=(
    clang-19 llvm-19          # BPF objects; llvm-19 brings llvm-objdump/llvm-strip for inspecting them
    cmake make gcc libc6-dev linux-libc-dev   # libbpf4j.so and the three static deps
    pkg-config m4 gawk        # elfutils' configure/build
    maven                     # only to bootstrap Maven 3.9
    iproute2                  # tests/demo create network namespaces / attach to links
    debian-archive-keyring    # verifies the deb-src indexes we fetch sources from
  )
  # A JDK only if none is there already (a Temurin JDK on PATH is fine too).
  command -v javac >/dev/null || pkgs+=(openjdk-17-jdk-headless)

  local missing=() p
  for p in "${pkgs[@]}"; do
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

# trixie/forky Release files are signed with the Debian 13 archive keys.
# bookworm's debian-archive-keyring only gained them in 2023.3+deb12u2, so an
# older image needs the (signed, bookworm-provided) keyring update first.
ensure_keyring() {
  local trixie_key=/usr/share/keyrings/debian-archive-trixie-automatic.gpg
  if [ ! -s "$trixie_key" ]; then
    log "system keyring lacks the Debian 13 keys; upgrading debian-archive-keyring"
    apt_update_once
    "${SUDO[@]}" apt-get install -y -q --no-install-recommends debian-archive-keyring
    [ -s "$trixie_key" ] || die "debian-archive-keyring has no Debian 13 (trixie) keys even after upgrading;
  can't verify the trixie/forky source indexes. Put the tarballs into $SOURCES_DIR by hand
  (their SHA-256 is pinned in setup.sh and CMakeLists.txt)."
  fi
}

# --- 2. Pinned source tarballs -----------------------------------------------
# A private apt configuration so neither /etc/apt nor /var/lib/apt/lists is
# touched: own source list (deb-src only), own lists and caches.  apt still
# reads /etc/apt/apt.conf.d, so proxies and similar site settings keep working.
APT_OPTS=()
APT_PRIVATE_READY=
apt_private_setup() {
  if [ -n "$APT_PRIVATE_READY" ]; then return 0; fi
  ensure_keyring

  # Reuse the mirror this machine already trusts; the file is deb822, the first
  # non-security URIs: line is the main archive.
  local mirror=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    # Older one-line format, same idea.
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"

  mkdir -p "$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial \
           "$APT_DIR"/sources.list.d "$APT_DIR"/preferences.d
  cat >"$APT_DIR/sources.list.d/bpf4j-src.sources" <<EOF
# Generated by setup.sh from /etc/apt/sources.list.d/debian.sources; do not edit.
Types: deb-src
URIs: $mirror
Suites: $SOURCE_SUITES
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  APT_OPTS=(
    -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
    -o Dir::Etc::Preferences=/dev/null
    -o Dir::Etc::PreferencesParts="$APT_DIR/preferences.d"
    -o Dir::State::Lists="$APT_DIR/lists"
    -o Dir::Cache="$APT_DIR/cache"
  )
  # Indexes go stale quickly and are only needed when a tarball is missing, so
  # always refresh them here rather than trusting an old copy.
  log "refreshing private deb-src indexes ($SOURCE_SUITES)"
  "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update -q
  APT_PRIVATE_READY=1
}

# Versions of source package $1 whose file list contains SHA-256 $2, i.e. every
# Debian revision that ships exactly our pinned orig tarball.
versions_with_hash() {
  apt-cache "${APT_OPTS[@]}" showsrc "$1" 2>/dev/null | awk -v sha="$2" '
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
  apt_private_setup

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
  tmp=$(mktemp -d)
  # apt's downloader runs as _apt; let it write here instead of warning and
  # falling back to root.
  if id _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
  for v in "${ordered[@]}"; do
    if [ "$v" != "$want" ]; then log "$pkg $want is gone; using $v, which ships the same $file"; fi
    log "fetching $pkg=$v source"
    if (cd "$tmp" && "${SUDO[@]}" apt-get "${APT_OPTS[@]}" source --download-only -q "$pkg=$v" >&2); then
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

# ~50 MB of indexes that are refreshed before every use anyway; only the
# tarballs are worth keeping.  On exit, so a failed fetch cleans up too.
cleanup_private_apt() {
  if [ -n "$APT_PRIVATE_READY" ]; then "${SUDO[@]}" rm -rf "$APT_DIR/lists" "$APT_DIR/cache"; fi
}
trap cleanup_private_apt EXIT

# --- 3. Maven 3.9 ------------------------------------------------------------
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
  install_maven
  ensure_java_home
  log "ready (Maven: $MVN)"
}

main_jar() {
  local j
  for j in "$ROOT"/target/bpf4j-*.jar; do
    case "$j" in
      *-sources.jar | *-javadoc.jar | *-tests.jar | *-test-sources.jar) continue ;;
    esac
    if [ -f "$j" ]; then echo "$j"; return 0; fi
  done
  return 1
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
  deps)
    deps
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
    cd "$ROOT"
    "$MVN" -B verify "$@"
    ;;
  -h | --help | help)
    usage
    ;;
  *)
    usage
    ;;
esac
