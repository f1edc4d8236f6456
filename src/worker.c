/* NFQUEUE worker: libnetfilter_queue over libmnl, raw-socket reinjection. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "worker.h"

/* Counters: one writer (the worker), readers elsewhere; relaxed atomics
 * keep that free of locks and of torn reads. */
#define STAT_INC(x) __atomic_store_n(&(x), __atomic_load_n(&(x), \
				     __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED)

#define RCVBUF (8 << 20)

struct priv {
	struct mnl_socket *nl;
	uint32_t portid;
	int raw4, raw6;
	struct xlat_state st;
	struct xlat_out out;
	char buf[0xffff + 4096];
	char vbuf[256];
};

static int nfq_config(struct worker *w, struct priv *p)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	uint32_t flags = w->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, w->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, w->queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_FAIL_OPEN));
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(4096));
	if (mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

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

static void send_out(struct worker *w, struct priv *p)
{
	const struct xlat_out *o = &p->out;

	for (unsigned i = 0; i < o->npkts; i++) {
		const struct iovec *iov = &o->iov[o->pkt[i].iov_first];
		const uint8_t *h = iov[0].iov_base;
		struct sockaddr_in6 d6 = { .sin6_family = AF_INET6 };
		struct sockaddr_in d4 = { .sin_family = AF_INET };
		struct msghdr msg = {
			.msg_iov = (struct iovec *)iov,
			.msg_iovlen = o->pkt[i].iovcnt,
		};
		int fd;

		if (o->family == AF_INET6) {
			memcpy(&d6.sin6_addr, h + 24, 16);
			msg.msg_name = &d6;
			msg.msg_namelen = sizeof(d6);
			fd = p->raw6;
		} else {
			memcpy(&d4.sin_addr, h + 16, 4);
			msg.msg_name = &d4;
			msg.msg_namelen = sizeof(d4);
			fd = p->raw4;
		}
		if (sendmsg(fd, &msg, 0) < 0)
			STAT_INC(w->stats.send_errors);
	}
}

static void verdict(struct priv *p, uint16_t queue, uint32_t id, int v)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(p->vbuf, NFQNL_MSG_VERDICT, queue);

	nfq_nlmsg_verdict_put(nlh, id, v);
	mnl_socket_sendto(p->nl, nlh, nlh->nlmsg_len);
}

static int on_packet(const struct nlmsghdr *nlh, void *data)
{
	struct worker *w = data;
	struct priv *p = w->priv;
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	struct nfqnl_msg_packet_hdr *ph;
	const uint8_t *pkt;
	uint16_t len;
	enum xlat_verdict v;
	int nfv = NF_DROP;
	bool v4;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	STAT_INC(w->stats.rx);
	if (!attr[NFQA_PAYLOAD]) {
		verdict(p, w->queue, ntohl(ph->packet_id), NF_DROP);
		STAT_INC(w->stats.drop[XLAT_R_TRUNCATED]);
		return MNL_CB_OK;
	}
	pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
	len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	v4 = len > 0 && pkt[0] >> 4 == 4;
	v = v4 ? xlat_4to6(w->cfg, &p->st, pkt, len, &p->out)
	       : xlat_6to4(w->cfg, &p->st, pkt, len, &p->out);
	switch (v) {
	case XLAT_FORWARD:
		send_out(w, p);
		STAT_INC(*(v4 ? &w->stats.xlat_4to6 : &w->stats.xlat_6to4));
		/* The IPv4 original goes on to the reader-less CLAT device,
		 * which discards it: accepting it lets IPv4 conntrack confirm
		 * the flow, so replies are "established". The IPv6 original
		 * ends here. */
		nfv = v4 ? NF_ACCEPT : NF_DROP;
		break;
	case XLAT_REPLY:
		send_out(w, p);
		STAT_INC(w->stats.icmp_errors);
		STAT_INC(w->stats.drop[p->out.reason]);
		break;
	case XLAT_DROP:
		STAT_INC(w->stats.drop[p->out.reason]);
		break;
	}
	verdict(p, w->queue, ntohl(ph->packet_id), nfv);
	return MNL_CB_OK;
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
		ssize_t n;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!(fds[0].revents & POLLIN))
			continue;
		n = mnl_socket_recvfrom(p->nl, p->buf, sizeof(p->buf));
		if (n < 0) {
			if (errno == ENOBUFS)
				STAT_INC(w->stats.overflows);
			continue;
		}
		mnl_cb_run(p->buf, (size_t)n, 0, p->portid, on_packet, w);
	}
	return NULL;
}

int worker_start(struct worker *w)
{
	struct priv *p = calloc(1, sizeof(*p));
	int rcv = RCVBUF, err;

	if (!p)
		return -ENOMEM;
	p->raw4 = p->raw6 = -1;
	w->priv = p;
	xlat_state_init(&p->st, (uint32_t)random() ^ w->queue);
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
	setsockopt(mnl_socket_get_fd(p->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
		   sizeof(rcv));
	/* Overruns come back as ENOBUFS from recv (the default): counted in
	 * run(), not fatal. */
	err = nfq_config(w, p);
	if (err)
		goto fail;
	p->raw4 = raw_socket(AF_INET, w->fwmark);
	if (p->raw4 < 0) {
		err = p->raw4;
		goto fail;
	}
	p->raw6 = raw_socket(AF_INET6, w->fwmark);
	if (p->raw6 < 0) {
		err = p->raw6;
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
	if (p->raw4 >= 0)
		close(p->raw4);
	if (p->raw6 >= 0)
		close(p->raw6);
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
