/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw-map-creation seed: BPF_MAP_CREATE, an update with BPF_ANY, a pin
 * named my_array that another process opens, and the three failures the seed
 * names (EINVAL, EPERM, ENOMEM) as exceptions a user can act on.
 *
 * <p>Pins go to a bpffs mounted for each test alone, not /sys/fs/bpf: another
 * run's my_array is never touched, and a killed run leaves nothing behind.
 */
class SeedMapTest {
    private Kernel.PrivateBpfFs bpffs;

    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @AfterEach
    void unmount() throws Exception {
        if (bpffs != null) {
            bpffs.close();
            bpffs = null;
        }
    }

    private Path pinPath(String name) throws java.io.IOException {
        if (bpffs == null) {
            bpffs = Kernel.privateBpfFs();
        }
        return bpffs.resolve(name);
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    /** The seed's C program, in Java: create, update, pin; a second JVM reads 1234 from the pin. */
    @Test
    void createUpdatePinAndReadFromAnotherJvm() throws Exception {
        Path pin = pinPath("my_array");
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(256).name("my_array"))) {
            map.update(u32(1), u32(1234), UpdateMode.ANY);
            map.pin(pin);
        }
        try {
            // The pin keeps the map alive after this process closed its fd.
            ChildJvm.Result r = ChildJvm.run(PinReader.class, pin.toString(), "1");
            assertEquals(0, r.exitCode, r.toString());
            assertEquals("1234", r.output.trim());
        } finally {
            Pins.unpin(pin);
        }
        assertFalse(Files.exists(pin));
    }

    /** Run in the second JVM: prints the u32 value of key args[1] of the map pinned at args[0]. */
    public static final class PinReader {
        public static void main(String[] args) {
            try (BpfMap map = Pins.openMap(Paths.get(args[0]))) {
                byte[] value = map.lookup(u32(Integer.parseInt(args[1])));
                System.out.println(ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt());
            }
        }
    }

    @Test
    void openPinnedReadsTypeSizesAndFlagsFromTheKernel() throws Exception {
        Path pin = pinPath("bpf4j_test_info");
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(8).valueSize(16).maxEntries(32)
                .flags(MapFlag.NO_PREALLOC).name("info_probe"))) {
            map.pin(pin);
            try (BpfMap again = Pins.openMap(pin)) {
                assertEquals(MapType.HASH, again.type());
                assertEquals(8, again.keySize());
                assertEquals(16, again.valueSize());
                assertEquals(32, again.maxEntries());
                assertTrue(again.flags().contains(MapFlag.NO_PREALLOC), again.flags().toString());
                assertEquals("info_probe", again.name());
                assertEquals(map.info().id(), again.info().id());
            } finally {
                Pins.unpin(pin);
            }
        }
    }

    @Test
    void pinningOutsideABpfFilesystemSaysHowToMountOne(@TempDir Path dir) {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1))) {
            BpfException e = assertThrows(BpfException.class, () -> map.pin(dir.resolve("my_array")));
            assertTrue(e.getMessage().contains("not in a BPF filesystem"), e.getMessage());
            assertTrue(e.hint().contains("mount -t bpf bpf /sys/fs/bpf"), e.hint());
        }
    }

    @Test
    void pinningTwiceIsEexist() throws Exception {
        Path pin = pinPath("bpf4j_test_twice");
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1))) {
            map.pin(pin);
            try {
                BpfException e = assertThrows(BpfException.class, () -> map.pin(pin));
                assertEquals("EEXIST", e.errnoName());
            } finally {
                Pins.unpin(pin);
            }
        }
    }

    /** EINVAL: a spec Java accepts but the kernel rejects (an array can't be NO_PREALLOC). */
    @Test
    void kernelRejectedSpecIsInvalidArgumentNamingTheMap() {
        BpfInvalidArgumentException e = assertThrows(BpfInvalidArgumentException.class, () -> BpfMap.create(
                MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(4).flags(MapFlag.NO_PREALLOC).name("bad")));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("ARRAY 'bad'") && e.getMessage().contains("flags [NO_PREALLOC]"), e.getMessage());
    }

    /** Bad specs are caught in Java, naming the field. */
    @Test
    void javaRejectsBadSpecsNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BpfMap.create(MapSpec.of(MapType.HASH).keySize(0).valueSize(8).maxEntries(1)));
        assertTrue(e.getMessage().contains("MapSpec.keySize"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(8)));
        assertTrue(e.getMessage().contains("MapSpec.maxEntries"), e.getMessage());
    }

    /** E2BIG / ENOMEM: absurd sizes say what was asked for. */
    @Test
    void absurdSizesAreOutOfMemoryWithTheSize() {
        BpfOutOfMemoryException tooBig = assertThrows(BpfOutOfMemoryException.class, () -> BpfMap.create(
                MapSpec.of(MapType.HASH).keySize(4).valueSize(Integer.MAX_VALUE / 2).maxEntries(1).name("huge_value")));
        assertTrue(tooBig.getMessage().contains("value " + Integer.MAX_VALUE / 2), tooBig.getMessage());
        BpfOutOfMemoryException noMemory = assertThrows(BpfOutOfMemoryException.class, () -> BpfMap.create(
                MapSpec.of(MapType.ARRAY).valueSize(1 << 20).maxEntries(1 << 30).name("huge_array")));
        assertTrue(noMemory.getMessage().contains("max_entries " + (1 << 30)), noMemory.getMessage());
    }

    @Test
    void aFullMapIsAnExceptionAndModePreconditionsAreAnswers() {
        try (BpfMap map = BpfMap.create(MapSpec.of(MapType.HASH).keySize(4).valueSize(4).maxEntries(2).name("tiny"))) {
            map.update(u32(1), u32(1));
            map.update(u32(2), u32(2));
            BpfMapFullException full = assertThrows(BpfMapFullException.class, () -> map.update(u32(3), u32(3)));
            assertEquals("E2BIG", full.errnoName());
            assertTrue(full.getMessage().contains("'tiny'") && full.getMessage().contains("full"), full.getMessage());
            assertFalse(map.update(u32(1), u32(9), UpdateMode.NO_EXIST), "an existing key is an answer, not EEXIST");
            assertFalse(map.update(u32(3), u32(9), UpdateMode.EXIST), "an absent key is an answer, not ENOENT");
            // NO_EXIST on an absent key of a full map is still the full map's exception, not false.
            assertThrows(BpfMapFullException.class, () -> map.update(u32(3), u32(9), UpdateMode.NO_EXIST));
        }
    }

    @Test
    void unsupportedOperationNamesTheMapType() {
        try (BpfMap array = BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(2))) {
            BpfNotSupportedException e = assertThrows(BpfNotSupportedException.class,
                    () -> array.lookupAndDelete(u32(0)));
            assertTrue(e.getMessage().contains("ARRAY"), e.getMessage());
        }
    }

    /** EPERM: a JVM without privileges gets a permission exception naming the missing capability. */
    @Test
    void withoutCapabilitiesCreateIsPermissionDenied(@TempDir Path dir) throws Exception {
        Kernel.requireUnprivilegedBpfDisabled();
        assumeTrue(ChildJvm.canDropToNobody(), ChildJvm.DROP_REASON);
        ChildJvm.Result r = ChildJvm.runAsNobody(dir, CreateWithoutPrivileges.class);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.output.startsWith("BpfPermissionException"), r.toString());
        assertTrue(r.output.contains("CAP_BPF"), r.toString());
    }

    /** Run in the second JVM as nobody. */
    public static final class CreateWithoutPrivileges {
        public static void main(String[] args) {
            try {
                BpfMap.create(MapSpec.of(MapType.ARRAY).valueSize(4).maxEntries(1)).close();
                System.out.println("created?!");
                System.exit(1);
            } catch (BpfException e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    @Test
    void legacyMapSectionIsExplained() {
        try (BpfObject obj = BpfObject.openResource("bpf/legacy_maps.bpf.o")) {
            obj.load();
            throw new AssertionError("libbpf 1.x accepted a legacy maps section");
        } catch (BpfNotSupportedException e) {
            assertTrue(e.getMessage().contains("struct bpf_map_def"), e.getMessage());
            assertTrue(e.hint().contains("SEC(\".maps\")"), e.hint());
        }
    }
}
