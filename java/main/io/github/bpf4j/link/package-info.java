/* SPDX-License-Identifier: Apache-2.0 */
/**
 * Where and how programs attach: one immutable {@link io.github.bpf4j.link.AttachPoint}
 * per hook, for {@link io.github.bpf4j.BpfProgram#attach(AttachPoint)}. The
 * links they make ({@link io.github.bpf4j.BpfLink}, {@link io.github.bpf4j.LinkInfo},
 * {@link io.github.bpf4j.LinkType}) are core types.
 *
 * <ul>
 *   <li>tracing: {@link io.github.bpf4j.link.Tracepoint}, {@link io.github.bpf4j.link.RawTracepoint},
 *       {@link io.github.bpf4j.link.BtfTracing} (tp_btf, fentry, fexit, fmod_ret, lsm),
 *       {@link io.github.bpf4j.link.Kprobe}, {@link io.github.bpf4j.link.Ksyscall},
 *       {@link io.github.bpf4j.link.KprobeMulti}, {@link io.github.bpf4j.link.Uprobe},
 *       {@link io.github.bpf4j.link.UprobeMulti}, {@link io.github.bpf4j.link.Usdt},
 *       {@link io.github.bpf4j.link.PerfEvent};</li>
 *   <li>networking: {@link io.github.bpf4j.link.Tcx}, {@link io.github.bpf4j.link.Tc},
 *       {@link io.github.bpf4j.link.Netkit}, {@link io.github.bpf4j.link.Xdp} (and
 *       {@link io.github.bpf4j.link.XdpOptions} for {@code attachXdp}), {@link io.github.bpf4j.link.Sockmap},
 *       {@link io.github.bpf4j.link.Netns}, {@link io.github.bpf4j.link.Netfilter}, placed next to others with
 *       {@link io.github.bpf4j.link.Anchor};</li>
 *   <li>cgroups: {@link io.github.bpf4j.link.Cgroup} with {@link io.github.bpf4j.link.CgroupHook} and
 *       {@link io.github.bpf4j.link.CgroupFlag};</li>
 *   <li>iterators: {@link io.github.bpf4j.link.Iter}.</li>
 * </ul>
 *
 * Each hook has its own type, so an option of one cannot be passed where
 * another is meant; setters return a new point, so points can be constants.
 */
package io.github.bpf4j.link;
