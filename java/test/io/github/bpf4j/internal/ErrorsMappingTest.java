/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The operation-to-hint mapping for operations whose native side lives
 * elsewhere (h1's object validation): what ErrorMessagesTest cannot reach by
 * a real call on this branch.
 */
class ErrorsMappingTest {
    @Test
    void validationFailuresSayTheFileIsNotAWellFormedObject() {
        BpfException e = Errors.exception("bpf4j_validate_object", Errors.EINVAL,
                "BTF type 12 (FUNC_PROTO) returns type 4711, past the last type 40");
        assertTrue(e instanceof BpfInvalidArgumentException, e.toString());
        assertTrue(e.getMessage().contains("the file is not a well-formed BPF object: BTF type 12"), e.getMessage());
        assertTrue(e.hint().contains("clang -O2 -g -target bpf"), e.hint());
        assertFalse(e.getMessage().contains("kernel rejected"), e.getMessage());
    }

    /** The verifier's capability checks (the arena's) are a privilege to grant, not a program to fix. */
    @Test
    void aVerifierRefusalForLackOfCapabilityIsAPermissionException() {
        String detail = "libbpf: prog 'alloc': BPF program load failed: -EPERM\n"
                + "libbpf: prog 'alloc': -- BEGIN PROG LOAD LOG --\n"
                + "CAP_BPF and CAP_PERFMON are required to use arena\n"
                + "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0\n"
                + "-- END PROG LOAD LOG --\n"
                + "libbpf: prog 'alloc': failed to load: -EPERM\n";
        BpfException e = Errors.exception("bpf_object__load(arena_heap)", Errors.EPERM, detail);
        assertTrue(e instanceof BpfPermissionException, e.toString());
        assertTrue(e.getMessage().contains("the verifier refused program 'alloc' for lack of privilege: CAP_BPF and"
                + " CAP_PERFMON are required to use arena"), e.getMessage());
        assertTrue(e.hint().contains("CAP_BPF and CAP_PERFMON"), e.hint());
        assertFalse(e.hint().contains("CAP_NET_ADMIN"), e.hint());
        // The same log with EINVAL (not a privilege errno), or a verdict naming no capability, stays the verifier's.
        assertFalse(Errors.exception("bpf_object__load(arena_heap)", Errors.EINVAL, detail)
                instanceof BpfPermissionException);
        BpfException other = Errors.exception("bpf_object__load(x)", Errors.EACCES,
                detail.replace("CAP_BPF and CAP_PERFMON are required to use arena", "R1 invalid mem access 'scalar'"));
        assertTrue(other instanceof io.github.bpf4j.BpfVerifierException, other.toString());
    }

    @Test
    void operationsAreClassifiedByTheirCall() {
        assertEquals(Errors.Op.VALIDATE, Errors.Op.of("bpf4j_validate_object"));
        assertEquals(Errors.Op.OPEN, Errors.Op.of("bpf_object__open_mem"));
        assertEquals(Errors.Op.BY_ID, Errors.Op.of("bpf_map_get_fd_by_id(5)"));
        assertEquals(Errors.Op.XDP_ATTACH, Errors.Op.of("bpf_link_create(program 'p', xdp, eth0)"));
        assertEquals(Errors.Op.MAP_CREATE, Errors.Op.of("bpf_map_create(HASH)"));
        assertEquals(Errors.Op.MAP_ELEM, Errors.Op.of("bpf_map_update_elem(map 'm', HASH)"));
        assertEquals(Errors.Op.MAP_ELEM, Errors.Op.of("push(map 'q', QUEUE)"));
        assertEquals(Errors.Op.PIN_OPEN, Errors.Op.of("bpf_obj_get(/sys/fs/bpf/x)"));
        assertEquals(Errors.Op.TRACE_PIPE, Errors.Op.of("open(/sys/kernel/tracing/trace_pipe)"));
    }

    @Test
    void errnoNamesNeverFallBackToNumbers() {
        assertEquals("EMFILE", Errors.errnoName(24));
        assertEquals("ENFILE", Errors.errnoName(23));
        BpfException e = Errors.exception("bpf_map_create(ARRAY)", Errors.EMFILE, null);
        assertFalse(e.getMessage().contains("error 24"), e.getMessage());
        assertTrue(e.hint().contains("ulimit -n"), e.hint());
    }

    /**
     * The native direct-buffer guard: Java hands heap buffers over as their
     * arrays, so a heap ByteBuffer reaching a buffer parameter is a bug the
     * shim must refuse, not read as memory. Buffer.address alone cannot see
     * it on JDK 9+ (it holds the array's base offset there); this would have
     * read 16 bytes from address 16 and crashed the JVM.
     */
    @Test
    void theNativeDirectBufferGuardRefusesHeapBuffers() {
        Kernel.requireBpf();
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1))) {
            ByteBuffer heapKey = ByteBuffer.allocate(4);
            ByteBuffer value = ByteBuffer.allocateDirect(8);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Native.mapElem(0, map.fd(), null, heapKey, 0, 4, null, value, 0, 8, true, 0));
            assertEquals("buffer is not a direct ByteBuffer", e.getMessage());
            ByteBuffer directKey = ByteBuffer.allocateDirect(4);
            assertEquals(0, Native.mapElem(0, map.fd(), null, directKey, 0, 4, null, value, 0, 8, true, 0),
                    "a direct buffer passes the same guard");
        }
        try (BpfObject obj = BpfObject.openResource("bpf/core_test.bpf.o").load()) {
            int fd = obj.program("bump_first_byte").fd();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Native.progTestRun(fd, null, ByteBuffer.allocate(64), null, null, null, null, null, null,
                            new int[] {0, 64, 0, 0, 0, 0, 0, 0}, 0, 0, 0, 0, new long[4]));
            assertEquals("buffer is not a direct ByteBuffer", e.getMessage());
        }
    }

    @Test
    void opsAreExplicitAndTheClassFollowsOpAndErrno() {
        BpfException dup = Errors.of(Errors.Op.FD_DUP, "dup(7)", Errors.EBADF, null);
        assertTrue(dup instanceof BpfInvalidArgumentException, dup.toString());
        assertEquals("dup(7) failed: EBADF (9): fd 7 is not open in this process", dup.getMessage().split("\n")[0]);
        BpfException closed = Errors.of(Errors.Op.MAP_ELEM, "bpf_map_lookup_elem(map 'm')", Errors.EBADF, null);
        assertFalse(closed instanceof BpfInvalidArgumentException, "a closed fd of bpf4j's own is no bad argument");
        BpfException arena = Errors.of(Errors.Op.ARENA_COPY, "process_vm_readv(arena 'a')", Errors.EFAULT,
                "a page in 8 bytes at offset 4096 of arena 'a'");
        assertEquals("process_vm_readv(arena 'a') failed: EFAULT (14): a page in 8 bytes at offset 4096 of arena 'a'"
                + " is not allocated", arena.getMessage().split("\n")[0]);
        assertTrue(arena.hint().contains("only pages the program allocated"), arena.hint());
        BpfException busy = Errors.of(Errors.Op.TRACE_PIPE, "open(/sys/kernel/tracing/trace_pipe)", Errors.EBUSY,
                null);
        assertTrue(busy.hint().contains("one reader at a time"), busy.hint());
        BpfException mount = Errors.of(Errors.Op.TRACEFS_MOUNT, "mount(tracefs, /sys/kernel/tracing)",
                Errors.EPERM, null);
        assertTrue(mount instanceof BpfPermissionException, mount.toString());
        assertTrue(mount.hint().contains("mounting tracefs needs CAP_SYS_ADMIN"), mount.hint());
        BpfException perm = Errors.of(Errors.Op.TRACE_PIPE, "open(/sys/kernel/tracing/trace_pipe)", Errors.EACCES,
                null);
        assertTrue(perm.hint().contains("not what BPF capabilities override (not even CAP_SYS_ADMIN)"), perm.hint());
        assertFalse(perm.hint().contains("CAP_PERFMON"), "tracefs has nothing to do with CAP_PERFMON: " + perm.hint());
        assertFalse(perm.hint().contains("not mounted"), perm.hint());
    }

    /** BpfException.operation()'s javadoc example is a string bpf4j really builds. */
    @Test
    void theOperationJavadocExampleIsReal() {
        Kernel.requireBpf();
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(4).maxEntries(1)
                .name("counts"))) {
            map.update(new byte[4], new byte[4]);
            BpfException full = assertThrows(BpfException.class, () -> map.update(new byte[] {1, 0, 0, 0},
                    new byte[4]));
            assertEquals("bpf_map_update_elem(map 'counts', HASH)", full.operation(), "BpfException.operation()'s example");
        }
    }
}
