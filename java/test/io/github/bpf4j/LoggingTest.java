/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoggingTest {
    @BeforeEach
    void needsBpf() {
        Kernel.requireBpf();
    }

    @Test
    void libbpfDebugMessagesReachJavaUtilLoggingAtFine() {
        Logger logger = Logger.getLogger("io.github.bpf4j.libbpf");
        final List<LogRecord> records = new ArrayList<LogRecord>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Level old = logger.getLevel();
        logger.setLevel(Level.FINE);
        logger.addHandler(handler);
        try (BpfObject obj = BpfObject.openResource(ObjectTest.CORE).load()) {
            assertFalse(records.isEmpty());
            boolean sawMapCreation = false;
            for (LogRecord r : records) {
                assertFalse(r.getMessage().endsWith("\n"), "trailing newline stripped");
                if (r.getLevel() == Level.FINE && r.getMessage().contains("map 'counts'")) {
                    sawMapCreation = true;
                }
            }
            assertTrue(sawMapCreation, "libbpf's debug lines about map 'counts' arrive at FINE");
        } finally {
            logger.removeHandler(handler);
            logger.setLevel(old);
        }
    }

    @Test
    void customHandlerReplacesTheLoggerAndNullRestoresIt() {
        final List<String> seen = new ArrayList<String>();
        Bpf4j.setLibbpfLogHandler((level, message) -> seen.add(level + " " + message));
        try {
            BpfObject.openResource(ObjectTest.CORE).close();
            assertTrue(seen.stream().anyMatch(m -> m.startsWith("FINE libbpf: ")), seen.toString());
        } finally {
            Bpf4j.setLibbpfLogHandler(null);
        }
        int before = seen.size();
        BpfObject.openResource(ObjectTest.CORE).close();
        assertTrue(seen.size() == before, "the handler was uninstalled");
    }
}
