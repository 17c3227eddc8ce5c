// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * arena_build.bpf.c for an arena with BPF_F_NO_USER_CONV: the same program
 * `build`, the same globals; every pointer it stores or publishes is the low
 * 32 bits of the user address (cast_user is a 32-bit move there).
 */
#define ARENA_FLAGS BPF_F_NO_USER_CONV
#include "arena_build.bpf.c"
