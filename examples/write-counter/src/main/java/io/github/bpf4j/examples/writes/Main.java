package io.github.bpf4j.examples.writes;

import io.github.bpf4j.BpfException;
import io.github.bpf4j.BpfLink;
import io.github.bpf4j.BpfPermissionException;
import io.github.bpf4j.ringbuf.RingBuffer;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * Counts this JVM's write(2) calls in the kernel through the generated
 * {@link WriteCounter} skeleton: writes {@value #MARKED} blocks of a size
 * nothing else here uses to /dev/null, and exits 0 once the ring buffer has
 * delivered all of them (1 when it did not, 2 without the privileges).
 */
public final class Main {
    private static final int MARKED = 20;
    private static final int MARK_SIZE = 4099;

    public static void main(String[] args) throws IOException {
        // this JVM as the program sees it: its PID in its own PID namespace (a container's or the host's)
        int pid = Integer.parseInt(new File("/proc/self").getCanonicalFile().getName());
        Path pidns = Paths.get("/proc/self/ns/pid");
        try (WriteCounter counter = WriteCounter.builder()
                .setTargetPid(pid)
                .setPidnsDev(((Number) Files.getAttribute(pidns, "unix:dev")).longValue())
                .setPidnsIno(((Number) Files.getAttribute(pidns, "unix:ino")).longValue())
                .load()) {
            RingBuffer events = counter.maps().events().ringBuffer();
            WriteEvent event = new WriteEvent();
            int[] seen = {0};
            try (BpfLink link = counter.programs().attachOnWrite();
                 FileOutputStream devNull = new FileOutputStream("/dev/null")) {
                System.out.println("attached to " + link.target());
                byte[] block = new byte[MARK_SIZE];
                for (int i = 0; i < MARKED; i++) {
                    devNull.write(block);                   // one write(2) each
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (seen[0] < MARKED && System.nanoTime() < deadline) {
                    events.poll(100, TimeUnit.MILLISECONDS, r -> {
                        if (event.wrap(r, r.position()).getBytes() == MARK_SIZE) {   // read in place
                            seen[0]++;
                        }
                    });
                }
            }
            Totals.Value totals = counter.maps().totals().get(0);
            long dropped = counter.bss().getDropped();
            System.out.printf("pid %d: %d write(2) calls, %d bytes; %d of %d marked writes seen in the ring, %d dropped%n",
                    pid, totals.calls, totals.bytes, seen[0], MARKED, dropped);
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
}
