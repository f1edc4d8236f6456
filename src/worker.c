/* NFQUEUE worker: libnetfilter_queue over libmnl, raw-socket reinjection.
 *
 * Every step works on batches: recvmmsg() takes up to BATCH queued packets
 * in one call, the core translates each into its own struct xlat_out, the
 * results leave through sendmmsg() on the worker's raw sockets, and one
 * send carries the verdicts for the whole batch (one NFQNL_MSG_VERDICT_BATCH
 * per run of equal verdicts).
 *
 * Translations for the host itself (IPv6 -> IPv4, to the CLAT address),
 * and the ICMP errors the translator returns to local applications, are
 * written into the CLAT device's tun descriptor: the kernel receives them
 * on the CLAT interface, so the host firewall sees `iif clat` (as it does
 * with TAYGA) and decides about them as about anything from the network,
 * reverse path filtering included. Their offloads ride in the vnet header:
 * a checksum left partial, and a TCP super-packet stays one packet. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/virtio_net.h>
#include <endian.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "worker.h"

/* Counters: one writer (the worker), readers elsewhere; relaxed atomics
 * keep that free of locks and of torn reads. */
#define STAT_ADD(x, n) __atomic_store_n(&(x), __atomic_load_n(&(x), \
					__ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)
#define STAT_INC(x) STAT_ADD(x, 1)

/* The socket holds every packet waiting on its queues: at least 16 MiB,
 * more when queue-length asks for it, at the cost per message of a small
 * packet (a full-size one costs about three times that: such a queue
 * fills its socket first, and the overrun is counted). */
#define RCVBUF		(16 << 20)
#define RCVBUF_MAX	(1 << 30)
#define MSG_TRUESIZE	1024
#define BATCH	32			/* queued packets per receive */
/* One queue message: packet + attributes, rounded up so that each slot of
 * the receive buffer starts aligned for struct nlmsghdr (0xffff + 512 is
 * odd: every other slot was misaligned, which UBSan reported in the soak). */
#define MSGBUF	((0xffff + 512 + 63) & ~63)
#define TXMAX	64			/* packets per sendmmsg */

#define VIOV	8			/* clat: vnet header, a packet's iovs */

/* The outgoing packets of one family, flushed with one sendmmsg(). */
struct txq {
	int fd;
	unsigned n;
	struct mmsghdr msg[TXMAX];
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} dst[TXMAX];
};

struct slot {
	uint32_t id;
	uint16_t queue;
	bool gso;			/* the original was a super-packet */
	int nfv;
};

struct priv {
	struct mnl_socket *nl;
	unsigned gen;				/* of cfg */
	struct xlat_cfg cfg;			/* this worker's copy */
	unsigned dev_gen;			/* of dev_fd */
	int dev_fd;				/* own dup of the CLAT tun */
	bool leave_partial;			/* not in router mode */
	uint32_t portid;
	struct xlat_state st;
	struct txq tx4, tx6;			/* raw IPv4, raw IPv6 */
	struct slot slot[BATCH];
	struct mmsghdr rx[BATCH];
	struct iovec rxiov[BATCH];
	uint8_t *rxbuf;				/* BATCH * MSGBUF */
	struct xlat_out out[BATCH];
	char vbuf[BATCH * NLMSG_ALIGN(sizeof(struct nlmsghdr) + 64)];
};

/* Bind one queue to the worker's socket. With gso, the kernel hands over
 * super-packets whole and leaves partial checksums as they are, saying so
 * in NFQA_SKB_INFO; without it, it segments and completes them first. */
static int nfq_config(struct priv *p, uint16_t queue, uint32_t maxlen,
		      bool gso)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	/* No NFQA_CFG_F_FAIL_OPEN: a full queue would pass IPv6 packets to
	 * the host's stack too (see nftrules.c); full means dropped. */
	uint32_t flags = gso ? NFQA_CFG_F_GSO : 0;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK,
			 htonl(NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(maxlen));
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* A raw socket (AF_INET, AF_INET6) that only sends. */
static int raw_socket(int family, uint32_t mark)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		return -errno;
	/* Our own packets carry the mark, so the rules never queue them. */
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void tx_flush(struct worker *w, struct txq *q)
{
	unsigned done = 0;

	while (done < q->n) {
		int r = sendmmsg(q->fd, q->msg + done, q->n - done, 0);

		if (r <= 0) {
			/* The first message in line was refused: count it
			 * and go on with the rest. */
			STAT_INC(w->stats.send_errors);
			done++;
		} else {
			done += (unsigned)r;
		}
	}
	q->n = 0;
}

/* Write one packet into the CLAT device, behind its vnet header: the
 * kernel receives it there. A checksum left partial stays so (csum_start
 * counts from the IPv4 header: a tun frame has no link header); a TCP
 * super-packet is marked GSO with segments of the IPv6 path's MSS, which
 * the receiving TCP takes as the peer's segment size and which the kernel
 * cuts it into should it be forwarded (router mode). */
static void dev_write(struct worker *w, struct priv *p, const struct xlat_out *o,
		      const struct xlat_pkt *k, bool gso)
{
	const struct iovec *iov = &o->iov[k->iov_first];
	struct virtio_net_hdr vh = { 0 };
	struct iovec v[VIOV];
	const uint8_t *h = iov[0].iov_base;

	if (k->iovcnt > VIOV - 1) {	/* the core makes 4 at most */
		STAT_INC(w->stats.send_errors);
		return;
	}
	if (k->csum_start) {
		vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh.csum_start = htole16(k->csum_start);
		vh.csum_offset = htole16(k->csum_offset);
		if (gso && h[9] == IPPROTO_TCP && iov[0].iov_len >= 20) {
			unsigned hl = (h[0] & 15u) * 4u;
			unsigned mss = p->cfg.mtu6 > 60 + 536 ?
				       p->cfg.mtu6 - 60u : 536u;

			if (k->len > hl + 60u + mss) {
				vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
				vh.gso_size = htole16((uint16_t)mss);
				vh.hdr_len = htole16((uint16_t)(hl + 60));
			}
		}
	}
	v[0] = (struct iovec){ &vh, sizeof(vh) };
	memcpy(&v[1], iov, k->iovcnt * sizeof(*iov));
	if (writev(p->dev_fd, v, (int)k->iovcnt + 1) < 0)
		STAT_INC(w->stats.send_errors);
}

/* Queue the packets of one translation; they reference out's arena and the
 * receive buffer, both untouched until the batch is flushed. IPv4 for the
 * host (translations and the translator's own errors) goes into the CLAT
 * device at once; the rest waits for the batch's sendmmsg(). */
static void tx_add(struct worker *w, struct priv *p, struct xlat_out *o,
		   bool gso)
{
	struct txq *q = o->family == AF_INET6 ? &p->tx6 : &p->tx4;

	for (unsigned i = 0; i < o->npkts; i++) {
		struct iovec *iov = &o->iov[o->pkt[i].iov_first];
		const uint8_t *h = iov[0].iov_base;
		struct msghdr *m;

		if (o->family == AF_INET && p->dev_fd >= 0 &&
		    !memcmp(h + 16, p->cfg.clat4, 4)) {
			dev_write(w, p, o, &o->pkt[i], gso);
			continue;
		}
		if (q->n == TXMAX)
			tx_flush(w, q);
		m = &q->msg[q->n].msg_hdr;
		*m = (struct msghdr){ .msg_iov = iov,
				      .msg_iovlen = o->pkt[i].iovcnt,
				      .msg_name = &q->dst[q->n] };
		if (o->family == AF_INET6) {
			q->dst[q->n].in6 = (struct sockaddr_in6){
				.sin6_family = AF_INET6 };
			memcpy(&q->dst[q->n].in6.sin6_addr, h + 24, 16);
			m->msg_namelen = sizeof(struct sockaddr_in6);
		} else {
			q->dst[q->n].in = (struct sockaddr_in){
				.sin_family = AF_INET };
			memcpy(&q->dst[q->n].in.sin_addr, h + 16, 4);
			m->msg_namelen = sizeof(struct sockaddr_in);
		}
		q->n++;
	}
}

/* Translate one queued packet into out; returns its verdict for the
 * kernel, or -1 when the message is not a packet. */
static int handle(struct worker *w, struct priv *p, const uint8_t *msg,
		  size_t len, struct slot *s, struct xlat_out *out)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)msg;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	const uint8_t *pkt;
	uint16_t plen;
	enum xlat_verdict v;
	unsigned in = 0;
	bool v4;

	if (!mnl_nlmsg_ok(nlh, (int)len) ||
	    nlh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET) ||
	    nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return -1;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	s->id = ntohl(ph->packet_id);
	s->queue = ntohs(((const struct nfgenmsg *)
			  mnl_nlmsg_get_payload(nlh))->res_id);
	s->nfv = NF_DROP;
	out->npkts = 0;
	STAT_INC(w->stats.rx);
	if (!attr[NFQA_PAYLOAD]) {
		STAT_INC(w->stats.drop[XLAT_R_TRUNCATED]);
		return s->nfv;
	}
	pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	plen = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	/* A packet longer than the copy range arrives cut (NFQA_CAP_LEN
	 * gives its length): it cannot be translated. */
	if (attr[NFQA_CAP_LEN] &&
	    ntohl(mnl_attr_get_u32(attr[NFQA_CAP_LEN])) > plen) {
		STAT_INC(w->stats.drop[XLAT_R_TRUNCATED]);
		return s->nfv;
	}
	if (attr[NFQA_SKB_INFO]) {
		uint32_t info = ntohl(mnl_attr_get_u32(attr[NFQA_SKB_INFO]));

		if (info & NFQA_SKB_CSUMNOTREADY)
			in |= XLAT_IN_CSUM_PARTIAL;
		if (info & NFQA_SKB_GSO) {
			in |= XLAT_IN_GSO;
			STAT_INC(w->stats.offloaded);
		}
	}
	if (p->leave_partial && p->dev_fd >= 0)
		in |= XLAT_IN_LEAVE_PARTIAL;
	s->gso = (in & XLAT_IN_GSO) != 0;
	v4 = plen > 0 && pkt[0] >> 4 == 4;
	v = v4 ? xlat_4to6_in(&p->cfg, &p->st, pkt, plen, in, out)
	       : xlat_6to4_in(&p->cfg, &p->st, pkt, plen, in, out);
	switch (v) {
	case XLAT_FORWARD:
		STAT_INC(*(v4 ? &w->stats.xlat_4to6 : &w->stats.xlat_6to4));
		/* The IPv4 original goes on to the reader-less CLAT device,
		 * which discards it: accepting it lets IPv4 conntrack confirm
		 * the flow, so replies are "established". The IPv6 original
		 * ends here. */
		s->nfv = v4 ? NF_ACCEPT : NF_DROP;
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
	return s->nfv;
}

/* One message for the verdicts of slots [0, n): a VERDICT_BATCH for each
 * run of equal verdicts on one queue (it covers every id of that queue up
 * to the one named; ids arrive in order per queue and earlier ones already
 * have theirs). */
static void verdicts(struct priv *p, unsigned n)
{
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		struct nlmsghdr *nlh;

		if (i + 1 < n && p->slot[i + 1].nfv == p->slot[i].nfv &&
		    p->slot[i + 1].queue == p->slot[i].queue)
			continue;
		nlh = nfq_nlmsg_put(p->vbuf + off, NFQNL_MSG_VERDICT_BATCH,
				    p->slot[i].queue);
		nfq_nlmsg_verdict_put(nlh, p->slot[i].id, p->slot[i].nfv);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (off)
		mnl_socket_sendto(p->nl, p->vbuf, off);
}

void worker_cfg_publish(struct worker_cfg *box, const struct xlat_cfg *cfg,
			int dev_fd, bool leave_partial)
{
	pthread_mutex_lock(&box->lock);
	box->cfg = *cfg;
	if (dev_fd != box->dev_fd)
		box->dev_gen++;
	box->dev_fd = dev_fd;
	box->leave_partial = leave_partial;
	__atomic_store_n(&box->gen, box->gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&box->lock);
}

/* Take the published configuration when it changed: one relaxed load per
 * batch otherwise. */
static void cfg_update(struct worker *w, struct priv *p)
{
	if (__atomic_load_n(&w->cfg->gen, __ATOMIC_ACQUIRE) == p->gen)
		return;
	pthread_mutex_lock(&w->cfg->lock);
	p->cfg = w->cfg->cfg;
	p->leave_partial = w->cfg->leave_partial;
	/* A descriptor of its own: the main thread may close and replace
	 * the device's (a recreated device) while this one still writes. */
	if (p->dev_gen != w->cfg->dev_gen || (p->dev_fd < 0) != (w->cfg->dev_fd < 0)) {
		if (p->dev_fd >= 0)
			close(p->dev_fd);
		p->dev_fd = w->cfg->dev_fd >= 0 ?
			    fcntl(w->cfg->dev_fd, F_DUPFD_CLOEXEC, 0) : -1;
		p->dev_gen = w->cfg->dev_gen;
	}
	p->gen = w->cfg->gen;
	pthread_mutex_unlock(&w->cfg->lock);
}

/* Receive and handle one batch; the number of packets, or -errno. */
static int batch(struct worker *w, struct priv *p)
{
	unsigned n = 0;
	int r;

	for (int i = 0; i < BATCH; i++)
		p->rx[i].msg_hdr = (struct msghdr){ .msg_iov = &p->rxiov[i],
						    .msg_iovlen = 1 };
	r = recvmmsg(mnl_socket_get_fd(p->nl), p->rx, BATCH, MSG_DONTWAIT,
		     NULL);
	if (r < 0) {
		if (errno == ENOBUFS)
			STAT_INC(w->stats.overflows);
		return -errno;
	}
	cfg_update(w, p);
	for (int i = 0; i < r; i++) {
		if (handle(w, p, p->rxiov[i].iov_base, p->rx[i].msg_len,
			   &p->slot[n], &p->out[n]) < 0)
			continue;
		tx_add(w, p, &p->out[n], p->slot[n].gso);
		n++;
	}
	tx_flush(w, &p->tx4);
	tx_flush(w, &p->tx6);
	/* Verdicts last, as for a single packet: the translations are out
	 * before the originals move on. */
	verdicts(p, n);
	return r;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct priv *p = w->priv;
	struct pollfd fds[2] = {
		{ .fd = mnl_socket_get_fd(p->nl), .events = POLLIN },
		{ .fd = w->stopfd, .events = POLLIN },
	};

	for (;;) {
		int r;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		/* Drain: poll again only when the socket is empty. */
		do
			r = batch(w, p);
		while (r == BATCH || r == -ENOBUFS);
	}
	return NULL;
}

int worker_start(struct worker *w)
{
	struct priv *p = calloc(1, sizeof(*p));
	int err, rcv = w->queue_length > RCVBUF_MAX / MSG_TRUESIZE ? RCVBUF_MAX :
		(int)w->queue_length * MSG_TRUESIZE;

	if (!p)
		return -ENOMEM;
	p->tx4.fd = p->tx6.fd = p->dev_fd = -1;
	p->gen = ~0u;		/* the first batch takes the configuration */
	w->priv = p;
	p->rxbuf = malloc((size_t)BATCH * MSGBUF);
	if (!p->rxbuf) {
		err = -ENOMEM;
		goto fail;
	}
	/* Not pre-faulted: its pages become resident as the kernel fills
	 * deeper batches (4 MiB at most per worker), and an idle daemon
	 * stays small. (A memset to 0 here would not even do it: the
	 * compiler turns malloc + memset into calloc's untouched pages.) */
	for (int i = 0; i < BATCH; i++)
		p->rxiov[i] = (struct iovec){ p->rxbuf + (size_t)i * MSGBUF,
					      MSGBUF };
	xlat_state_init(&p->st, (uint32_t)random() ^ w->queue);
	if (w->segs)
		xlat_state_share(&p->st, w->segs);
	p->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!p->nl) {
		err = -errno;
		goto fail;
	}
	if (mnl_socket_bind(p->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	p->portid = mnl_socket_get_portid(p->nl);
	if (rcv < RCVBUF)
		rcv = RCVBUF;
	setsockopt(mnl_socket_get_fd(p->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
		   sizeof(rcv));
	/* Overruns come back as ENOBUFS from recv (the default): counted in
	 * batch(), not fatal. */
	err = nfq_config(p, w->queue, w->queue_length, false);
	if (!err && w->gso_queue)
		err = nfq_config(p, w->gso_queue, w->queue_length, true);
	if (err)
		goto fail;
	p->tx4.fd = raw_socket(AF_INET, w->fwmark);
	if (p->tx4.fd < 0) {
		err = p->tx4.fd;
		goto fail;
	}
	p->tx6.fd = raw_socket(AF_INET6, w->fwmark);
	if (p->tx6.fd < 0) {
		err = p->tx6.fd;
		goto fail;
	}
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
	if (p->tx4.fd >= 0)
		close(p->tx4.fd);
	if (p->tx6.fd >= 0)
		close(p->tx6.fd);
	if (p->dev_fd >= 0)
		close(p->dev_fd);
	free(p->rxbuf);
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
	FILE *f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	unsigned long long q, qd, ud;
	unsigned num;
	char line[256];

	*full = *undeliverable = 0;
	if (!f)
		return;
	/* queue portid waiting copy_mode copy_range queue_dropped
	 * user_dropped id_sequence 1 */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %*u %*u %*u %*u %llu %llu %llu", &num, &qd,
			   &ud, &q) == 4 && num >= first &&
		    num < first + count) {
			*full += qd;
			*undeliverable += ud;
		}
	fclose(f);
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
