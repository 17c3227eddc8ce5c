/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfInvalidArgumentException;
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
}
