// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The layouts SkeletonTest proves generated Java against, in both
 * directions: a struct with bitfields (one signed, one in 64-bit storage),
 * padding, a nested struct, an array, a union with an anonymous struct, an
 * enum, a char array and a _Bool, in a map value and in .bss; a .data
 * counter and a .rodata knob; and names that collide once in Java.
 *
 * write_sample fills samples[0] and g_out with the values below (last =
 * knob) and emits one ring buffer record; check_sample compares samples[1] and g_in with what Java writes and
 * returns 0, or a bit per field that differs (the bit numbers in check()).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

enum color { RED = 1, GREEN = 2, BLUE = 0x7fffffff };

struct inner {
	__u16 port;
	__u8 proto;
	/* 1 byte of padding */
	__u32 addr;
};

union either {
	__u64 whole;
	__u32 halves[2];
	struct {
		__u16 lo;
		__u16 hi;
	};
};

struct sample {
	__u8 tag;
	/* flags, level and delta pack in right after tag (from bit 8); big
	 * starts its own 8-byte unit at byte 8, leaving bits 28..63 as padding */
	__u32 flags : 3;
	__u32 level : 5;
	__s32 delta : 12;
	__u64 big : 40;
	struct inner in;
	__u32 arr[3];
	union either u;
	enum color color;
	char name[8];
	__s64 last;
	_Bool ok;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct sample);
} samples SEC(".maps");

/* Names that collide in Java: a member "class" (getClass is Object's) and
 * "Class", a map named "wait" (Object.wait()), structs named like the
 * generated code's own types (Value, Map). */
struct value {
	__u32 x;
};

struct map {
	__u32 y;
};

struct names {
	__u32 class;
	__u32 Class;
	__u32 value;
	struct value inner;
	struct map outer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct names);
} wait SEC(".maps");

/* A ring buffer record: only the pointer below puts it into BTF (and so into the skeleton). */
struct record {
	__u64 seq;
	__u32 cpu_plus_one;
};

struct record *unused_record __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} records SEC(".maps");

struct sample g_out;
struct sample g_in;
__u32 data_counter = 3;
const volatile __s64 knob = 5;

static void fill(struct sample *s)
{
	s->tag = 0x5a;
	s->flags = 3;
	s->level = 31;
	s->delta = -2048;
	s->big = 0xffffffffffULL;
	s->in.port = 443;
	s->in.proto = 17;
	s->in.addr = 0xc0a80001;
	s->arr[0] = 7;
	s->arr[1] = 8;
	s->arr[2] = 9;
	s->u.lo = 0xbeef;
	s->u.hi = 0xdead;
	s->u.halves[1] = 0x01020304;
	s->color = GREEN;
	__builtin_memcpy(s->name, "bpf\0\0\0\0", 8);
	s->last = knob;
	s->ok = 1;
}

SEC("syscall")
int write_sample(void *ctx)
{
	__u32 zero = 0;
	struct sample *s = bpf_map_lookup_elem(&samples, &zero);
	struct record *r;

	if (!s)
		return 1;
	fill(s);
	fill(&g_out);
	data_counter++;
	r = bpf_ringbuf_reserve(&records, sizeof(*r), 0);
	if (!r)
		return 2;
	r->seq = 7;
	r->cpu_plus_one = bpf_get_smp_processor_id() + 1;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* Java writes these: the same values SkeletonTest.JAVA_* holds. */
static int check(const struct sample *s)
{
	int bad = 0;

	bad |= (s->tag != 0xa5) << 0;
	bad |= (s->flags != 5) << 1;
	bad |= (s->level != 17) << 2;
	bad |= (s->delta != -1000) << 3;
	bad |= (s->big != 0xabcde12345ULL) << 4;
	bad |= (s->in.port != 8080) << 5;
	bad |= (s->in.proto != 6) << 6;
	bad |= (s->in.addr != 0x0a000001) << 7;
	bad |= (s->arr[0] != 1 || s->arr[1] != 2 || s->arr[2] != 3) << 8;
	bad |= (s->u.whole != 0x1122334455667788ULL) << 9;
	bad |= (s->color != BLUE) << 10;
	bad |= (s->name[0] != 'j' || s->name[1] != 'a' || s->name[2] != 'v' || s->name[3] != 'a' || s->name[4] != 0) << 11;
	bad |= (s->last != -42) << 12;
	bad |= (s->ok != 1) << 13;
	return bad;
}

SEC("syscall")
int check_sample(void *ctx)
{
	__u32 one = 1;
	struct sample *s = bpf_map_lookup_elem(&samples, &one);

	if (!s)
		return -1;
	return check(s) | check(&g_in) << 16;
}
