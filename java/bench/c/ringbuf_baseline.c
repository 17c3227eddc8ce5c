/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C side of the ring buffer consumption benchmark: libbpf's own
 * consumer (ring_buffer__poll, or ring_buffer__consume in a busy loop) on
 * the records of test-bpf/ringbuf_bench.bpf.c, produced concurrently on the
 * other CPU. java/bench's RingBufferThroughput runs this between its own
 * rounds, with the same producer, record counts and CPUs.
 *
 *   bpf4j-bench-ringbuf <ringbuf_bench.bpf.o> <8|64|1024> <mode> <records> <rounds>
 *
 * mode: poll, consume, drain (the ring buffer), perf-poll, perf-drain (the
 * same through a perf event array and libbpf's perf_buffer__poll /
 * perf_buffer__consume, 16 MiB per CPU, a wake-up per sample: libbpf's
 * default).
 *
 * A round: the producer thread (CPU 0) runs the size's XDP program by
 * BPF_PROG_TEST_RUN, BATCH records per run and REPEAT runs per syscall,
 * until <records> were attempted (submit flags: 0 for poll, whose consumer
 * sleeps and needs the kernel's wake-up; BPF_RB_NO_WAKEUP for consume,
 * whose consumer spins); the main thread (CPU 1) consumes until it
 * has every record that was not dropped. The first round is a warm-up; each
 * other prints one line:
 *
 *   ringbuf c <mode> <size> <round> events_s X cpu_ns_per_event Y wall_ns_per_event Z records N drops D
 *
 * events/s and wall ns/event run from the producer's start to the return
 * of the call that consumed the last record; cpu ns/event is the consumer
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over the same span.
 *
 * drain takes the producer out of the measurement: the producer thread
 * fills three quarters of the ring and stops, then one ring_buffer__consume
 * drains it, timed alone (the records were written on CPU 0 and are read on
 * CPU 1, as in the concurrent modes); repeated until <records> were read.
 * Its cpu and wall ns/event are both the timed drains' time per record.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define BATCH 256u   /* records per program run (bpf_loop) */
#define REPEAT 64u   /* program runs per test-run syscall */
#define PRODUCER_CPU 0
#define CONSUMER_CPU 1
#define POLL_MS 10
#define RING_BYTES (16u << 20) /* bench_ring's max_entries */

struct consumer {
	uint64_t expected; /* next sequence number; the BPF side counts from 0 */
	uint64_t consumed;
	uint64_t out_of_order;
};

static int prog_fd, drops_fd;
static uint32_t submit_flags; /* BPF_RB_NO_WAKEUP for the busy consumer, else 0 */
static uint64_t records;
static atomic_int go, done;
static uint64_t target; /* records to consume this round, written before done */
static int ncpus;

static void die(const char *what, int err)
{
	fprintf(stderr, "ringbuf_baseline: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin(pthread_t thread, int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(thread, sizeof(set), &set);
	if (err)
		die("pthread_setaffinity_np", err);
}

static uint64_t drops_total(void)
{
	uint64_t values[ncpus], total = 0;
	uint32_t zero = 0;
	int i;

	if (bpf_map_lookup_elem(drops_fd, &zero, values))
		die("lookup drops", errno);
	for (i = 0; i < ncpus; i++)
		total += values[i];
	return total;
}

/* What the Java handler does too: read the sequence number, check it. */
static int on_record(void *ctx, void *data, size_t len)
{
	struct consumer *c = ctx;
	uint64_t seq = *(const uint64_t *)data;

	(void)len;
	if (seq != c->expected)
		c->out_of_order++;
	c->expected = seq + 1;
	c->consumed++;
	return 0;
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	on_record(ctx, data, size);
}

static uint64_t perf_lost;

static void on_lost(void *ctx, int cpu, __u64 n)
{
	(void)ctx;
	(void)cpu;
	perf_lost += n;
}

/* One consumer, libbpf's ring buffer or (perf-* modes) its perf buffer. */
static struct ring_buffer *rb;
static struct perf_buffer *pb;

static int consumer_poll(int timeout_ms)
{
	return pb ? perf_buffer__poll(pb, timeout_ms) : ring_buffer__poll(rb, timeout_ms);
}

static int consumer_consume(void)
{
	return pb ? perf_buffer__consume(pb) : ring_buffer__consume(rb);
}

static void *produce(void *arg)
{
	uint32_t ctl[2] = { BATCH, submit_flags };
	unsigned char packet[64] = { 0 };
	uint64_t attempted, drops_before = drops_total();
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = packet, .data_size_in = sizeof(packet),
		    .repeat = REPEAT);

	(void)arg;
	memcpy(packet, ctl, sizeof(ctl));
	while (!atomic_load_explicit(&go, memory_order_acquire))
		;
	for (attempted = 0; attempted < records; attempted += (uint64_t)BATCH * REPEAT) {
		int err = bpf_prog_test_run_opts(prog_fd, &opts);

		if (err)
			die("bpf_prog_test_run_opts", err);
		if (opts.retval != XDP_PASS)
			die("producer: XDP action is not XDP_PASS", EINVAL);
	}
	target = attempted - (drops_total() - drops_before);
	atomic_store_explicit(&done, 1, memory_order_release);
	return NULL;
}

static void round_once(struct consumer *c, int consume, const char *mode, unsigned size, int round)
{
	uint64_t first = c->consumed, drops_before = drops_total(), n, seen;
	int64_t t0, cpu0, last, cpu;
	pthread_t producer;
	int err;

	atomic_store(&go, 0);
	atomic_store(&done, 0);
	err = pthread_create(&producer, NULL, produce, NULL);
	if (err)
		die("pthread_create", err);
	pin(producer, PRODUCER_CPU);
	t0 = clock_ns(CLOCK_MONOTONIC);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	last = t0;
	atomic_store_explicit(&go, 1, memory_order_release);
	for (;;) {
		/* Counted by the callback: perf_buffer__poll answers rings, not records. */
		seen = c->consumed;
		err = consume ? consumer_consume() : consumer_poll(POLL_MS);
		if (err < 0)
			die(consume ? "consume" : "poll", err);
		if (c->consumed != seen)
			last = clock_ns(CLOCK_MONOTONIC);
		if (atomic_load_explicit(&done, memory_order_acquire) && c->consumed - first >= target)
			break;
	}
	cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	pthread_join(producer, NULL);
	n = c->consumed - first;
	if (n != target)
		die("consumed more records than were produced", EIO);
	if (c->out_of_order)
		die("records out of order or missing", EIO);
	if (round > 0)
		printf("ringbuf c %s %u %d events_s %.0f cpu_ns_per_event %.2f wall_ns_per_event %.2f"
		       " records %llu drops %llu\n",
		       mode, size, round, n * 1e9 / (double)(last - t0), (double)(cpu - cpu0) / (double)n,
		       (double)(last - t0) / (double)n, (unsigned long long)n,
		       (unsigned long long)(drops_total() - drops_before));
	fflush(stdout);
}

/* drain: the producer fills FILL records, then the consumer drains them, timed alone. */
static atomic_uint fills_asked, fills_done;
static atomic_int stop;
static uint32_t fill;

static void *produce_fills(void *arg)
{
	unsigned char packet[64] = { 0 };
	uint32_t ctl[2] = { fill, BPF_RB_NO_WAKEUP };
	unsigned seen = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = packet, .data_size_in = sizeof(packet), .repeat = 1);

	(void)arg;
	memcpy(packet, ctl, sizeof(ctl));
	for (;;) {
		while (atomic_load_explicit(&fills_asked, memory_order_acquire) == seen)
			if (atomic_load_explicit(&stop, memory_order_acquire))
				return NULL;
		seen++;
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			die("bpf_prog_test_run_opts", errno);
		atomic_store_explicit(&fills_done, seen, memory_order_release);
	}
}

static void round_drain(struct consumer *c, const char *mode, unsigned size, int round)
{
	uint64_t first = c->consumed, drops_before = drops_total(), seen;
	int64_t spent = 0, t0, t, best = INT64_MAX;
	pthread_t producer;
	unsigned asked = 0;
	int err;

	atomic_store(&fills_asked, 0);
	atomic_store(&fills_done, 0);
	atomic_store(&stop, 0);
	err = pthread_create(&producer, NULL, produce_fills, NULL);
	if (err)
		die("pthread_create", err);
	pin(producer, PRODUCER_CPU);
	while (c->consumed - first < records) {
		atomic_store_explicit(&fills_asked, ++asked, memory_order_release);
		while (atomic_load_explicit(&fills_done, memory_order_acquire) != asked)
			;
		seen = c->consumed;
		t0 = clock_ns(CLOCK_MONOTONIC);
		err = consumer_consume();
		t = clock_ns(CLOCK_MONOTONIC) - t0;
		spent += t;
		if (t < best)
			best = t;
		if (err < 0)
			die("consume", err);
		if (c->consumed - seen != fill)
			die("drain: a fill did not come back whole", EIO);
	}
	atomic_store_explicit(&stop, 1, memory_order_release);
	pthread_join(producer, NULL);
	if (drops_total() != drops_before || perf_lost)
		die("drain: the fills dropped records", EIO);
	if (c->out_of_order)
		die("records out of order or missing", EIO);
	if (round > 0) {
		uint64_t n = c->consumed - first;

		printf("ringbuf c %s %u %d events_s %.0f cpu_ns_per_event %.2f wall_ns_per_event %.2f"
		       " records %llu drops 0 best_fill_ns_per_event %.2f\n",
		       mode, size, round, n * 1e9 / (double)spent, (double)spent / (double)n, (double)spent / (double)n,
		       (unsigned long long)n, (double)best / fill);
	}
	fflush(stdout);
}

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	struct consumer c = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	char prog_name[32];
	unsigned size, stride;
	int consume, drain, perf, rounds, r, err;
	const char *mode;

	if (argc != 6) {
		fprintf(stderr, "usage: %s <ringbuf_bench.bpf.o> <8|64|1024> <poll|consume|drain|perf-poll|perf-drain>"
			" <records> <rounds>\n", argv[0]);
		return 2;
	}
	size = (unsigned)atoi(argv[2]);
	mode = argv[3];
	perf = strncmp(mode, "perf-", 5) == 0;
	consume = strcmp(mode, "consume") == 0;
	drain = strcmp(mode + (perf ? 5 : 0), "drain") == 0;
	if (!consume && !drain && strcmp(mode + (perf ? 5 : 0), "poll") != 0)
		die("mode is neither poll, consume, drain, perf-poll nor perf-drain", EINVAL);
	/* Bytes per record: ring buffer header 8 + data to 8; perf header 8 + size 4 + data, 4 + data to 8. */
	stride = perf ? 8 + ((4 + size + 7) & ~7u) : (size + 8 + 7) & ~7u;
	/* Three quarters of the ring per fill: well short of full, so a fill never drops. */
	fill = (uint32_t)((RING_BYTES / 4 * 3) / stride);
	submit_flags = consume ? BPF_RB_NO_WAKEUP : 0;
	records = strtoull(argv[4], NULL, 10);
	rounds = atoi(argv[5]);
	if (size != 8 && size != 64 && size != 1024)
		die("record size is not 8, 64 or 1024", EINVAL);
	if (sysconf(_SC_NPROCESSORS_ONLN) <= CONSUMER_CPU)
		die("needs two CPUs (producer on CPU 0, consumer on CPU 1)", EINVAL);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0)
		die("libbpf_num_possible_cpus", ncpus);
	libbpf_set_print(print_warnings);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		die(argv[1], errno);
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	if (size == 1024)
		snprintf(prog_name, sizeof(prog_name), perf ? "perf_1k" : "produce_1k");
	else
		snprintf(prog_name, sizeof(prog_name), perf ? "perf_%u" : "produce_%u", size);
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog)
		die(prog_name, ENOENT);
	prog_fd = bpf_program__fd(prog);
	drops_fd = bpf_object__find_map_fd_by_name(obj, "bench_drops");
	if (drops_fd < 0)
		die("bench_drops", drops_fd);
	if (perf) {
		/* 16 MiB per CPU, as the ring buffer; libbpf's defaults otherwise (a wake-up per sample). */
		pb = perf_buffer__new(bpf_object__find_map_fd_by_name(obj, "bench_perf"), RING_BYTES / getpagesize(),
				      on_sample, on_lost, &c, NULL);
		if (!pb)
			die("perf_buffer__new", errno);
	} else {
		rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "bench_ring"), on_record, &c, NULL);
		if (!rb)
			die("ring_buffer__new", errno);
	}
	pin(pthread_self(), CONSUMER_CPU);

	for (r = 0; r <= rounds; r++)
		if (drain)
			round_drain(&c, mode, size, r);
		else
			round_once(&c, consume, mode, size, r);

	perf_buffer__free(pb);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
