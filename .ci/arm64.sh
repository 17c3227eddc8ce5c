# shellcheck shell=bash
# ./setup.sh arm64: the jar's arm64 half on this x86_64 machine, sourced by
# setup.sh (log/die, fetch_deb, relativize_symlinks, stamp_matches, $MVN).
# Debian's qemu-user-static runs Debian's arm64 JRE (unpacked with dpkg -x
# from packages fetched through setup.sh's private apt configuration), which
# loads natives/linux_arm64/libbpf4j.so from the build and registers its
# natives (JNI_OnLoad fails the load if any RegisterNatives table does not
# match its class).  qemu-user answers bpf(2) with ENOSYS, so only the tests
# that need no kernel run there: the tests skip the rest (Kernel.requireBpf).

# Fields: suite | package | architecture | version | SHA-256 (as SYSROOT_PINS).
# A JRE and what its launcher and libjvm.so need; Debian keeps only the newest
# build in a suite, so these may go stale: then the current one is used, with
# a warning that prints the new pin.
ARM64_PINS=(
  "bookworm-security|openjdk-17-jre-headless|arm64|17.0.21.1+2-1~deb12u1|a0306c8404f1b83f496a4574583192e945806c732a221f002cc00f22a22eba8e"
  "bookworm|libc6|arm64|2.36-9+deb12u14|01f4330719fd4f65580e16ea5a0527f372fca750e8f588d26deaf09f2d3b1cf4"
  "bookworm|libgcc-s1|arm64|12.2.0-14+deb12u1|576926b283613db80168ddf76380a3bd877602778cf0d226caa7bfbfa71eacf3"
  "bookworm|libstdc++6|arm64|12.2.0-14+deb12u1|26e138c677a985775331373828a6c286c551ff397cb735d00e2383cb273d1cb2"
  "bookworm|zlib1g|arm64|1:1.2.13.dfsg-1|52b8b8a145bbe1956bba82034f77022cbef0c3d0885c9e32d9817a7932fe1913"
)
ARM64_ROOT="$CACHE/arm64-root"
ARM64_JAVA_HOME=/usr/lib/jvm/java-17-openjdk-arm64
# Classes whose tests mostly need no kernel: ELF validation and libbpf's
# open (user space only), the native struct layouts, library selection,
# trace-line parsing, BTF parsing and btf_dump of the running kernel's
# vmlinux.  Their tests that do need bpf(2) skip (Kernel.requireBpf sees
# ENOSYS).  Not classes that start child processes: without binfmt_misc the
# emulated JVM cannot exec the arm64 jspawnhelper (RegressionCorpusTest, CLI).
ARM64_TESTS=${BPF4J_ARM64_TESTS:-NativeLibraryTest,NativeLayoutTest,OpenOptionsTest,ValidatorTest,TracePipeTest,BtfTest,BtfDumpTest}

# $ARM64_ROOT: the packages above unpacked into one tree, the root qemu's -L
# points at (its ld-linux-aarch64.so.1, libc and the JRE).
arm64_root() {
  local pins entry
  pins=$(printf '%s\n' "${ARM64_PINS[@]}")
  if stamp_matches "$ARM64_ROOT" "$pins"; then return 0; fi
  local tmp
  tmp="$CACHE/arm64-root.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  for entry in "${ARM64_PINS[@]}"; do
    fetch_deb "$entry" latest-ok
    dpkg-deb -x "$FETCHED_DEB" "$tmp"
  done
  # Absolute links (jvm.cfg -> /etc/java-17-openjdk/...) would be resolved by
  # the host kernel, outside the tree: make them relative.
  relativize_symlinks "$tmp"
  printf '%s' "$pins" >"$tmp/.bpf4j-stamp"
  rm -rf "$ARM64_ROOT"
  mv "$tmp" "$ARM64_ROOT"
}

# A "java" for surefire's -Djvm: the arm64 launcher under qemu, in a home of
# its own (surefire wants a path ending in bin/java, and reads the JDK's
# version from the home's release file).
ARM64_HOME="$CACHE/arm64-java"
ARM64_JAVA="$ARM64_HOME/bin/java"
arm64_java() {
  local qemu
  qemu=$(command -v qemu-aarch64-static) || die "no qemu-aarch64-static (Debian's qemu-user-static)"
  mkdir -p "$ARM64_HOME/bin"
  cp "$ARM64_ROOT$ARM64_JAVA_HOME/release" "$ARM64_HOME/release"
  cat >"$ARM64_JAVA.tmp" <<EOS
#!/bin/sh
# Written by setup.sh arm64: Debian's arm64 JRE under qemu-user.
exec $qemu -L $ARM64_ROOT $ARM64_ROOT$ARM64_JAVA_HOME/bin/java "\$@"
EOS
  chmod +x "$ARM64_JAVA.tmp"
  mv "$ARM64_JAVA.tmp" "$ARM64_JAVA"
}

arm64() {
  apt_install_missing qemu-user-static
  arm64_root
  arm64_java
  local settings arch
  settings=$("$ARM64_JAVA" -XshowSettings:properties -version 2>&1) || die "the arm64 JRE does not run under qemu:
$settings"
  arch=$(sed -n 's/^ *os.arch = //p' <<<"$settings")
  [ "$arch" = aarch64 ] || die "the arm64 JRE under qemu reports os.arch '$arch', not aarch64"
  log "arm64: $(grep -m1 '^openjdk version' <<<"$settings") runs under qemu-user"
  # The build's classes and natives (target/classes/natives/linux_arm64), run
  # by surefire in the emulated JVM; reports get an -arm64 suffix.
  local started=$SECONDS
  cd "$ROOT"
  "$MVN" -B surefire:test -Djvm="$ARM64_JAVA" -Dtest="$ARM64_TESTS" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsurefire.reportNameSuffix=arm64 "$@"
  log "arm64: $ARM64_TESTS passed on aarch64 in $((SECONDS - started)) s"
}
