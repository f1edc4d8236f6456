/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NFQUEUE worker: one thread per queue, built from the modules around it.
 *
 * Every step works on batches: rxbatch.c takes up to RXBATCH queued packets
 * in one recvmmsg(), the core translates each into its own struct
 * xlat_out, the results leave through txq.c's sendmmsg() on the worker's
 * raw sockets (or lo, see txq.h), and one send carries the verdicts for
 * the whole batch. nfqsock.c sets up the queue socket; workercfg.c is the
 * configuration box the main thread publishes to. */
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "counter.h"
#include "nfqsock.h"
#include "rxbatch.h"
#include "txq.h"
#include "worker.h"

struct priv {
	struct mnl_socket *nl;
	struct worker_cfg_copy cfg;		/* this worker's copy */
	bool deliver_lo;			/* the box's flag, when txlo opened */
	struct xlat_state st;
	struct txq tx4, tx6, txlo;		/* raw IPv4, raw IPv6, lo */
	struct rxbatch rx;
	struct xlat_out out[RXBATCH];
};

/* Translate one queued packet into out and set its verdict for the
 * kernel in s. */
static void handle(struct worker *w, struct priv *p, const struct rxpkt *k,
		   struct rxslot *s, struct xlat_out *out)
{
	enum xlat_verdict v;
	unsigned in = 0;
	bool v4;

	out->npkts = 0;
	STAT_INC(w->stats.rx);
	if (!k->data || k->cut) {
		STAT_INC(w->stats.drop[XLAT_R_TRUNCATED]);
		return;
	}
	if (k->csum_partial)
		in |= XLAT_IN_CSUM_PARTIAL;
	if (k->gso) {
		in |= XLAT_IN_GSO;
		STAT_INC(w->stats.offloaded);
	}
	if (p->deliver_lo)
		in |= XLAT_IN_LEAVE_PARTIAL;
	v4 = k->len > 0 && k->data[0] >> 4 == 4;
	v = v4 ? xlat_4to6_in(&p->cfg.cfg, &p->st, k->data, k->len, in, out)
	       : xlat_6to4_in(&p->cfg.cfg, &p->st, k->data, k->len, in, out);
	switch (v) {
	case XLAT_FORWARD:
		STAT_INC(*(v4 ? &w->stats.xlat_4to6 : &w->stats.xlat_6to4));
		/* The IPv4 original goes on to the reader-less CLAT device,
		 * which discards it, until IPv4 conntrack has confirmed the
		 * flow, so replies are "established"; after that the rules
		 * mark it (nftrules.c) and it ends here, as the IPv6 original
		 * always does. */
		s->nfv = v4 && k->mark != w->fwmark ? NF_ACCEPT : NF_DROP;
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

/* The queue for one translation: those for the host take lo when allowed;
 * the errors the translator itself sends back keep the raw socket. */
static struct txq *tx_pick(struct priv *p, const struct xlat_out *o)
{
	return o->family == AF_INET6 ? &p->tx6 :
	       o->verdict == XLAT_FORWARD && p->deliver_lo ? &p->txlo :
	       &p->tx4;
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
	if (worker_cfg_take(w->cfg, &p->cfg)) {
		p->deliver_lo = p->cfg.deliver_lo && p->txlo.fd >= 0;
		/* Not fatal: the kernel then picks a source per packet. */
		txq_bind6(&p->tx6, p->cfg.cfg.clat6);
	}
	for (int i = 0; i < r; i++) {
		struct rxpkt k;

		if (rxbatch_parse(&p->rx, i, &p->rx.slot[n], &k) < 0) {
			/* the kernel refusing a verdict of ours */
			if (rxbatch_error(&p->rx, i))
				STAT_INC(w->stats.verdict_errors);
			continue;
		}
		if (!worker_cfg_valid(&p->cfg)) {
			/* nothing published yet: dropped, untranslated */
			STAT_INC(w->stats.rx);
			STAT_INC(w->stats.unconfigured);
			p->out[n].npkts = 0;
			n++;
			continue;
		}
		handle(w, p, &k, &p->rx.slot[n], &p->out[n]);
		txq_add(tx_pick(p, &p->out[n]), &p->out[n]);
		n++;
	}
	txq_flush(&p->tx4);
	txq_flush(&p->txlo);
	txq_flush(&p->tx6);
	/* Verdicts last, as for a single packet: the translations are out
	 * before the originals move on. */
	if (rxbatch_verdicts(&p->rx, p->nl, n) < 0)
		STAT_ADD(w->stats.verdict_errors, n);
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
	struct pollfd fds[2] = {
		{ .fd = mnl_socket_get_fd(p->nl), .events = POLLIN },
		{ .fd = w->stopfd, .events = POLLIN },
	};
	uint64_t until = 0;	/* busy-polling up to then */

	for (;;) {
		int r;

		if (poll(fds, 2, until ? 0 : -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN)) {
			if (until && now_us() >= until)
				until = 0;
			continue;
		}
		/* Drain: poll again only when the socket is empty. */
		do
			r = batch(w, p);
		while (r == RXBATCH || r == -ENOBUFS);
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
	p->tx4.fd = p->tx6.fd = p->txlo.fd = -1;
	p->cfg.gen = ~0u;	/* the first batch takes the configuration */
	w->priv = p;
	err = rxbatch_init(&p->rx);
	if (err)
		goto fail;
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
	/* Without it (a sandbox without AF_PACKET), the raw socket does
	 * that work too. */
	txq_open(&p->txlo, TXQ_LO, w->fwmark, &w->stats.send_errors);
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
	if (p->nl)
		mnl_socket_close(p->nl);
	txq_close(&p->tx4);
	txq_close(&p->tx6);
	txq_close(&p->txlo);
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
