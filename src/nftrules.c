/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables rules of the daemon: libnftnl messages in one libmnl batch. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "nftrules.h"

/* Rule comments, shared by the builder and the printer. */
#define C_TRACE	"clat-nfq: trace the CLAT's packets (trace=yes; nft monitor trace)"
#define C_OWN	"clat-nfq: the daemon's own packets"
#define C_CT4	"clat-nfq: IPv4 conntrack kept on, so a firewall loaded later finds the CLAT's flows established"
#define C_LEAK4	"clat-nfq: the CLAT address (RFC 7335) leaves the host through the CLAT device only"
#define C_NEW6	"clat-nfq: the daemon's packet starts a flow: the CLAT's"
#define C_IN6	"clat-nfq: the daemon's packet in a flow of the CLAT's"
#define C_HIT6	"clat-nfq: the daemon's packet collides with a flow of the host's: dropped"
#define C_HOST6	"clat-nfq: a new flow from the prefix to a socket of the host's stays the host's"
#define C_PICK6	"clat-nfq: a new flow from the prefix to no socket of the host's is the CLAT's (after a conntrack flush or expiry)"
#define C_GATE6	"clat-nfq: only the first packet of a conntrack entry meets the pickup rules"
#define C_Q6	"clat-nfq: IPv6 for the CLAT to translation"
#define C_Q6T	"clat-nfq: IPv6 TCP for the CLAT to translation, offloads kept"
#define C_Q6E	"clat-nfq: ICMPv6 errors for the CLAT from any router to translation"
#define C_Q6EAM	"clat-nfq: IPv6 for the CLAT from an explicitly mapped prefix (RFC 7757) to translation"
#define C_Q6TEAM "clat-nfq: IPv6 TCP for the CLAT from an explicitly mapped prefix (RFC 7757) to translation, offloads kept"
#define C_FWD6	"clat-nfq: IPv6 for the CLAT straight into the CLAT device, no queue (ingress-fwd)"
#define C_FLOW6	"clat-nfq: the daemon's UDP leaving: its flow, for the ingress shortcut (shared mode)"
#define C_FWD6S	"clat-nfq: IPv6 UDP in a flow the CLAT sent on straight into the CLAT device, no queue (ingress-fwd)"
/* Shared mode's flows for the shortcut: the remote's address and port and
 * the CLAT's port, each as long as the daemon last sent on it within
 * conntrack's UDP timeout for a flow without replies. */
#define FLOWSET "flows6"
#define FLOWSET_TIMEOUT_MS 30000u
#define FLOWSET_SIZE 65536u

/* Priority "mangle" (-150), before the filter chains and rp_filter-like
 * checks at mangle + 10, as clatd orders its own rules. */
#define PRIO_MANGLE (-150)
/* Router mode: masquerade at srcnat (100), then queue right after it. */
#define PRIO_SRCNAT 100
#define PRIO_AFTER_NAT 101
#define C_MASQ	"clat-nfq: IPv4 from the LAN behind this host to the CLAT address (router mode)"
/* The ingress fast path after any filter of the host's own on the uplink's
 * ingress (netdev "filter" is 0): what it drops never reaches the CLAT. */
#define PRIO_INGRESS 500

struct batch {
	const char *table;	/* the tables this transaction works on */
	struct mnl_nlmsg_batch *b;
	uint32_t seq, seq0;
	unsigned nacks;		/* messages that ask for an ack */
	uint32_t tflags;	/* on the tables it creates */
	int err;		/* first build error, -errno */
	char buf[65536];
};

static char *hdr(struct batch *bt)
{
	return mnl_nlmsg_batch_current(bt->b);
}

static void next(struct batch *bt)
{
	if (!mnl_nlmsg_batch_next(bt->b) && !bt->err)
		bt->err = -ENOBUFS;
}

static void table_msg(struct batch *bt, uint16_t type, uint8_t family,
		      uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t) {
		bt->err = -ENOMEM;
		return;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, bt->table);
	if (type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, bt->tflags);
	nlh = nftnl_table_nlmsg_build_hdr(hdr(bt), type, family,
					  flags | NLM_F_ACK, bt->seq++);
	bt->nacks++;
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	next(bt);
}

static void chain_typed(struct batch *bt, uint8_t family, const char *name,
			const char *type, uint32_t hook, int32_t prio,
			const char *dev);

static void chain_msg(struct batch *bt, uint8_t family, const char *name,
		      uint32_t hook, int32_t prio)
{
	chain_typed(bt, family, name, "filter", hook, prio, NULL);
}

/* A chain: a base chain of that type on hook (on device dev in the
 * netdev family), or with no type one that only a jump reaches. */
static void chain_typed(struct batch *bt, uint8_t family, const char *name,
			const char *type, uint32_t hook, int32_t prio,
			const char *dev)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c) {
		bt->err = -ENOMEM;
		return;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, bt->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (type) {	/* else a chain no hook calls, reached by a jump */
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		if (dev)
			nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
	}
	nlh = nftnl_chain_nlmsg_build_hdr(hdr(bt), NFT_MSG_NEWCHAIN, family,
					  NLM_F_CREATE | NLM_F_ACK, bt->seq++);
	bt->nacks++;
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	next(bt);
}

/* Expression helpers: each adds one expression to r. */
static void add(struct nftnl_rule *r, struct nftnl_expr *e, int *err)
{
	if (!e) {
		*err = -ENOMEM;
		return;
	}
	nftnl_rule_add_expr(r, e);
}

/* Register reg = len bytes of the header at base from off. */
static void load_to(struct nftnl_rule *r, uint32_t base, uint32_t off,
		    uint32_t len, uint32_t reg, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg);
	}
	add(r, e, err);
}

/* Register 1 = len bytes of the header at base from off. */
static void load_at(struct nftnl_rule *r, uint32_t base, uint32_t off,
		    uint32_t len, int *err)
{
	load_to(r, base, off, len, NFT_REG_1, err);
}

/* Register 1 = len bytes of the network header from off. */
static void load_payload(struct nftnl_rule *r, uint32_t off, uint32_t len,
			 int *err)
{
	load_at(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, err);
}

/* Register 1 = ct key (ct) or meta key. */
static void load_key(struct nftnl_rule *r, bool ct, uint32_t key, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc(ct ? "ct" : "meta");

	if (e) {
		nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_KEY : NFTNL_EXPR_META_KEY,
				   key);
		nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_DREG : NFTNL_EXPR_META_DREG,
				   NFT_REG_1);
	}
	add(r, e, err);
}

/* Register reg = len bytes of v. */
static void imm(struct nftnl_rule *r, uint32_t reg, const void *v,
		uint32_t len, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, v, len);
	}
	add(r, e, err);
}

/* ct key (ct) or meta key = register 1 = v. */
static void store_key(struct nftnl_rule *r, bool ct, uint32_t key,
		      const void *v, uint32_t len, int *err)
{
	struct nftnl_expr *e;

	imm(r, NFT_REG_1, v, len, err);
	e = nftnl_expr_alloc(ct ? "ct" : "meta");
	if (e) {
		nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_KEY : NFTNL_EXPR_META_KEY,
				   key);
		nftnl_expr_set_u32(e, ct ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_META_SREG,
				   NFT_REG_1);
	}
	add(r, e, err);
}

/* Go on only if register 1 op v. */
static void cmp_op(struct nftnl_rule *r, uint32_t op, const void *v,
		   uint32_t len, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, v, len);
	}
	add(r, e, err);
}

static void cmp_eq(struct nftnl_rule *r, const void *v, uint32_t len,
		   int *err)
{
	cmp_op(r, NFT_CMP_EQ, v, len, err);
}

/* Register 1 &= mask (len bytes). */
static void and_mask(struct nftnl_rule *r, const void *mask, uint32_t len,
		     int *err)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	add(r, e, err);
}

/* meta mark / ct mark == v (host byte order, as the kernel keeps it). */
static void match_mark(struct nftnl_rule *r, bool ct, uint32_t v, int *err)
{
	load_key(r, ct, ct ? NFT_CT_MARK : NFT_META_MARK, err);
	cmp_eq(r, &v, sizeof(v), err);
}

/* ct state new: the entry was made by this very packet. */
/* ct state invalid: counts, decides nothing. Its use of conntrack is the
 * point: the kernel tracks a family only while some rule needs it, and
 * without one in ip (IPv4 to translation needs no ct match) a host
 * firewall loaded mid-flow would meet the CLAT's flows for the first time
 * with a packet from outside, arriving on the CLAT device: ct state new,
 * dropped by "policy drop; ct state established accept". */
static void match_ct_invalid(struct nftnl_rule *r, int *err)
{
	uint32_t bit = 1u << 0, zero = 0;	/* NF_CT_STATE_INVALID_BIT */

	load_key(r, true, NFT_CT_STATE, err);
	and_mask(r, &bit, sizeof(bit), err);
	cmp_op(r, NFT_CMP_NEQ, &zero, sizeof(zero), err);
}

static void match_ct_new(struct nftnl_rule *r, int *err)
{
	uint32_t bit = 1u << 3, zero = 0;	/* NF_CT_STATE_BIT(IP_CT_NEW) */

	load_key(r, true, NFT_CT_STATE, err);
	and_mask(r, &bit, sizeof(bit), err);
	cmp_op(r, NFT_CMP_NEQ, &zero, sizeof(zero), err);
}

/* socket transparent 0: the host has a socket for the packet (an
 * established one, or a listener), and not a TPROXY one. */
static void match_host_socket(struct nftnl_rule *r, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("socket");
	uint8_t zero = 0;

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY,
				   NFT_SOCKET_TRANSPARENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
	}
	add(r, e, err);
	cmp_eq(r, &zero, 1, err);
}

unsigned nftrules_selectors(const struct nftrules_spec *s)
{
	unsigned sel = 1;

	while (sel < s->queues)
		sel <<= 1;
	return sel;
}

/* The selector of value v for worker v % queues: IPv4 destination
 * (family 4) or IPv6 source (6) as address-sized mask and value. */
static void selector(const struct nftrules_spec *s, int family, unsigned v,
		     uint8_t mask[16], uint8_t val[16])
{
	unsigned at = family == 4 ? 3 : s->sel6;

	memset(mask, 0, 16);
	memset(val, 0, 16);
	mask[at] = (uint8_t)(nftrules_selectors(s) - 1);
	val[at] = (uint8_t)v;
}

/* TCP and UDP go to the worker the CLAT's own port names: the IPv4 source
 * port one way, the IPv6 destination port the other (ports survive
 * translation, RFC 7915 4.5 and 5.5), so both directions of a flow meet
 * one worker while flows to one server spread over all of them. Bits 1
 * and up: Linux gives connect()ed TCP sockets even ports. */
static uint16_t port_mask(const struct nftrules_spec *s)
{
	return (uint16_t)((nftrules_selectors(s) - 1) << 1);
}

/* Where the CLAT's port is in the transport header. */
static uint32_t port_off(int family)
{
	return family == 4 ? 0 : 2;
}

/* Go on only for selector value v: the CLAT's port (port) or the remote
 * address. */
static void select_match(struct nftnl_rule *r, const struct nftrules_spec *s,
			 int family, bool port, unsigned v, int *err)
{
	uint8_t mask[16], val[16];
	uint32_t alen = family == 4 ? 4 : 16;

	if (port) {
		uint16_t m = htons(port_mask(s)), x = htons((uint16_t)(v << 1));

		load_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, port_off(family), 2,
			err);
		and_mask(r, &m, 2, err);
		cmp_eq(r, &x, 2, err);
		return;
	}
	selector(s, family, v, mask, val);
	load_payload(r, family == 4 ? 16 : 8, alen, err);
	and_mask(r, mask, alen, err);
	cmp_eq(r, val, alen, err);
}

/* select_match() as nft shows it, after " " + proto (NULL: by address). */
static void select_print(char *buf, size_t len, const struct nftrules_spec *s,
			 int family, const char *proto, unsigned v)
{
	char mk[INET6_ADDRSTRLEN], vl[INET6_ADDRSTRLEN];
	int af = family == 4 ? AF_INET : AF_INET6;
	uint8_t mask[16], val[16];

	if (proto) {
		snprintf(buf, len, " %s %s & %u == %u", proto,
			 family == 4 ? "sport" : "dport", port_mask(s), v << 1);
		return;
	}
	selector(s, family, v, mask, val);
	inet_ntop(af, mask, mk, sizeof(mk));
	inet_ntop(af, val, vl, sizeof(vl));
	snprintf(buf, len, " %s & %s == %s",
		 family == 4 ? "ip daddr" : "ip6 saddr", mk, vl);
}

static void counter(struct nftnl_rule *r, int *err)
{
	add(r, nftnl_expr_alloc("counter"), err);
}

static void verdict(struct nftnl_rule *r, int v, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	}
	add(r, e, err);
}

static void verdict_jump(struct nftnl_rule *r, const char *chain, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	add(r, e, err);
}

static void verdict_drop(struct nftnl_rule *r, int *err)
{
	verdict(r, NF_DROP, err);
}

static void verdict_accept(struct nftnl_rule *r, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
	}
	add(r, e, err);
}

/* The kernel's nft_queue where it exists; else xtables' NFQUEUE through
 * nft_compat (revision 3), which is what iptables-nft installs. */
static void queue(struct nftnl_rule *r, const struct nftrules_spec *s,
		  uint16_t first, bool bypass, int *err)
{
	struct nftnl_expr *e;

	if (s->native_queue) {
		e = nftnl_expr_alloc("queue");
		if (e) {
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, first);
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, 1);
			nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS,
					   bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
		}
	} else {
		/* XT_ALIGN'd as iptables sends it. */
		struct {
			struct xt_NFQ_info_v3 info;
			uint16_t pad;
		} tg = { { first, 1,
			   bypass ? NFQ_FLAG_BYPASS : 0 }, 0 };
		void *info = malloc(sizeof(tg));	/* freed with e */

		e = nftnl_expr_alloc("target");
		if (e && info) {
			memcpy(info, &tg, sizeof(tg));
			nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
			nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
			nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, info, sizeof(tg));
		} else {
			free(info);
		}
	}
	add(r, e, err);
}

static void rule_end(struct batch *bt, struct nftnl_rule *r, uint8_t family,
		     const char *chain, const char *comment, int err)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(256);
	struct nlmsghdr *nlh;

	if (!err && !u)
		err = -ENOMEM;
	if (err) {
		bt->err = bt->err ? bt->err : err;
		goto out;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, bt->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, family);
	nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u),
			    nftnl_udata_buf_len(u));
	nlh = nftnl_rule_nlmsg_build_hdr(hdr(bt), NFT_MSG_NEWRULE, family,
					 NLM_F_APPEND | NLM_F_CREATE | NLM_F_ACK,
					 bt->seq++);
	bt->nacks++;
	nftnl_rule_nlmsg_build_payload(nlh, r);
	next(bt);
out:
	nftnl_udata_buf_free(u);
	nftnl_rule_free(r);
}

static struct nftnl_rule *rule(struct batch *bt)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r && !bt->err)
		bt->err = -ENOMEM;
	return r;
}

/* The CLAT's packets in one family: where the rules find them and where
 * they go. */
struct clat_rules {
	int family;		/* 4 or 6 */
	uint8_t nfproto;
	const char *chain;
	const char *match;	/* "ip saddr" or "ip6 daddr" */
	uint32_t off, len;	/* the CLAT address in the header */
	uint32_t sel_off;	/* the remote address, for the selector */
	bool ctmark;		/* only flows the CLAT started (shared mode) */
	bool bypass;		/* fail-open */
	const char *c_any, *c_tcp;
};

static struct clat_rules clat_rules(const struct nftrules_spec *s,
				    int family)
{
	/* IPv4 has no queue rules (it reaches the workers through the CLAT
	 * device, tundev.h), only the trace rule; in router mode after
	 * source NAT, where the LAN's packets come from the CLAT address
	 * like the host's own. */
	if (family == 4)
		return (struct clat_rules){ 4, NFPROTO_IPV4,
			s->router ? "postrouting" : "output",
			"ip saddr", 12, 4, 16, false, false, NULL, NULL };
	/* IPv6 never bypasses: in shared mode the host's own IPv6 stack
	 * would get the CLAT's packets and answer them with resets. */
	return (struct clat_rules){ 6, NFPROTO_IPV6, "prerouting",
		"ip6 daddr", 24, 16, 8, s->shared, false, C_Q6, C_Q6T };
}

/* IPv6 only from the PLAT prefix: everything else for the CLAT address
 * (neighbour discovery to a derived or explicit address above all) stays
 * with the host. The prefix is whole bytes long (RFC 6052 2.2). */
static void from_prefix(struct nftnl_rule *r, const struct nftrules_spec *s,
			int family, int *err)
{
	if (family != 6)
		return;
	load_payload(r, 8, s->plat.len / 8u, err);
	cmp_eq(r, s->plat.addr, s->plat.len / 8u, err);
}

/* The kinds of queue rules, in order: TCP to the queues that keep
 * offloads (gso), UDP, everything else, and for IPv6 the ICMPv6 errors
 * that routers on the path send about the CLAT's flows: their source is
 * not under the prefix, and they are translated with 192.0.0.8 (RFC 7915
 * 5.2, RFC 7600). With several workers TCP and UDP go by the CLAT's port,
 * the rest (ICMP, fragments after the first) by the remote address; with
 * one, only TCP with offloads has rules of its own. */
enum { K_TCP, K_UDP, K_ANY, K_ERR };

static bool rule_kind(const struct nftrules_spec *s, int family, int kind)
{
	bool sel = nftrules_selectors(s) > 1;

	return kind == K_ANY || (kind == K_TCP && (s->gso_queue_num || sel)) ||
	       (kind == K_UDP && sel) || (kind == K_ERR && family == 6);
}

static uint16_t kind_queue(const struct nftrules_spec *s, int kind)
{
	return kind == K_TCP && s->gso_queue_num ? s->gso_queue_num :
	       s->queue_num;
}

static const char *kind_comment(const struct nftrules_spec *s,
				const struct clat_rules *c, int kind)
{
	return kind == K_TCP && s->gso_queue_num ? c->c_tcp :
	       kind == K_ERR ? C_Q6E : c->c_any;
}

/* The trace rule, then the queue rules: TCP first to the queues that
 * keep offloads (NFQA_CFG_F_GSO), so a 64 KiB super-packet is translated
 * in one trip; one rule per selector value, each naming its worker's
 * queue, the same for a flow in both families. */
static void build_clat(struct batch *bt, const struct nftrules_spec *s,
		       int family)
{
	static const uint8_t l4[] = { [K_TCP] = 6, [K_UDP] = 17 };
	struct clat_rules c = clat_rules(s, family);
	const uint8_t *addr = family == 4 ? s->clat4 : s->clat6;
	unsigned sel = nftrules_selectors(s);
	uint8_t icmp6 = 58, info = 128, one = 1;
	struct nftnl_rule *r;
	int err;

	if (s->trace && (r = rule(bt))) {
		err = 0;
		load_payload(r, c.off, c.len, &err);
		cmp_eq(r, addr, c.len, &err);
		from_prefix(r, s, family, &err);
		if (c.ctmark)
			match_mark(r, true, s->ctmark, &err);
		store_key(r, false, NFT_META_NFTRACE, &one, 1, &err);
		rule_end(bt, r, c.nfproto, c.chain, C_TRACE, err);
	}
	for (int kind = K_TCP; family == 6 && kind <= K_ERR; kind++) {
		uint16_t first = kind_queue(s, kind);

		if (!rule_kind(s, family, kind))
			continue;
		for (unsigned v = 0; v < sel && (r = rule(bt)); v++) {
			err = 0;
			load_payload(r, c.off, c.len, &err);
			cmp_eq(r, addr, c.len, &err);
			if (kind != K_ERR)
				from_prefix(r, s, family, &err);
			if (c.ctmark)
				match_mark(r, true, s->ctmark, &err);
			if (kind == K_TCP || kind == K_UDP) {
				load_key(r, false, NFT_META_L4PROTO, &err);
				cmp_eq(r, &l4[kind], 1, &err);
			} else if (kind == K_ERR) {
				/* RFC 4443 2.1: types below 128 are
				 * errors. */
				load_key(r, false, NFT_META_L4PROTO, &err);
				cmp_eq(r, &icmp6, 1, &err);
				load_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1,
					&err);
				cmp_op(r, NFT_CMP_LT, &info, 1, &err);
			}
			if (sel > 1)
				select_match(r, s, family,
					     kind == K_TCP || kind == K_UDP,
					     v, &err);
			counter(r, &err);
			queue(r, s, (uint16_t)(first + v % s->queues),
			      c.bypass, &err);
			rule_end(bt, r, c.nfproto, c.chain,
				 kind_comment(s, &c, kind), err);
		}
	}
}

/* RFC 7757: IPv6 for the CLAT from the IPv6 prefix of an explicit
 * mapping is translated like IPv6 from the PLAT prefix, in the same kinds
 * of rules with the same worker selection (build_clat()). A prefix is
 * matched on whole bytes where it ends on one, masked otherwise (nft shows
 * both as ip6 saddr P/L). Where the selector goes by the remote address,
 * it sits on the last byte, which carries the low bits of the IPv4 address
 * when the suffix has 8 bits or more; a shorter suffix has one queue. */
static unsigned eam_selectors(const struct nftrules_spec *s, int kind,
			      const struct xlat_eam *e, unsigned *fixed)
{
	unsigned sel = nftrules_selectors(s);

	*fixed = 0;
	if (kind == K_TCP || kind == K_UDP || 128u - e->len6 >= 8 ||
	    sel == 1)
		return sel;
	*fixed = (e->v6[15] & (sel - 1)) % s->queues;
	return 1;
}

static void eam_prefix(struct nftnl_rule *r, const struct xlat_eam *e,
		       int *err)
{
	unsigned bytes = (e->len6 + 7u) / 8u;
	uint8_t mask[16] = { 0 };

	if (!bytes)
		return;
	load_payload(r, 8, bytes, err);
	if (e->len6 % 8) {
		memset(mask, 0xff, bytes - 1);
		mask[bytes - 1] = (uint8_t)(0xff << (8 - e->len6 % 8));
		and_mask(r, mask, bytes, err);
	}
	cmp_eq(r, e->v6, bytes, err);
}

static const char *eam_comment(const struct nftrules_spec *s, int kind)
{
	return kind == K_TCP && s->gso_queue_num ? C_Q6TEAM : C_Q6EAM;
}

static void build_eam6(struct batch *bt, const struct nftrules_spec *s)
{
	static const uint8_t l4[] = { [K_TCP] = 6, [K_UDP] = 17 };
	struct clat_rules c = clat_rules(s, 6);
	uint8_t mask[16], val[16];
	struct nftnl_rule *r;
	int err;

	for (unsigned i = 0; s->eam && i < s->eam->n; i++) {
		const struct xlat_eam *e = &s->eam->e[i];

		for (int kind = K_TCP; kind <= K_ANY; kind++) {
			unsigned fixed, sel = eam_selectors(s, kind, e, &fixed);
			bool port = kind == K_TCP || kind == K_UDP;

			if (!rule_kind(s, 6, kind))
				continue;
			for (unsigned v = 0; v < sel && (r = rule(bt)); v++) {
				err = 0;
				load_payload(r, c.off, c.len, &err);
				cmp_eq(r, s->clat6, c.len, &err);
				eam_prefix(r, e, &err);
				if (c.ctmark)
					match_mark(r, true, s->ctmark, &err);
				if (port) {
					load_key(r, false, NFT_META_L4PROTO,
						 &err);
					cmp_eq(r, &l4[kind], 1, &err);
				}
				if (sel > 1 && port) {
					select_match(r, s, 6, true, v, &err);
				} else if (sel > 1) {
					memset(mask, 0, 16);
					memset(val, 0, 16);
					mask[15] = (uint8_t)(sel - 1);
					val[15] = (uint8_t)v;
					load_payload(r, c.sel_off, 16, &err);
					and_mask(r, mask, 16, &err);
					cmp_eq(r, val, 16, &err);
				}
				counter(r, &err);
				queue(r, s, (uint16_t)(kind_queue(s, kind) +
						       (sel > 1 ? v % s->queues
								: fixed)),
				      false, &err);
				rule_end(bt, r, NFPROTO_IPV6, c.chain,
					 eam_comment(s, kind), err);
			}
		}
	}
}

static void print_eam6(const struct nftrules_spec *s, FILE *f)
{
	static const char *const l4[] = { [K_TCP] = "tcp", [K_UDP] = "udp" };
	char a[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN], m[32] = "";
	char sl[160];

	inet_ntop(AF_INET6, s->clat6, a, sizeof(a));
	if (s->shared)
		snprintf(m, sizeof(m), " ct mark 0x%08x", s->ctmark);
	for (unsigned i = 0; s->eam && i < s->eam->n; i++) {
		const struct xlat_eam *e = &s->eam->e[i];
		char pf[80];

		inet_ntop(AF_INET6, e->v6, p, sizeof(p));
		if (e->len6 == 128)
			snprintf(pf, sizeof(pf), "%s", p);
		else
			snprintf(pf, sizeof(pf), "%s/%u", p, e->len6);
		for (int kind = K_TCP; kind <= K_ANY; kind++) {
			unsigned fixed, sel = eam_selectors(s, kind, e, &fixed);
			bool port = kind == K_TCP || kind == K_UDP;

			if (!rule_kind(s, 6, kind))
				continue;
			for (unsigned v = 0; v < sel; v++) {
				uint8_t mk[16] = { 0 }, vl[16] = { 0 };
				char ms[INET6_ADDRSTRLEN], vs[INET6_ADDRSTRLEN];

				sl[0] = '\0';
				mk[15] = (uint8_t)(sel - 1);
				vl[15] = (uint8_t)v;
				/* nft folds the protocol match into the
				 * port's name. */
				if (port && sel > 1)
					select_print(sl, sizeof(sl), s, 6,
						     l4[kind], v);
				else if (port)
					snprintf(sl, sizeof(sl),
						 " meta l4proto %s", l4[kind]);
				else if (sel > 1)
					snprintf(sl, sizeof(sl),
						 " ip6 saddr & %s == %s",
						 inet_ntop(AF_INET6, mk, ms,
							   sizeof(ms)),
						 inet_ntop(AF_INET6, vl, vs,
							   sizeof(vs)));
				fprintf(f, "\t\tip6 daddr %s ip6 saddr %s%s%s counter queue num %u comment \"%s\"\n",
					a, pf, m, sl,
					kind_queue(s, kind) +
					(sel > 1 ? v % s->queues : fixed),
					eam_comment(s, kind));
			}
		}
	}
}

/* Shared mode, the daemon's own IPv6 (output chain). It marks a
 * conntrack entry only when its packet made it (ct state new), and passes
 * its packets in flows so marked; any other is the daemon's packet meeting
 * a flow of the host's (an IPv4 application bound to the port of a host
 * IPv6 connection to the same remote): dropped, and counted, so the
 * host's connection is never taken over. The raw send then fails with
 * EPERM and the worker answers the IPv4 application with an error. */
static void shared_output(struct batch *bt, const struct nftrules_spec *s)
{
	for (int k = 0; k < 3; k++) {
		struct nftnl_rule *r = rule(bt);
		int err = 0;

		if (!r)
			return;
		match_mark(r, false, s->fwmark, &err);
		if (k == 0) {
			match_ct_new(r, &err);
			store_key(r, true, NFT_CT_MARK, &s->ctmark,
				  sizeof(s->ctmark), &err);
		} else if (k == 1) {
			match_mark(r, true, s->ctmark, &err);
		}
		counter(r, &err);
		if (k < 2)
			verdict_accept(r, &err);
		else
			verdict_drop(r, &err);
		rule_end(bt, r, NFPROTO_IPV6, "output",
			 k == 0 ? C_NEW6 : k == 1 ? C_IN6 : C_HIT6, err);
	}
}

/* Shared mode, IPv6 from the prefix to the host's address whose conntrack
 * entry this packet just made (chain pickup, jumped to from prerouting
 * before the queue rules by the first packet of an entry alone, so that
 * the packets of established flows, nearly all, skip these four rules:
 * 7.5 % of the machine's time went to IPv6 rule evaluation in a full-rate
 * UDP download with them in line, perf, 2026-12-01): after
 * `conntrack -F` or an expired entry, a reply in a CLAT flow finds no
 * mark. TCP and UDP that a socket of the host's takes (its own flows to
 * the prefix, its listeners) stay with the host; the rest is the CLAT's
 * and gets the mark, so the queue rules below take it, and the host's
 * IPv6 stack never answers the CLAT's packets with resets or
 * unreachables. */
static void shared_pickup(struct batch *bt, const struct nftrules_spec *s)
{
	static const uint8_t proto[2] = { IPPROTO_TCP, IPPROTO_UDP };

	for (int k = 0; k < 4; k++) {
		struct nftnl_rule *r = rule(bt);
		int err = 0;

		if (!r)
			return;
		load_payload(r, 24, 16, &err);
		cmp_eq(r, s->clat6, 16, &err);
		from_prefix(r, s, 6, &err);
		match_ct_new(r, &err);
		load_key(r, false, NFT_META_L4PROTO, &err);
		cmp_eq(r, &proto[k % 2], 1, &err);
		if (k < 2) {
			match_host_socket(r, &err);
			counter(r, &err);
			verdict_accept(r, &err);
		} else {
			store_key(r, true, NFT_CT_MARK, &s->ctmark,
				  sizeof(s->ctmark), &err);
			counter(r, &err);
		}
		rule_end(bt, r, NFPROTO_IPV6, "pickup",
			 k < 2 ? C_HOST6 : C_PICK6, err);
	}
}

/* ct state new jump pickup: the gate to shared_pickup()'s chain. */
static void pickup_gate(struct batch *bt)
{
	struct nftnl_rule *r = rule(bt);
	int err = 0;

	if (!r)
		return;
	match_ct_new(r, &err);
	verdict_jump(r, "pickup", &err);
	rule_end(bt, r, NFPROTO_IPV6, "prerouting", C_GATE6, err);
}

static void print_shared_output(const struct nftrules_spec *s, FILE *f)
{
	fprintf(f, "\t\tmeta mark 0x%08x ct state new ct mark set 0x%08x counter accept comment \"%s\"\n"
		"\t\tmeta mark 0x%08x ct mark 0x%08x counter accept comment \"%s\"\n"
		"\t\tmeta mark 0x%08x counter drop comment \"%s\"\n",
		s->fwmark, s->ctmark, C_NEW6, s->fwmark, s->ctmark, C_IN6,
		s->fwmark, C_HIT6);
}

static void print_shared_pickup(const struct nftrules_spec *s, FILE *f)
{
	char a[INET6_ADDRSTRLEN], p[64];

	inet_ntop(AF_INET6, s->clat6, a, sizeof(a));
	rfc6052_prefix_format(&s->plat, p, sizeof(p));
	for (int k = 0; k < 4; k++) {
		fprintf(f, "\t\tip6 daddr %s ip6 saddr %s ct state new meta l4proto %s ",
			a, p, k % 2 ? "udp" : "tcp");
		if (k < 2)
			fprintf(f, "socket transparent 0 counter accept comment \"%s\"\n",
				C_HOST6);
		else
			fprintf(f, "ct mark set 0x%08x counter comment \"%s\"\n",
				s->ctmark, C_PICK6);
	}
}

/* Router mode: what leaves through the CLAT device from elsewhere (a LAN,
 * containers) takes the CLAT address: oifname CLAT ip saddr != CLAT
 * masquerade. */
static void masquerade_rule(struct batch *bt, const struct nftrules_spec *s)
{
	struct nftnl_rule *r = rule(bt);
	char name[IFNAMSIZ] = "";
	struct nftnl_expr *e;
	int err = 0;

	if (!r)
		return;
	memcpy(name, s->clat_dev, strnlen(s->clat_dev, sizeof(name) - 1));
	load_key(r, false, NFT_META_OIFNAME, &err);
	cmp_eq(r, name, sizeof(name), &err);
	load_payload(r, 12, 4, &err);
	cmp_op(r, NFT_CMP_NEQ, s->clat4, 4, &err);
	counter(r, &err);
	e = nftnl_expr_alloc("masq");
	add(r, e, &err);
	rule_end(bt, r, NFPROTO_IPV4, "masquerade", C_MASQ, err);
}

/* RFC 7335 2: the CLAT's IPv4 address is never seen on a wire. It reaches
 * the translator by the route to the CLAT device; where another route
 * wins (the CLAT standing aside for native IPv4, a more specific route)
 * a packet from it would leave through that interface untranslated:
 * dropped instead, which a local sender sees at once (EPERM). The host
 * itself (lo) still may talk to it. */
static void leak_rule(struct batch *bt, const struct nftrules_spec *s)
{
	struct nftnl_rule *r = rule(bt);
	char name[IFNAMSIZ] = "", lo[IFNAMSIZ] = "lo";
	int err = 0;

	if (!r)
		return;
	memcpy(name, s->clat_dev, strnlen(s->clat_dev, sizeof(name) - 1));
	load_payload(r, 12, 4, &err);
	cmp_eq(r, s->clat4, 4, &err);
	load_key(r, false, NFT_META_OIFNAME, &err);
	cmp_op(r, NFT_CMP_NEQ, name, sizeof(name), &err);
	load_key(r, false, NFT_META_OIFNAME, &err);
	cmp_op(r, NFT_CMP_NEQ, lo, sizeof(lo), &err);
	counter(r, &err);
	verdict_drop(r, &err);
	rule_end(bt, r, NFPROTO_IPV4, s->router ? "postrouting" : "output",
		 C_LEAK4, err);
}

/* fwd ip6 to clat6 device <the CLAT device>: the kernel's neighbour
 * output, which on a tun (no link-layer header) hands the IPv6 packet to
 * the device as it is, its Hop Limit decremented (nft_fwd_netdev). */
static void fwd6(struct nftnl_rule *r, const struct nftrules_spec *s,
		 int *err)
{
	uint32_t idx = (uint32_t)s->fwd_ifindex;
	struct nftnl_expr *e;

	imm(r, NFT_REG_1, &idx, sizeof(idx), err);
	imm(r, NFT_REG_2, s->clat6, 16, err);
	e = nftnl_expr_alloc("fwd");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_FWD_SREG_DEV, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FWD_SREG_ADDR, NFT_REG_2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FWD_NFPROTO, NFPROTO_IPV6);
	}
	add(r, e, err);
}

/* IPv6 only: the netdev family sees every protocol. */
static void match_ip6(struct nftnl_rule *r, int *err)
{
	uint16_t p6 = htons(0x86dd);	/* ETH_P_IPV6 */

	load_key(r, false, NFT_META_PROTOCOL, err);
	cmp_eq(r, &p6, sizeof(p6), err);
}

/* IPv6 from the PLAT prefix to the CLAT's address. */
static void ingress_match(struct nftnl_rule *r, const struct nftrules_spec *s,
			  int *err)
{
	match_ip6(r, err);
	load_payload(r, 24, 16, err);
	cmp_eq(r, s->clat6, 16, err);
	from_prefix(r, s, 6, err);
}

/* A flow's key from register 1 on: an address at addr in the network
 * header and two ports at pa and pb in the transport header, 16 + 4 + 4
 * bytes as nft lays a concatenation out. */
static void flow_key(struct nftnl_rule *r, uint32_t addr, uint32_t pa,
		     uint32_t pb, int *err)
{
	load_to(r, NFT_PAYLOAD_NETWORK_HEADER, addr, 16, NFT_REG32_00, err);
	load_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, pa, 2, NFT_REG32_04, err);
	load_to(r, NFT_PAYLOAD_TRANSPORT_HEADER, pb, 2, NFT_REG32_05, err);
}

/* update @flows6 { key } (update), or go on only if key is in it. */
static void flowset_expr(struct nftnl_rule *r, bool update, int *err)
{
	struct nftnl_expr *e = nftnl_expr_alloc(update ? "dynset" : "lookup");

	if (e && update) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP,
				   NFT_DYNSET_OP_UPDATE);
		nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, FLOWSET);
		nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID, 1);
	} else if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, FLOWSET);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, 1);
	}
	add(r, e, err);
}

/* The set of shared mode's flows: filled from the evaluation path with
 * timeouts (a dynamic set), its key ipv6_addr . inet_service .
 * inet_service in nft's type numbering (8, 13, 13; 6 bits apart). */
static void flowset_msg(struct batch *bt)
{
	struct nftnl_set *st = nftnl_set_alloc();
	struct nlmsghdr *nlh;

	if (!st) {
		bt->err = -ENOMEM;
		return;
	}
	nftnl_set_set_str(st, NFTNL_SET_TABLE, bt->table);
	nftnl_set_set_str(st, NFTNL_SET_NAME, FLOWSET);
	nftnl_set_set_u32(st, NFTNL_SET_FAMILY, NFPROTO_NETDEV);
	nftnl_set_set_u32(st, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_TYPE, 8u << 12 | 13u << 6 | 13u);
	nftnl_set_set_u32(st, NFTNL_SET_KEY_LEN, 16 + 4 + 4);
	nftnl_set_set_u32(st, NFTNL_SET_ID, 1);
	nftnl_set_set_u64(st, NFTNL_SET_TIMEOUT, FLOWSET_TIMEOUT_MS);
	nftnl_set_set_u32(st, NFTNL_SET_DESC_SIZE, FLOWSET_SIZE);
	nlh = nftnl_set_nlmsg_build_hdr(hdr(bt), NFT_MSG_NEWSET, NFPROTO_NETDEV,
					NLM_F_CREATE | NLM_F_ACK, bt->seq++);
	bt->nacks++;
	nftnl_set_nlmsg_build_payload(nlh, st);
	nftnl_set_free(st);
	next(bt);
}

/* Shared mode: the daemon's UDP leaving the uplink (its mark, from the
 * CLAT's address, which is the host's) puts its flow in the set, or
 * renews it there. A translation the output chain refused as colliding
 * with a flow of the host's never gets this far. */
static void flowset_egress(struct batch *bt, const struct nftrules_spec *s)
{
	uint8_t udp = 17;
	struct nftnl_rule *r;
	int err = 0;

	flowset_msg(bt);
	chain_typed(bt, NFPROTO_NETDEV, "egress", "filter", NF_NETDEV_EGRESS,
		    PRIO_INGRESS, s->uplink);
	if (!(r = rule(bt)))
		return;
	match_mark(r, false, s->fwmark, &err);
	match_ip6(r, &err);
	load_payload(r, 8, 16, &err);
	cmp_eq(r, s->clat6, 16, &err);
	load_payload(r, 6, 1, &err);
	cmp_eq(r, &udp, 1, &err);
	flow_key(r, 24, 2, 0, &err);	/* daddr . dport . sport */
	flowset_expr(r, true, &err);
	rule_end(bt, r, NFPROTO_NETDEV, "egress", C_FLOW6, err);
}

/* The fast path, in a netdev table of its own on the uplink: UDP and
 * ICMPv6 right after the fixed header (so no extension header, no
 * fragment), with a Hop Limit the forward leaves above 0 (at 1 the
 * queue's translator answers Time Exceeded, RFC 7915 5.1). In shared mode
 * only UDP of the flows the egress rule saw the daemon send (the
 * remote's address and port, the CLAT's port): the host's own flows to
 * the prefix, which use the same address, never match, and ICMP stays
 * with conntrack. */
static void build_ingress(struct batch *bt, const struct nftrules_spec *s)
{
	static const uint8_t l4[] = { 17, 58 };	/* UDP, ICMPv6 */
	unsigned kinds = s->shared ? 1 : 2;
	uint8_t one = 1;
	struct nftnl_rule *r;
	int err;

	table_msg(bt, NFT_MSG_NEWTABLE, NFPROTO_NETDEV, NLM_F_CREATE);
	if (s->shared)
		flowset_egress(bt, s);
	chain_typed(bt, NFPROTO_NETDEV, "ingress", "filter", NF_NETDEV_INGRESS,
		    PRIO_INGRESS, s->uplink);
	if (s->trace && (r = rule(bt))) {
		err = 0;
		ingress_match(r, s, &err);
		if (s->shared) {
			load_payload(r, 6, 1, &err);
			cmp_eq(r, &l4[0], 1, &err);
			flow_key(r, 8, 0, 2, &err);
			flowset_expr(r, false, &err);
		}
		store_key(r, false, NFT_META_NFTRACE, &one, 1, &err);
		rule_end(bt, r, NFPROTO_NETDEV, "ingress", C_TRACE, err);
	}
	for (unsigned k = 0; k < kinds && (r = rule(bt)); k++) {
		err = 0;
		ingress_match(r, s, &err);
		load_payload(r, 6, 1, &err);
		cmp_eq(r, &l4[k], 1, &err);
		load_payload(r, 7, 1, &err);
		cmp_op(r, NFT_CMP_GT, &one, 1, &err);
		if (s->shared) {	/* saddr . sport . dport */
			flow_key(r, 8, 0, 2, &err);
			flowset_expr(r, false, &err);
		}
		counter(r, &err);
		fwd6(r, s, &err);
		rule_end(bt, r, NFPROTO_NETDEV, "ingress",
			 s->shared ? C_FWD6S : C_FWD6, err);
	}
}

bool nftrules_fast(const struct nftrules_spec *s)
{
	return s->fwd_ifindex > 0 && s->uplink[0];
}

/* The ruleset: nft/clat-nfq.nft shows it in nft's syntax. */
static void build(struct batch *bt, const struct nftrules_spec *s)
{
	struct nftnl_rule *r;
	int err;

	/* IPv4: conntrack kept on, and the trace rule; the CLAT's packets
	 * reach the workers through the CLAT device, with no queue rule. */
	table_msg(bt, NFT_MSG_NEWTABLE, NFPROTO_IPV4, NLM_F_CREATE);
	if (s->router) {
		chain_typed(bt, NFPROTO_IPV4, "masquerade", "nat",
			    NF_INET_POST_ROUTING, PRIO_SRCNAT, NULL);
		chain_msg(bt, NFPROTO_IPV4, "postrouting", NF_INET_POST_ROUTING,
			  PRIO_AFTER_NAT);
		masquerade_rule(bt, s);
	} else {
		chain_msg(bt, NFPROTO_IPV4, "output", NF_INET_LOCAL_OUT,
			  PRIO_MANGLE);
	}
	if ((r = rule(bt))) {
		err = 0;
		match_ct_invalid(r, &err);
		counter(r, &err);
		rule_end(bt, r, NFPROTO_IPV4, s->router ? "postrouting" :
			 "output", C_CT4, err);
	}
	leak_rule(bt, s);
	build_clat(bt, s, 4);	/* the trace rule */

	/* IPv6: ours pass, marking their flow as the CLAT's in shared mode;
	 * what comes back for the CLAT goes to translation (in shared mode
	 * only those flows, so the host's own IPv6 flows to the same address
	 * stay with the host). */
	table_msg(bt, NFT_MSG_NEWTABLE, NFPROTO_IPV6, NLM_F_CREATE);
	chain_msg(bt, NFPROTO_IPV6, "prerouting", NF_INET_PRE_ROUTING,
		  PRIO_MANGLE);
	chain_msg(bt, NFPROTO_IPV6, "output", NF_INET_LOCAL_OUT,
		  PRIO_MANGLE);
	if (s->shared)
		chain_typed(bt, NFPROTO_IPV6, "pickup", NULL, 0, 0, NULL);
	if (s->shared) {
		shared_output(bt, s);
	} else if ((r = rule(bt))) {
		err = 0;
		match_mark(r, false, s->fwmark, &err);
		counter(r, &err);
		verdict_accept(r, &err);
		rule_end(bt, r, NFPROTO_IPV6, "output", C_OWN, err);
	}
	if (s->shared) {
		pickup_gate(bt);
		shared_pickup(bt, s);
	}
	build_clat(bt, s, 6);
	build_eam6(bt, s);
	if (nftrules_fast(s))
		build_ingress(bt, s);
}

/* build_clat()'s rules as nft shows them. */
static void print_clat(const struct nftrules_spec *s, int family, FILE *f)
{
	static const char *const l4[] = { [K_TCP] = "tcp", [K_UDP] = "udp" };
	struct clat_rules c = clat_rules(s, family);
	char a[INET6_ADDRSTRLEN], pf[80] = "", m[32] = "", sel[160] = "";
	int af = family == 4 ? AF_INET : AF_INET6;
	unsigned nsel = nftrules_selectors(s);

	inet_ntop(af, family == 4 ? s->clat4 : s->clat6, a, sizeof(a));
	if (family == 6) {
		char p[64];

		/* nft shows the prefix match right after the address. */
		snprintf(pf, sizeof(pf), " ip6 saddr %s",
			 rfc6052_prefix_format(&s->plat, p, sizeof(p)));
	}
	if (c.ctmark)
		snprintf(m, sizeof(m), " ct mark 0x%08x", s->ctmark);
	if (s->trace)
		fprintf(f, "\t\t%s %s%s%s meta nftrace set 1 comment \"%s\"\n",
			c.match, a, pf, m, C_TRACE);
	for (int kind = K_TCP; family == 6 && kind <= K_ERR; kind++) {
		bool port = kind == K_TCP || kind == K_UDP;
		const char *what = "";

		if (!rule_kind(s, family, kind))
			continue;
		/* nft folds the protocol match into the port's name. */
		if (kind == K_TCP && nsel == 1)
			what = " meta l4proto tcp";
		else if (kind == K_ERR)
			what = " icmpv6 type < echo-request";
		for (unsigned v = 0; v < nsel; v++) {
			if (nsel > 1)
				select_print(sel, sizeof(sel), s, family,
					     port ? l4[kind] : NULL, v);
			fprintf(f, "\t\t%s %s%s%s%s%s counter queue num %u%s comment \"%s\"\n",
				c.match, a, kind == K_ERR ? "" : pf, m, what,
				sel, kind_queue(s, kind) + v % s->queues,
				c.bypass ? " bypass" : "",
				kind_comment(s, &c, kind));
		}
	}
}

/* build_ingress()'s table as nft shows it (the device by name). */
static void print_ingress(const struct nftrules_spec *s, FILE *f)
{
	static const char *const l4[] = { "udp", "ipv6-icmp" };
	static const char key[] = " ip6 saddr . udp sport . udp dport @" FLOWSET;
	char a[INET6_ADDRSTRLEN], pf[INET6_ADDRSTRLEN], m[160];

	inet_ntop(AF_INET6, s->clat6, a, sizeof(a));
	inet_ntop(AF_INET6, s->plat.addr, pf, sizeof(pf));
	snprintf(m, sizeof(m), "ip6 daddr %s ip6 saddr %s/%u", a, pf,
		 (unsigned)s->plat.len);
	fprintf(f, "table netdev %s {\n", NFTRULES_TABLE);
	if (s->shared)
		fprintf(f, "\tset %s {\n"
			"\t\ttype ipv6_addr . inet_service . inet_service\n"
			"\t\tsize %u\n"
			"\t\tflags dynamic,timeout\n"
			"\t\ttimeout %us\n"
			"\t}\n\n"
			"\tchain egress {\n"
			"\t\ttype filter hook egress device \"%s\" priority %d; policy accept;\n"
			"\t\tmeta mark 0x%08x ip6 saddr %s ip6 nexthdr udp update @%s { ip6 daddr . udp dport . udp sport } comment \"%s\"\n"
			"\t}\n\n",
			FLOWSET, FLOWSET_SIZE, FLOWSET_TIMEOUT_MS / 1000,
			s->uplink, PRIO_INGRESS, s->fwmark, a, FLOWSET,
			C_FLOW6);
	fprintf(f, "\tchain ingress {\n"
		"\t\ttype filter hook ingress device \"%s\" priority %d; policy accept;\n",
		s->uplink, PRIO_INGRESS);
	if (s->trace)
		fprintf(f, "\t\t%s%s%s meta nftrace set 1 comment \"%s\"\n", m,
			s->shared ? " ip6 nexthdr udp" : "",
			s->shared ? key : "", C_TRACE);
	for (unsigned k = 0; k < (s->shared ? 1u : 2u); k++)
		fprintf(f, "\t\t%s ip6 nexthdr %s ip6 hoplimit > 1%s counter fwd ip6 to %s device \"%s\" comment \"%s\"\n",
			m, l4[k], s->shared ? key : "", a, s->clat_dev,
			s->shared ? C_FWD6S : C_FWD6);
	fprintf(f, "\t}\n}\n");
}

/* The same ruleset as build() in nft's syntax, as "nft list" shows it
 * without the counters' values; "nft -f" loads it where the kernel has the
 * queue expression. */
void nftrules_print(const struct nftrules_spec *s, FILE *f)
{
	char a[INET_ADDRSTRLEN];

	fprintf(f, "table ip %s {\n", NFTRULES_TABLE);
	if (s->router)
		fprintf(f, "\tchain masquerade {\n"
			"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			"\t\toifname \"%s\" ip saddr != %s counter masquerade comment \"%s\"\n"
			"\t}\n\n"
			"\tchain postrouting {\n"
			"\t\ttype filter hook postrouting priority srcnat + 1; policy accept;\n",
			s->clat_dev, inet_ntop(AF_INET, s->clat4, a, sizeof(a)),
			C_MASQ);
	else
		fprintf(f, "\tchain output {\n"
			"\t\ttype filter hook output priority mangle; policy accept;\n");
	fprintf(f, "\t\tct state invalid counter comment \"%s\"\n", C_CT4);
	fprintf(f, "\t\tip saddr %s oifname != \"%s\" oifname != \"lo\" counter drop comment \"%s\"\n",
		inet_ntop(AF_INET, s->clat4, a, sizeof(a)), s->clat_dev,
		C_LEAK4);
	print_clat(s, 4, f);
	fprintf(f, "\t}\n}\n"
		"table ip6 %s {\n"
		"\tchain prerouting {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n",
		NFTRULES_TABLE);
	if (s->shared)
		fprintf(f, "\t\tct state new jump pickup comment \"%s\"\n",
			C_GATE6);
	print_clat(s, 6, f);
	print_eam6(s, f);
	fprintf(f, "\t}\n\n"
		"\tchain output {\n"
		"\t\ttype filter hook output priority mangle; policy accept;\n");
	if (s->shared)
		print_shared_output(s, f);
	else
		fprintf(f, "\t\tmeta mark 0x%08x counter accept comment \"%s\"\n",
			s->fwmark, C_OWN);
	fprintf(f, "\t}\n");
	if (s->shared) {
		fprintf(f, "\n\tchain pickup {\n");
		print_shared_pickup(s, f);
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
	if (nftrules_fast(s))
		print_ingress(s, f);
}

/* The acknowledgements in buf of the batch's messages: how many, and
 * the first error into *err. */
static unsigned acks_in(const struct batch *bt, const char *buf, size_t len,
			int *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int rest = (int)len;
	unsigned n = 0;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
		    nlh->nlmsg_seq - bt->seq0 >= bt->seq - bt->seq0)
			continue;	/* not about this batch */
		n++;
		if (e->error && !*err)
			*err = e->error;
	}
	return n;
}

/* Send the batch on nl and collect every acknowledgement; 0 or the first
 * error the kernel reported. The kernel handles a batch inside sendmsg()
 * itself, so when that returns every answer is queued already: they are
 * read without waiting, and only a shortfall (never seen) waits, 1 s. */
static int send_batch(struct mnl_socket *nl, struct batch *bt)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int fd = mnl_socket_get_fd(nl), err = 0;
	unsigned got = 0;
	bool waited = false;

	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0)
		return -errno;
	while (got < bt->nacks) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLIN };

			/* An error ends the transaction: what follows it
			 * may never be answered. */
			if (err || waited)
				break;
			waited = true;
			if (poll(&pf, 1, 1000) <= 0)
				break;
			continue;
		}
		if (n < 0)
			return -errno;
		got += acks_in(bt, buf, (size_t)n, &err);
	}
	if (!err && got < bt->nacks)
		err = -ETIMEDOUT;
	return err;
}

/* Drain what an earlier, failed exchange may have left on nl. */
static void drain(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	while (recv(mnl_socket_get_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static int open_sock(struct mnl_socket **nl)
{
	int rcv = 1 << 20;

	*nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!*nl)
		return -errno;
	if (mnl_socket_bind(*nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(*nl);
		*nl = NULL;
		return err;
	}
	/* Room for every acknowledgement of a large ruleset. */
	setsockopt(mnl_socket_get_fd(*nl), SOL_SOCKET, SO_RCVBUF, &rcv,
		   sizeof(rcv));
	return 0;
}

static const uint8_t families[3] = { NFPROTO_IPV4, NFPROTO_IPV6,
				       NFPROTO_NETDEV };

struct look {
	struct nftrules_seen *seen;
	int fam;
};

static int look_cb(const struct nlmsghdr *nlh, void *data)
{
	struct look *l = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		l->seen->present[l->fam] = true;
		if (nftnl_table_is_set(t, NFTNL_TABLE_FLAGS))
			l->seen->flags[l->fam] = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
		if (nftnl_table_is_set(t, NFTNL_TABLE_OWNER))
			l->seen->owner[l->fam] = nftnl_table_get_u32(t, NFTNL_TABLE_OWNER);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

/* One GETTABLE per family on nl (ENOENT: absent). */
static int look_on(struct mnl_socket *nl, const char *table,
		   struct nftrules_seen *seen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	memset(seen, 0, sizeof(*seen));
	drain(nl);
	for (unsigned f = 0; f < sizeof(families); f++) {
		struct nftnl_table *t = nftnl_table_alloc();
		struct look l = { seen, (int)f };
		struct nlmsghdr *nlh;
		uint32_t seq = (uint32_t)time(NULL) + 7u * (uint32_t)f;
		int r;

		if (!t)
			return -ENOMEM;
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
		nlh = nftnl_table_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE,
						  families[f], NLM_F_ACK, seq);
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			return -errno;
		do {
			ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

			if (n < 0)
				return -errno;
			r = mnl_cb_run(buf, (size_t)n, seq,
				       mnl_socket_get_portid(nl), look_cb, &l);
		} while (r > MNL_CB_STOP);
		if (r < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

int nftrules_look(struct nftrules_seen *seen)
{
	struct mnl_socket *nl;
	int err = open_sock(&nl);

	if (err)
		return err;
	err = look_on(nl, NFTRULES_TABLE, seen);
	mnl_socket_close(nl);
	return err;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* One transaction on the tables named table: whatever is there goes (a
 * crashed run's ownerless tables too), then fill() adds what should be
 * (fill may be NULL), with table flags tflags. 0 or -errno. */
static int transact(struct mnl_socket *nl, const char *table, uint32_t tflags,
		    void (*fill)(struct batch *, const struct nftrules_spec *),
		    const struct nftrules_spec *spec)
{
	struct batch *bt = calloc(1, sizeof(*bt));
	struct nftrules_seen seen;
	int err;

	if (!bt)
		return -ENOMEM;
	err = look_on(nl, table, &seen);
	if (err)
		goto out;
	bt->table = table;
	bt->tflags = tflags;
	bt->seq0 = bt->seq = (uint32_t)time(NULL) << 8;
	bt->b = mnl_nlmsg_batch_start(bt->buf, sizeof(bt->buf));
	nftnl_batch_begin(hdr(bt), bt->seq++);
	next(bt);
	for (unsigned f = 0; f < sizeof(families); f++)
		if (seen.present[f])
			table_msg(bt, NFT_MSG_DELTABLE, families[f], 0);
	if (fill)
		fill(bt, spec);
	nftnl_batch_end(hdr(bt), bt->seq++);
	next(bt);
	err = bt->err ? bt->err : send_batch(nl, bt);
	mnl_nlmsg_batch_stop(bt->b);
out:
	free(bt);
	return err;
}

int nftrules_open(struct nftrules *n, unsigned want)
{
	memset(n, 0, sizeof(*n));
	n->want = want & (NFTRULES_OWNER | NFTRULES_PERSIST);
	if (!(n->want & NFTRULES_OWNER))
		n->want = 0;	/* persist means nothing without an owner */
	n->flags = n->want;
	int err = open_sock(&n->nl);

	if (!err)
		n->portid = mnl_socket_get_portid(n->nl);
	return err;
}

void nftrules_close(struct nftrules *n)
{
	if (n->nl)
		mnl_socket_close(n->nl);
	n->nl = NULL;
}

/* One transaction, the ownership flags tried down to what the kernel
 * takes on the first. */
static int apply_flags(struct nftrules *n, const struct nftrules_spec *spec)
{
	int err;

	for (;;) {
		err = transact(n->nl, NFTRULES_TABLE, n->flags, build, spec);
		/* A kernel without the flag says EOPNOTSUPP (older ones
		 * EINVAL): the same tables with fewer guarantees. */
		if (n->probed || !n->flags ||
		    (err != -EOPNOTSUPP && err != -EINVAL))
			break;
		n->flags = n->flags & NFTRULES_PERSIST ? NFTRULES_OWNER : 0;
	}
	if (!err)
		n->probed = true;
	return err;
}

int nftrules_apply(struct nftrules *n, const struct nftrules_spec *spec)
{
	uint64_t t0 = now_us();
	int err = apply_flags(n, spec);

	n->shortcut_refused = false;
	/* The shortcut is only a shortcut: without it every packet still
	 * has its queue rule. Tried again at every apply, so an uplink that
	 * vanished in between does not turn it off for good. */
	if (err && nftrules_fast(spec)) {
		struct nftrules_spec plain = *spec;

		plain.fwd_ifindex = 0;
		if (apply_flags(n, &plain) == 0) {
			n->shortcut_refused = true;
			n->shortcut_err = err;
			err = 0;
		}
	}
	n->last_us = now_us() - t0;
	return err;
}

int nftrules_remove(struct nftrules *n)
{
	return transact(n->nl, NFTRULES_TABLE, 0, NULL, NULL);
}

/* A table of its own with one queue rule, deleted again in the same
 * transaction: the kernel refuses the whole transaction when the
 * expression is missing, and the daemon's live tables are never touched. */
static void probe(struct batch *bt, const struct nftrules_spec *s)
{
	struct nftnl_rule *r;
	int err = 0;

	table_msg(bt, NFT_MSG_NEWTABLE, NFPROTO_IPV4, NLM_F_CREATE);
	chain_msg(bt, NFPROTO_IPV4, "probe", NF_INET_LOCAL_OUT, 0);
	if ((r = rule(bt))) {
		queue(r, s, s->queue_num, false, &err);
		rule_end(bt, r, NFPROTO_IPV4, "probe", "clat-nfq: probe", err);
	}
	table_msg(bt, NFT_MSG_DELTABLE, NFPROTO_IPV4, 0);
}

bool nftrules_have_native_queue(void)
{
	struct nftrules_spec s = { .queues = 1, .native_queue = true };
	struct mnl_socket *nl;
	int err = open_sock(&nl);

	if (err)
		return false;
	err = transact(nl, NFTRULES_TABLE "-probe", 0, probe, &s);
	mnl_socket_close(nl);
	return err == 0;
}

struct mnl_socket *nftrules_events_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
	int grp = NFNLGRP_NFTABLES, rcv = 4 << 20;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	/* A flush of a large ruleset is one event per object. */
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv,
		   sizeof(rcv));
	return nl;
}

bool nftrules_events_foreign(const void *buf, size_t len, uint32_t portid)
{
	const struct nlmsghdr *nlh = buf;
	int rest = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nfgenmsg *g;
		const struct nlattr *a;
		unsigned msg = nlh->nlmsg_type & 0xff;

		if (nlh->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES ||
		    nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*g) ||
		    nlh->nlmsg_pid == portid || msg == NFT_MSG_NEWGEN ||
		    msg == NFT_MSG_TRACE)
			continue;
		g = mnl_nlmsg_get_payload(nlh);
		if (g->nfgen_family != NFPROTO_IPV4 &&
		    g->nfgen_family != NFPROTO_IPV6 &&
		    g->nfgen_family != NFPROTO_NETDEV)
			continue;
		/* The table's name is attribute 1 in every kind of object:
		 * NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, ... */
		mnl_attr_for_each(a, nlh, sizeof(*g)) {
			if (mnl_attr_get_type(a) != 1)
				continue;
			if (mnl_attr_get_payload_len(a) ==
			    sizeof(NFTRULES_TABLE) &&
			    !memcmp(mnl_attr_get_payload(a), NFTRULES_TABLE,
				    sizeof(NFTRULES_TABLE)))
				return true;
			break;
		}
	}
	return false;
}

bool nftrules_events_read(struct mnl_socket *ev, uint32_t portid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool foreign = false;
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(ev), buf, sizeof(buf), 0)) > 0 ||
	       (n < 0 && errno == EINTR))
		if (n > 0)
			foreign |= nftrules_events_foreign(buf, (size_t)n,
							   portid);
	/* An overrun lost events: look. */
	if (n < 0 && errno == ENOBUFS)
		foreign = true;
	return foreign;
}
