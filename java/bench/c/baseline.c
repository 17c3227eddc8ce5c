/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C side of java/bench/run.sh: the same libbpf calls the JMH benchmarks
 * make through bpf4j, straight from C, on the same kind of maps.
 *
 *   bpf4j-bench-baseline [-r ROUNDS] [-t ROUND_MS] [-w WARMUP_MS] <bpf-dir> [name...]
 *
 * <bpf-dir> holds core_test.bpf.o (the benchmark object) and
 * trace_target.bpf.o (a one-program object). Names select benchmarks (all
 * by default). Each benchmark warms up for WARMUP_MS, then runs ROUNDS
 * rounds of about ROUND_MS each, timed with CLOCK_MONOTONIC. One line per
 * benchmark on stdout: "<name> <median ns/op> <min> <max> <round 1> ...";
 * the names match report.py's table. Lines starting with '#' are comments.
 * run.sh calls this once per interleaved round, between JMH's forks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define HASH_ENTRIES 65536u /* u32 -> u64, keys 0..65535 */
#define KEY_MASK (HASH_ENTRIES - 1)
#define BATCH 4096u
#define SLOTS 512u /* mmapable array: u32 -> u64, one 4 KiB page */
#define TOUCH_PAGES 16u
#define BIG_SLOTS (1u << 20) /* mmapable array: u32 -> u64, 8 MiB */
#define PACKET 64
#define MAX_ROUNDS 64

static int rounds = 15;
static int64_t round_ns = 200000000LL, warmup_ns = 1000000000LL;
static const char *bpf_dir;
static int hash_fd, array_fd, big_fd, prog_fd;
static volatile uint64_t *slots; /* volatile: every access really happens */
static volatile unsigned char *touch; /* TOUCH_PAGES private pages, one load from each per op */
static uint64_t *big; /* plain: the 8 MiB rows let the compiler vectorise, as a C user's loop would */
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

/* The floor under every row: the cheapest system call there is (FloorBench.jniGettid makes it through JNI). */
static uint64_t syscall_gettid(uint64_t i)
{
	(void)i;
	return (uint64_t)syscall(SYS_gettid);
}

/*
 * What a system call costs the code after it: one load from each of 16 pages
 * without (touch_16_pages) and after (syscall_gettid_touch_16_pages) a gettid.
 * Where the kernel flushes the TLB on every entry (PTI without PCID), the
 * loads after the call each walk the page tables again. A JVM's call goes
 * through more code and data pages than a C loop does (the JNI transition, the
 * thread, the objects), the likely reason it pays more per call than C for
 * the same system call (report.py sets this beside FloorBench.jniGettid).
 */
static uint64_t touch_16_pages(uint64_t i)
{
	uint64_t sum = 0;
	uint32_t p;

	(void)i;
	for (p = 0; p < TOUCH_PAGES; p++)
		sum += touch[(size_t)p * 4096];
	return sum;
}

static uint64_t syscall_gettid_touch_16_pages(uint64_t i)
{
	return (uint64_t)syscall(SYS_gettid) + touch_16_pages(i);
}

static uint64_t hash_delete_miss(uint64_t i)
{
	uint32_t key = HASH_ENTRIES + ((uint32_t)i & KEY_MASK);

	return bpf_map_delete_elem(hash_fd, &key) == -ENOENT;
}

/* Two syscalls per op: the map stays full, so every delete finds its key. */
static uint64_t hash_delete_insert(uint64_t i)
{
	uint32_t key = (uint32_t)i & KEY_MASK;
	uint64_t value = key;

	check("delete", bpf_map_delete_elem(hash_fd, &key));
	check("re-insert", bpf_map_update_elem(hash_fd, &key, &value, BPF_NOEXIST));
	return 0;
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

/* One op rewrites every entry, BATCH per call; the result is per element. */
static uint64_t dump_update_batch(uint64_t i)
{
	static uint32_t keys[HASH_ENTRIES];
	static uint64_t values[HASH_ENTRIES];
	uint32_t at, n;

	for (at = 0; at < HASH_ENTRIES; at += BATCH) {
		for (n = 0; n < BATCH; n++) {
			keys[at + n] = at + n;
			values[at + n] = i + at + n;
		}
		n = BATCH;
		check("update_batch", bpf_map_update_batch(hash_fd, keys + at, values + at, &n, NULL));
		if (n != BATCH)
			die("update_batch: short batch", EIO);
	}
	return 0;
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

/*
 * The 8 MiB rows, one op per long: plain loops as a C user writes them
 * (gcc -O3 vectorises them); the barrier keeps the stores from being
 * dropped or merged across ops.
 */
static uint64_t mmap_write_8m(uint64_t i)
{
	uint32_t s;

	for (s = 0; s < BIG_SLOTS; s++)
		big[s] = i; /* one value per op, as MmapBench's write8M stores its stamp */
	__asm__ __volatile__("" ::: "memory");
	return 0;
}

static uint64_t mmap_sum_8m(uint64_t i)
{
	uint64_t sum = 0;
	uint32_t s;

	(void)i;
	__asm__ __volatile__("" ::: "memory");
	for (s = 0; s < BIG_SLOTS; s++)
		sum += big[s];
	return sum;
}

/*
 * ArenaHashBench's C side: a BHT1 table (bpf4j/arena_htab.h's format, written
 * out here for user space) in a BPF arena, 16-byte keys, 64-byte values,
 * 4096 entries in 8192 slots; a lookup as a C user of the format writes it.
 */
#define HT_CAPACITY 8192u
#define HT_ENTRIES 4096u
#define HT_KEY 16
#define HT_VALUE 64
#define HT_MAX_PROBE 64
#define HT_SLOT (8 + HT_KEY + HT_VALUE)
#define HT_USED 1u
#define HT_EMPTY 0u

static unsigned char *htab; /* the table's header, at the arena's start */

static uint32_t fnv1a(const unsigned char *p, uint32_t n)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static void ht_key(unsigned char *key, uint32_t i)
{
	memset(key, 0x5a, HT_KEY);
	memcpy(key, &i, 4); /* little-endian hosts only, like the Java side's key */
}

static unsigned char *ht_slot(uint32_t idx)
{
	return htab + 32 + (size_t)idx * HT_SLOT;
}

static void ht_fill(void)
{
	uint32_t header[6] = { 0x31544842u, HT_CAPACITY, HT_KEY, HT_VALUE, HT_ENTRIES, HT_SLOT };
	unsigned char key[HT_KEY];
	uint32_t i, k, h;

	memset(htab, 0, 32 + (size_t)HT_CAPACITY * HT_SLOT);
	memcpy(htab, header, sizeof(header));
	for (i = 0; i < HT_ENTRIES; i++) {
		ht_key(key, i);
		h = fnv1a(key, HT_KEY);
		for (k = 0; k < HT_MAX_PROBE; k++) {
			unsigned char *slot = ht_slot((h + k) & (HT_CAPACITY - 1));

			if (*(uint32_t *)slot != HT_EMPTY)
				continue;
			memcpy(slot + 4, &h, 4);
			memcpy(slot + 8, key, HT_KEY);
			memset(slot + 8 + HT_KEY, (int)(i & 0xff), HT_VALUE);
			__atomic_store_n((uint32_t *)slot, HT_USED, __ATOMIC_SEQ_CST);
			break;
		}
		if (k == HT_MAX_PROBE)
			die("arena table: no free slot", ENOSPC);
	}
}

static int ht_get(const unsigned char *key, unsigned char *value)
{
	uint32_t h = fnv1a(key, HT_KEY), k, state;

	for (k = 0; k < HT_MAX_PROBE; k++) {
		unsigned char *slot = ht_slot((h + k) & (HT_CAPACITY - 1));

		state = __atomic_load_n((uint32_t *)slot, __ATOMIC_ACQUIRE);
		if (state == HT_EMPTY)
			return 0;
		if (state == HT_USED && *(uint32_t *)(slot + 4) == h && !memcmp(slot + 8, key, HT_KEY)) {
			memcpy(value, slot + 8 + HT_KEY, HT_VALUE);
			return 1;
		}
	}
	return 0;
}

static uint64_t arena_htab_get(uint64_t i)
{
	unsigned char key[HT_KEY], value[HT_VALUE];
	uint64_t last;

	ht_key(key, (uint32_t)i & (HT_ENTRIES - 1));
	if (!ht_get(key, value))
		die("arena table: key missing", ENOENT);
	memcpy(&last, value + 56, 8);
	return last;
}

/*
 * The same lookups, each key depending on the last value read: the CPU
 * cannot overlap one lookup with the next, so this is a lookup's latency
 * (arena_htab_get, whose lookups overlap, is its throughput).
 */
static uint64_t arena_htab_get_dep(uint64_t i)
{
	static uint64_t last;

	last = arena_htab_get(i + (last & 1));
	return last;
}

static uint64_t open_load_close(const char *file)
{
	char path[4096];
	struct bpf_object *obj;
	int err;

	snprintf(path, sizeof(path), "%s/%s", bpf_dir, file);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die(path, errno);
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	bpf_object__close(obj);
	return 0;
}

static uint64_t open_load_close_min(uint64_t i)
{
	(void)i;
	return open_load_close("trace_target.bpf.o");
}

static uint64_t open_load_close_core(uint64_t i)
{
	(void)i;
	return open_load_close("core_test.bpf.o");
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

static char **selected;
static int n_selected;

static void bench(const char *name, uint64_t (*op)(uint64_t), unsigned per_op)
{
	double r[MAX_ROUNDS], sorted[MAX_ROUNDS];
	uint64_t n = 1;
	int64_t t, start;
	int k, wanted = !n_selected;

	for (k = 0; k < n_selected; k++)
		wanted |= !strcmp(selected[k], name);
	if (!wanted)
		return;

	/* Warm up for a second, and learn how many ops fill a round. */
	start = now_ns();
	do {
		t = timed(op, n);
		if (t < round_ns / 4)
			n *= 2;
	} while (now_ns() - start < warmup_ns);
	n = (uint64_t)((double)n * (double)round_ns / (double)(t > 0 ? t : 1)) + 1;
	for (k = 0; k < rounds; k++)
		sorted[k] = r[k] = (double)timed(op, n) / (double)n / per_op;
	qsort(sorted, rounds, sizeof(sorted[0]), cmp_double);
	printf("%s %.3f %.3f %.3f", name, sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
	for (k = 0; k < rounds; k++)
		printf(" %.3f", r[k]);
	printf("\n");
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
	char core[4096];
	void *mem, *big_mem, *arena_mem;
	int arena_fd;
	int err, opt;

	while ((opt = getopt(argc, argv, "r:t:w:")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 't')
			round_ns = atoll(optarg) * 1000000LL;
		else if (opt == 'w')
			warmup_ns = atoll(optarg) * 1000000LL;
		else
			optind = argc + 1;
	}
	if (optind >= argc || rounds < 1 || rounds > MAX_ROUNDS || round_ns <= 0 || warmup_ns < 0) {
		fprintf(stderr, "usage: %s [-r ROUNDS (1-%d)] [-t ROUND_MS] [-w WARMUP_MS] <bpf-dir> [name...]\n",
			argv[0], MAX_ROUNDS);
		return 2;
	}
	bpf_dir = argv[optind];
	selected = argv + optind + 1;
	n_selected = argc - optind - 1;
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

	touch = mmap(NULL, (size_t)TOUCH_PAGES * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (touch == MAP_FAILED)
		die("mmap (pages to touch)", errno);

	big_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_mmap_8m", 4, 8, BIG_SLOTS, &mmapable);
	if (big_fd < 0)
		die("bpf_map_create(ARRAY 8 MiB, BPF_F_MMAPABLE)", big_fd);
	big_mem = mmap(NULL, (size_t)BIG_SLOTS * 8, PROT_READ | PROT_WRITE, MAP_SHARED, big_fd, 0);
	if (big_mem == MAP_FAILED)
		die("mmap 8 MiB", errno);
	big = big_mem;

	/* Some machines refuse arenas (EPERM even to CAP_SYS_ADMIN): then the arena rows are left out, said so. */
	arena_mem = NULL;
	arena_fd = bpf_map_create(BPF_MAP_TYPE_ARENA, "bench_arena", 0, 0, 256, &mmapable);
	if (arena_fd == -EPERM || arena_fd == -EOPNOTSUPP || arena_fd == -EINVAL) {
		printf("# no arena rows: bpf_map_create(ARENA): %s\n", strerror(-arena_fd));
	} else {
		if (arena_fd < 0)
			die("bpf_map_create(ARENA)", arena_fd);
		arena_mem = mmap(NULL, 256 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, 0);
		if (arena_mem == MAP_FAILED)
			die("mmap arena", errno);
		htab = arena_mem;
		ht_fill();
	}

	snprintf(core, sizeof(core), "%s/core_test.bpf.o", bpf_dir);
	obj = bpf_object__open_file(core, NULL);
	if (!obj)
		die(core, errno);
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load", err);
	prog = bpf_object__find_program_by_name(obj, "bump_first_byte");
	if (!prog)
		die("bump_first_byte", ENOENT);
	prog_fd = bpf_program__fd(prog);

	printf("# name median_ns_per_op min max rounds... (%d rounds of %.1f s after %.1f s warm-up)\n",
	       rounds, (double)round_ns / 1e9, (double)warmup_ns / 1e9);
	bench("syscall_gettid", syscall_gettid, 1);
	bench("touch_16_pages", touch_16_pages, 1);
	bench("syscall_gettid_touch_16_pages", syscall_gettid_touch_16_pages, 1);
	bench("hash_lookup_hit", hash_lookup_hit, 1);
	bench("hash_lookup_miss", hash_lookup_miss, 1);
	bench("hash_update", hash_update, 1);
	bench("hash_delete_miss", hash_delete_miss, 1);
	bench("hash_delete_insert", hash_delete_insert, 1);
	bench("dump_batch", dump_batch, HASH_ENTRIES);
	bench("dump_update_batch", dump_update_batch, HASH_ENTRIES);
	bench("dump_next_key", dump_next_key, HASH_ENTRIES);
	bench("mmap_get", mmap_get, SLOTS);
	bench("mmap_put", mmap_put, SLOTS);
	bench("mmap_write_8m", mmap_write_8m, BIG_SLOTS);
	bench("mmap_sum_8m", mmap_sum_8m, BIG_SLOTS);
	bench("array_lookup", array_lookup, 1);
	bench("array_update", array_update, 1);
	bench("xdp_test_run", xdp_test_run, 1);
	if (arena_mem) {
		bench("arena_htab_get", arena_htab_get, 1);
		bench("arena_htab_get_dep", arena_htab_get_dep, 1);
	}
	bench("open_load_close_min", open_load_close_min, 1);
	bench("open_load_close_core", open_load_close_core, 1);
	printf("# sink %llu\n", (unsigned long long)sink);

	munmap(mem, SLOTS * 8);
	munmap(big_mem, (size_t)BIG_SLOTS * 8);
	munmap((void *)touch, (size_t)TOUCH_PAGES * 4096);
	if (arena_mem)
		munmap(arena_mem, 256 * 4096);
	bpf_object__close(obj);
	return 0;
}
