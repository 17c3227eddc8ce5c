/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpf4j/arena.h: BPF arenas (BPF_MAP_TYPE_ARENA, Linux 6.9+) for BPF C
 * compiled with clang 19 or newer.
 *
 * An arena is up to 4 GiB of memory shared page for page by BPF programs and
 * the process that mmap()s it. A pointer into it has two forms:
 *
 *   user form    the address where user space sees the byte: user_vm_start +
 *                offset, a full 64-bit value. bpf_arena_alloc_pages() returns
 *                this form, and it is what gets stored in arena memory and in
 *                globals, so that user space can follow it. In an arena made
 *                with BPF_F_NO_USER_CONV, cast_user() yields only its low 32
 *                bits (see below).
 *   kernel form  the low 32 bits only. The verifier types a register holding
 *                it as PTR_TO_ARENA, and the JIT turns every load or store
 *                through it into kern_vm_start + (u32)ptr. Loads and stores
 *                must go through this form.
 *
 * The instruction that converts between them is
 *     rX = addr_space_cast(rX, dst_as, src_as)
 * encoded as BPF_ALU64 | BPF_MOV | BPF_X (opcode 0xbf) with off = 1 and
 * imm = (dst_as << 16) | src_as. Arena pointers live in address space 1:
 *   cast_kern: addr_space_cast(rX, 0, 1), imm = 0x00001: the verifier marks
 *              rX PTR_TO_ARENA and the JIT keeps its low 32 bits;
 *   cast_user: addr_space_cast(rX, 1, 0), imm = 0x10000: the JIT sets the
 *              upper 32 bits to those of user_vm_start, unless the low 32
 *              bits are 0 (NULL stays NULL). In a BPF_F_NO_USER_CONV arena the
 *              verifier rewrites it to a 32-bit move: the result is the low
 *              32 bits.
 * Both forms agree on the low 32 bits, and an arena never crosses a 4 GiB
 * boundary of the user address space, so the offset of either form is
 * (u32)ptr - (u32)user_vm_start.
 *
 * Why explicit casts. clang 19 defines __BPF_FEATURE_ADDR_SPACE_CAST and
 * inserts cast_kern before ordinary loads and stores through an __arena
 * pointer, but not for the stores it expands __builtin_memcpy/__builtin_memset
 * (and loops it recognises as such) into: those go through the untouched
 * user-form register and the verifier rejects them ("R0 invalid mem access
 * 'scalar'"). Compilers without the feature insert no casts at all. So every
 * helper here casts explicitly before touching arena memory, through an
 * inline-asm cast that works everywhere; a cast the compiler adds as well is
 * harmless (casting a kernel-form value again gives the same value).
 *
 * The other rule: the verifier allows addr_space_cast only in a program that
 * references the arena map. bpf_arena_alloc_pages(&arena, ...) does; a
 * program that only follows pointers (an XDP lookup) must say
 * bpf4j_arena_bind(arena) once.
 */
#ifndef __BPF4J_ARENA_H
#define __BPF4J_ARENA_H

#ifndef __VMLINUX_H__
#include <linux/bpf.h>
#endif
#include <bpf/bpf_helpers.h>

#ifndef PAGE_SIZE
#define PAGE_SIZE 4096
#endif
#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

#if defined(__BPF_FEATURE_ADDR_SPACE_CAST)
/*
 * clang >= 19: arena pointers carry address_space(1), so clang reports mixing
 * them with ordinary pointers, and its assembler knows the mnemonic.
 */
#define __arena __attribute__((address_space(1)))
/* A global in the arena (section .addr_space.1; libbpf places it in the
 * arena's last pages). Not for BPF_F_SEGV_ON_FAULT arenas: libbpf writes the
 * initial values from user space. */
#define __arena_global __attribute__((address_space(1)))
#define __bpf4j_as_cast(var, dst_as, src_as)				\
	asm volatile("%[v] = addr_space_cast(%[v], " #dst_as ", " #src_as ")"	\
		     : [v] "+r"(var))
#else
/*
 * Older clang: no address space, no mnemonic. Emit the 8 instruction bytes
 * directly: opcode 0xbf, then dst_reg and src_reg (both the operand's
 * register) in one byte, off = 1, imm. The register number is recovered from
 * the operand's name (r0..r9) with .irp/.ifc.
 */
#define __arena
#define __arena_global SEC(".addr_space.1")
#define __bpf4j_as_cast(var, dst_as, src_as)				\
	asm volatile(".irp n,0,1,2,3,4,5,6,7,8,9\n"			\
		     ".ifc %[v], r\\n\n"					\
		     ".byte 0xbf, (\\n << 4) | \\n\n"			\
		     ".endif\n"						\
		     ".endr\n"						\
		     ".short 1\n"					\
		     ".long ((" #dst_as ") << 16) | (" #src_as ")"		\
		     : [v] "+r"(var))
#endif

/* In place: the variable (a pointer or a __u64) now holds the kernel form. */
#define bpf4j_cast_kern(var) __bpf4j_as_cast(var, 0, 1)
/* In place: the variable now holds the user form (low 32 bits only in a
 * BPF_F_NO_USER_CONV arena). Do this before storing a pointer anywhere. */
#define bpf4j_cast_user(var) __bpf4j_as_cast(var, 1, 0)
/* The same as expressions, for a pointer or __u64 of any type. */
#define bpf4j_kern(p) ({ __auto_type ___bpf4j_k = (p); bpf4j_cast_kern(___bpf4j_k); ___bpf4j_k; })
#define bpf4j_user(p) ({ __auto_type ___bpf4j_u = (p); bpf4j_cast_user(___bpf4j_u); ___bpf4j_u; })

/* The names the kernel selftests use, unless something defined them already. */
#ifndef cast_kern
#define cast_kern(var) bpf4j_cast_kern(var)
#endif
#ifndef cast_user
#define cast_user(var) bpf4j_cast_user(var)
#endif

/*
 * Associates the arena map with the calling program; needed once in a
 * program that uses arena pointers without otherwise referencing the map
 * (the verifier otherwise says "addr_space_cast insn can only be used in a
 * program that has an associated arena"). Costs one ld_imm64.
 */
#define bpf4j_arena_bind(map) asm volatile("" : : "r"(&(map)))

/* The struct that contains the member `member` at arena address `ptr`. */
#define arena_container_of(ptr, type, member)				\
	((type __arena *)((char __arena *)(ptr) - __builtin_offsetof(type, member)))

/*
 * An arena map in SEC(".maps"): `pages` pages (at most 1 << 20, 4 GiB),
 * BPF_F_MMAPABLE | flags (BPF_F_SEGV_ON_FAULT, BPF_F_NO_USER_CONV).
 * BPF4J_ARENA_MAP_AT also fixes the user address (map_extra): page aligned,
 * and the range must not cross a 4 GiB boundary.
 */
#define BPF4J_ARENA_MAP(name, pages, flags)				\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARENA);			\
		__uint(map_flags, BPF_F_MMAPABLE | (flags));		\
		__uint(max_entries, pages);				\
	} name SEC(".maps")

#define BPF4J_ARENA_MAP_AT(name, pages, flags, user_addr)		\
	struct {							\
		__uint(type, BPF_MAP_TYPE_ARENA);			\
		__uint(map_flags, BPF_F_MMAPABLE | (flags));		\
		__uint(max_entries, pages);				\
		__ulong(map_extra, user_addr);				\
	} name SEC(".maps")

/*
 * The arena kfuncs. alloc and free are sleepable (Linux 6.9 .. 6.18): only sleepable
 * programs may call them (SEC("syscall"), or the ".s" variants such as
 * SEC("fentry.s/...")); XDP, tc and raw_tp programs may only use pages that
 * exist.
 *
 * bpf_arena_alloc_pages: page_cnt pages at user address addr (page aligned;
 * only its low 32 bits count), or wherever there is room when addr is NULL.
 * Returns the user-form pointer, or NULL when the range is taken, outside
 * the arena, or memory is short. Pages come zeroed.
 * bpf_arena_free_pages: unmaps the pages from the kernel and from every
 * process; user space then faults on them (SIGSEGV) or, without
 * BPF_F_SEGV_ON_FAULT, gets fresh zero pages. Either pointer form works.
 * bpf_arena_reserve_pages (Linux 6.17+): marks the range taken without
 * memory; check with bpf_ksym_exists() before use.
 */
void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;
int bpf_arena_reserve_pages(void *map, void __arena *addr, __u32 page_cnt) __ksym __weak;

static __always_inline void bpf4j_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt)
{
	if (ptr)
		bpf_arena_free_pages(map, ptr, page_cnt);
}

/*
 * A bump allocator over pages from bpf_arena_alloc_pages. Its state lives in
 * a struct the caller owns, normally a global in .bss (so user space can see
 * how much was used):
 *
 *	struct bpf4j_arena_bump heap;          // .bss, all zero to start
 *	p = bpf4j_arena_alloc(&arena, &heap, 48);
 *
 * Each call returns a user-form pointer to `size` bytes (rounded up to 8,
 * 8-byte aligned, zeroed), or NULL. A request that does not fit in what is
 * left of the current chunk gets a new chunk of just enough whole pages; the
 * rest of the old chunk is never used. Allocations are not freed one by one:
 * free whole pages with bpf4j_arena_free_pages when done with everything.
 *
 * Limits: sleepable programs only (it calls bpf_arena_alloc_pages); no
 * locking, so one program run at a time may use a given state (two CPUs
 * running it concurrently could hand out the same bytes); at most
 * BPF4J_ARENA_ALLOC_MAX bytes per call.
 *
 * The one arena address whose low 32 bits are 0 (only in an arena mapped at
 * a 4 GiB boundary, e.g. a 4 GiB arena) reads as NULL after cast_user; the
 * allocator never hands it out.
 */
#ifndef BPF4J_ARENA_ALLOC_MAX
#define BPF4J_ARENA_ALLOC_MAX (64ULL << 20)
#endif

struct bpf4j_arena_bump {
	__u64 next;	/* user form of the next free byte; 0: no chunk yet */
	__u64 end;	/* end of the current chunk (exclusive) */
	__u64 pages;	/* pages obtained from bpf_arena_alloc_pages */
	__u64 failures;	/* calls that returned NULL */
};

static __always_inline void __arena *
bpf4j_arena_alloc(void *map, struct bpf4j_arena_bump *b, __u64 size)
{
	void __arena *chunk;
	__u64 p, end;
	__u32 npages;

	size = (size + 7) & ~7ULL;
	if (!size || size > BPF4J_ARENA_ALLOC_MAX)
		goto fail;
	p = b->next;
	if (p && b->end - p >= size) {
		b->next = p + size;
		return (void __arena *)p;
	}
	npages = (__u32)((size + PAGE_SIZE - 1) / PAGE_SIZE);
	chunk = bpf_arena_alloc_pages(map, NULL, npages, NUMA_NO_NODE, 0);
	if (!chunk)
		goto fail;
	b->pages += npages;
	p = (__u64)chunk;
	end = p + (__u64)npages * PAGE_SIZE;
	if (!(__u32)p) {
		if (end - p >= size + 8) {
			p += 8;
		} else {
			/* Keep that chunk (minus its first 8 bytes) as the
			 * current one, serve this request from a fresh one. */
			b->next = p + 8;
			b->end = end;
			chunk = bpf_arena_alloc_pages(map, NULL, npages, NUMA_NO_NODE, 0);
			if (!chunk)
				goto fail;
			b->pages += npages;
			p = (__u64)chunk;
			end = p + (__u64)npages * PAGE_SIZE;
		}
	}
	b->next = p + size;
	b->end = end;
	return (void __arena *)p;
fail:
	b->failures++;
	return NULL;
}

#endif /* __BPF4J_ARENA_H */
