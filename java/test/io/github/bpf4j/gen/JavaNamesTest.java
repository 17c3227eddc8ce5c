/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** C names to Java names, and collisions resolved the same way every time. */
class JavaNamesTest {
    @Test
    void casesAndKeywords() {
        assertEquals("rxPackets", JavaNames.camel("rx_packets"));
        assertEquals("RxPackets", JavaNames.pascal("rx_packets"));
        assertEquals("RX_PACKETS", JavaNames.constant("rx_packets"));
        assertEquals("RX_PACKETS", JavaNames.constant("rxPackets"));
        assertEquals("Bpf4jArenaBump", JavaNames.pascal("bpf4j_arena_bump"));
        assertEquals("DataFoo", JavaNames.pascal(".data.foo"));
        assertEquals("RodataStr11", JavaNames.pascal(".rodata.str1.1"));
        assertEquals("Fmt", JavaNames.pascal("__fmt"));
        assertEquals("_1st", JavaNames.camel("1st"));
        assertEquals("class_", JavaNames.camel("class"));
        assertEquals("default_", JavaNames.camel("default"));
        assertEquals("X", JavaNames.pascal("__"));
        assertEquals("_1", JavaNames.constant("1"));
    }

    @Test
    void collisionsGetNumbersInClaimOrder() {
        JavaNames.Scope s = new JavaNames.Scope("Class");
        assertEquals("FooBar", s.claim(JavaNames.pascal("foo_bar")));
        assertEquals("FooBar2", s.claim(JavaNames.pascal("fooBar")));
        assertEquals("FOOBAR3", s.claim("FOOBAR")); // case-insensitive: getFooBar and getFOOBAR would confuse
        assertEquals("Class2", s.claim("Class"));
        s.reserve("Taken");
        assertEquals("Taken2", s.claim("Taken"));
        // programs attach_foo, then foo: attachFoo() is attach_foo's, so foo's attach method cannot be attachFoo
        JavaNames.Scope p = new JavaNames.Scope();
        assertEquals("AttachFoo", p.claimWithPrefix("AttachFoo", "Attach"));
        assertEquals("Foo2", p.claimWithPrefix("Foo", "Attach"));
        assertEquals("Bar", p.claimWithPrefix("Bar", "Attach"));
        assertEquals("AttachBar2", p.claimWithPrefix("AttachBar", "Attach"));
    }

    @Test
    void literalsAndComments() {
        assertEquals("\"a\\\"b\\\\c\\u0001\"", JavaNames.literal("a\"b\\c\u0001"));
        assertEquals("x *&#47; &#64;y", JavaNames.comment("x */ @y"));
    }
}
