/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CLAT's IPv4 interface: a multi-queue tun device, read and written
 * with a vnet header.
 *
 * Out: IPv4 routed to it (the host's own, and in router mode the LAN's
 * after source NAT) passes the output and postrouting hooks like any
 * packet leaving the host, and the kernel hands it to one of the queues,
 * one per worker, which reads and translates it; the queue is chosen by
 * the flow (the kernel's flow steering: the queue that last wrote a
 * packet of the flow, else a hash of it). Offloads stay pending: a TCP
 * super-packet arrives whole with its segment size, a checksum partial.
 * In: the workers write the translations for the host into their queue,
 * so the kernel receives them on this device (`iif clat` for the host
 * firewall, reverse path checked against the CLAT's route), with their
 * offloads described in the vnet header. */
#ifndef CLAT_TUNDEV_H
#define CLAT_TUNDEV_H

#include <stdbool.h>
#include <stdint.h>

/* Create (or take over) the persistent device name, down (tundev_up),
 * with its offloads on or not (tundev_offload): a descriptor of it that
 * is no queue (the device's handle, *ifindex set), or -errno. */
int tundev_create(const char *name, bool offload, int *ifindex);

/* Whether the device hands over TCP super-packets and partial checksums
 * (offload) or does both itself first; fd is tundev_create()'s. 0 or
 * -errno. */
int tundev_offload(int fd, bool on);

/* Bring the device name up (each queue holding up to qlen packets); 0 or
 * -errno. */
int tundev_up(const char *name, unsigned qlen);

/* Each queue of the device name holding up to qlen packets from now on;
 * 0 or -errno. */
int tundev_qlen(const char *name, unsigned qlen);

/* A new queue of the device name, non-blocking: the descriptor a worker
 * reads from and writes into, or -errno (-ENODEV: no persistent device of
 * that name, which a tun made by asking is not). */
int tundev_queue(const char *name);

/* The packets the device name dropped because the queue they were steered
 * to was full (or had no reader): its tx_dropped; 0 when unknown. */
uint64_t tundev_dropped(const char *name);

/* Remove it; 0 or -errno (-ENODEV when it is not there). */
int tundev_remove(const char *name);

#endif
