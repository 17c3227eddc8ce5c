/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C side of java/bench/run.sh: the same libbpf calls the JMH benchmarks
 * make through bpf4j, straight from C, on the same kind of maps.
 *
 *   bpf4j-bench-baseline <core_test.bpf.o>
 *
 * Each benchmark runs for a warm-up second, then ROUNDS rounds of about
 * ROUND_NS each, timed with CLOCK_MONOTONIC. One line per benchmark on
 * stdout: "<name> <median ns/op> <min> <max>"; the names match
 * run.sh's table. Lines starting with '#' are comments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define HASH_ENTRIES 65536u /* u32 -> u64, keys 0..65535 */
#define KEY_MASK (HASH_ENTRIES - 1)
#define BATCH 1024u
#define SLOTS 512u /* mmapable array: u32 -> u64, one 4 KiB page */
#define PACKET 64
#define ROUNDS 15
#define ROUND_NS 200000000LL /* 0.2 s */
#define WARMUP_NS 1000000000LL

static int hash_fd, array_fd, prog_fd;
static volatile uint64_t *slots; /* volatile: every access really happens */
static uint64_t sink;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "baseline: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static void check(const char *what, int err)
{
	if (err)
		die(what, err);
}

/* ---- one op each; `i` runs 0, 1, 2, ... over the whole run, like the JMH state's counter */

static uint64_t hash_lookup_hit(uint64_t i)
{
	uint32_t key = (uint32_t)i & KEY_MASK;
	uint64_t value;

	check("lookup hit", bpf_map_lookup_elem(hash_fd, &key, &value));
	return value;
}

static uint64_t hash_lookup_miss(uint64_t i)
{
	uint32_t key = HASH_ENTRIES + ((uint32_t)i & KEY_MASK);
	uint64_t value;

	return bpf_map_lookup_elem(hash_fd, &key, &value) == -ENOENT;
}

static uint64_t hash_update(uint64_t i)
{
	uint32_t key = (uint32_t)i & KEY_MASK;
	uint64_t value = i;

	check("update", bpf_map_update_elem(hash_fd, &key, &value, BPF_ANY));
	return 0;
}

/* One op dumps the whole map; the result is per element. */
static uint64_t dump_batch(uint64_t i)
{
	static uint32_t keys[BATCH];
	static uint64_t values[BATCH];
	uint32_t in, out, n, total = 0;
	void *in_batch = NULL;
	int err;

	(void)i;
	do {
		n = BATCH;
		err = bpf_map_lookup_batch(hash_fd, in_batch, &out, keys, values, &n, NULL);
		if (err && err != -ENOENT)
			die("lookup_batch", err);
		total += n;
		in = out;
		in_batch = &in;
	} while (!err);
	if (total != HASH_ENTRIES)
		die("lookup_batch: short dump", EIO);
	return total;
}

static uint64_t dump_next_key(uint64_t i)
{
	uint32_t key, next, total = 0;
	uint64_t value;
	void *prev = NULL;

	(void)i;
	while (bpf_map_get_next_key(hash_fd, prev, &next) == 0) {
		check("lookup during dump", bpf_map_lookup_elem(hash_fd, &next, &value));
		key = next;
		prev = &key;
		total++;
	}
	if (total != HASH_ENTRIES)
		die("get_next_key: short dump", EIO);
	return total;
}

/* One op reads (writes) every slot of the page: the JMH side loops the same. */
static uint64_t mmap_get(uint64_t i)
{
	uint64_t sum = 0;
	uint32_t s;

	(void)i;
#pragma GCC unroll 8 /* as C2 unrolls the Java loop; volatile keeps it scalar */
	for (s = 0; s < SLOTS; s++)
		sum += slots[s];
	return sum;
}

static uint64_t mmap_put(uint64_t i)
{
	uint32_t s;

#pragma GCC unroll 8
	for (s = 0; s < SLOTS; s++)
		slots[s] = i + s;
	return 0;
}

static uint64_t array_lookup(uint64_t i)
{
	uint32_t key = (uint32_t)i & (SLOTS - 1);
	uint64_t value;

	check("array lookup", bpf_map_lookup_elem(array_fd, &key, &value));
	return value;
}

static uint64_t array_update(uint64_t i)
{
	uint32_t key = (uint32_t)i & (SLOTS - 1);
	uint64_t value = i;

	check("array update", bpf_map_update_elem(array_fd, &key, &value, BPF_ANY));
	return 0;
}

static uint64_t xdp_test_run(uint64_t i)
{
	static unsigned char in[PACKET], out[PACKET];
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = in, .data_size_in = PACKET,
		    .data_out = out, .data_size_out = PACKET,
		    .repeat = 1);

	(void)i;
	check("bpf_prog_test_run_opts", bpf_prog_test_run_opts(prog_fd, &opts));
	return opts.retval;
}

/* ---- harness */

static uint64_t counter;

static int64_t timed(uint64_t (*op)(uint64_t), uint64_t n)
{
	int64_t t0 = now_ns();
	uint64_t k;

	for (k = 0; k < n; k++)
		sink += op(counter++);
	return now_ns() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench(const char *name, uint64_t (*op)(uint64_t), unsigned per_op)
{
	double r[ROUNDS];
	uint64_t n = 1;
	int64_t t, start;
	int k;

	/* Warm up for a second, and learn how many ops fill a round. */
	start = now_ns();
	do {
		t = timed(op, n);
		if (t < ROUND_NS / 4)
			n *= 2;
	} while (now_ns() - start < WARMUP_NS);
	n = (uint64_t)((double)n * ROUND_NS / (double)(t > 0 ? t : 1)) + 1;
	for (k = 0; k < ROUNDS; k++)
		r[k] = (double)timed(op, n) / (double)n / per_op;
	qsort(r, ROUNDS, sizeof(r[0]), cmp_double);
	printf("%s %.3f %.3f %.3f\n", name, r[ROUNDS / 2], r[0], r[ROUNDS - 1]);
	fflush(stdout);
}

static int print_nothing(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);
	uint32_t k;
	uint64_t v;
	void *mem;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s <core_test.bpf.o>\n", argv[0]);
		return 2;
	}
	libbpf_set_print(print_nothing);

	hash_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "bench_hash", 4, 8, HASH_ENTRIES, NULL);
	if (hash_fd < 0)
		die("bpf_map_create(HASH)", hash_fd);
	for (k = 0; k < HASH_ENTRIES; k++) {
		v = k;
		check("prefill", bpf_map_update_elem(hash_fd, &k, &v, BPF_ANY));
	}

	array_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_mmap", 4, 8, SLOTS, &mmapable);
	if (array_fd < 0)
		die("bpf_map_create(ARRAY, BPF_F_MMAPABLE)", array_fd);
	mem = mmap(NULL, SLOTS * 8, PROT_READ | PROT_WRITE, MAP_SHARED, array_fd, 0);
	if (mem == MAP_FAILED)
		die("mmap", errno);
	slots = mem;

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		die(argv[1], errno);
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	prog = bpf_object__find_program_by_name(obj, "bump_first_byte");
	if (!prog)
		die("bump_first_byte", ENOENT);
	prog_fd = bpf_program__fd(prog);

	printf("# name median_ns_per_op min max (%d rounds of %.1f s after %.1f s warm-up)\n",
	       ROUNDS, ROUND_NS / 1e9, WARMUP_NS / 1e9);
	bench("hash_lookup_hit", hash_lookup_hit, 1);
	bench("hash_lookup_miss", hash_lookup_miss, 1);
	bench("hash_update", hash_update, 1);
	bench("dump_batch", dump_batch, HASH_ENTRIES);
	bench("dump_next_key", dump_next_key, HASH_ENTRIES);
	bench("mmap_get", mmap_get, SLOTS);
	bench("mmap_put", mmap_put, SLOTS);
	bench("array_lookup", array_lookup, 1);
	bench("array_update", array_update, 1);
	bench("xdp_test_run", xdp_test_run, 1);
	printf("# sink %llu\n", (unsigned long long)sink);

	munmap(mem, SLOTS * 8);
	bpf_object__close(obj);
	return 0;
}
