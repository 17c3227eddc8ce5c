package io.github.bpf4j.examples.writes;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfObject;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.ringbuf.RingBuffer;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * Counts this JVM's write(2) calls in the kernel: writes MARKED times a
 * block of a size nobody else uses to /dev/null, and exits 0 once the ring
 * buffer has delivered all of them (1 when it did not, 2 without privileges).
 */
public final class Main {
    private static final int MARKED = 20;
    private static final int MARK_SIZE = 4099;

    public static void main(String[] args) throws IOException, InterruptedException {
        int pid = Integer.parseInt(new File("/proc/self").getCanonicalFile().getName());
        Object dev = Files.getAttribute(Paths.get("/proc/self/ns/pid"), "unix:dev");
        Object ino = Files.getAttribute(Paths.get("/proc/self/ns/pid"), "unix:ino");
        try (BpfObject obj = BpfObject.openResource("io/github/bpf4j/examples/writes/write_counter.bpf.o")) {
            obj.setGlobal("target_pid", bytes(4).putInt(0, pid).array());
            obj.setGlobal("pidns_dev", bytes(8).putLong(0, ((Number) dev).longValue()).array());
            obj.setGlobal("pidns_ino", bytes(8).putLong(0, ((Number) ino).longValue()).array());
            obj.load();
            RingBuffer events = obj.map("events").ringBuffer();
            int[] seen = {0};
            try (BpfLink link = obj.program("on_write").attach();
                 FileOutputStream devNull = new FileOutputStream("/dev/null")) {
                System.out.println("attached to " + link.target());
                byte[] block = new byte[MARK_SIZE];
                for (int i = 0; i < MARKED; i++) {
                    devNull.write(block);                   // one write(2) each
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (seen[0] < MARKED && System.nanoTime() < deadline) {
                    events.poll(100, TimeUnit.MILLISECONDS, r -> {
                        if (r.getLong(r.position() + 16) == MARK_SIZE) {
                            seen[0]++;
                        }
                    });
                }
            }
            ByteBuffer totals = ByteBuffer.wrap(obj.map("totals").lookup(bytes(4).array())).order(ByteOrder.nativeOrder());
            long dropped = obj.global("dropped").getLong(0);
            System.out.printf("pid %d: %d write(2) calls, %d bytes; %d of %d marked writes seen in the ring, %d dropped%n",
                    pid, totals.getLong(0), totals.getLong(8), seen[0], MARKED, dropped);
            if (seen[0] < MARKED) {
                System.err.println("write-counter: the ring buffer delivered " + seen[0] + " of " + MARKED
                        + " marked writes within 5 s" + (dropped > 0 ? " (" + dropped + " records dropped: ring full)" : ""));
                System.exit(1);
            }
        } catch (BpfPermissionException e) {
            System.err.println("write-counter: " + e.getMessage());     // says which capability is missing
            System.exit(2);
        } catch (BpfException e) {
            System.err.println("write-counter: " + e.getMessage());
            System.exit(1);
        }
    }

    private static ByteBuffer bytes(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.nativeOrder());
    }
}
