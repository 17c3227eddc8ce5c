// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An in-kernel key/value accelerator over a BPF arena (arena use case 1).
 *
 * User space (the JVM) keeps a hash table in format "BHT1" (bpf4j/arena_htab.h)
 * with 16-byte keys and 64-byte values in the arena `kv_arena`, and stores
 * a pointer to its header in the global kv_table_ptr. The XDP program kv_get
 * answers UDP requests "GET <key>" sent to port kv_port (9000) straight from
 * the table: it turns the request into the reply "VALUE <value>" and sends it
 * back out of the same interface (XDP_TX). Everything else goes on to the
 * network stack (XDP_PASS), where a user-space server may answer.
 *
 * Keys are the request's key bytes, NUL padded to 16; values are 64 bytes,
 * NUL padded, and the reply carries them up to the first NUL.
 *
 * A reply longer than its request must grow the frame (bpf_xdp_adjust_tail),
 * and in native XDP on veth (and many drivers) there is only a cache line of
 * room to grow into: such requests fall through to the stack (counted in
 * tx_errors). Clients that pad requests — the key NUL-padded to its 16 bytes —
 * get replies for values of up to 16 bytes in any mode.
 *
 * The syscall programs kv_init, kv_put and kv_del (run with BPF_PROG_TEST_RUN)
 * let a program build or change the same table from the kernel side.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf4j/arena_htab.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define KV_KEY_SIZE	16
#define KV_VALUE_SIZE	64

/* 256 pages (1 MiB; room for a table of 8192 slots). Resizable before load. */
BPF4J_ARENA_MAP(kv_arena, 256, 0);

/* struct kvt_slot and kvt_bytes/_init/_check/_lookup/_update/_delete. */
BPF4J_HTAB_DEFINE(kvt, KV_KEY_SIZE, KV_VALUE_SIZE);

/* .rodata: the UDP port kv_get serves (host byte order); set before load. */
volatile const __u16 kv_port = 9000;

/*
 * .bss, written by user space through the mmapped .bss: the table's header
 * as an arena pointer (user address, i.e. user_vm_start + offset; its low 32
 * bits would do as well). 0: no table, every request passes.
 */
__u64 kv_table_ptr;

/* .bss counters, one per outcome of kv_get (atomic adds). */
__u64 hits;		/* answered with XDP_TX */
__u64 misses;		/* a well-formed GET whose key is not in the table */
__u64 no_table;		/* a well-formed GET, but kv_table_ptr is 0 or not a 16/64 BHT1 table */
__u64 malformed;	/* UDP to kv_port whose payload is not "GET <1..16 bytes>[\r]\n" */
__u64 not_kv;		/* not IPv4/UDP to kv_port (or an IP fragment) */
__u64 tx_errors;	/* a hit whose reply could not be built (packet could not grow) */

/* "GET " + 16 key bytes + "\r\n" */
#define KV_REQ_MAX	(4 + KV_KEY_SIZE + 2)

static __always_inline int count(__u64 *counter, int verdict)
{
	__sync_fetch_and_add(counter, 1);
	return verdict;
}

/* RFC 1624: the checksum after a 16-bit field changed from old to new. */
static __always_inline __u16 csum_replace2(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u32)new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int kv_get(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u8 req[32] __attribute__((aligned(8))) = {};
	__u8 key[KV_KEY_SIZE] __attribute__((aligned(8))) = {};
	__u8 reply[6 + KV_VALUE_SIZE] __attribute__((aligned(8)));
	__u8 mac[ETH_ALEN];
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	struct bpf4j_htab __arena *table;
	__u8 __arena *v;
	__u32 ihl, tot_len, udp_len, off, plen, klen, vlen, new_plen, old_len, new_len;
	__be16 port, len16;
	__be32 addr;
	int j;

	bpf4j_arena_bind(kv_arena);

	/* Parse: Ethernet, IPv4 (any header length), UDP to kv_port. */
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return count(&not_kv, XDP_PASS);
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->version != 4 || ip->ihl < 5 ||
	    ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(0x3fff)))
		return count(&not_kv, XDP_PASS);
	ihl = ip->ihl * 4;
	tot_len = bpf_ntohs(ip->tot_len);
	if (tot_len < ihl + sizeof(*udp) || (void *)ip + tot_len > data_end)
		return count(&not_kv, XDP_PASS);
	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end || udp->dest != bpf_htons(kv_port))
		return count(&not_kv, XDP_PASS);

	/* The payload: "GET <key>", optionally ending in "\n" or "\r\n". */
	udp_len = bpf_ntohs(udp->len);
	if (udp_len < sizeof(*udp) || udp_len > tot_len - ihl)
		return count(&malformed, XDP_PASS);
	plen = udp_len - sizeof(*udp);
	if (plen < 5 || plen > KV_REQ_MAX)
		return count(&malformed, XDP_PASS);
	off = sizeof(*eth) + ihl + sizeof(*udp);
	if (bpf_xdp_load_bytes(ctx, off, req, plen))
		return count(&malformed, XDP_PASS);
	if (req[0] != 'G' || req[1] != 'E' || req[2] != 'T' || req[3] != ' ')
		return count(&malformed, XDP_PASS);
	klen = plen - 4;
	if (req[(4 + klen - 1) & 31] == '\n') {
		klen--;
		if (klen && req[(4 + klen - 1) & 31] == '\r')
			klen--;
	}
	if (klen < 1 || klen > KV_KEY_SIZE)
		return count(&malformed, XDP_PASS);
#pragma unroll
	for (j = 0; j < KV_KEY_SIZE; j++)
		key[j] = j < klen ? req[4 + j] : 0;

	/* Look the key up. */
	table = (struct bpf4j_htab __arena *)kv_table_ptr;
	if (!table || kvt_check(table))
		return count(&no_table, XDP_PASS);
	v = kvt_lookup(table, key);
	if (!v)
		return count(&misses, XDP_PASS);
	__builtin_memcpy(reply, "VALUE ", 6);
	vlen = KV_VALUE_SIZE;
#pragma unroll
	for (j = 0; j < KV_VALUE_SIZE; j++) {
		reply[6 + j] = v[j];
		if (!reply[6 + j] && vlen == KV_VALUE_SIZE)
			vlen = j;
	}

	/* Resize the packet to the reply: same headers, payload "VALUE <value>". */
	new_plen = 6 + vlen;
	old_len = bpf_xdp_get_buff_len(ctx);
	new_len = sizeof(*eth) + ihl + sizeof(*udp) + new_plen;
	if (new_len != old_len && bpf_xdp_adjust_tail(ctx, (int)new_len - (int)old_len))
		return count(&tx_errors, XDP_PASS);

	/* Every packet pointer is stale now: check again, then write. */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return count(&tx_errors, XDP_DROP);
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	/* Swapping the addresses keeps the checksum; the length changes it. */
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	len16 = bpf_htons(ihl + sizeof(*udp) + new_plen);
	ip->check = csum_replace2(ip->check, ip->tot_len, len16);
	ip->tot_len = len16;

	udp = (void *)ip + ihl;
	if ((void *)(udp + 1) > data_end)
		return count(&tx_errors, XDP_DROP);
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	udp->len = bpf_htons(sizeof(*udp) + new_plen);
	udp->check = 0;

	if (bpf_xdp_store_bytes(ctx, off, reply, new_plen))
		return count(&tx_errors, XDP_DROP);
	return count(&hits, XDP_TX);
}

/* ---- building the table from the kernel side (BPF_PROG_TEST_RUN) ---- */

/* ctx of kv_init: 8 bytes. */
struct kv_init_args {
	__u32 capacity;		/* slots: a power of two, 2 .. 1 << 20 (must fit the arena) */
	__u32 reserved;
};

/*
 * Allocates a zeroed table of `capacity` slots in the arena, writes its
 * header and publishes it in kv_table_ptr. Returns 0, -EINVAL (capacity),
 * -ENOMEM (no room in the arena). A table published before is not freed.
 */
SEC("syscall")
int kv_init(struct kv_init_args *args)
{
	__u32 cap = args->capacity, npages;
	struct bpf4j_htab __arena *t;
	__u64 bytes;

	if (cap < 2 || cap > BPF4J_HTAB_MAX_CAPACITY || (cap & (cap - 1)))
		return -BPF4J_EINVAL;
	bytes = kvt_bytes(cap);
	npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	t = bpf_arena_alloc_pages(&kv_arena, NULL, npages, NUMA_NO_NODE, 0);
	if (!t)
		return -12; /* ENOMEM */
	kvt_init(t, cap);
	kv_table_ptr = (__u64)bpf4j_user(t);
	return 0;
}

/* ctx of kv_put: 88 bytes. */
struct kv_put_args {
	__u8 key[KV_KEY_SIZE];
	__u8 value[KV_VALUE_SIZE];
	__u64 flags;		/* BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2 */
};

/* Inserts or updates in the table kv_table_ptr points to. Returns 0 or -errno
 * (EINVAL: no valid table; EEXIST/ENOENT per flags; ENOSPC, E2BIG: full). */
SEC("syscall")
int kv_put(struct kv_put_args *args)
{
	__u8 key[KV_KEY_SIZE] __attribute__((aligned(8)));
	__u8 value[KV_VALUE_SIZE] __attribute__((aligned(8)));
	struct bpf4j_htab __arena *t = (struct bpf4j_htab __arena *)kv_table_ptr;
	int j;

	bpf4j_arena_bind(kv_arena);
	if (kvt_check(t))
		return -BPF4J_EINVAL;
#pragma unroll
	for (j = 0; j < KV_KEY_SIZE; j++)
		key[j] = args->key[j];
#pragma unroll
	for (j = 0; j < KV_VALUE_SIZE; j++)
		value[j] = args->value[j];
	return kvt_update(t, key, value, args->flags);
}

/* ctx of kv_del: 16 bytes, the key. Returns 0, -ENOENT, -EINVAL (no table). */
SEC("syscall")
int kv_del(__u8 *args)
{
	__u8 key[KV_KEY_SIZE] __attribute__((aligned(8)));
	struct bpf4j_htab __arena *t = (struct bpf4j_htab __arena *)kv_table_ptr;
	int j;

	bpf4j_arena_bind(kv_arena);
	if (kvt_check(t))
		return -BPF4J_EINVAL;
#pragma unroll
	for (j = 0; j < KV_KEY_SIZE; j++)
		key[j] = args[j];
	return kvt_delete(t, key);
}
