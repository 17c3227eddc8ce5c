/* SPDX-License-Identifier: Apache-2.0 */
package io.github.bpf4j.link;

/**
 * Where an XDP program runs on its interface: the kernel's
 * {@code XDP_FLAGS_*_MODE}. Hardware offload ({@code XDP_FLAGS_HW_MODE}) is
 * left out: it needs a program loaded for one device (prog_ifindex), which
 * bpf4j does not load.
 */
public enum XdpMode {
    /** No mode flag: the driver's native XDP where it has one, generic XDP otherwise. */
    DEFAULT,
    /** {@code XDP_FLAGS_SKB_MODE}: generic XDP, in the network stack after the skb exists; every device has it. */
    SKB,
    /** {@code XDP_FLAGS_DRV_MODE}: native XDP in the driver; refused (EOPNOTSUPP/EINVAL) where the driver lacks it. */
    DRIVER
}
