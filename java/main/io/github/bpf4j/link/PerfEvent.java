/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

import java.util.Arrays;

/**
 * A sampling perf event, for a {@code SEC("perf_event")} program (type PERF_EVENT):
 * bpf4j opens the event ({@code perf_event_open}) on each CPU and attaches the program to
 * each ({@code bpf_program__attach_perf_event_opts}); the one {@link io.github.bpf4j.BpfLink}
 * returned owns them all, and closing it detaches every CPU's. The program runs on every
 * sample: {@link #frequency} times a second, or every {@link #period} events, per CPU.
 *
 * <pre>{@code
 * prog.attach(PerfEvent.software(PerfSoftwareEvent.CPU_CLOCK).frequency(99));
 * }</pre>
 *
 * Hardware events need a PMU (virtual machines often have none); software events always work.
 */
public final class PerfEvent extends TracingPoint {
    /** perf_event_attr.type values (uapi/linux/perf_event.h). */
    static final int TYPE_HARDWARE = 0;
    static final int TYPE_SOFTWARE = 1;

    private final int type;
    private final long config;
    private final String event;
    private final boolean frequency;
    private final long sample;
    private final int[] cpus; // null: every online CPU
    private final int pid;
    private final long cookie;

    private PerfEvent(int type, long config, String event, boolean frequency, long sample, int[] cpus, int pid,
            long cookie) {
        this.type = type;
        this.config = config;
        this.event = event;
        this.frequency = frequency;
        this.sample = sample;
        this.cpus = cpus;
        this.pid = pid;
        this.cookie = cookie;
    }

    /** A software event, sampled 99 times a second on every online CPU until {@link #frequency}/{@link #period} say otherwise. */
    public static PerfEvent software(PerfSoftwareEvent event) {
        if (event == null) {
            throw new NullPointerException("event is null");
        }
        return new PerfEvent(TYPE_SOFTWARE, event.ordinal(), "software/" + event.name().toLowerCase(java.util.Locale.ROOT),
                true, 99, null, -1, 0);
    }

    /** A hardware event (needs a PMU), sampled 99 times a second on every online CPU by default. */
    public static PerfEvent hardware(PerfHardwareEvent event) {
        if (event == null) {
            throw new NullPointerException("event is null");
        }
        return new PerfEvent(TYPE_HARDWARE, event.ordinal(), "hardware/" + event.name().toLowerCase(java.util.Locale.ROOT),
                true, 99, null, -1, 0);
    }

    /**
     * Any event {@code perf_event_open(2)} knows: its {@code perf_event_attr.type} (e.g. from
     * /sys/bus/event_source/devices/&lt;pmu&gt;/type) and {@code config}.
     */
    public static PerfEvent of(int type, long config) {
        if (type < 0) {
            throw new IllegalArgumentException("type " + type + ": must be >= 0");
        }
        return new PerfEvent(type, config, "type" + type + "/0x" + Long.toHexString(config), true, 99, null, -1, 0);
    }

    /** Samples {@code hz} times a second per CPU (at most kernel.perf_event_max_sample_rate). */
    public PerfEvent frequency(long hz) {
        if (hz <= 0) {
            throw new IllegalArgumentException("frequency " + hz + ": must be > 0");
        }
        return new PerfEvent(type, config, event, true, hz, cpus, pid, cookie);
    }

    /** Samples every {@code events} occurrences (for cpu-clock: nanoseconds). */
    public PerfEvent period(long events) {
        if (events <= 0) {
            throw new IllegalArgumentException("period " + events + ": must be > 0");
        }
        return new PerfEvent(type, config, event, false, events, cpus, pid, cookie);
    }

    /** Only these CPUs (default: every online CPU). */
    public PerfEvent cpus(int... cpus) {
        if (cpus == null) {
            throw new NullPointerException("cpus is null");
        }
        if (cpus.length == 0) {
            throw new IllegalArgumentException("cpus: give at least one");
        }
        for (int c : cpus) {
            if (c < 0) {
                throw new IllegalArgumentException("cpus: " + c + " is no CPU number");
            }
        }
        return new PerfEvent(type, config, event, frequency, sample, cpus.clone(), pid, cookie);
    }

    /** Only while process (or thread) {@code pid} runs (-1, the default: every task on those CPUs). */
    public PerfEvent pid(int pid) {
        return new PerfEvent(type, config, event, frequency, sample, cpus, requirePid(pid), cookie);
    }

    /** What {@code bpf_get_attach_cookie()} returns in the program (Linux 5.15+). */
    public PerfEvent cookie(long cookie) {
        return new PerfEvent(type, config, event, frequency, sample, cpus, pid, cookie);
    }

    /** perf_event_attr.type. */
    public int type() {
        return type;
    }

    /** perf_event_attr.config. */
    public long config() {
        return config;
    }

    /**
     * True: {@link #sample()} is a frequency ({@link #frequency}, perf_event_attr.freq); false: a period ({@link
     * #period}).
     */
    public boolean isFrequency() {
        return frequency;
    }

    /** The frequency in Hz, or the period. */
    public long sample() {
        return sample;
    }

    /** The CPUs (a copy), or null for every online CPU. */
    public int[] cpus() {
        return cpus == null ? null : cpus.clone();
    }

    /** The task set by {@link #pid(int)}; -1: every task on the CPUs. */
    public int pid() {
        return pid;
    }

    /** The cookie set by {@link #cookie(long)}; 0 unless set. */
    public long cookie() {
        return cookie;
    }

    /** {@code perf_event/software/cpu_clock@99Hz}. */
    @Override
    public String target() {
        return "perf_event/" + event + (frequency ? "@" + sample + "Hz" : "/" + sample);
    }

    @Override
    Object[] values() {
        return new Object[] {type, config, frequency, sample, cpus, pid, cookie};
    }

    @Override
    public String toString() {
        return "PerfEvent[" + target() + (cpus != null ? ", cpus " + Arrays.toString(cpus) : ", every online CPU")
                + pidText(pid) + cookieText(cookie) + "]";
    }
}
