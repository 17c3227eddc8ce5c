# shellcheck shell=bash
# The JDK matrix for ./setup.sh test, sourced by setup.sh (which provides
# log/die, the private apt helpers, fetch_deb and the cache paths): JDK 8, 11,
# 21 and 25 homes in .cache/jdks next to the system JDK 17, and the demo from
# the jar on each of them.

# JDKs for the test matrix: only the runtime (jre-headless) packages, since the
# tests are compiled once by the build JDK (17, --release 8) and only run on
# these.  Debian keeps just the newest build of a package in a suite, so these
# pins go stale; then the suite's current build is used, with a warning that
# prints the new pin (apt's signed index still authenticates it).
# Fields: home name | suite | package | architecture | version | SHA-256
JDK_PINS=(
  "jdk8|sid|openjdk-8-jre-headless|amd64|8u504-ga-1|c65f449d44e04ac558b83ebf6f2185787981be694b9f426fdecb2b8c1bd6a5ed"
  "jdk11|bullseye-security|openjdk-11-jre-headless|amd64|11.0.32.1+1-1~deb11u1|c9978301296dcc969d76b703134c155e41efdf37c71d6b407d27640514c3ca0a"
  "jdk21|trixie|openjdk-21-jre-headless|amd64|21.0.13+9-1~deb13u2|7334a11777942862fa97f8d16f23a391f85e6c3a3fc8ea73e0cc30adc52c8299"
  "jdk25|trixie|openjdk-25-jre-headless|amd64|25.0.3+9-2~deb13u1|26a9ece9acb18eed8ded435fcb7cee478a811c2472cf3aaf82432bd58c6ece0b"
)
# JDKs built against a newer glibc than this machine's (8 from sid, 21/25 from
# trixie need 2.38; bookworm has 2.36) run on trixie's glibc, unpacked beside
# them: their ELF interpreter and library search path are pointed at it.
JDK_GLIBC_PIN="trixie|libc6|amd64|2.41-12+deb13u5|b59b0625cd1a791375d40dab23a4d5d3d0641e3d0a773501becdc3725b7f99cf"
# Taken from the system, not downloaded.  jdk25 only falls back to the pin
# above when Temurin is not installed.
SYSTEM_JDK17=/usr/lib/jvm/java-17-openjdk-amd64
SYSTEM_JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
MATRIX_JDKS="jdk8 jdk11 jdk17 jdk21 jdk25"


# --- 7. JDKs for the test matrix ---------------------------------------------
# .cache/jdks/jdkN is a JAVA_HOME for every N in $MATRIX_JDKS: 17 and (when
# installed) Temurin 25 are symlinks to the system JDKs, the rest are Debian's
# packages unpacked with dpkg -x.  Those are made to run from there:
#   * symlinks into the package's own /etc/java-N-openjdk (config files,
#     jvm.cfg) and other places outside the home are replaced by the files;
#   * when a JDK needs a newer glibc than this machine's, every ELF file in it
#     gets trixie's unpacked ld.so as interpreter and its lib dir first in the
#     search path.  The paths are absolute, so the stamp records them: moving
#     the repository makes the next run redo this (from the cached .debs).

ELF_FILES=()
list_elf_files() {
  local f
  ELF_FILES=()
  while IFS= read -r -d '' f; do
    # ELF magic; far cheaper than readelf on every file of a JDK.
    if [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then ELF_FILES+=("$f"); fi
  done < <(find "$1" -type f \( -name '*.so*' -o -perm -u+x \) -print0)
}

# Highest GLIBC_x.y any ELF file in ELF_FILES asks for.
max_glibc_needed() {
  readelf -V -W "${ELF_FILES[@]}" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' \
    | sort -uV | tail -n1
}

host_glibc() { getconf GNU_LIBC_VERSION | awk '{print $2}'; }

# Unpacks trixie's libc6 into .cache/jdks/glibc; sets JDK_GLIBC_LIB (the
# directory with ld.so and libc.so.6) and JDK_GLIBC_VERSION.
JDK_GLIBC_LIB=
JDK_GLIBC_VERSION=
ensure_jdk_glibc() {
  local dest="$JDKS_DIR/glibc" ldso
  if ! stamp_matches "$dest" "$JDK_GLIBC_PIN"; then
    local tmp
    fetch_deb "$JDK_GLIBC_PIN" latest-ok
    tmp=$(scratch_dir glibc)
    dpkg-deb -x "$FETCHED_DEB" "$tmp"
    printf '%s' "$JDK_GLIBC_PIN" >"$tmp/.bpf4j-stamp"
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  # usr/lib/<triplet>/ld-linux-*.so.*, beside libc.so.6.
  ldso=$(find "$dest/usr/lib" -mindepth 2 -maxdepth 2 -name 'ld-linux*.so.*' -print -quit)
  JDK_GLIBC_LIB=$(dirname "$ldso")
  JDK_GLIBC_VERSION=$("$ldso" --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*[0-9]\)\.\{0,1\}$/\1/p')
  [ -n "$JDK_GLIBC_VERSION" ] || die "can't run the glibc unpacked in $dest"
}

# The ELF files of the home in $1 load trixie's glibc from JDK_GLIBC_LIB.
patch_jdk_for_glibc() {
  local f old interp
  interp=$(echo "$JDK_GLIBC_LIB"/ld-linux-*.so.*)
  for f in "${ELF_FILES[@]}"; do
    old=$(patchelf --print-rpath "$f")
    patchelf --set-rpath "$JDK_GLIBC_LIB${old:+:$old}" "$f"
    # Executables only (java, jspawnhelper, ...); libraries have no interpreter.
    if patchelf --print-interpreter "$f" >/dev/null 2>&1; then
      patchelf --set-interpreter "$interp" "$f"
    fi
  done
}

# Make the home $2 (inside the unpacked tree $1) self-contained: symlinks that
# leave it become copies of what they point to, or go if that isn't there.
# Absolute links left after relativize_symlinks point at this machine's files
# (lib/security/cacerts: ca-certificates-java's); they stay if those exist.
internalize_symlinks() {
  local tree=$1 home=$2 link target resolved
  relativize_symlinks "$tree"
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    case "$target" in
      /*) [ -e "$target" ] || rm -f "$link"; continue ;;
    esac
    resolved=$(realpath -m -s "$(dirname "$link")/$target")
    case "$resolved" in "$home"/*) continue ;; esac
    rm -f "$link"
    if [ -e "$resolved" ]; then cp -RL "$resolved" "$link"; fi
  done < <(find "$home" -type l -print0)
}

# "ldd" with the interpreter the JDK will really use: fail if the launcher or
# the core libraries miss anything, list what optional parts (AWT, sound,
# smart cards) would miss.  $2: the ld.so to ask.
check_jdk_libraries() {
  local name=$1 ldso=$2 f out missing optional=()
  for f in "${ELF_FILES[@]}"; do
    out=$("$ldso" --list "$f" 2>&1) || true
    missing=$(awk '/=> not found/ {print $1}' <<<"$out" | sort -u | tr '\n' ' ')
    [ -n "$missing" ] || continue
    case "${f##*/}" in
      java | libjli.so | libjvm.so | libjava.so | libzip.so | libnio.so | libnet.so | libverify.so | jspawnhelper)
        die "$name: ${f#"$JDKS_DIR"/} can't find ${missing% }" ;;
    esac
    optional+=("${f##*/}: ${missing% }")
  done
  if [ ${#optional[@]} -gt 0 ]; then
    log "$name: optional parts (AWT, sound, ...) that would not load here: $(printf '%s; ' "${optional[@]}")"
  fi
}

# A class compiled once by the build JDK at --release 8: proves a home runs
# plain bytecode without its own javac, and exercises class loading, a native
# library (libzip) and process spawning (jspawnhelper, which needs the patched
# interpreter too).
PROBE_DIR="$JDKS_DIR/probe"
compile_probe() {
  local src
  src=$(cat <<'EOF'
public class Probe {
    public static void main(String[] args) throws Exception {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(new byte[] {1, 2, 3});
        int exit = new ProcessBuilder("true").inheritIO().start().waitFor();
        System.out.println("probe ok: java " + System.getProperty("java.version")
            + ", crc " + Long.toHexString(crc.getValue()) + ", child exit " + exit);
        System.exit(exit);
    }
}
EOF
)
  if [ -f "$PROBE_DIR/Probe.class" ] && [ "$(cat "$PROBE_DIR/Probe.java")" = "$src" ]; then return 0; fi
  mkdir -p "$PROBE_DIR"
  printf '%s\n' "$src" >"$PROBE_DIR/Probe.java"
  "$SYSTEM_JDK17/bin/javac" --release 8 -d "$PROBE_DIR" "$PROBE_DIR/Probe.java"
}

# -XX:-UsePerfData: no /tmp/hsperfdata_* files; nothing here writes outside .cache.
run_java() { "$1/bin/java" -XX:-UsePerfData "${@:2}"; }
run_probe() {
  run_java "$1" -version >/dev/null 2>&1 && run_java "$1" -cp "$PROBE_DIR" Probe >/dev/null 2>&1
}

# Unpack one pinned JDK into .cache/jdks/<name>.
install_jdk() {
  local name=$1 pin=$2 home="$JDKS_DIR/$1"
  local stamp="$pin"$'\n'"$JDK_GLIBC_PIN"$'\n'"$JDKS_DIR"
  if stamp_matches "$home" "$stamp" && run_probe "$home"; then return 0; fi

  fetch_deb "$pin" latest-ok
  local tmp src
  tmp=$(scratch_dir "$name")
  dpkg-deb -x "$FETCHED_DEB" "$tmp"
  src=$(find "$tmp/usr/lib/jvm" -mindepth 1 -maxdepth 1 -type d -name 'java-*' -print -quit)
  [ -n "$src" ] || die "${FETCHED_DEB##*/} has no usr/lib/jvm/java-*"
  internalize_symlinks "$tmp" "$src"

  rm -rf "$home"
  mv "$src" "$home"
  rm -rf "$tmp"
  list_elf_files "$home"
  local need host ldso
  need=$(max_glibc_needed)
  host=$(host_glibc)
  if dpkg --compare-versions "$need" gt "$host"; then
    ensure_jdk_glibc
    dpkg --compare-versions "$need" le "$JDK_GLIBC_VERSION" \
      || die "$name needs glibc $need; the pinned runtime glibc is only $JDK_GLIBC_VERSION"
    log "$name needs glibc $need > this machine's $host: running it on glibc $JDK_GLIBC_VERSION"
    patch_jdk_for_glibc
    ldso=$(echo "$JDK_GLIBC_LIB"/ld-linux-*.so.*)
    # The real file: $ORIGIN in its search path means its own directory.
    [[ "$("$ldso" --list "$(readlink -f "$home/bin/java")")" == *"=> $JDK_GLIBC_LIB/libc.so.6"* ]] \
      || die "$name: bin/java does not load libc.so.6 from $JDK_GLIBC_LIB"
  else
    ldso=$(patchelf --print-interpreter /bin/sh)
  fi
  check_jdk_libraries "$name" "$ldso"
  run_probe "$home" || { run_java "$home" -cp "$PROBE_DIR" Probe || true; die "$name in $home does not run"; }
  printf '%s' "$stamp" >"$home/.bpf4j-stamp"
}

# $JDKS_DIR/<name> -> a system JDK.
link_system_jdk() {
  local name=$1 target=$2 link="$JDKS_DIR/$1"
  if [ "$(readlink "$link" 2>/dev/null)" != "$target" ]; then
    rm -rf "$link"
    ln -s "$target" "$link"
  fi
  run_probe "$link" || die "$target does not run the probe"
}

jdks() {
  apt_install_missing patchelf debian-archive-keyring
  if [ ! -x "$SYSTEM_JDK17/bin/javac" ]; then apt_install_missing openjdk-17-jdk-headless; fi
  mkdir -p "$JDKS_DIR"
  compile_probe
  link_system_jdk jdk17 "$SYSTEM_JDK17"

  local entry name pin
  for entry in "${JDK_PINS[@]}"; do
    name=${entry%%|*}
    pin=${entry#*|}
    if [ "$name" = jdk25 ] && [ -x "$SYSTEM_JDK25/bin/java" ]; then
      link_system_jdk jdk25 "$SYSTEM_JDK25"
    else
      [ "$name" = jdk25 ] && log "no Temurin 25 in $SYSTEM_JDK25; using Debian's OpenJDK 25"
      install_jdk "$name" "$pin"
    fi
  done

  for name in $MATRIX_JDKS; do
    log "$(printf '%-6s %-28s %s' "$name" "${JDKS_DIR#"$ROOT"/}/$name" \
      "$(run_java "$JDKS_DIR/$name" -version 2>&1 | head -n1)")"
  done
}

# The jar alone, as a user runs it, on every JDK of the matrix.
demo_on_every_jdk() {
  local jar name out
  jar=$(main_jar) || die "no target/bpf4j-*.jar after mvn verify"
  for name in $MATRIX_JDKS; do
    # The demo prints the seed's raw bytes, NULs included; bash strings cannot hold them.
    out=$(run_java "$JDKS_DIR/$name" -jar "$jar" demo 2>&1 | tr -d '\000') || die "demo failed on $name:
$out"
    case "$out" in
      *SLF4J* | *WARNING*) die "demo on $name printed a stray warning (SLF4J or native access):
$out" ;;
      *"bpf_trace_printk: buf: hello from user"*) log "demo on $name: ok" ;;
      *) die "demo on $name printed no 'buf: hello from user' trace line:
$out" ;;
    esac
  done
}

