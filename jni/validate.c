/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structural validation of a BPF ELF object before libbpf parses it.
 *
 * libbpf checks much of an object itself, but trusts parts of it (libbpf
 * 1.7's btf_validate_type() checks a FUNC_PROTO's parameter ids, not its
 * return type id, and bpf_object_prepare() then dereferences that id), and a
 * JVM must never die of a corrupt file. So every offset, size, index, type id
 * and string offset that libbpf or the kernel will follow is checked here
 * first, against the bytes themselves, and the first problem is described
 * precisely enough to find it with readelf or bpftool.
 *
 * Only the structure is checked; whether the programs make sense is the
 * verifier's business. Every read goes through memcpy: a corrupt file may put
 * any structure at any alignment.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/btf.h>
#include "bpf4j.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

/* .BTF.ext layout (libbpf_internal.h; not part of libbpf's public API). */
struct validate_btf_ext_header {
	uint16_t magic;
	uint8_t version;
	uint8_t flags;
	uint32_t hdr_len;
	uint32_t func_info_off;
	uint32_t func_info_len;
	uint32_t line_info_off;
	uint32_t line_info_len;
	uint32_t core_relo_off;
	uint32_t core_relo_len;
};

#define BTF_EXT_MIN_HDR_LEN 24       /* up to line_info_len */
#define BTF_EXT_CORE_HDR_LEN 32      /* with core_relo_off/len */
#define FUNC_INFO_MIN_REC 8          /* insn_off, type_id */
#define LINE_INFO_MIN_REC 16         /* insn_off, file_name_off, line_off, line_col */
#define CORE_RELO_MIN_REC 16         /* insn_off, type_id, access_str_off, kind */
#define CORE_RELO_KIND_MAX 12        /* BPF_CORE_TYPE_MATCHES */
#define BPF_INSN_SIZE 8

struct validate_ctx {
	const unsigned char *elf;
	size_t size;
	char *why;
	size_t why_len;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;          /* copies of all section headers */
	const char *shstr;       /* section-name string table (in elf) */
	size_t shstr_size;
	/* .BTF, once parsed: .BTF.ext refers to its types and strings */
	const unsigned char *btf_types;
	uint32_t btf_types_len;
	const unsigned char *btf_strs;
	uint32_t btf_strs_len;
	uint32_t *type_off;      /* type id -> offset in btf_types; [0] unused */
	uint32_t nr_types;       /* last valid type id */
};

static int fail(struct validate_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct validate_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->why_len) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->why_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* off + len inside [0, limit), without overflow. */
static int in_range(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

static const char *section_name(const struct validate_ctx *c, size_t idx)
{
	uint32_t off;

	if (!c->shstr || !c->sh || idx >= c->eh.e_shnum)
		return "?";
	off = c->sh[idx].sh_name;
	return off < c->shstr_size ? c->shstr + off : "?";
}

/* A string table is usable when it is not empty and ends in NUL. */
static int check_strtab(struct validate_ctx *c, size_t idx, const char *what)
{
	const Elf64_Shdr *s = &c->sh[idx];

	if (s->sh_type != SHT_STRTAB)
		return fail(c, "section %zu (%s): %s is not a string table (type %u)",
			    idx, section_name(c, idx), what, s->sh_type);
	if (s->sh_size == 0 || c->elf[s->sh_offset + s->sh_size - 1] != '\0')
		return fail(c, "section %zu (%s): string table is empty or not NUL-terminated",
			    idx, section_name(c, idx));
	return 0;
}

static int check_elf_header(struct validate_ctx *c)
{
	const unsigned char *id = c->elf;

	if (c->size < sizeof(Elf64_Ehdr))
		return fail(c, "%zu bytes is too short for an ELF header (%zu bytes)",
			    c->size, sizeof(Elf64_Ehdr));
	if (memcmp(id, ELFMAG, SELFMAG) != 0)
		return fail(c, "no ELF magic (first bytes %02x %02x %02x %02x)", id[0], id[1], id[2], id[3]);
	if (id[EI_CLASS] != ELFCLASS64)
		return fail(c, "ELF class %u, BPF objects are ELFCLASS64", id[EI_CLASS]);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (id[EI_DATA] != ELFDATA2LSB)
		return fail(c, "ELF data encoding %u, this CPU loads only little-endian BPF objects (clang -target bpfel)",
			    id[EI_DATA]);
#else
	if (id[EI_DATA] != ELFDATA2MSB)
		return fail(c, "ELF data encoding %u, this CPU loads only big-endian BPF objects (clang -target bpfeb)",
			    id[EI_DATA]);
#endif
	if (id[EI_VERSION] != EV_CURRENT)
		return fail(c, "ELF version %u, expected %u", id[EI_VERSION], EV_CURRENT);
	memcpy(&c->eh, c->elf, sizeof(c->eh));
	if (c->eh.e_machine != EM_BPF)
		return fail(c, "ELF machine %u is not EM_BPF (%u)", c->eh.e_machine, EM_BPF);
	if (c->eh.e_type != ET_REL)
		return fail(c, "ELF type %u is not ET_REL (a BPF object is a relocatable file)", c->eh.e_type);
	if (c->eh.e_ehsize < sizeof(Elf64_Ehdr))
		return fail(c, "ELF header size %u, expected %zu", c->eh.e_ehsize, sizeof(Elf64_Ehdr));
	if (c->eh.e_shnum == 0)
		return fail(c, "no section header table (e_shnum 0)");
	if (c->eh.e_shentsize != sizeof(Elf64_Shdr))
		return fail(c, "section header size %u, expected %zu", c->eh.e_shentsize, sizeof(Elf64_Shdr));
	if (!in_range(c->eh.e_shoff, (uint64_t)c->eh.e_shnum * sizeof(Elf64_Shdr), c->size))
		return fail(c, "section header table (offset %llu, %u entries) runs past the end of the file (%zu bytes)",
			    (unsigned long long)c->eh.e_shoff, c->eh.e_shnum, c->size);
	if (c->eh.e_shstrndx == SHN_UNDEF || c->eh.e_shstrndx >= c->eh.e_shnum)
		return fail(c, "section-name table index e_shstrndx %u is not a section (there are %u)",
			    c->eh.e_shstrndx, c->eh.e_shnum);
	if (c->eh.e_phnum != 0 && !in_range(c->eh.e_phoff, (uint64_t)c->eh.e_phnum * c->eh.e_phentsize, c->size))
		return fail(c, "program header table runs past the end of the file");
	return 0;
}

static int check_sections(struct validate_ctx *c)
{
	size_t n = c->eh.e_shnum, i;
	const Elf64_Shdr *shs;

	c->sh = malloc(n * sizeof(*c->sh));
	if (!c->sh)
		return -ENOMEM;
	memcpy(c->sh, c->elf + c->eh.e_shoff, n * sizeof(*c->sh));

	for (i = 0; i < n; i++) {
		const Elf64_Shdr *s = &c->sh[i];

		if (i == 0)
			continue; /* SHN_UNDEF's header is ignored by libelf and libbpf */
		if (s->sh_type != SHT_NOBITS && !in_range(s->sh_offset, s->sh_size, c->size))
			return fail(c, "section %zu: data (offset %llu, size %llu) runs past the end of the file (%zu bytes)",
				    i, (unsigned long long)s->sh_offset, (unsigned long long)s->sh_size, c->size);
		if (s->sh_link >= n)
			return fail(c, "section %zu: sh_link %u is not a section (there are %zu)", i, s->sh_link, n);
		if ((s->sh_type == SHT_REL || s->sh_type == SHT_RELA || (s->sh_flags & SHF_INFO_LINK)) &&
		    (s->sh_info == 0 || s->sh_info >= n))
			return fail(c, "section %zu: sh_info %u is not a section (there are %zu)", i, s->sh_info, n);
		if (s->sh_entsize && s->sh_type != SHT_NOBITS && s->sh_size % s->sh_entsize)
			return fail(c, "section %zu: size %llu is not a multiple of its entry size %llu", i,
				    (unsigned long long)s->sh_size, (unsigned long long)s->sh_entsize);
	}

	shs = &c->sh[c->eh.e_shstrndx];
	if (shs->sh_type != SHT_STRTAB || shs->sh_size == 0 ||
	    c->elf[shs->sh_offset + shs->sh_size - 1] != '\0')
		return fail(c, "section %u, the section-name table, is not a NUL-terminated string table",
			    c->eh.e_shstrndx);
	c->shstr = (const char *)c->elf + shs->sh_offset;
	c->shstr_size = shs->sh_size;

	for (i = 1; i < n; i++) {
		const Elf64_Shdr *s = &c->sh[i];

		if (s->sh_name >= c->shstr_size)
			return fail(c, "section %zu: name offset %u is past the section-name table (%zu bytes)",
				    i, s->sh_name, c->shstr_size);
		if (s->sh_type == SHT_STRTAB && check_strtab(c, i, "string table"))
			return -EINVAL;
		if ((s->sh_flags & SHF_EXECINSTR) && s->sh_type == SHT_PROGBITS && s->sh_size % BPF_INSN_SIZE)
			return fail(c, "section %zu (%s): program size %llu is not a multiple of an instruction (8 bytes)",
				    i, section_name(c, i), (unsigned long long)s->sh_size);
	}
	return 0;
}

static int check_symtab(struct validate_ctx *c, size_t idx, size_t *nr_syms)
{
	const Elf64_Shdr *s = &c->sh[idx];
	const Elf64_Shdr *strs;
	size_t n, i;

	if (s->sh_entsize != sizeof(Elf64_Sym))
		return fail(c, "section %zu (%s): symbol size %llu, expected %zu", idx, section_name(c, idx),
			    (unsigned long long)s->sh_entsize, sizeof(Elf64_Sym));
	if (s->sh_link == 0 || check_strtab(c, s->sh_link, "the symbol table's sh_link"))
		return s->sh_link == 0 ? fail(c, "section %zu (%s): symbol table has no string table (sh_link 0)",
					      idx, section_name(c, idx))
				       : -EINVAL;
	strs = &c->sh[s->sh_link];
	n = s->sh_size / sizeof(Elf64_Sym);
	for (i = 0; i < n; i++) {
		Elf64_Sym sym;

		memcpy(&sym, c->elf + s->sh_offset + i * sizeof(sym), sizeof(sym));
		if (sym.st_name >= strs->sh_size)
			return fail(c, "section %zu (%s): symbol %zu: name offset %u is past its string table (%llu bytes)",
				    idx, section_name(c, idx), i, sym.st_name, (unsigned long long)strs->sh_size);
		if (sym.st_shndx >= c->eh.e_shnum && sym.st_shndx != SHN_ABS && sym.st_shndx != SHN_COMMON)
			return fail(c, "section %zu (%s): symbol %zu (%s): section index %u is not a section (there are %u)",
				    idx, section_name(c, idx), i,
				    (const char *)c->elf + strs->sh_offset + sym.st_name, sym.st_shndx, c->eh.e_shnum);
	}
	*nr_syms = n;
	return 0;
}

/*
 * The function symbol of executable section sec that holds byte off: its end offset,
 * or 0 if none does (and its name in *name).
 */
static uint64_t function_end(const struct validate_ctx *c, size_t symtab_idx, size_t nr_syms, size_t sec,
			     uint64_t off, const char **name)
{
	const Elf64_Shdr *st = &c->sh[symtab_idx];
	const Elf64_Shdr *strs = &c->sh[st->sh_link];
	size_t i;

	for (i = 0; i < nr_syms; i++) {
		Elf64_Sym sym;

		memcpy(&sym, c->elf + st->sh_offset + i * sizeof(sym), sizeof(sym));
		if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx != sec)
			continue;
		if (off >= sym.st_value && off - sym.st_value < sym.st_size) {
			*name = (const char *)c->elf + strs->sh_offset + sym.st_name;
			return sym.st_value + sym.st_size;
		}
	}
	return 0;
}

/*
 * A relocated 16-byte ld_imm64 must lie whole inside its function: libbpf writes both
 * halves into the program's instruction copy, which is only as long as the symbol says.
 */
static int check_relocated_insn(struct validate_ctx *c, size_t idx, size_t i, size_t symtab_idx, size_t nr_syms,
				uint64_t off)
{
	const Elf64_Shdr *target = &c->sh[c->sh[idx].sh_info];
	const char *fn = "?";
	uint64_t end;

	if (!(target->sh_flags & SHF_EXECINSTR) || target->sh_type != SHT_PROGBITS)
		return 0;
	if (off % BPF_INSN_SIZE)
		return fail(c, "section %zu (%s): relocation %zu: offset %llu is not at an instruction", idx,
			    section_name(c, idx), i, (unsigned long long)off);
	if (c->elf[target->sh_offset + off] != 0x18) /* BPF_LD | BPF_IMM | BPF_DW */
		return 0;
	end = function_end(c, symtab_idx, nr_syms, c->sh[idx].sh_info, off, &fn);
	if (off + 2 * BPF_INSN_SIZE > target->sh_size || (end && off + 2 * BPF_INSN_SIZE > end))
		return fail(c, "section %zu (%s): relocation %zu: the 16-byte instruction at offset %llu runs past the"
			    " end of %s %s", idx, section_name(c, idx), i, (unsigned long long)off,
			    end ? "function" : "section", end ? fn : section_name(c, c->sh[idx].sh_info));
	return 0;
}

static int check_relocations(struct validate_ctx *c, size_t idx, size_t symtab_idx, size_t nr_syms)
{
	const Elf64_Shdr *s = &c->sh[idx];
	const Elf64_Shdr *target = &c->sh[s->sh_info];
	size_t entsize = s->sh_type == SHT_REL ? sizeof(Elf64_Rel) : sizeof(Elf64_Rela);
	size_t n, i;

	if (s->sh_entsize != entsize)
		return fail(c, "section %zu (%s): relocation size %llu, expected %zu", idx, section_name(c, idx),
			    (unsigned long long)s->sh_entsize, entsize);
	if (s->sh_link != symtab_idx)
		return fail(c, "section %zu (%s): sh_link %u is not the symbol table (section %zu)",
			    idx, section_name(c, idx), s->sh_link, symtab_idx);
	n = s->sh_size / entsize;
	for (i = 0; i < n; i++) {
		Elf64_Rel rel;

		memcpy(&rel, c->elf + s->sh_offset + i * entsize, sizeof(rel));
		if (ELF64_R_SYM(rel.r_info) >= nr_syms)
			return fail(c, "section %zu (%s): relocation %zu: symbol index %llu, the symbol table has %zu",
				    idx, section_name(c, idx), i, (unsigned long long)ELF64_R_SYM(rel.r_info), nr_syms);
		if (target->sh_type != SHT_NOBITS && rel.r_offset >= target->sh_size)
			return fail(c, "section %zu (%s): relocation %zu: offset %llu is past section %u (%s, %llu bytes)",
				    idx, section_name(c, idx), i, (unsigned long long)rel.r_offset, s->sh_info,
				    section_name(c, s->sh_info), (unsigned long long)target->sh_size);
		if (check_relocated_insn(c, idx, i, symtab_idx, nr_syms, rel.r_offset))
			return -EINVAL;
	}
	return 0;
}

static int check_symbols_and_relocations(struct validate_ctx *c)
{
	size_t symtab_idx = 0, nr_syms = 0, i;
	int err;

	for (i = 1; i < c->eh.e_shnum; i++) {
		if (c->sh[i].sh_type != SHT_SYMTAB)
			continue;
		if (symtab_idx)
			return fail(c, "sections %zu and %zu: more than one symbol table", symtab_idx, i);
		symtab_idx = i;
		err = check_symtab(c, i, &nr_syms);
		if (err)
			return err;
	}
	for (i = 1; i < c->eh.e_shnum; i++) {
		if (c->sh[i].sh_type != SHT_REL && c->sh[i].sh_type != SHT_RELA)
			continue;
		if (!symtab_idx)
			return fail(c, "section %zu (%s): relocations but no symbol table", i, section_name(c, i));
		err = check_relocations(c, i, symtab_idx, nr_syms);
		if (err)
			return err;
	}
	return 0;
}

static const char *const kind_names[NR_BTF_KINDS] = {
	"UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF", "VOLATILE",
	"CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
	"TYPE_TAG", "ENUM64",
};

static void btf_type_at(const struct validate_ctx *c, uint32_t id, struct btf_type *t)
{
	memcpy(t, c->btf_types + c->type_off[id], sizeof(*t));
}

/* The i-th 32-bit word after a type's struct btf_type. */
static uint32_t btf_tail_word(const struct validate_ctx *c, uint32_t id, size_t i)
{
	uint32_t v;

	memcpy(&v, c->btf_types + c->type_off[id] + sizeof(struct btf_type) + i * 4, 4);
	return v;
}

static const char *btf_str(const struct validate_ctx *c, uint32_t off)
{
	return off < c->btf_strs_len ? (const char *)c->btf_strs + off : "?";
}

/* A name for a type in messages: its own, or for an anonymous FUNC_PROTO the FUNC using it. */
static const char *btf_type_label(const struct validate_ctx *c, uint32_t id)
{
	struct btf_type t;
	uint32_t i;

	btf_type_at(c, id, &t);
	if (t.name_off && t.name_off < c->btf_strs_len)
		return btf_str(c, t.name_off);
	if (BTF_INFO_KIND(t.info) == BTF_KIND_FUNC_PROTO) {
		for (i = 1; i <= c->nr_types; i++) {
			struct btf_type f;

			btf_type_at(c, i, &f);
			if (BTF_INFO_KIND(f.info) == BTF_KIND_FUNC && f.type == id)
				return btf_str(c, f.name_off);
		}
	}
	return "";
}

static int btf_kind_of(const struct validate_ctx *c, uint32_t id)
{
	struct btf_type t;

	if (id == 0)
		return BTF_KIND_UNKN;
	btf_type_at(c, id, &t);
	return BTF_INFO_KIND(t.info);
}

static int btf_fail_ref(struct validate_ctx *c, uint32_t id, const char *what, uint32_t ref)
{
	struct btf_type t;

	btf_type_at(c, id, &t);
	return fail(c, "section .BTF: type %u (%s '%s') %s type id %u, past the last type id %u",
		    id, kind_names[BTF_INFO_KIND(t.info)], btf_type_label(c, id), what, ref, c->nr_types);
}

static int btf_fail_str(struct validate_ctx *c, uint32_t id, const char *what, uint32_t off)
{
	struct btf_type t;

	btf_type_at(c, id, &t);
	return fail(c, "section .BTF: type %u (%s) %s offset %u is past the string section (%u bytes)",
		    id, kind_names[BTF_INFO_KIND(t.info)], what, off, c->btf_strs_len);
}

#define CHECK_ID(ref, what) \
	do { if ((ref) > c->nr_types) return btf_fail_ref(c, id, what, ref); } while (0)
#define CHECK_STR(off, what) \
	do { if ((off) >= c->btf_strs_len) return btf_fail_str(c, id, what, off); } while (0)

/* Size of a type record including its kind's tail, or 0 for an unknown kind. */
static size_t btf_record_size(uint32_t kind, uint32_t vlen)
{
	const size_t base = sizeof(struct btf_type);

	switch (kind) {
	case BTF_KIND_FWD:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return base;
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return base + 4;
	case BTF_KIND_ARRAY:
		return base + sizeof(struct btf_array);
	case BTF_KIND_ENUM:
		return base + (size_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return base + (size_t)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return base + (size_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_FUNC_PROTO:
		return base + (size_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return base + (size_t)vlen * sizeof(struct btf_var_secinfo);
	default:
		return 0;
	}
}

static int btf_check_type(struct validate_ctx *c, uint32_t id)
{
	struct btf_type t;
	uint32_t kind, vlen, i;

	btf_type_at(c, id, &t);
	kind = BTF_INFO_KIND(t.info);
	vlen = BTF_INFO_VLEN(t.info);
	CHECK_STR(t.name_off, "name");

	switch (kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
		CHECK_ID(t.type, "refers to");
		break;
	case BTF_KIND_DECL_TAG: {
		int32_t component = (int32_t)btf_tail_word(c, id, 0);
		struct btf_type target;
		uint32_t target_kind, members = 0;

		CHECK_ID(t.type, "tags");
		if (t.type == 0)
			return fail(c, "section .BTF: type %u (DECL_TAG) tags type id 0 (void)", id);
		if (component < -1)
			return fail(c, "section .BTF: type %u (DECL_TAG) component %d", id, component);
		if (component == -1)
			break;
		/* a component is a member of a struct/union or a parameter of a function */
		btf_type_at(c, t.type, &target);
		target_kind = BTF_INFO_KIND(target.info);
		if (target_kind == BTF_KIND_STRUCT || target_kind == BTF_KIND_UNION) {
			members = BTF_INFO_VLEN(target.info);
		} else if (target_kind == BTF_KIND_FUNC && target.type && target.type <= c->nr_types) {
			struct btf_type proto;

			btf_type_at(c, target.type, &proto);
			members = BTF_INFO_VLEN(proto.info);
		}
		if ((uint32_t)component >= members)
			return fail(c, "section .BTF: type %u (DECL_TAG) component %d, but type %u (%s) has %u",
				    id, component, t.type, kind_names[target_kind], members);
		break;
	}
	case BTF_KIND_FUNC:
		CHECK_ID(t.type, "has prototype");
		if (btf_kind_of(c, t.type) != BTF_KIND_FUNC_PROTO)
			return fail(c, "section .BTF: type %u (FUNC '%s') has prototype type id %u, which is a %s, not a FUNC_PROTO",
				    id, btf_str(c, t.name_off), t.type, kind_names[btf_kind_of(c, t.type)]);
		break;
	case BTF_KIND_FUNC_PROTO:
		CHECK_ID(t.type, "returns");
		for (i = 0; i < vlen; i++) {
			struct btf_param p;

			memcpy(&p, c->btf_types + c->type_off[id] + sizeof(t) + i * sizeof(p), sizeof(p));
			CHECK_STR(p.name_off, "parameter name");
			if (p.type > c->nr_types) {
				char what[48];

				snprintf(what, sizeof(what), "parameter %u has", i);
				return btf_fail_ref(c, id, what, p.type);
			}
		}
		break;
	case BTF_KIND_ARRAY: {
		struct btf_array a;

		memcpy(&a, c->btf_types + c->type_off[id] + sizeof(t), sizeof(a));
		CHECK_ID(a.type, "has element");
		CHECK_ID(a.index_type, "has index");
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (i = 0; i < vlen; i++) {
			struct btf_member m;

			memcpy(&m, c->btf_types + c->type_off[id] + sizeof(t) + i * sizeof(m), sizeof(m));
			CHECK_STR(m.name_off, "member name");
			if (m.type > c->nr_types) {
				char what[64];

				snprintf(what, sizeof(what), "member %u ('%s') has", i, btf_str(c, m.name_off));
				return btf_fail_ref(c, id, what, m.type);
			}
		}
		break;
	case BTF_KIND_ENUM:
		for (i = 0; i < vlen; i++)
			CHECK_STR(btf_tail_word(c, id, i * 2), "enumerator name");
		break;
	case BTF_KIND_ENUM64:
		for (i = 0; i < vlen; i++)
			CHECK_STR(btf_tail_word(c, id, i * 3), "enumerator name");
		break;
	case BTF_KIND_DATASEC:
		for (i = 0; i < vlen; i++) {
			struct btf_var_secinfo v;
			int vk;

			memcpy(&v, c->btf_types + c->type_off[id] + sizeof(t) + i * sizeof(v), sizeof(v));
			if (v.type > c->nr_types) {
				char what[48];

				snprintf(what, sizeof(what), "variable %u is", i);
				return btf_fail_ref(c, id, what, v.type);
			}
			/* libbpf reads each entry as a VAR (or, in .ksyms, a FUNC) */
			vk = btf_kind_of(c, v.type);
			if (vk != BTF_KIND_VAR && vk != BTF_KIND_FUNC)
				return fail(c, "section .BTF: type %u (DATASEC '%s') variable %u is type id %u, a %s, not a VAR",
					    id, btf_str(c, t.name_off), i, v.type, kind_names[vk]);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* The one successor of a modifier, typedef, pointer or array (its element); 0 for other kinds. */
static uint32_t btf_chain_next(const struct validate_ctx *c, uint32_t id)
{
	struct btf_type t;

	btf_type_at(c, id, &t);
	switch (BTF_INFO_KIND(t.info)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return t.type;
	case BTF_KIND_ARRAY:
		return btf_tail_word(c, id, 0);
	default:
		return 0;
	}
}

/*
 * Chains of modifiers, typedefs, pointers and array elements must end: libbpf
 * follows them without a depth limit (skip_mods_and_typedefs) and would spin.
 * Each such type has one successor, so colouring finds every loop in O(n).
 */
static int btf_check_loops(struct validate_ctx *c)
{
	unsigned char *state = calloc(c->nr_types + 1, 1); /* 0 new, 1 on path, 2 done */
	uint32_t id;
	int err = 0;

	if (!state)
		return -ENOMEM;
	for (id = 1; id <= c->nr_types && !err; id++) {
		uint32_t cur = id;

		while (cur && state[cur] == 0) {
			struct btf_type t;
			uint32_t next;

			state[cur] = 1;
			btf_type_at(c, cur, &t);
			next = btf_chain_next(c, cur);
			if (next && state[next] == 1) {
				err = fail(c, "section .BTF: type %u (%s '%s') is part of a reference loop through type %u",
					   cur, kind_names[BTF_INFO_KIND(t.info)], btf_type_label(c, cur), next);
				break;
			}
			cur = next;
		}
		/* mark the walked path done */
		for (cur = id; cur && state[cur] == 1; cur = btf_chain_next(c, cur))
			state[cur] = 2;
	}
	free(state);
	return err;
}

/*
 * Size of a member's type, as libbpf's btf__resolve_size computes it; 0 where
 * it has none (void, FWD, FUNC...). Runs after btf_check_loops, so every chain
 * ends. An array too large for a u32 counts as UINT64_MAX.
 */
static uint64_t btf_resolved_size(const struct validate_ctx *c, uint32_t id)
{
	uint64_t nelems = 1;

	while (id) {
		struct btf_type t;

		btf_type_at(c, id, &t);
		switch (BTF_INFO_KIND(t.info)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_DATASEC:
			return nelems * t.size;
		case BTF_KIND_PTR:
			return nelems * 8;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t.type;
			break;
		case BTF_KIND_ARRAY:
			nelems *= btf_tail_word(c, id, 2);
			if (nelems > UINT32_MAX)
				return UINT64_MAX;
			id = btf_tail_word(c, id, 0);
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/*
 * Every member lies inside its struct, as the kernel's btf_struct_check_member
 * demands: libbpf copies struct_ops members by their BTF offset and size into a
 * buffer of the struct's size (bpf_map__init_kern_struct_ops), so one member
 * offset past the end is a heap overflow.
 */
static int btf_check_member_bounds(struct validate_ctx *c)
{
	uint32_t id, i;

	for (id = 1; id <= c->nr_types; id++) {
		struct btf_type t;
		uint32_t kind;

		btf_type_at(c, id, &t);
		kind = BTF_INFO_KIND(t.info);
		if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
			continue;
		for (i = 0; i < BTF_INFO_VLEN(t.info); i++) {
			struct btf_member m;
			uint64_t bit_off, bits, end_bits;

			memcpy(&m, c->btf_types + c->type_off[id] + sizeof(t) + i * sizeof(m), sizeof(m));
			bit_off = BTF_INFO_KFLAG(t.info) ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset;
			bits = BTF_INFO_KFLAG(t.info) ? BTF_MEMBER_BITFIELD_SIZE(m.offset) : 0;
			if (!bits) {
				uint64_t size = btf_resolved_size(c, m.type);

				bits = size == UINT64_MAX ? UINT64_MAX / 2 : size * 8;
			}
			end_bits = bit_off + bits;
			if (end_bits > (uint64_t)t.size * 8)
				return fail(c, "section .BTF: type %u (%s '%s') member %u ('%s') ends at bit %llu, past the type's %u bytes",
					    id, kind_names[kind], btf_str(c, t.name_off), i, btf_str(c, m.name_off),
					    (unsigned long long)end_bits, t.size);
		}
	}
	return 0;
}

static int check_btf(struct validate_ctx *c, size_t idx)
{
	const Elf64_Shdr *s = &c->sh[idx];
	const unsigned char *data = c->elf + s->sh_offset;
	struct btf_header h;
	uint32_t pos, id, cap;
	int err;

	if (s->sh_type == SHT_NOBITS)
		return fail(c, "section .BTF has no data (SHT_NOBITS)");
	if (s->sh_size < sizeof(h))
		return fail(c, "section .BTF: %llu bytes is too short for a BTF header (%zu bytes)",
			    (unsigned long long)s->sh_size, sizeof(h));
	memcpy(&h, data, sizeof(h));
	if (h.magic != BTF_MAGIC)
		return fail(c, "section .BTF: magic 0x%04x, expected 0x%04x (or the object has the other byte order)",
			    h.magic, BTF_MAGIC);
	if (h.version != BTF_VERSION)
		return fail(c, "section .BTF: version %u, expected %u", h.version, BTF_VERSION);
	if (h.hdr_len < sizeof(h) || h.hdr_len > s->sh_size)
		return fail(c, "section .BTF: header length %u, must be %zu..%llu", h.hdr_len, sizeof(h),
			    (unsigned long long)s->sh_size);
	if (!in_range(h.type_off, h.type_len, s->sh_size - h.hdr_len))
		return fail(c, "section .BTF: types (offset %u, %u bytes) run past the section (%llu bytes after the header)",
			    h.type_off, h.type_len, (unsigned long long)(s->sh_size - h.hdr_len));
	if (!in_range(h.str_off, h.str_len, s->sh_size - h.hdr_len))
		return fail(c, "section .BTF: strings (offset %u, %u bytes) run past the section (%llu bytes after the header)",
			    h.str_off, h.str_len, (unsigned long long)(s->sh_size - h.hdr_len));
	if (h.type_off & 3)
		return fail(c, "section .BTF: type offset %u is not 4-byte aligned", h.type_off);
	if (h.type_off < h.str_off ? h.type_off + h.type_len > h.str_off : h.str_off + h.str_len > h.type_off)
		return fail(c, "section .BTF: types (offset %u, %u bytes) and strings (offset %u, %u bytes) overlap",
			    h.type_off, h.type_len, h.str_off, h.str_len);
	c->btf_types = data + h.hdr_len + h.type_off;
	c->btf_types_len = h.type_len;
	c->btf_strs = data + h.hdr_len + h.str_off;
	c->btf_strs_len = h.str_len;
	if (h.str_len == 0 || c->btf_strs[0] != '\0' || c->btf_strs[h.str_len - 1] != '\0')
		return fail(c, "section .BTF: string section (%u bytes) must start and end with NUL", h.str_len);

	/* pass 1: the records and their sizes */
	cap = h.type_len / sizeof(struct btf_type) + 1;
	c->type_off = malloc((size_t)cap * sizeof(*c->type_off));
	if (!c->type_off)
		return -ENOMEM;
	for (pos = 0, id = 1; pos < h.type_len; id++) {
		struct btf_type t;
		uint32_t kind;
		size_t size;

		if (h.type_len - pos < sizeof(t))
			return fail(c, "section .BTF: type %u: %u bytes left at offset %u, a type record needs %zu",
				    id, h.type_len - pos, pos, sizeof(t));
		memcpy(&t, c->btf_types + pos, sizeof(t));
		kind = BTF_INFO_KIND(t.info);
		size = btf_record_size(kind, BTF_INFO_VLEN(t.info));
		if (size == 0)
			return fail(c, "section .BTF: type %u at offset %u has unknown kind %u", id, pos, kind);
		if (size > h.type_len - pos)
			return fail(c, "section .BTF: type %u (%s, vlen %u) needs %zu bytes, %u are left in the type section",
				    id, kind_names[kind], BTF_INFO_VLEN(t.info), size, h.type_len - pos);
		if (id > BTF_MAX_TYPE)
			return fail(c, "section .BTF: more than %u types", BTF_MAX_TYPE);
		c->type_off[id] = pos;
		pos += (uint32_t)size;
	}
	c->nr_types = id - 1;

	/* pass 2: every reference */
	for (id = 1; id <= c->nr_types; id++) {
		err = btf_check_type(c, id);
		if (err)
			return err;
	}
	err = btf_check_loops(c);
	if (err)
		return err;
	return btf_check_member_bounds(c);
}

static size_t section_by_name(const struct validate_ctx *c, const char *name)
{
	size_t i;

	for (i = 1; i < c->eh.e_shnum; i++)
		if (strcmp(c->shstr + c->sh[i].sh_name, name) == 0)
			return i;
	return 0;
}

static int check_btf_ext_info(struct validate_ctx *c, const unsigned char *area, uint32_t area_len,
			      uint32_t off, uint32_t len, const char *what, uint32_t min_rec)
{
	uint32_t rec_size, pos;

	if (len == 0)
		return 0;
	if (!in_range(off, len, area_len))
		return fail(c, "section .BTF.ext: %s (offset %u, %u bytes) runs past the section", what, off, len);
	if (off & 3)
		return fail(c, "section .BTF.ext: %s offset %u is not 4-byte aligned", what, off);
	if (len < 4)
		return fail(c, "section .BTF.ext: %s has no record size", what);
	memcpy(&rec_size, area + off, 4);
	if (rec_size < min_rec || rec_size & 3)
		return fail(c, "section .BTF.ext: %s record size %u, must be a multiple of 4 and at least %u",
			    what, rec_size, min_rec);
	for (pos = 4; pos < len;) {
		uint32_t hdr[2], i; /* sec_name_off, num_info */
		const char *sec_name;
		size_t sec;

		if (len - pos < sizeof(hdr))
			return fail(c, "section .BTF.ext: %s: truncated section header at offset %u", what, pos);
		memcpy(hdr, area + off + pos, sizeof(hdr));
		if (hdr[0] >= c->btf_strs_len)
			return fail(c, "section .BTF.ext: %s: section name offset %u is past the .BTF strings (%u bytes)",
				    what, hdr[0], c->btf_strs_len);
		sec_name = btf_str(c, hdr[0]);
		if (hdr[1] == 0 || (uint64_t)hdr[1] * rec_size > len - pos - sizeof(hdr))
			return fail(c, "section .BTF.ext: %s for '%s': %u records of %u bytes do not fit the %u bytes left",
				    what, sec_name, hdr[1], rec_size, len - pos - (uint32_t)sizeof(hdr));
		sec = section_by_name(c, sec_name);
		pos += sizeof(hdr);
		for (i = 0; i < hdr[1]; i++, pos += rec_size) {
			uint32_t r[4] = { 0, 0, 0, 0 };

			memcpy(r, area + off + pos, min_rec);
			if (r[0] % BPF_INSN_SIZE || (sec && c->sh[sec].sh_type != SHT_NOBITS && r[0] >= c->sh[sec].sh_size))
				return fail(c, "section .BTF.ext: %s for '%s': record %u: instruction offset %u is not an instruction of the section",
					    what, sec_name, i, r[0]);
			if (min_rec == FUNC_INFO_MIN_REC) {
				if (r[1] == 0 || r[1] > c->nr_types || btf_kind_of(c, r[1]) != BTF_KIND_FUNC)
					return fail(c, "section .BTF.ext: %s for '%s': record %u: type id %u is not a FUNC of .BTF (last type id %u)",
						    what, sec_name, i, r[1], c->nr_types);
			} else if (strcmp(what, "line_info") == 0) {
				if (r[1] >= c->btf_strs_len || r[2] >= c->btf_strs_len)
					return fail(c, "section .BTF.ext: %s for '%s': record %u: string offset %u/%u is past the .BTF strings (%u bytes)",
						    what, sec_name, i, r[1], r[2], c->btf_strs_len);
			} else {
				if (r[1] == 0 || r[1] > c->nr_types)
					return fail(c, "section .BTF.ext: %s for '%s': record %u: type id %u, past the last type id %u",
						    what, sec_name, i, r[1], c->nr_types);
				if (r[2] >= c->btf_strs_len)
					return fail(c, "section .BTF.ext: %s for '%s': record %u: access string offset %u is past the .BTF strings (%u bytes)",
						    what, sec_name, i, r[2], c->btf_strs_len);
				if (r[3] > CORE_RELO_KIND_MAX)
					return fail(c, "section .BTF.ext: %s for '%s': record %u: unknown relocation kind %u",
						    what, sec_name, i, r[3]);
			}
		}
	}
	return 0;
}

static int check_btf_ext(struct validate_ctx *c, size_t idx)
{
	const Elf64_Shdr *s = &c->sh[idx];
	const unsigned char *data = c->elf + s->sh_offset;
	struct validate_btf_ext_header h;
	const unsigned char *area;
	uint32_t area_len;
	int err;

	if (!c->type_off)
		return fail(c, "section .BTF.ext without a .BTF section");
	if (s->sh_type == SHT_NOBITS || s->sh_size < BTF_EXT_MIN_HDR_LEN)
		return fail(c, "section .BTF.ext: %llu bytes is too short for its header (%u bytes)",
			    (unsigned long long)s->sh_size, BTF_EXT_MIN_HDR_LEN);
	memset(&h, 0, sizeof(h));
	memcpy(&h, data, s->sh_size < sizeof(h) ? s->sh_size : sizeof(h));
	if (h.magic != BTF_MAGIC)
		return fail(c, "section .BTF.ext: magic 0x%04x, expected 0x%04x", h.magic, BTF_MAGIC);
	if (h.version != BTF_VERSION)
		return fail(c, "section .BTF.ext: version %u, expected %u", h.version, BTF_VERSION);
	if (h.hdr_len < BTF_EXT_MIN_HDR_LEN || h.hdr_len > s->sh_size)
		return fail(c, "section .BTF.ext: header length %u, must be %u..%llu", h.hdr_len,
			    BTF_EXT_MIN_HDR_LEN, (unsigned long long)s->sh_size);
	if (h.hdr_len < BTF_EXT_CORE_HDR_LEN)
		h.core_relo_off = h.core_relo_len = 0;
	area = data + h.hdr_len;
	area_len = (uint32_t)(s->sh_size - h.hdr_len);
	err = check_btf_ext_info(c, area, area_len, h.func_info_off, h.func_info_len, "func_info", FUNC_INFO_MIN_REC);
	err = err ?: check_btf_ext_info(c, area, area_len, h.line_info_off, h.line_info_len, "line_info", LINE_INFO_MIN_REC);
	err = err ?: check_btf_ext_info(c, area, area_len, h.core_relo_off, h.core_relo_len, "core_relo", CORE_RELO_MIN_REC);
	return err;
}

int bpf4j_validate_object(const void *elf, size_t size, char *why, size_t why_len)
{
	struct validate_ctx c;
	size_t btf, btf_ext;
	int err;

	memset(&c, 0, sizeof(c));
	c.elf = elf;
	c.size = size;
	c.why = why;
	c.why_len = why_len;
	if (why && why_len)
		why[0] = '\0';

	err = check_elf_header(&c);
	err = err ?: check_sections(&c);
	err = err ?: check_symbols_and_relocations(&c);
	if (!err) {
		btf = section_by_name(&c, ".BTF");
		btf_ext = section_by_name(&c, ".BTF.ext");
		if (btf)
			err = check_btf(&c, btf);
		if (!err && btf_ext)
			err = check_btf_ext(&c, btf_ext);
	}
	if (err == -ENOMEM)
		fail(&c, "out of memory while validating the object");
	free(c.type_off);
	free(c.sh);
	return err;
}
