/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What libbpf's btf_dump trusts and btf_sanity_check() does not check, for
 * btf_dump.c: a JVM must not die of a corrupt BTF file.
 *  - a FUNC_PROTO's return type id is never checked;
 *  - btf_dump_order_type()/btf_dump_emit_type() recurse along references
 *    without a depth limit or, for pointers, typedefs, modifiers, arrays and
 *    prototypes, any loop detection: a loop is infinite recursion, a long
 *    chain a native stack overflow;
 *  - a struct member whose type has no alignment (void, a FWD, a function,
 *    a 0-byte int) reaches roundup(x, 0) in btf_dump_emit_bit_padding(): a
 *    division by zero;
 *  - member offsets and sizes beyond the struct, or a struct larger than
 *    2^28 bytes, overflow its int bit offsets.
 * The kernel refuses all of these too, so no real BTF is turned away.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include <bpf/btf.h>
#include "bpf4j.h"

/*
 * Reference depth btf_dump may recurse to. Linux 6.18's vmlinux needs 35; a
 * recursion step costs btf_dump up to ~200 bytes of native stack, so this
 * stays far below a Java thread's default 1 MiB (-Xss) stack.
 */
#define MAX_DEPTH 1024
#define MAX_STRUCT_SIZE (1u << 28)

static const char *const kinds[NR_BTF_KINDS] = {
	"UNKNOWN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
	"CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64",
};

struct check {
	const struct btf *btf;
	__u32 start; /* first type id to check */
	__u32 cnt;   /* btf__type_cnt */
	char *why;
	size_t why_len;
};

static int refuse(struct check *c, __u32 id, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(struct check *c, __u32 id, const char *fmt, ...)
{
	const struct btf_type *t = btf__type_by_id(c->btf, id);
	const char *name = btf__name_by_offset(c->btf, t->name_off);
	int n = snprintf(c->why, c->why_len, "type %u (%s%s%s%s) ", id, kinds[btf_kind(t)],
			 name && *name ? " '" : "", name ? name : "", name && *name ? "'" : "");
	va_list ap;

	if (n > 0 && (size_t)n < c->why_len) {
		va_start(ap, fmt);
		vsnprintf(c->why + n, c->why_len - n, fmt, ap);
		va_end(ap);
	}
	return BPF4J_BTF_MALFORMED;
}

/*
 * The i-th reference btf_dump follows from (id, through_ptr), as
 * btf_dump_order_type() does: a named struct or union reached through a
 * pointer is where the recursion stops (a forward declaration does).
 * Base types of split BTF are the kernel's, checked by it: not followed.
 */
static int next_ref(const struct check *c, __u32 id, int through_ptr, __u32 i, __u32 *next, int *next_ptr)
{
	const struct btf_type *t;

	if (id < c->start)
		return 0;
	t = btf__type_by_id(c->btf, id);
	*next_ptr = 0;
	switch (btf_kind(t)) {
	case BTF_KIND_PTR:
		*next_ptr = 1;
		*next = t->type;
		return i == 0;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		*next_ptr = through_ptr;
		*next = t->type;
		return i == 0;
	case BTF_KIND_ARRAY:
		*next = btf_array(t)->type;
		return i == 0;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if ((through_ptr && t->name_off) || i >= btf_vlen(t))
			return 0;
		*next = btf_members(t)[i].type;
		return 1;
	case BTF_KIND_FUNC_PROTO:
		if (i > btf_vlen(t))
			return 0;
		*next_ptr = through_ptr;
		*next = i == 0 ? t->type : btf_params(t)[i - 1].type;
		return 1;
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		*next = t->type;
		return i == 0;
	default:
		return 0;
	}
}

struct frame {
	__u32 id;
	__u32 i;
	int through_ptr;
};

/* No loops, and no path longer than MAX_DEPTH, over next_ref(); iterative, memoized: O(types + references). */
static int check_refs(struct check *c)
{
	size_t n = (size_t)c->cnt * 2;
	unsigned char *state = calloc(n, 1); /* 0 new, 1 on the path, 2 done */
	unsigned short *depth = calloc(n, sizeof(*depth));
	struct frame *stack = malloc(n * sizeof(*stack));
	__u32 root;
	int err = 0;

	if (!state || !depth || !stack) {
		err = -ENOMEM;
		goto out;
	}
	for (root = c->start; root < c->cnt && !err; root++) {
		size_t top = 0;

		if (state[(size_t)root * 2])
			continue;
		stack[top++] = (struct frame){ root, 0, 0 };
		state[(size_t)root * 2] = 1;
		while (top && !err) {
			struct frame *f = &stack[top - 1];
			size_t self = (size_t)f->id * 2 + f->through_ptr;
			__u32 next;
			int next_ptr;
			size_t other;

			if (!next_ref(c, f->id, f->through_ptr, f->i++, &next, &next_ptr)) {
				state[self] = 2;
				top--;
				if (top) {
					size_t parent = (size_t)stack[top - 1].id * 2 + stack[top - 1].through_ptr;

					if (depth[self] + 1 > depth[parent])
						depth[parent] = depth[self] + 1;
				}
				continue;
			}
			if (next >= c->cnt) {
				err = refuse(c, f->id, "refers to type id %u, past the last type id %u", next, c->cnt - 1);
				break;
			}
			other = (size_t)next * 2 + next_ptr;
			if (state[other] == 1) {
				err = refuse(c, next, "is part of a reference loop (through type %u) that no pointer to a"
					     " named struct or union breaks", f->id);
			} else if (state[other] == 2) {
				if (top + depth[other] >= MAX_DEPTH)
					err = refuse(c, root, "starts a chain of more than %u nested type references",
						     MAX_DEPTH);
				else if (depth[other] + 1 > depth[self])
					depth[self] = depth[other] + 1;
			} else if (top >= MAX_DEPTH) {
				err = refuse(c, root, "starts a chain of more than %u nested type references", MAX_DEPTH);
			} else {
				state[other] = 1;
				stack[top++] = (struct frame){ next, 0, next_ptr };
			}
		}
	}
out:
	free(stack);
	free(depth);
	free(state);
	return err;
}

/* A type a struct member can have: one with a size and an alignment (typedefs, modifiers, arrays looked through). */
static int complete(const struct btf *btf, __u32 id)
{
	for (;;) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			return t->size > 0;
		case BTF_KIND_PTR:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			return 1;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		case BTF_KIND_ARRAY:
			id = btf_array(t)->type;
			break;
		default:
			return 0;
		}
	}
}

static int check_type(struct check *c, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(c->btf, id);
	__u32 i, vlen = btf_vlen(t);

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (t->size == 0 || t->size > 16)
			return refuse(c, id, "is %u bytes; an integer has 1 to 16", t->size);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
		if (t->size == 0 || t->size > 16)
			return refuse(c, id, "is %u bytes", t->size);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (t->size > MAX_STRUCT_SIZE)
			return refuse(c, id, "is %u bytes, more than %u", t->size, MAX_STRUCT_SIZE);
		for (i = 0; i < vlen; i++) {
			const struct btf_member *m = btf_members(t) + i;
			const char *name = btf__name_by_offset(c->btf, m->name_off);
			__u64 bits = btf_member_bitfield_size(t, i);
			__u64 end = btf_member_bit_offset(t, i);
			__s64 size;

			if (!complete(c->btf, m->type))
				return refuse(c, id, "member %u ('%s') has type id %u, a %s without size or alignment",
					      i, name ? name : "", m->type, kinds[btf_kind(btf__type_by_id(c->btf, m->type))]);
			size = btf__resolve_size(c->btf, m->type);
			if (size < 0)
				return refuse(c, id, "member %u ('%s'): the size of type id %u cannot be resolved",
					      i, name ? name : "", m->type);
			end += bits ? bits : (__u64)size * 8;
			if (end > (__u64)t->size * 8)
				return refuse(c, id, "member %u ('%s') ends at bit %llu, past the %u-byte %s",
					      i, name ? name : "", (unsigned long long)end, t->size,
					      btf_is_struct(t) ? "struct" : "union");
		}
		break;
	case BTF_KIND_FUNC_PROTO:
		if (t->type >= c->cnt)
			return refuse(c, id, "returns type id %u, past the last type id %u", t->type, c->cnt - 1);
		break;
	default:
		break;
	}
	return 0;
}

static int check_all(struct check *c)
{
	__u32 id;
	int err;

	/* Prototypes first: check_refs() follows their return types. */
	for (id = c->start; id < c->cnt; id++)
		if (btf_is_func_proto(btf__type_by_id(c->btf, id)) && (err = check_type(c, id)))
			return err;
	err = check_refs(c);
	for (id = c->start; id < c->cnt && !err; id++)
		err = check_type(c, id);
	return err;
}

int bpf4j_btf_check(const struct btf *btf, __u32 start, char *why, size_t why_len)
{
	struct check c = { .btf = btf, .start = start, .cnt = btf__type_cnt(btf), .why = why, .why_len = why_len };

	if (why_len)
		why[0] = '\0';
	return check_all(&c);
}

/* ---- the bytes, before libbpf parses them --------------------------------- */

static int malformed(char *why, size_t why_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int malformed(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return BPF4J_BTF_MALFORMED;
}

/*
 * An ELF file's .BTF section (ELF64 little-endian: BPF objects and vmlinux
 * files of x86_64 and arm64), every offset checked against the file.
 */
static int elf_btf(const unsigned char *f, size_t size, const void **blob, size_t *len, char *why, size_t why_len)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, strtab;
	size_t i;

	if (size < sizeof(eh))
		return malformed(why, why_len, "the ELF header is cut short (%zu bytes)", size);
	memcpy(&eh, f, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return malformed(why, why_len, "only 64-bit little-endian ELF files are read");
	if (eh.e_shentsize != sizeof(sh) || eh.e_shoff > size || eh.e_shstrndx >= eh.e_shnum ||
	    (size - eh.e_shoff) / sizeof(sh) < eh.e_shnum)
		return malformed(why, why_len, "the ELF section headers (%u at offset %llu) do not fit the file",
				 eh.e_shnum, (unsigned long long)eh.e_shoff);
	memcpy(&strtab, f + eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(sh), sizeof(sh));
	if (strtab.sh_offset > size || strtab.sh_size > size - strtab.sh_offset)
		return malformed(why, why_len, "the ELF section name table runs past the file");
	for (i = 1; i < eh.e_shnum; i++) {
		memcpy(&sh, f + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		if (sh.sh_name >= strtab.sh_size || strtab.sh_size - sh.sh_name < sizeof(".BTF") ||
		    memcmp(f + strtab.sh_offset + sh.sh_name, ".BTF", sizeof(".BTF")) != 0)
			continue;
		if (sh.sh_type == SHT_NOBITS || sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
			return malformed(why, why_len, "section .BTF (%llu bytes at %llu) runs past the file",
					 (unsigned long long)sh.sh_size, (unsigned long long)sh.sh_offset);
		*blob = f + sh.sh_offset;
		*len = sh.sh_size;
		return 0;
	}
	return -ENODATA;
}

/*
 * libbpf's btf_parse_hdr() takes any header length up to the size: one
 * below the header's own 24 bytes, or not a multiple of 4, puts every type
 * record at an unaligned address (UBSan: misaligned loads in btf_parse_type_sec).
 */
static int check_header(const void *blob, size_t len, char *why, size_t why_len)
{
	struct btf_header h;

	if (len < sizeof(h))
		return malformed(why, why_len, "%zu bytes is too short for a BTF header (%zu bytes)", len, sizeof(h));
	memcpy(&h, blob, sizeof(h));
	if (h.magic == BTF_MAGIC && (h.hdr_len < sizeof(h) || h.hdr_len % 4))
		return malformed(why, why_len, "the BTF header length is %u; it must be a multiple of 4 and at least %zu",
				 h.hdr_len, sizeof(h));
	return 0;
}

struct btf *bpf4j_btf_read(const char *path, struct btf *base, char *why, size_t why_len, int *err)
{
	static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t size = 0, cap = 0, n;
	const void *blob;
	size_t len;
	struct btf *btf = NULL;

	why[0] = '\0';
	if (!f) {
		*err = -errno;
		return NULL;
	}
	/* read to the end: sysfs files report no size */
	do {
		if (size == cap) {
			unsigned char *more;

			cap = cap ? cap * 2 : 1u << 20;
			more = realloc(buf, cap);
			if (!more) {
				*err = -ENOMEM;
				goto out;
			}
			buf = more;
		}
		n = fread(buf + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	if (ferror(f)) {
		*err = -EIO;
		goto out;
	}
	blob = buf;
	len = size;
	if (size >= 4 && memcmp(buf, elf_magic, 4) == 0) {
		*err = elf_btf(buf, size, &blob, &len, why, why_len);
		if (*err)
			goto out;
	} else if (size < 2 || ((buf[0] | buf[1] << 8) != BTF_MAGIC && (buf[0] << 8 | buf[1]) != BTF_MAGIC)) {
		*err = -EPROTO;
		goto out;
	}
	*err = check_header(blob, len, why, why_len);
	if (*err)
		goto out;
	btf = btf__new_split(blob, len, base);
	if (!btf)
		*err = -errno;
out:
	free(buf);
	fclose(f);
	return btf;
}
