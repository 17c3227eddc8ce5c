/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.bpf4j.ArenaRegion;
import io.github.bpf4j.BpfArena;
import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfMap;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfProgram;
import io.github.bpf4j.Codec;
import io.github.bpf4j.ElementFlags;
import io.github.bpf4j.Kernel;
import io.github.bpf4j.MapFlag;
import io.github.bpf4j.MapSpec;
import io.github.bpf4j.MapType;
import io.github.bpf4j.TestRun;
import io.github.bpf4j.TracePipe;
import io.github.bpf4j.TypedMap;
import io.github.bpf4j.UpdateMode;
import io.github.bpf4j.arena.ArenaHashTable;
import io.github.bpf4j.arena.ArenaList;
import io.github.bpf4j.ringbuf.OffsetRecordHandler;
import io.github.bpf4j.ringbuf.RecordHandler;
import io.github.bpf4j.ringbuf.RingBuffer;
import io.github.bpf4j.ringbuf.RingBufferPoller;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every public method of every handle type, called after {@code close()}:
 * it throws {@link IllegalStateException}, or it is on {@link #HARMLESS}
 * (plain Java state that cannot reach the kernel), never anything else.
 *
 * <p>The handle types are found by scanning the compiled library
 * ({@link HandleTypes}); a handle type without a fixture here fails
 * {@link #everyHandleTypeHasAFixture()}, so a new one cannot be forgotten.
 * Public static methods of any API class that take a closed handle (e.g.
 * {@code TypedMap.of(map, ...)}, {@code BpfMap.create(spec)}) are called too.
 */
class UseAfterCloseTest {
    static final String TRUST = "bpf/trust_xdp.bpf.o";
    static final String ARENA_GLOBALS = "bpf/arena_globals.bpf.o";

    /**
     * Methods that may still answer after close, per type (all overloads):
     * they read immutable Java state or are close itself (idempotent).
     * Object's toString/equals/hashCode are always allowed.
     */
    static final Map<Class<?>, List<String>> HARMLESS = new LinkedHashMap<Class<?>, List<String>>();

    static {
        harmless(BpfObject.class, "close", "name", "isLoaded", "state");
        harmless(BpfMap.class, "close", "name", "object");
        harmless(BpfMap.BatchCursor.class, "done", "reset"); // a cursor is Java state; using it needs its map
        harmless(BpfProgram.class, "close", "name", "section", "object");
        harmless(BpfLink.class, "close", "program", "target");
        harmless(io.github.bpf4j.BpfStats.class, "close", "isOpen");
        // An attach point is immutable Java state; attaching it is what needs its map (and refuses a closed one).
        harmless(io.github.bpf4j.link.Iter.class, "map", "cgroupFd", "cgroupId", "cgroup", "thread", "process", "pidfd",
                "parameterKind", "parameterValue", "parameterMap", "cgroupPath", "order", "target");
        harmless(TracePipe.class, "close", "path");
        harmless(BpfArena.class, "map", "segvOnFault", "noUserConv"); // flags fixed at creation
        harmless(ArenaRegion.class, "arena", "size", "offsetOf"); // offsetOf is arithmetic on the fixed base
        harmless(TypedMap.class, "map");
        harmless(TypedMap.Primitive.class, "map");
        harmless(ArenaHashTable.class, "region", "offset", "capacity", "keySize", "valueSize", "slotSize", "bytes");
        harmless(ArenaList.class, "region", "headOffset");
        harmless(RingBuffer.class, "close", "isClosed", "toString");
        harmless(RingBufferPoller.class, "close", "wakeup"); // wakeup after close: documented as harmless
        harmless(io.github.bpf4j.ringbuf.PerfBuffer.class, "close", "isClosed", "toString", "wakeup");
        // A spec is a value: it names its inner map, and BpfMap.create refuses a closed one (checked as a static call).
        harmless(io.github.bpf4j.ringbuf.UserRingBuffer.class, "close");
        harmless(MapSpec.class, "type", "keySize", "valueSize", "maxEntries", "flags", "name", "mapExtra", "numaNode",
                "innerMap", "ifindex", "innerMap", "of");
        // Attach points and anchors are values naming a handle; the attach checks it (a static call here).
        harmless(io.github.bpf4j.link.Anchor.class, "isLink", "program", "link", "fd", "id");
        harmless(io.github.bpf4j.link.Tcx.class, "before", "after", "first", "last", "expectedRevision", "isEgress",
                "interfaceName", "ifindex", "side", "anchor", "target");
        harmless(io.github.bpf4j.link.Netkit.class, "before", "after", "first", "last", "expectedRevision", "isPeer",
                "interfaceName", "ifindex", "side", "anchor", "target");
        harmless(io.github.bpf4j.link.Sockmap.class, "map", "target");
        harmless(io.github.bpf4j.link.Xdp.class, "mode", "netlink", "interfaceName", "ifindex", "isNetlink",
                "replaced", "target");
        // An attach point is a value: it names programs, and attach refuses a closed one (BpfProgram's fixture).
        harmless(io.github.bpf4j.link.Cgroup.class, "at", "ofFd", "hook", "legacy", "flags", "replacing", "first",
                "last", "before", "after", "expectedRevision", "path", "fd", "isLegacy", "replaced", "isBefore",
                "isAfter", "relativeProgram", "relativeLink", "target");
    }

    private static void harmless(Class<?> type, String... methods) {
        HARMLESS.put(type, Arrays.asList(methods));
    }

    /** One live instance of a handle type, the objects it closes with, and how to close it. */
    static final class Scenario {
        final String label;
        final Object instance;
        final Runnable close;
        /** Closed objects handed to static methods and to parameters of their types. */
        final List<Object> closed = new ArrayList<Object>();
        /** Names that exist in the closed object (map, program, global), for String parameters. */
        String name = "x";

        Scenario(String label, Object instance, Runnable close, Object... alsoClosed) {
            this.label = label;
            this.instance = instance;
            this.close = close;
            closed.add(instance);
            closed.addAll(Arrays.asList(alsoClosed));
        }

        Scenario name(String existing) {
            this.name = existing;
            return this;
        }
    }

    interface Fixture {
        List<Scenario> make() throws Exception;
    }

    private static final Map<Class<?>, Fixture> FIXTURES = new LinkedHashMap<Class<?>, Fixture>();
    private static final List<AutoCloseable> LEFTOVERS = new ArrayList<AutoCloseable>();
    private static Path scratch;
    private static BpfMap liveMap;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void fixtures() {
        FIXTURES.put(BpfObject.class, () -> {
            BpfObject loaded = BpfObject.openResource(TRUST).load();
            BpfObject opened = BpfObject.openResource(TRUST);
            return Arrays.asList(new Scenario("loaded object", loaded, loaded::close).name("runs"),
                    new Scenario("opened, never loaded", opened, opened::close).name("runs"));
        });
        FIXTURES.put(BpfMap.class, () -> {
            BpfMap own = createTable("t_uac_own");
            BpfObject obj = BpfObject.openResource(TRUST).load();
            BpfMap ofObject = obj.map("table");
            BpfMap mmapable = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(8)
                    .flags(MapFlag.MMAPABLE).name("t_uac_mm"));
            mmapable.mmap();
            List<Scenario> scenarios = new ArrayList<Scenario>(Arrays.asList(
                    new Scenario("map on its own (HASH 8/8), closed itself", own, own::close).name("table"),
                    new Scenario("map of an object, object closed", ofObject, obj::close, obj).name("table"),
                    new Scenario("mmapped ARRAY on its own", mmapable, mmapable::close).name("t_uac_mm")));
            if (Kernel.arenasRefusal() == null) {
                BpfMap arena = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                        .name("t_uac_arena"));
                arena.arena();
                scenarios.add(new Scenario("ARENA map on its own, mapped", arena, arena::close).name("t_uac_arena"));
            }
            return scenarios;
        });
        FIXTURES.put(BpfMap.BatchCursor.class, () -> {
            BpfMap own = createTable("t_uac_cur");
            BpfMap.BatchCursor cursor = own.batchCursor();
            return Collections.singletonList(new Scenario("cursor of a closed map", cursor, own::close, own));
        });
        FIXTURES.put(BpfProgram.class, () -> {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            BpfObject opened = BpfObject.openResource(TRUST);
            // "lo" exists: attachXdp's interface lookup succeeds, so the closed check is what answers.
            Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
            LEFTOVERS.add(fs);
            BpfObject pinner = BpfObject.openResource(TRUST).load();
            pinner.program("count_packet").pin(fs.resolve("count_packet"));
            pinner.close();
            BpfProgram own = io.github.bpf4j.Pins.openProgram(fs.resolve("count_packet"));
            return Arrays.asList(new Scenario("program of a loaded object", obj.program("count_packet"), obj::close,
                            obj).name("lo"),
                    new Scenario("program of an object never loaded", opened.program("count_packet"), opened::close,
                            opened).name("lo"),
                    new Scenario("program on its own (from a pin), closed itself", own, own::close).name("lo"));
        });
        FIXTURES.put(BpfLink.class, () -> {
            String dev = Dummy.create();
            BpfObject obj = BpfObject.openResource(TRUST).load();
            BpfLink direct = obj.program("count_packet").attachXdp(dev, io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB));
            BpfObject second = BpfObject.openResource(TRUST).load();
            BpfLink objectFirst = second.program("count_packet").attachXdp(Dummy.create(),
                    io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB));
            return Arrays.asList(new Scenario("XDP link (generic mode), closed before its object", direct, () -> {
                direct.close();
                obj.close();
            }, obj).name(dev), new Scenario("XDP link whose object was closed first", objectFirst, () -> {
                second.close();
                objectFirst.close();
            }, second).name(dev), attached(), onItsOwn(), structOps());
        });
        FIXTURES.put(io.github.bpf4j.BpfStats.class, () -> {
            io.github.bpf4j.Kernel.requireSysAdmin("Bpf4j.enableStats");
            io.github.bpf4j.BpfStats stats = io.github.bpf4j.Bpf4j.enableStats();
            return Collections.singletonList(new Scenario("run-time statistics handle", stats, stats::close));
        });
        FIXTURES.put(io.github.bpf4j.link.Iter.class, () -> {
            BpfMap own = createTable("t_uac_iter");
            io.github.bpf4j.link.Iter iter = io.github.bpf4j.link.Iter.of().map(own);
            return Collections.singletonList(new Scenario("iterator point of a closed map", iter, own::close, own));
        });
        FIXTURES.put(TracePipe.class, () -> {
            TracePipe pipe = openTracePipe();
            return Collections.singletonList(new Scenario("trace pipe", pipe, pipe::close));
        });
        FIXTURES.put(BpfArena.class, () -> {
            Kernel.assumeArenas();
            BpfMap own = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                    .name("t_uac_arena"));
            BpfObject obj = BpfObject.openResource(ARENA_GLOBALS).load();
            BpfArena ofObject = arenaOf(obj);
            return Arrays.asList(new Scenario("arena of a map on its own", own.arena(), own::close, own),
                    new Scenario("arena of an object", ofObject, obj::close, obj, ofObject.map()));
        });
        FIXTURES.put(ArenaRegion.class, () -> {
            Kernel.assumeArenas();
            BpfMap own = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                    .name("t_uac_arena"));
            BpfObject obj = BpfObject.openResource(ARENA_GLOBALS).load();
            BpfArena ofObject = arenaOf(obj);
            return Arrays.asList(new Scenario("region of a map on its own", own.arena().region(), own::close, own,
                            own.arena()),
                    new Scenario("region of an object's arena", ofObject.region(), obj::close, obj, ofObject,
                            ofObject.map()));
        });
        FIXTURES.put(TypedMap.class, () -> {
            BpfMap own = createTable("t_uac_typed");
            TypedMap<Long, Long> typed = TypedMap.of(own, Codec.int64(), Codec.int64());
            BpfObject obj = BpfObject.openResource(TRUST).load();
            TypedMap<Long, Long> ofObject = TypedMap.of(obj.map("table"), Codec.int64(), Codec.int64());
            return Arrays.asList(new Scenario("typed view of a map on its own", typed, own::close, own),
                    new Scenario("typed view of an object's map, object closed", ofObject, obj::close, obj,
                            ofObject.map()).name("table"));
        });
        FIXTURES.put(TypedMap.Primitive.class, () -> {
            BpfMap own = createTable("t_uac_prim");
            TypedMap.Primitive typed = TypedMap.primitive(own);
            return Collections.singletonList(new Scenario("primitive view of a map on its own", typed, own::close,
                    own));
        });
        FIXTURES.put(ArenaHashTable.class, () -> {
            Kernel.assumeArenas();
            BpfMap own = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                    .name("t_uac_htab"));
            ArenaRegion region = own.arena().region();
            ArenaHashTable table = ArenaHashTable.init(region, 0, 8, 8, 8);
            table.put(new byte[8], new byte[8]);
            return Collections.singletonList(new Scenario("hash table in an arena", table, own::close, own,
                    own.arena(), region));
        });
        FIXTURES.put(ArenaList.class, () -> {
            Kernel.assumeArenas();
            BpfMap own = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                    .name("t_uac_list"));
            ArenaRegion region = own.arena().region();
            ArenaList list = ArenaList.init(region, 0);
            list.pushFront(64, 7);
            return Collections.singletonList(new Scenario("list in an arena", list, own::close, own, own.arena(),
                    region));
        });
        FIXTURES.put(io.github.bpf4j.ringbuf.UserRingBuffer.class, () -> {
            BpfMap own = BpfMap.create(MapSpec.of(MapType.USER_RINGBUF).maxEntries(16384).name("t_uac_urb"));
            LEFTOVERS.add(own);
            io.github.bpf4j.ringbuf.UserRingBuffer ofOwn = own.userRingBuffer();
            BpfMap second = BpfMap.create(MapSpec.of(MapType.USER_RINGBUF).maxEntries(16384).name("t_uac_urb2"));
            io.github.bpf4j.ringbuf.UserRingBuffer reserved = second.userRingBuffer();
            reserved.reserve(8);
            BpfObject obj = BpfObject.openResource("bpf/user_ringbuf.bpf.o").load();
            io.github.bpf4j.ringbuf.UserRingBuffer ofObject = obj.map("user_ring").userRingBuffer();
            return Arrays.asList(new Scenario("user ring buffer, closed itself", ofOwn, ofOwn::close),
                    new Scenario("user ring buffer with a reservation outstanding, map closed", reserved,
                            second::close, second),
                    new Scenario("user ring buffer of an object, object closed", ofObject, obj::close, obj,
                            obj.map("user_ring")).name("user_ring"));
        });
        FIXTURES.put(RingBuffer.class, () -> {
            BpfMap own = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096).name("t_uac_rb"));
            LEFTOVERS.add(own);
            RingBuffer ring = own.ringBuffer();
            BpfMap polledMap = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096).name("t_uac_rbp"));
            LEFTOVERS.add(polledMap);
            RingBuffer polled = polledMap.ringBuffer();
            polled.poll(1, TimeUnit.MILLISECONDS, r -> { }); // with its epoll set and eventfd
            BpfMap mapFirst = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096).name("t_uac_rbm"));
            RingBuffer ofClosedMap = mapFirst.ringBuffer();
            return Arrays.asList(new Scenario("ring buffer of a map on its own, closed itself", ring, ring::close)
                            .name("t_uac_rb"),
                    new Scenario("ring buffer that polled, closed itself", polled, polled::close).name("t_uac_rbp"),
                    new Scenario("ring buffer whose map was closed first", ofClosedMap, () -> {
                        mapFirst.close();
                        ofClosedMap.close();
                    }, mapFirst).name("t_uac_rbm"));
        });
        FIXTURES.put(io.github.bpf4j.ringbuf.PerfBuffer.class, () -> {
            int cpus = BpfMap.possibleCpus();
            BpfMap own = BpfMap.create(MapSpec.of(MapType.PERF_EVENT_ARRAY).keySize(4).valueSize(4).maxEntries(cpus)
                    .name("t_uac_pb"));
            LEFTOVERS.add(own);
            io.github.bpf4j.ringbuf.PerfBuffer pb = own.perfBuffer();
            BpfMap polledMap = BpfMap.create(MapSpec.of(MapType.PERF_EVENT_ARRAY).keySize(4).valueSize(4)
                    .maxEntries(cpus).name("t_uac_pbp"));
            LEFTOVERS.add(polledMap);
            io.github.bpf4j.ringbuf.PerfBuffer polled = polledMap.perfBuffer(
                    new io.github.bpf4j.ringbuf.PerfBufferOptions().pagesPerCpu(1));
            polled.poll(1, TimeUnit.MILLISECONDS, r -> { });
            BpfObject obj = BpfObject.openResource("bpf/perf_output.bpf.o").load();
            io.github.bpf4j.ringbuf.PerfBuffer ofObject = obj.map("events").perfBuffer();
            return Arrays.asList(new Scenario("perf buffer of a map on its own, closed itself", pb, pb::close)
                            .name("t_uac_pb"),
                    new Scenario("perf buffer that polled, closed itself", polled, polled::close).name("t_uac_pbp"),
                    new Scenario("perf buffer of an object, object closed", ofObject, obj::close, obj,
                            obj.map("events")).name("events"));
        });
        FIXTURES.put(RingBufferPoller.class, () -> {
            BpfMap own = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096).name("t_uac_rbq"));
            LEFTOVERS.add(own);
            RingBufferPoller poller = new RingBufferPoller().add(own.ringBuffer(), r -> { });
            RingBufferPoller empty = new RingBufferPoller();
            return Arrays.asList(new Scenario("poller over a ring, closed", poller, poller::close),
                    new Scenario("poller never given a ring, closed", empty, empty::close));
        });
        FIXTURES.put(io.github.bpf4j.link.Anchor.class, () -> {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            io.github.bpf4j.link.Anchor a = io.github.bpf4j.link.Anchor.program(obj.program("count_packet"));
            BpfObject second = BpfObject.openResource(TRUST).load();
            BpfLink link = second.program("count_packet").attachXdp(Dummy.create(),
                    io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB));
            io.github.bpf4j.link.Anchor l = io.github.bpf4j.link.Anchor.link(link);
            return Arrays.asList(new Scenario("anchor of a program whose object is closed", a, obj::close, obj,
                    obj.program("count_packet")), new Scenario("anchor of a closed link", l, () -> {
                        link.close();
                        second.close();
                    }, link, second));
        });
        FIXTURES.put(io.github.bpf4j.link.Tcx.class, () -> {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            io.github.bpf4j.link.Anchor a = io.github.bpf4j.link.Anchor.program(obj.program("count_packet"));
            return Collections.singletonList(new Scenario("tcx point anchored to a closed program",
                    io.github.bpf4j.link.Tcx.egress("lo").before(a), obj::close, obj, a).name("lo"));
        });
        FIXTURES.put(io.github.bpf4j.link.Netkit.class, () -> {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            io.github.bpf4j.link.Anchor a = io.github.bpf4j.link.Anchor.program(obj.program("count_packet"));
            return Collections.singletonList(new Scenario("netkit point anchored to a closed program",
                    io.github.bpf4j.link.Netkit.primary("lo").after(a), obj::close, obj, a).name("lo"));
        });
        FIXTURES.put(io.github.bpf4j.link.Sockmap.class, () -> {
            BpfMap own = createTable("t_uac_sockmap");
            return Collections.singletonList(new Scenario("sockmap point of a closed map",
                    io.github.bpf4j.link.Sockmap.of(own), own::close, own));
        });
        FIXTURES.put(io.github.bpf4j.link.Xdp.class, () -> {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            return Collections.singletonList(new Scenario("xdp point replacing a closed program",
                    io.github.bpf4j.link.Xdp.on("lo").replacing(obj.program("count_packet")), obj::close, obj,
                    obj.program("count_packet")).name("lo"));
        });
        FIXTURES.put(io.github.bpf4j.link.Cgroup.class, () -> {
            io.github.bpf4j.link.TestCgroup cg = io.github.bpf4j.link.TestCgroup.create(); // may skip: first
            BpfObject o;
            BpfProgram p;
            BpfLink link;
            try {
                o = BpfObject.openResource("bpf/cgroup_hooks.bpf.o").load();
                p = o.program("count_egress");
                link = p.attach(io.github.bpf4j.link.Cgroup.at(cg.path()));
                link.close();
            } finally {
                cg.close();
            }
            io.github.bpf4j.link.Cgroup point = io.github.bpf4j.link.Cgroup.at("/sys/fs/cgroup").legacy()
                    .flags(io.github.bpf4j.link.CgroupFlag.ALLOW_MULTI).replacing(p).before(p);
            return Collections.singletonList(new Scenario("cgroup point naming a closed program", point, o::close,
                    p, o, link));
        });
        FIXTURES.put(MapSpec.class, () -> {
            BpfMap inner = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(1)
                    .name("t_uac_inner"));
            MapSpec spec = MapSpec.of(MapType.ARRAY_OF_MAPS).keySize(4).valueSize(4).maxEntries(1).innerMap(inner)
                    .name("t_uac_outer");
            return Collections.singletonList(new Scenario("spec whose inner map is closed", spec, inner::close,
                    inner));
        });
    }

    @AfterAll
    static void cleanUp() throws Exception {
        for (AutoCloseable c : LEFTOVERS) {
            c.close();
        }
        Dummy.deleteAll();
    }

    private static RingBuffer liveRing;

    /** An open ring for RingBufferPoller.add: a closed poller must refuse before it looks at the ring. */
    private static RingBuffer liveRing() {
        if (liveRing == null) {
            BpfMap m = BpfMap.create(MapSpec.of(MapType.RINGBUF).maxEntries(4096).name("t_uac_rbl"));
            LEFTOVERS.add(m);
            liveRing = m.ringBuffer();
        }
        return liveRing;
    }

    private static BpfMap createTable(String name) {
        return BpfMap.create(MapSpec.of(MapType.HASH).keySize(8).valueSize(8).maxEntries(64).name(name));
    }

    private static BpfArena arenaOf(BpfObject obj) {
        for (BpfMap m : obj.maps()) {
            if (m.type() == MapType.ARENA) {
                return m.arena();
            }
        }
        throw new AssertionError(obj + " has no arena");
    }

    static TracePipe openTracePipe() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            try {
                return TracePipe.open();
            } catch (BpfException e) {
                if (!"EBUSY".equals(e.errnoName()) || System.nanoTime() > deadline) {
                    Assumptions.assumeTrue(false, "the trace pipe stays busy (another test or process reads it): "
                            + e.getMessage());
                }
                Thread.sleep(100);
            }
        }
    }

    @Test
    void everyHandleTypeHasAFixture() throws Exception {
        List<Class<?>> types = HandleTypes.publicHandleTypes();
        List<String> missing = new ArrayList<String>();
        for (Class<?> t : types) {
            if (!FIXTURES.containsKey(t)) {
                missing.add(t.getName());
            }
        }
        assertTrue(missing.isEmpty(), "handle types without a use-after-close fixture in " + getClass().getSimpleName()
                + " (add one, and its harmless methods if any): " + missing);
        // The scan itself must work: it finds the closeable handles we know.
        assertTrue(types.containsAll(Arrays.asList(BpfObject.class, BpfMap.class, BpfLink.class, TracePipe.class,
                BpfProgram.class, BpfArena.class, ArenaRegion.class)), "scan found only " + types);
    }

    @TestFactory
    List<DynamicTest> everyPublicMethodAfterClose() throws Exception {
        Kernel.requireBpf();
        List<DynamicTest> tests = new ArrayList<DynamicTest>();
        final List<Class<?>> api = new ArrayList<Class<?>>();
        for (Class<?> c : HandleTypes.allClasses()) {
            if (HandleTypes.isPublicApi(c)) {
                api.add(c);
            }
        }
        for (final Map.Entry<Class<?>, Fixture> e : FIXTURES.entrySet()) {
            tests.add(DynamicTest.dynamicTest(e.getKey().getSimpleName(), () -> checkType(e.getKey(), e.getValue(),
                    api)));
        }
        return tests;
    }

    private void checkType(Class<?> type, Fixture fixture, List<Class<?>> api) throws Exception {
        List<Scenario> scenarios = fixture.make();
        List<String> failures = new ArrayList<String>();
        int calls = 0;
        for (Scenario s : scenarios) {
            assertTrue(type.isInstance(s.instance), s.label + " is not a " + type);
            s.close.run();
            s.close.run(); // idempotent
            // Static calls first: instance methods include builders (MapSpec) that change the instance.
            for (Class<?> c : api) {
                for (Method m : sorted(c.getMethods())) {
                    if (Modifier.isStatic(m.getModifiers()) && m.getDeclaringClass() == c && takesClosed(m, s)) {
                        calls++;
                        check(c, s, m, null, failures);
                    }
                }
            }
            for (Method m : methodsOf(type)) {
                calls++;
                check(type, s, m, s.instance, failures);
            }
        }
        System.out.println(type.getSimpleName() + ": " + calls + " calls after close in " + scenarios.size()
                + " scenario(s), " + failures.size() + " wrong");
        assertTrue(failures.isEmpty(), type.getSimpleName() + " after close:\n  " + String.join("\n  ", failures));
        assertTrue(calls > 0, "no method of " + type + " was called");
    }

    /** Public instance methods, the inherited ones of the library included; Object's only where overridden. */
    static List<Method> methodsOf(Class<?> type) {
        List<Method> out = new ArrayList<Method>();
        for (Method m : sorted(type.getMethods())) {
            if (Modifier.isStatic(m.getModifiers()) || m.isSynthetic() || m.isBridge()) {
                continue;
            }
            if (!m.getDeclaringClass().getName().startsWith("io.github.bpf4j")) {
                continue; // Object's methods, and Iterable.forEach/spliterator defaults (covered by iterator())
            }
            out.add(m);
        }
        return out;
    }

    private static List<Method> sorted(Method[] methods) {
        List<Method> list = new ArrayList<Method>(Arrays.asList(methods));
        Collections.sort(list, new Comparator<Method>() {
            @Override
            public int compare(Method a, Method b) {
                return a.toString().compareTo(b.toString());
            }
        });
        return list;
    }

    private static boolean takesClosed(Method m, Scenario s) {
        for (Class<?> p : m.getParameterTypes()) {
            if (p == Object.class) {
                continue;
            }
            for (Object c : s.closed) {
                if (p.isInstance(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void check(Class<?> type, Scenario s, Method m, Object target, List<String> failures) {
        String what = s.label + ": " + type.getSimpleName() + "." + m.getName()
                + Arrays.toString(m.getParameterTypes()).replace("class ", "").replace("java.nio.", "")
                        .replace("io.github.bpf4j.", "");
        boolean harmless = target != null && isHarmless(type, m);
        Object[] args;
        try {
            args = arguments(m, s);
        } catch (RuntimeException e) {
            failures.add(what + ": the test cannot synthesise its arguments: " + e);
            return;
        }
        Object result;
        try {
            result = m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof IllegalStateException && !(t instanceof ArenaHashTable.TableFullException)) {
                if (t.getMessage() == null || !t.getMessage().contains("closed")) {
                    failures.add(what + ": IllegalStateException without saying 'closed': " + t.getMessage());
                }
                return;
            }
            failures.add(what + ": threw " + t);
            return;
        } catch (IllegalAccessException e) {
            failures.add(what + ": " + e);
            return;
        }
        if (harmless) {
            return;
        }
        // A lazy view (keys()) may defer the check to its use: using it must throw.
        if (result instanceof Iterable || result instanceof Iterator) {
            try {
                Iterator<?> it = result instanceof Iterable ? ((Iterable<?>) result).iterator() : (Iterator<?>) result;
                it.hasNext();
                it.next();
                failures.add(what + ": returned a view that still works after close");
            } catch (IllegalStateException e) {
                return;
            } catch (RuntimeException e) {
                failures.add(what + ": returned a view whose use threw " + e);
            }
            return;
        }
        // A view over a closed handle (ArenaList.at reads nothing yet) must refuse its first real use.
        if (result != null && FIXTURES.containsKey(result.getClass())) {
            String refused = firstUseRefused(result);
            if (refused != null) {
                failures.add(what + ": returned " + result + ", and " + refused);
            }
            return;
        }
        failures.add(what + ": returned " + describe(result) + " instead of throwing IllegalStateException");
    }

    /** Null if the view's first non-harmless no-argument method throws IllegalStateException; else what it did. */
    private static String firstUseRefused(Object view) {
        for (Method m : methodsOf(view.getClass())) {
            if (m.getParameterCount() != 0 || isHarmless(view.getClass(), m)) {
                continue;
            }
            try {
                Object r = m.invoke(view);
                return m.getName() + "() on it returned " + describe(r);
            } catch (InvocationTargetException e) {
                return e.getCause() instanceof IllegalStateException ? null
                        : m.getName() + "() on it threw " + e.getCause();
            } catch (IllegalAccessException e) {
                return e.toString();
            }
        }
        return "it has no method to use";
    }

    private static String describe(Object result) {
        if (result instanceof byte[]) {
            return Arrays.toString((byte[]) result);
        }
        return String.valueOf(result);
    }

    private static boolean isHarmless(Class<?> type, Method m) {
        String n = m.getName();
        if (m.getParameterCount() == 0 && (n.equals("toString") || n.equals("hashCode"))) {
            return true;
        }
        if (n.equals("equals") && m.getParameterCount() == 1) {
            return true;
        }
        List<String> allowed = HARMLESS.get(type);
        return allowed != null && allowed.contains(n);
    }

    /** Valid-looking arguments: right sizes for the 8-byte keys and values of the fixtures, names that exist. */
    private Object[] arguments(Method m, Scenario s) throws RuntimeException {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            args[i] = argument(types[i], s, m, i);
        }
        return args;
    }

    private Object argument(Class<?> t, Scenario s, Method m, int index) {
        if (t != Object.class) {
            for (Object c : s.closed) {
                if (t.isInstance(c)) {
                    return c;
                }
            }
        }
        if (t == io.github.bpf4j.link.AttachPoint.class) {
            // Any hook: a closed handle refuses before the point is looked at.
            return io.github.bpf4j.link.Tracepoint.of("syscalls", "sys_enter_write");
        }
        if (t == int.class) {
            // Sizes where a size is asked for; else offsets, CPUs, flags: 0 is valid.
            return smallInt(m, index);
        }
        if (t == long.class) {
            return 0L;
        }
        if (t == boolean.class) {
            return false;
        }
        if (t == byte.class) {
            return (byte) 1;
        }
        if (t == short.class) {
            return (short) 1;
        }
        if (t == float.class) {
            return 1f;
        }
        if (t == double.class) {
            return 1d;
        }
        if (t == io.github.bpf4j.link.AttachPoint.class) {
            return io.github.bpf4j.link.Tcx.egress("lo"); // any point: a closed program refuses before the hook matters
        }
        if (t == io.github.bpf4j.link.Anchor.class) {
            return io.github.bpf4j.link.Anchor.programId(1);
        }
        if (t == io.github.bpf4j.link.XdpMode.class) {
            return io.github.bpf4j.link.XdpMode.SKB;
        }
        if (t == byte[].class) {
            return new byte[8];
        }
        if (t == byte[][].class) {
            byte[][] perCpu = new byte[BpfMap.possibleCpus()][];
            for (int i = 0; i < perCpu.length; i++) {
                perCpu[i] = new byte[8];
            }
            return perCpu;
        }
        if (t == ByteBuffer.class) {
            return ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        }
        if (t == String.class) {
            return s.name;
        }
        if (t == Path.class) {
            return scratchPath();
        }
        if (t == TimeUnit.class) {
            return TimeUnit.MILLISECONDS;
        }
        if (t == TestRun.class) {
            return new TestRun().dataIn(Kernel.packet(1, 2, 3));
        }
        if (t == io.github.bpf4j.link.CgroupHook.class) {
            return io.github.bpf4j.link.CgroupHook.EGRESS;
        }
        if (t == io.github.bpf4j.link.CgroupFlag[].class) {
            return new io.github.bpf4j.link.CgroupFlag[] {io.github.bpf4j.link.CgroupFlag.ALLOW_MULTI};
        }
        if (t == java.util.Set.class) {
            return Collections.emptySet(); // a set of any element type
        }
        if (t == io.github.bpf4j.link.AttachPoint.class) {
            return io.github.bpf4j.link.Cgroup.at("/sys/fs/cgroup");
        }
        if (t == io.github.bpf4j.link.XdpOptions.class) {
            return io.github.bpf4j.link.XdpOptions.defaults().mode(io.github.bpf4j.link.XdpMode.SKB);
        }
        if (t == Codec.class) {
            return Codec.int64();
        }
        if (t == MapType.class) {
            return MapType.HASH;
        }
        if (t == UpdateMode.class) {
            return UpdateMode.ANY;
        }
        if (t == ElementFlags.class) {
            return ElementFlags.NONE;
        }
        if (t == MapFlag[].class) {
            return new MapFlag[0];
        }
        if (t == java.util.Collection.class) {
            return java.util.Collections.emptySet(); // MapSpec.flags(Collection<MapFlag>)
        }
        if (t == MapSpec.class) {
            return MapSpec.of(MapType.HASH).keySize(8).valueSize(8).maxEntries(4).name("t_uac_spec");
        }
        if (t == BpfMap.class) {
            return liveMap();
        }
        if (t == BpfProgram.class) {
            return liveProgram();
        }
        if (t == io.github.bpf4j.link.AttachPoint.class) {
            return io.github.bpf4j.link.Iter.of(); // a closed program must refuse before it looks at the point
        }
        if (t == io.github.bpf4j.link.CgroupIterOrder.class) {
            return io.github.bpf4j.link.CgroupIterOrder.SELF_ONLY;
        }
        if (t == OffsetRecordHandler.class) {
            return (OffsetRecordHandler) (data, offset, length) -> { };
        }
        if (t == RecordHandler.class) {
            return (RecordHandler) r -> { };
        }
        if (t == RingBuffer.class) {
            return liveRing();
        }
        if (t == io.github.bpf4j.ringbuf.PerfBufferOptions.class) {
            return new io.github.bpf4j.ringbuf.PerfBufferOptions();
        }
        if (t == BpfMap.BatchCursor.class) {
            return liveMap().batchCursor(); // a closed map must refuse before it looks at the cursor
        }
        if (t == Object.class) {
            return Long.valueOf(1); // the fixtures' typed views are Long -> Long
        }
        throw new IllegalArgumentException("no argument for a " + t.getName() + " parameter: teach "
                + getClass().getSimpleName() + ".argument()");
    }

    private static int smallInt(Method m, int index) {
        String n = m.getName();
        Class<?>[] p = m.getParameterTypes();
        // slice(offset, length), get/put(offset, array, arrayOffset, length) and friends: a length of 8.
        if (index == p.length - 1 && index > 0 && (n.equals("slice") || n.startsWith("get") || n.startsWith("put")
                || n.startsWith("read") || n.startsWith("write"))) {
            return 8;
        }
        if (n.equals("thread") || n.equals("process")) {
            return 1; // Iter: a thread or process id
        }
        if (n.equals("init") || n.equals("at") || n.equals("bytesNeeded")) {
            return 8; // capacity, key size, value size of an arena hash table
        }
        return 0;
    }

    private static synchronized BpfMap liveMap() {
        if (liveMap == null) {
            liveMap = createTable("t_uac_live");
            LEFTOVERS.add(liveMap);
        }
        return liveMap;
    }

    private static synchronized Path scratchPath() {
        if (scratch == null) {
            scratch = tmp.resolve("not-bpffs").resolve("pin-" + Procs.pid());
        }
        return scratch;
    }

    // ---- stale buffers

    @Test
    void mmapBufferOfAClosedObjectReadsZeroAndKeepsWritesPrivate() {
        Kernel.requireBpf();
        BpfObject obj = BpfObject.openResource(TRUST).load();
        ByteBuffer buf = obj.map("mapped").mmap();
        ByteBuffer runs = obj.global("runs");
        buf.putLong(8, 0x1111);
        runs.putLong(0, 0x2222);
        assertEquals(0x1111, ByteBuffer.wrap(obj.map("mapped").lookup(key4(1))).order(ByteOrder.nativeOrder())
                .getLong(0), "the mapping is the map");
        obj.close();
        // Detached: private zero pages now, never the kernel's memory, never a fault.
        assertEquals(0, buf.getLong(8));
        assertEquals(0, runs.getLong(0));
        for (int i = 0; i + 8 <= buf.capacity(); i += 8) {
            buf.putLong(i, 0x5a5a5a5a5a5a5a5aL);
            assertEquals(0x5a5a5a5a5a5a5a5aL, buf.getLong(i));
        }
        runs.putLong(0, 7);
        assertEquals(7, runs.getLong(0));
        // A fresh object's memory is its own: the stale writes never reach it.
        try (BpfObject again = BpfObject.openResource(TRUST).load()) {
            ByteBuffer fresh = again.map("mapped").mmap();
            for (int i = 0; i + 8 <= fresh.capacity(); i += 8) {
                assertEquals(0, fresh.getLong(i), "offset " + i);
            }
            assertEquals(0, again.global("runs").getLong(0));
        }
    }

    @Test
    void mmapBufferOfAClosedMapReadsZero() {
        Kernel.requireBpf();
        BpfMap map = BpfMap.create(MapSpec.of(MapType.ARRAY).keySize(4).valueSize(8).maxEntries(8)
                .flags(MapFlag.MMAPABLE).name("t_uac_mm"));
        ByteBuffer buf = map.mmap();
        ByteBuffer second = map.mmap();
        buf.putLong(0, 42);
        assertEquals(42, second.getLong(0));
        map.close();
        assertEquals(0, buf.getLong(0));
        assertEquals(0, second.getLong(0));
        buf.putLong(0, 43);
        assertEquals(43, buf.getLong(0));
        assertEquals(43, second.getLong(0), "views of one mapping stay one (private) memory");
        assertThrows(IllegalStateException.class, map::mmap);
    }

    @Test
    void arenaSlicesAndArenaGlobalsAfterClose() {
        Kernel.requireBpf();
        Kernel.assumeArenas();
        BpfMap own = BpfMap.create(MapSpec.of(MapType.ARENA).maxEntries(4).flags(MapFlag.MMAPABLE)
                .name("t_uac_arena"));
        ArenaRegion region = own.arena().region();
        ByteBuffer slice = region.slice(4096, 64);
        slice.putLong(0, 99);
        assertEquals(99, region.getLong(4096));
        own.close();
        assertEquals(0, slice.getLong(0));
        slice.putLong(8, 5);
        assertEquals(5, slice.getLong(8));
        assertThrows(IllegalStateException.class, () -> region.getLong(4096));
        assertThrows(IllegalStateException.class, () -> region.slice(0, 8));

        BpfObject obj = BpfObject.openResource(ARENA_GLOBALS).load();
        ByteBuffer answer = obj.global("g_answer");
        ByteBuffer values = obj.global("g_values");
        assertEquals(42, answer.getInt(0));
        assertEquals(22, values.getLong(8));
        obj.close();
        assertEquals(0, answer.getInt(0));
        assertEquals(0, values.getLong(8));
        values.putLong(8, 1);
        assertEquals(1, values.getLong(8));
        assertThrows(IllegalStateException.class, () -> obj.global("g_answer"));
        try (BpfObject again = BpfObject.openResource(ARENA_GLOBALS).load()) {
            assertEquals(22, again.global("g_values").getLong(8), "a new object starts from its initial values");
            assertEquals(42, again.global("g_answer").getInt(0));
        }
    }

    @Test
    void objectMapsAndProgramsRefuseOnceTheirObjectIsClosed() {
        Kernel.requireBpf();
        BpfObject obj = BpfObject.openResource(TRUST).load();
        List<BpfMap> maps = obj.maps();
        List<BpfProgram> programs = obj.programs();
        obj.close();
        assertFalse(maps.isEmpty());
        for (BpfMap m : maps) {
            assertThrows(IllegalStateException.class, m::fd, m.name());
            assertThrows(IllegalStateException.class, m::info, m.name());
        }
        for (BpfProgram p : programs) {
            assertThrows(IllegalStateException.class, p::testRun, p.name());
        }
        assertNotNull(obj.toString());
        assertTrue(obj.toString().contains("closed"), obj.toString());
    }

    private static byte[] key4(int k) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(k).array();
    }

    /** A network device of this JVM for links (dummy, else a veth pair); deleted after the class. */
    static final class Dummy {
        private static final List<String> CREATED = new ArrayList<String>();

        static synchronized String create() throws Exception {
            // Random, not the pid: runs in other pid namespaces share this network namespace.
            String name = String.format("b4ju%06x%d", new java.util.Random().nextInt(1 << 24), CREATED.size());
            if (run("ip", "link", "add", name, "type", "dummy") != 0) {
                Assumptions.assumeTrue(run("ip", "link", "add", name, "type", "veth", "peer", "name", name + "p") == 0,
                        "cannot create a dummy or veth network device (ip link add)");
            }
            CREATED.add(name);
            assertEquals(0, run("ip", "link", "set", name, "up"));
            // attachXdp finds devices through java.net.NetworkInterface, which lists only devices with an address.
            assertEquals(0, run("ip", "addr", "add", "198.18." + (Procs.pid() % 250) + "." + (CREATED.size() + 1)
                    + "/32", "dev", name));
            return name;
        }

        static synchronized void deleteAll() throws Exception {
            for (String name : CREATED) {
                run("ip", "link", "del", name);
            }
            CREATED.clear();
        }

        static int run(String... command) throws Exception {
            return Procs.run(command);
        }
    }

    /** A link opened from a pin: on its own, owning its fd, with no program handle. */
    private static Scenario onItsOwn() throws Exception {
        Kernel.PrivateBpfFs fs = Kernel.privateBpfFs();
        LEFTOVERS.add(fs);
        BpfObject obj = BpfObject.openResource("bpf/trust_trace.bpf.o").load();
        BpfLink made = obj.program("on_getppid").attach();
        made.pin(fs.resolve("uac_link"));
        made.close();
        obj.close();
        BpfLink own = BpfLink.openPinned(fs.resolve("uac_link"));
        return new Scenario("link on its own (from a pin), closed itself", own, own::close);
    }

    /** A struct_ops link (no program; keeps its map's object reachable), closed before its object. */
    private static Scenario structOps() {
        BpfObject obj = BpfObject.openResource("bpf/sys_struct_ops.bpf.o").load();
        BpfLink link = obj.map("bpf4j_cc").attachStructOps();
        return new Scenario("struct_ops link, closed before its object", link, () -> {
            link.close();
            obj.close();
        }, obj);
    }

    private static BpfProgram liveProgram;

    /** An open program for BpfLink.update: a closed link must refuse before it looks at the program. */
    private static synchronized BpfProgram liveProgram() {
        if (liveProgram == null) {
            BpfObject obj = BpfObject.openResource(TRUST).load();
            LEFTOVERS.add(obj);
            liveProgram = obj.program("count_packet");
        }
        return liveProgram;
    }

    /** A link libbpf made with BpfProgram.attach() (a tracepoint), owning a struct bpf_link rather than an fd. */
    private static Scenario attached() {
        BpfObject obj = BpfObject.openResource("bpf/trust_trace.bpf.o").load();
        BpfLink link = obj.program("on_getppid").attach();
        return new Scenario("tracepoint link from attach(), closed before its object", link, () -> {
            link.close();
            obj.close();
        }, obj);
    }
}
