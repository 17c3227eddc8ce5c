#!/usr/bin/env python3
"""Disassembles what HotSpot's C2 compiled, without hsdis.

HotSpot prints compiled code as hex when no disassembler plugin is loaded, and
Debian's hsdis (FCML) has the old plugin interface that JDK 17 no longer calls.
So: print the method, then let objdump read the hex.

  java -XX:+UnlockDiagnosticVMOptions \\
       -XX:CompileCommand=print,io.github.bpf4j.ringbuf.RingBuffer::drain ... > out.txt
  python3 java/bench/jit-disasm.py out.txt            # every C2 compile, the last in full
  python3 java/bench/jit-disasm.py out.txt --all      # every C2 compile in full

For each C2 compile it prints the header HotSpot wrote, the code size, and the
loops (backward branches within the method, longest last); `--all` or the last
compile also gets objdump's listing. Count a loop's instructions between its
target and the branch to compare with a C baseline's (objdump -d of that).
"""
import re
import subprocess
import sys


def compiles(lines):
    """(header, base address, code bytes) of each C2 compile in PrintAssembly output."""
    i = 0
    while i < len(lines):
        if lines[i].startswith("Compiled method (c2)"):
            header = lines[i].strip()
            while i < len(lines) and "[MachCode]" not in lines[i]:
                i += 1
            data, base = bytearray(), None
            i += 1
            while i < len(lines) and "[/MachCode]" not in lines[i]:
                m = re.match(r"\s+0x([0-9a-f]+): (.*)", lines[i])
                if m and not m.group(2).startswith(";"):
                    addr = int(m.group(1), 16)
                    if base is None:
                        base = addr
                    if base + len(data) != addr:
                        raise SystemExit("gap in the code at %#x: not PrintAssembly's hex output?" % addr)
                    data += bytes.fromhex(m.group(2).replace("|", "").replace(" ", ""))
                i += 1
            if base is not None:
                yield header, base, bytes(data)
        i += 1


def disassemble(base, code):
    with open("/tmp/jit-disasm.bin", "wb") as f:
        f.write(code)
    out = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "--adjust-vma=%#x" % base,
                          "/tmp/jit-disasm.bin"], capture_output=True, text=True, check=True).stdout
    return [l for l in out.splitlines() if re.match(r"\s+[0-9a-f]+:\t", l)]


def loops(listing, base, size):
    found = []
    for line in listing:
        m = re.search(r"\tj\w+\s+0x([0-9a-f]+)", line) or re.search(r"\tj\w+\s+([0-9a-f]+)\b", line)
        if not m:
            continue
        at, target = int(line.split(":")[0], 16), int(m.group(1), 16)
        if base <= target < at < base + size:
            n = sum(1 for l in listing if target <= int(l.split(":")[0], 16) <= at)
            found.append((at - target, target, at, n))
    return sorted(found)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    every = "--all" in sys.argv[2:]
    found = list(compiles(open(sys.argv[1], errors="replace").read().split("\n")))
    if not found:
        raise SystemExit("no C2 compile in %s (was the method hot enough, and named in CompileCommand=print?)"
                         % sys.argv[1])
    for k, (header, base, code) in enumerate(found):
        listing = disassemble(base, code)
        print("== %s: %d bytes, %d instructions" % (header, len(code), len(listing)))
        for span, target, at, n in loops(listing, base, len(code)):
            print("   loop %#x..%#x: %d bytes, %d instructions" % (target, at, span, n))
        if every or k == len(found) - 1:
            print("\n".join(listing))


if __name__ == "__main__":
    main()
