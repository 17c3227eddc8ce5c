// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An arena (which bpf4j creates and maps itself before libbpf loads the
 * programs) next to a program the verifier rejects: the load fails after the
 * arena was prepared. LoadFailureTest retries such a load and checks that no
 * second arena is prepared.
 */
#define BPF4J_REJECT_WITH_ARENA
#include "verifier_reject.bpf.c"
