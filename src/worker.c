/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Translation worker: one thread per pair of NFQUEUEs and per queue of the
 * CLAT tun, built from the modules around it.
 *
 * IPv6 for the CLAT comes from the NFQUEUEs: rxbatch.c takes up to RXBATCH
 * queued packets in one recvmmsg(), and one send carries the verdicts for
 * the whole batch. IPv4 from the host comes from the worker's own queue
 * of the CLAT tun, where it is routed (tunrx.c: no verdict, the packet has
 * left the host's IPv4 stack), and so does the IPv6 the ingress shortcut
 * forwards there (nftrules.h). Either way the core translates each packet
 * into its own struct xlat_out and the results leave through txq.c's
 * sendmmsg() on the worker's raw sockets, or into the CLAT device (see
 * txq.h). nfqsock.c sets up the queue socket; workercfg.c is the
 * configuration box the main thread publishes to. */
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "counter.h"
#include "nfqsock.h"
#include "rxbatch.h"
#include "tundev.h"
#include "tunrx.h"
#include "txq.h"
#include "worker.h"

struct priv {
	struct mnl_socket *nl;
	struct worker_cfg_copy cfg;		/* this worker's copy */
	struct xlat_state st;
	struct txq tx4, tx6, txdev;		/* raw IPv4, raw IPv6, CLAT tun */
	struct rxbatch rx;
	struct tunrx rx4;			/* from the CLAT tun */
	int tunq;				/* our queue of it; -1: none */
	bool attach_retry;			/* tunq failed: try again */
	char dev_name[16];			/* the device to try again */
	int kick;				/* eventfd: the device changed */
	struct xlat_out out[RXBATCH];
	/* per slot: the IPv4 original (for an error when its translation
	 * is refused), and whether it was */
	const uint8_t *in4[RXBATCH];
	uint32_t in4_len[RXBATCH];
	bool refused[RXBATCH];
};

/* Translate the packet of slot i (data, len bytes, the XLAT_IN_* flags
 * in) into p->out[i], counting what became of it; bad, when not
 * XLAT_R_NONE, is why the receiver already refused it. */
static void translate(struct worker *w, struct priv *p, unsigned i,
		      const uint8_t *data, uint32_t len, unsigned in,
		      enum xlat_reason bad)
{
	struct xlat_out *out = &p->out[i];
	enum xlat_verdict v;
	bool v4;

	out->npkts = 0;
	p->in4[i] = NULL;
	STAT_INC(w->stats.rx);
	if (!worker_cfg_valid(&p->cfg)) {
		/* nothing published yet: dropped, untranslated */
		STAT_INC(w->stats.unconfigured);
		return;
	}
	if (bad) {
		STAT_INC(w->stats.drop[bad]);
		return;
	}
	v4 = len > 0 && data[0] >> 4 == 4;
	if (in & XLAT_IN_GSO)
		STAT_INC(w->stats.offloaded);
	if (p->txdev.fd >= 0)
		in |= XLAT_IN_LEAVE_PARTIAL;
	p->in4[i] = v4 ? data : NULL;
	p->in4_len[i] = len;
	v = v4 ? xlat_4to6_in(&p->cfg.cfg, &p->st, data, len, in, out)
	       : xlat_6to4_in(&p->cfg.cfg, &p->st, data, len, in, out);
	switch (v) {
	case XLAT_FORWARD:
		STAT_INC(*(v4 ? &w->stats.xlat_4to6 : &w->stats.xlat_6to4));
		break;
	case XLAT_REPLY:
		STAT_INC(w->stats.icmp_errors);
		STAT_INC(w->stats.drop[out->reason]);
		break;
	case XLAT_DROP:
		out->npkts = 0;
		STAT_INC(w->stats.drop[out->reason]);
		break;
	}
}

/* Translate queued packet i into p->out[i]; its verdict for the kernel
 * stays NF_DROP: the original ends here. */
static void handle(struct worker *w, struct priv *p, const struct rxpkt *k,
		   unsigned i)
{
	unsigned in = (k->csum_partial ? XLAT_IN_CSUM_PARTIAL : 0) |
		      (k->gso ? XLAT_IN_GSO : 0);

	translate(w, p, i, k->data, k->len, in,
		  !k->data || k->cut ? XLAT_R_TRUNCATED : XLAT_R_NONE);
}

/* The XLAT_IN_* flags of a packet from the tun, by its vnet header
 * (virtio 1.2 5.1.6); -1 for an offload the core does not take (UDP
 * segmentation, ECN, a TCP super-packet of IPv6: none is claimed). */
static int tun_flags(const struct virtio_net_hdr *vh)
{
	int in = 0;

	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		in |= XLAT_IN_CSUM_PARTIAL;
	if (vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4)
		in |= XLAT_IN_GSO;
	else if (vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)
		return -1;
	return in;
}

/* The queue for one translation: IPv4 for the host (translations, and
 * the errors the translator returns to local applications) goes into the
 * CLAT device, so it arrives there as from the network; raw sockets only
 * while there is no device. */
static struct txq *tx_pick(struct priv *p, const struct xlat_out *o)
{
	return o->family == AF_INET6 ? &p->tx6 :
	       p->txdev.fd >= 0 ? &p->txdev : &p->tx4;
}

/* The segment size of a translated download super-packet: what the
 * remote sends on the IPv6 path, the IPv6 MTU less 60 bytes of headers
 * (RFC 8200, RFC 9293), at least 536. */
static uint16_t gso_mss(const struct priv *p)
{
	unsigned m = p->cfg.cfg.mtu6;

	return (uint16_t)(m > 60 + 536 ? m - 60 : 536);
}

/* Under the box's lock (worker_cfg_take), or from run() trying again: our
 * own queue of the CLAT device name (dev_fd >= 0: there is one; -1: none
 * now). */
static void dev_changed(int dev_fd, const char *name, void *arg)
{
	struct worker *w = arg;
	struct priv *p = w->priv;

	/* Our own queue of the new device, read and written: a queue that
	 * wrote a packet of a flow is the one the kernel then hands the
	 * flow's packets to. */
	if (p->tunq >= 0)
		close(p->tunq);
	p->tunq = dev_fd >= 0 ? tundev_queue(name) : -1;
	/* Not attached (no descriptor left, the device gone again): run()
	 * tries again every second while the device is in the box. */
	p->attach_retry = p->tunq < 0 && dev_fd >= 0;
	if (p->attach_retry) {
		p->tunq = -1;
		snprintf(p->dev_name, sizeof(p->dev_name), "%s", name);
		STAT_INC(w->stats.send_errors);
	}
	if (txq_open_dev(&p->txdev, p->tunq, &w->stats.send_errors))
		STAT_INC(w->stats.send_errors);
	p->txdev.coalesced = &w->stats.coalesced;
	p->txdev.udp_join = w->udp_coalesce;
}

/* Take a new configuration when the main thread published one: the raw
 * IPv6 sockets bound to the CLAT's address, so that the kernel picks no
 * source per packet. */
static void take_cfg(struct worker *w, struct priv *p)
{
	if (worker_cfg_take(w->cfg, &p->cfg, dev_changed, w))
		/* Not fatal: the kernel then picks a source per packet. */
		txq_bind6(&p->tx6, p->cfg.cfg.clat6);
}

/* Shared mode: translations the firewall refused on the way out because
 * they collide with a host flow (nftrules.c). Their IPv4 senders get an
 * ICMPv4 error through the CLAT device, after the verdicts, so that their
 * IPv4 conntrack entries are confirmed and the error is "related". */
static void refused_errors(struct worker *w, struct priv *p, unsigned n)
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		if (!p->refused[i])
			continue;
		p->refused[i] = false;
		if (!p->in4[i])
			continue;
		STAT_INC(w->stats.drop[XLAT_R_REFUSED_OUT]);
		if (xlat_4to6_refused(&p->cfg.cfg, p->in4[i], p->in4_len[i],
				      &p->out[i]) != XLAT_REPLY)
			continue;
		STAT_INC(w->stats.icmp_errors);
		tx_pick(p, &p->out[i])->cur_tag = (uint8_t)i;
		txq_add(tx_pick(p, &p->out[i]), &p->out[i], 0);
		any = true;
	}
	if (any) {
		txq_flush(&p->txdev);
		txq_flush(&p->tx4);
	}
}

/* Receive and handle one batch; the number of packets, or -errno. */
static int batch(struct worker *w, struct priv *p)
{
	unsigned n = 0;
	int r = rxbatch_recv(&p->rx, mnl_socket_get_fd(p->nl));

	if (r < 0) {
		if (r == -ENOBUFS)
			STAT_INC(w->stats.overflows);
		return r;
	}
	take_cfg(w, p);
	for (int i = 0; i < r; i++) {
		struct rxpkt k;

		if (rxbatch_parse(&p->rx, i, &p->rx.slot[n], &k) < 0) {
			/* the kernel refusing a verdict of ours */
			if (rxbatch_error(&p->rx, i))
				STAT_INC(w->stats.verdict_errors);
			continue;
		}
		handle(w, p, &k, n);
		tx_pick(p, &p->out[n])->cur_tag = (uint8_t)n;
		txq_add(tx_pick(p, &p->out[n]), &p->out[n],
			k.gso ? gso_mss(p) : 0);
		n++;
	}
	txq_flush(&p->tx4);
	txq_flush(&p->txdev);
	txq_flush(&p->tx6);
	/* Verdicts last, as for a single packet: the translations are out
	 * before the originals move on. */
	if (rxbatch_verdicts(&p->rx, p->nl, n) < 0)
		STAT_ADD(w->stats.verdict_errors, n);
	refused_errors(w, p, n);
	return r;
}

/* Read and translate one batch from the CLAT tun; the number of packets,
 * or -errno. The originals have left the host's IPv4 stack (output and
 * postrouting, conntrack confirmed): nothing to give a verdict on. */
static int batch4(struct worker *w, struct priv *p)
{
	int r = tunrx_recv(&p->rx4, p->tunq);

	if (r < 0)
		return r;
	take_cfg(w, p);
	for (int i = 0; i < r; i++) {
		const struct tunpkt *k = &p->rx4.pkt[i];
		struct xlat_out *out = &p->out[i];
		int in = tun_flags(&k->vh);
		unsigned ver = k->data && k->len > 0 ? k->data[0] >> 4 : 0;

		/* The device carries IPv4 routed to it and IPv6 the ingress
		 * rule forwarded (nftrules.h), its hop limit decremented. */
		if (ver == 6 && in >= 0)
			in |= XLAT_IN_FORWARDED;
		translate(w, p, (unsigned)i, k->data, k->len,
			  in < 0 ? 0 : (unsigned)in,
			  !k->data || k->cut ? XLAT_R_TRUNCATED :
			  in < 0 ? XLAT_R_GSO_NOT_TCP :
			  ver != 4 && ver != 6 ?
			  XLAT_R_BAD_VERSION : XLAT_R_NONE);
		tx_pick(p, out)->cur_tag = (uint8_t)i;
		txq_add(tx_pick(p, out), out, 0);
	}
	txq_flush(&p->tx4);
	txq_flush(&p->txdev);
	txq_flush(&p->tx6);
	refused_errors(w, p, (unsigned)r);
	return r;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Sleep in poll() until packets come, drain the socket, sleep again. With
 * busy-poll, look again without sleeping (poll with no timeout, which
 * also sees a stop) until that long has passed since the last packet: a
 * sleeping thread's wake-up costs more than the wait on this kind of
 * machine (see README), and a reply or the next burst often comes first. */
static void *run(void *arg)
{
	struct worker *w = arg;
	struct priv *p = w->priv;
	struct pollfd fds[4] = {
		{ .fd = mnl_socket_get_fd(p->nl), .events = POLLIN },
		{ .fd = w->stopfd, .events = POLLIN },
		{ .fd = p->kick, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	uint64_t until = 0;	/* busy-polling up to then */

	/* A device published before we started. */
	take_cfg(w, p);
	for (;;) {
		bool nfq, tun;
		int r, r4;

		fds[3].fd = p->tunq;
		r = poll(fds, 4, until ? 0 : p->attach_retry ? 1000 : -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;	/* revents are stale */
			break;
		}
		if (fds[1].revents)
			break;
		nfq = fds[0].revents & POLLIN;
		tun = fds[3].revents & POLLIN;
		if (fds[3].revents & (POLLERR | POLLHUP)) {
			/* The device went: its queue first, before a kick
			 * below opens the next (which may reuse the number). */
			close(p->tunq);
			p->tunq = -1;
			txq_open_dev(&p->txdev, -1, &w->stats.send_errors);
			tun = false;
		}
		if (fds[2].revents) {
			uint64_t v;

			if (read(p->kick, &v, sizeof(v)) < 0)
				v = 0;
			take_cfg(w, p);
		}
		if (r == 0 && p->attach_retry && p->tunq < 0) {
			char name[sizeof(p->dev_name)];

			memcpy(name, p->dev_name, sizeof(name));
			dev_changed(0, name, w);	/* 0: a device */
		}
		if (!nfq && !tun) {
			if (until && now_us() >= until)
				until = 0;
			continue;
		}
		/* Drain both: poll again only when each is empty. */
		do {
			r = nfq ? batch(w, p) : -EAGAIN;
			r4 = tun ? batch4(w, p) : -EAGAIN;
			nfq = r == RXBATCH || r == -ENOBUFS;
			tun = r4 == RXBATCH;
		} while (nfq || tun);
		if (w->busy_poll)
			until = now_us() + w->busy_poll;
	}
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

bool worker_running(const struct worker *w)
{
	return w->priv && w->thread &&
	       !__atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
}

int worker_start(struct worker *w)
{
	struct priv *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	p->tx4.fd = p->tx6.fd = p->txdev.fd = p->tunq = p->kick = -1;
	p->cfg.gen = ~0u;	/* the first batch takes the configuration */
	w->priv = p;
	err = rxbatch_init(&p->rx);
	if (!err)
		err = tunrx_init(&p->rx4);
	if (err)
		goto fail;
	p->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->kick < 0) {
		err = -errno;
		goto fail;
	}
	err = worker_cfg_watch(w->cfg, p->kick);
	if (err) {
		close(p->kick);
		p->kick = -1;
		goto fail;
	}
	xlat_state_init(&p->st, (uint32_t)random() ^ w->queue);
	if (w->segs)
		xlat_state_share(&p->st, w->segs);
	err = nfqsock_open(&p->nl, w->queue_length);
	if (err)
		goto fail;
	err = nfqsock_bind(p->nl, w->queue, w->queue_length, false);
	if (!err && w->gso_queue)
		err = nfqsock_bind(p->nl, w->gso_queue, w->queue_length, true);
	if (err)
		goto fail;
	err = txq_open(&p->tx4, TXQ_INET, w->fwmark, &w->stats.send_errors);
	if (err)
		goto fail;
	err = txq_open(&p->tx6, TXQ_INET6, w->fwmark, &w->stats.send_errors);
	if (err)
		goto fail;
	p->tx6.refused = p->refused;
	err = -pthread_create(&w->thread, NULL, run, w);
	if (err)
		goto fail;
	return 0;
fail:
	worker_join(w);
	return err;
}

void worker_join(struct worker *w)
{
	struct priv *p = w->priv;

	if (!p)
		return;
	if (w->thread)
		pthread_join(w->thread, NULL);
	w->thread = 0;
	if (p->kick >= 0) {
		worker_cfg_unwatch(w->cfg, p->kick);
		close(p->kick);
	}
	if (p->tunq >= 0)
		close(p->tunq);
	tunrx_free(&p->rx4);
	if (p->nl)
		mnl_socket_close(p->nl);
	txq_close(&p->tx4);
	txq_close(&p->tx6);
	txq_close(&p->txdev);
	rxbatch_free(&p->rx);
	free(p);
	w->priv = NULL;
}

void worker_stats_read(const struct worker *w, struct worker_stats *s)
{
	const uint64_t *src = (const uint64_t *)&w->stats;
	uint64_t *dst = (uint64_t *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void worker_kernel_drops(unsigned first, unsigned count, uint64_t *full,
			 uint64_t *undeliverable)
{
	nfqsock_kernel_drops(first, count, full, undeliverable);
}

void worker_stats_sum(const struct worker *w, unsigned n,
		      struct worker_stats *t)
{
	uint64_t *dst = (uint64_t *)t;
	struct worker_stats s;

	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < n; i++) {
		const uint64_t *src = (const uint64_t *)&s;

		worker_stats_read(&w[i], &s);
		for (size_t k = 0; k < sizeof(s) / sizeof(uint64_t); k++)
			dst[k] += src[k];
	}
}
