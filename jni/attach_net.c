/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network attach points (NetworkAttach): tcx and netkit as BPF links made
 * with bpf_link_create, where the attach point (ingress/egress,
 * primary/peer) is the caller's choice and not the section's;
 * sockmap, netns and netfilter links through libbpf's bpf_program__attach_*,
 * whose hook the program's section fixes; classic tc (clsact + cls_bpf over
 * netlink, libbpf's bpf_tc_*) and netlink XDP, which are no BPF links:
 * Java undoes them itself. Everything returns 0 / an fd / a struct
 * bpf_link address, or -errno.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/pkt_sched.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf4j.h"

#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef TC_H_MIN_INGRESS
#define TC_H_MIN_INGRESS 0xFFF2U
#define TC_H_MIN_EGRESS 0xFFF3U
#endif

static jlong link_address(struct bpf_link *link)
{
	if (!link)
		return errno ? -errno : -EINVAL;
	return (jlong)(intptr_t)link;
}

/*
 * BPF_LINK_CREATE for the multi-program hooks (tcx, netkit): target is the
 * ifindex, flags BPF_F_BEFORE/AFTER (| BPF_F_ID, BPF_F_LINK) with a
 * relative fd or id, and the expected revision (0: any). The link fd.
 */
static jint JNICALL net_link_create(JNIEnv *env, jclass cls, jint prog_fd, jint target, jint attach_type,
				    jint flags, jint relative_fd, jint relative_id, jlong expected_revision)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = (__u32)flags);

	(void)env;
	(void)cls;
	/* tcx and netkit share the union's layout; libbpf copies the member of the attach type. */
	if (attach_type == BPF_NETKIT_PRIMARY || attach_type == BPF_NETKIT_PEER) {
		opts.netkit.relative_fd = (__u32)relative_fd;
		opts.netkit.relative_id = (__u32)relative_id;
		opts.netkit.expected_revision = (__u64)expected_revision;
	} else {
		opts.tcx.relative_fd = (__u32)relative_fd;
		opts.tcx.relative_id = (__u32)relative_id;
		opts.tcx.expected_revision = (__u64)expected_revision;
	}
	return bpf_link_create(prog_fd, target, (enum bpf_attach_type)attach_type, &opts);
}

/* sk_msg / sk_skb into a SOCKMAP or SOCKHASH (Linux 6.10+): the section says which attach type. */
static jlong JNICALL net_attach_sockmap(JNIEnv *env, jclass cls, jlong prog, jint map_fd)
{
	(void)env;
	(void)cls;
	return link_address(bpf_program__attach_sockmap((const struct bpf_program *)(intptr_t)prog, map_fd));
}

/* sk_lookup / flow_dissector in the network namespace of netns_fd (the link holds the namespace). */
static jlong JNICALL net_attach_netns(JNIEnv *env, jclass cls, jlong prog, jint netns_fd)
{
	(void)env;
	(void)cls;
	return link_address(bpf_program__attach_netns((const struct bpf_program *)(intptr_t)prog, netns_fd));
}

static jlong JNICALL net_attach_netfilter(JNIEnv *env, jclass cls, jlong prog, jint pf, jint hook,
					  jint priority, jint flags)
{
	LIBBPF_OPTS(bpf_netfilter_opts, opts, .pf = (__u32)pf, .hooknum = (__u32)hook, .priority = priority,
		    .flags = (__u32)flags);

	(void)env;
	(void)cls;
	return link_address(bpf_program__attach_netfilter((const struct bpf_program *)(intptr_t)prog, &opts));
}

/* 0: bpf4j created the clsact qdisc; -EEXIST: the interface had one. */
static jint JNICALL net_tc_hook_create(JNIEnv *env, jclass cls, jint ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);

	(void)env;
	(void)cls;
	return bpf_tc_hook_create(&hook);
}

/* Removes the clsact qdisc, with every filter on both of its hooks. */
static jint JNICALL net_tc_hook_destroy(JNIEnv *env, jclass cls, jint ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	(void)env;
	(void)cls;
	return bpf_tc_hook_destroy(&hook);
}

/*
 * cls_bpf filter in direct-action mode (libbpf always sets it). handle and
 * priority 0 let the kernel choose; the filter made is returned as
 * handle << 16 | priority (priority is 16 bits, the handle 32), or -errno.
 */
static jlong JNICALL net_tc_attach(JNIEnv *env, jclass cls, jint ifindex, jboolean egress, jint prog_fd,
				   jint handle, jint priority, jboolean replace)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = (__u32)handle, .priority = (__u32)priority,
		    .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err;

	(void)env;
	(void)cls;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
	return (jlong)(((__u64)opts.handle << 16) | (opts.priority & 0xffff));
}

/*
 * Removes the filter at (handle, priority) only if it still runs prog_id:
 * a filter replaced since (BPF_TC_F_REPLACE by someone else) is left alone,
 * -ENOENT. 0 when removed.
 */
static jint JNICALL net_tc_detach(JNIEnv *env, jclass cls, jint ifindex, jboolean egress, jint handle,
				  jint priority, jint prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = (__u32)handle, .priority = (__u32)priority);
	int err;

	(void)env;
	(void)cls;
	err = bpf_tc_query(&hook, &opts);
	if (err)
		return err;
	if (opts.prog_id != (__u32)prog_id)
		return -ENOENT;
	opts.prog_id = 0;
	opts.prog_fd = 0;
	opts.flags = 0;
	return bpf_tc_detach(&hook, &opts);
}

/* Counts the filters under one clsact parent with an RTM_GETTFILTER dump. */
static int tc_count_filters(int sock, int ifindex, __u32 parent, __u32 seq)
{
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
	} req;
	char buf[8192];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int count = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	req.nh.nlmsg_type = RTM_GETTFILTER;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = ifindex;
	req.tc.tcm_parent = parent;
	if (sendto(sock, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(sock, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return count;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(nh);

				return e->error ? e->error : count;
			}
			if (nh->nlmsg_type == RTM_NEWTFILTER)
				count++;
		}
	}
}

/* Filters on the interface's clsact ingress and egress hooks together, or -errno. */
static jint JNICALL net_tc_filter_count(JNIEnv *env, jclass cls, jint ifindex)
{
	int sock, in, eg;

	(void)env;
	(void)cls;
	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return -errno;
	in = tc_count_filters(sock, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), 1);
	eg = in < 0 ? in : tc_count_filters(sock, ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), 2);
	close(sock);
	return in < 0 ? in : eg < 0 ? eg : in + eg;
}

/*
 * Netlink XDP: flags are XDP_FLAGS_* (mode, UPDATE_IF_NOEXIST, REPLACE);
 * with REPLACE, old_prog_fd is the program expected there (-1: none).
 */
static jint JNICALL net_xdp_attach(JNIEnv *env, jclass cls, jint ifindex, jint prog_fd, jint flags,
				   jint old_prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_prog_fd);

	(void)env;
	(void)cls;
	return bpf_xdp_attach(ifindex, prog_fd, (__u32)flags, (flags & XDP_FLAGS_REPLACE) ? &opts : NULL);
}

int bpf4j_attach_net_register(JNIEnv *env)
{
	static const JNINativeMethod methods[] = {
		{ "netLinkCreate0", "(IIIIIIJ)I", (void *)net_link_create },
		{ "netAttachSockmap0", "(JI)J", (void *)net_attach_sockmap },
		{ "netAttachNetns0", "(JI)J", (void *)net_attach_netns },
		{ "netAttachNetfilter0", "(JIIII)J", (void *)net_attach_netfilter },
		{ "netTcHookCreate", "(I)I", (void *)net_tc_hook_create },
		{ "netTcHookDestroy", "(I)I", (void *)net_tc_hook_destroy },
		{ "netTcAttach", "(IZIIIZ)J", (void *)net_tc_attach },
		{ "netTcDetach", "(IZIII)I", (void *)net_tc_detach },
		{ "netTcFilterCount", "(I)I", (void *)net_tc_filter_count },
		{ "netXdpAttach", "(IIII)I", (void *)net_xdp_attach },
	};

	return bpf4j_register(env, methods, BPF4J_ARRAY_LEN(methods));
}
