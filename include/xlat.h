/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The translation core: RFC 7915 IP/ICMP translation for a CLAT (RFC 6877).
 *
 * Bytes in, packets and a verdict out. No sockets, no globals, no
 * allocation: the caller owns a struct xlat_out per worker and a read-only
 * struct xlat_cfg that any number of workers may share. Headers the core
 * writes live in out->arena; payload bytes are referenced from the input
 * buffer through out->iov, never copied, so the input must stay valid until
 * the output has been sent. */
#ifndef CLAT_XLAT_H
#define CLAT_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "rfc6052.h"

/* What the caller does with the result. */
enum xlat_verdict {
	XLAT_DROP = 0,	/* nothing to send; out->reason says why */
	XLAT_FORWARD,	/* send out's packets (the translation) onward */
	XLAT_REPLY,	/* send out's packet (an ICMP error in the input's
			 * family) back to the input's source */
};

/* Why a packet was not translated. Stable names: they are the counters a
 * user reads. */
#define XLAT_REASONS(X)							\
	X(NONE,			"none")					\
	/* malformed input */						\
	X(TRUNCATED,		"truncated")				\
	X(BAD_VERSION,		"bad_version")				\
	X(BAD_IHL,		"bad_ihl")				\
	X(BAD_LENGTH,		"bad_length")				\
	X(BAD_IP_CSUM,		"bad_ipv4_header_checksum")		\
	X(BAD_OPTIONS,		"bad_ipv4_options")			\
	X(BAD_EXTHDR,		"bad_ipv6_extension_header")		\
	X(BAD_CSUM,		"bad_checksum")				\
	X(BAD_FRAGMENT,		"bad_fragment")				\
	/* addresses */							\
	X(SRC_NOT_CLAT,		"source_not_clat")			\
	X(DST_NOT_CLAT,		"destination_not_clat")			\
	X(SRC_NOT_PLAT,		"source_not_under_plat_prefix")		\
	X(ADDR_FORBIDDEN,	"address_not_translatable")		\
	/* RFC 7915 rules that end in an ICMP error or a silent drop */	\
	X(TTL_EXPIRED,		"ttl_expired")				\
	X(TOO_BIG,		"too_big")				\
	X(SOURCE_ROUTE,		"ipv4_source_route")			\
	X(SEGMENTS_LEFT,	"ipv6_routing_segments_left")		\
	X(UDP_ZERO_CSUM_FRAG,	"udp_zero_checksum_fragment")		\
	X(UDP_ZERO_CSUM6,	"udp_zero_checksum_ipv6")		\
	X(ICMP_FRAGMENT,	"icmp_fragmented")			\
	X(ICMP_TYPE,		"icmp_type_not_translated")		\
	X(ICMP_ERR_IN_ERR,	"icmp_error_about_icmp_error")		\
	X(ICMP_INNER,		"icmp_error_inner_packet_bad")		\
	X(ICMP_FAMILY,		"icmp_of_the_other_family")		\
	X(ICMP_EXT,		"icmp_extension_length_bad")		\
	X(V6ONLY_PROTO,		"ipv6_only_protocol")			\
	X(GSO_NOT_TCP,		"offloaded_packet_not_tcp")		\
	X(NO_ROOM,		"output_too_large")			\
	X(REFUSED_OUT,	"ipv6_refused_on_output")

enum xlat_reason {
#define XLAT_REASON_ENUM(id, name) XLAT_R_##id,
	XLAT_REASONS(XLAT_REASON_ENUM)
#undef XLAT_REASON_ENUM
	XLAT_R_COUNT
};

const char *xlat_reason_name(enum xlat_reason r);

/* RFC 7757 explicit address mappings: an IPv4 prefix and an IPv6 prefix
 * of equal suffix length, the suffix copied bit for bit. Consulted before
 * RFC 6052 for the remote address, longest prefix first. */
#define XLAT_EAM_MAX	64

struct xlat_eam {
	uint8_t v4[4];
	uint8_t v6[16];
	uint8_t len4, len6;	/* 32 - len4 == 128 - len6 */
};

struct xlat_eamt {
	unsigned n;
	struct xlat_eam e[XLAT_EAM_MAX];
};

/* Parse "192.0.2.0/24,2001:db8:aaaa::/120" (spaces around the comma
 * allowed); 0, or -EINVAL with *why saying what is wrong. Pure. */
int xlat_eam_parse(const char *s, struct xlat_eam *e, const char **why);

/* Add e to t: 0, or -EINVAL (*why) when t already maps the same IPv4 or
 * IPv6 prefix, or -ENOSPC when t is full. */
int xlat_eam_add(struct xlat_eamt *t, const struct xlat_eam *e,
		 const char **why);

/* RFC 7757 section 3: the longest matching entry translates; 0, or -ENOENT
 * when none matches. */
int xlat_eam_4to6(const struct xlat_eamt *t, const uint8_t v4[4],
		  uint8_t v6[16]);
int xlat_eam_6to4(const struct xlat_eamt *t, const uint8_t v6[16],
		  uint8_t v4[4]);

/* "192.0.2.0/24,2001:db8:aaaa::/120"; buf of 70 bytes holds any. */
char *xlat_eam_format(const struct xlat_eam *e, char *buf, size_t size);

/* Translator configuration: filled once, then read-only. */
struct xlat_cfg {
	struct rfc6052_prefix plat;	/* PLAT prefix (RFC 6052) */
	uint8_t clat4[4];		/* CLAT IPv4 address, 192.0.0.1 */
	uint8_t clat6[16];		/* CLAT IPv6 address */
	uint8_t self4[4];		/* source of ICMPv4 errors the translator
					 * itself originates, 192.0.0.2 */
	uint8_t dummy4[4];		/* RFC 7600: source for ICMPv6 errors
					 * from untranslatable sources, 192.0.0.8 */
	uint16_t mtu6;			/* IPv6 MTU toward the PLAT: DF packets
					 * that do not fit get Fragmentation
					 * Needed (RFC 7915 section 4.1) */
	uint16_t lowest_mtu6;		/* RFC 7915 4.1 "lowest-ipv6-mtu": DF=0
					 * packets are fragmented to this, 1280 */
	uint16_t mtu4;			/* IPv4 MTU toward the host; 0 = no
					 * limit (local delivery through lo) */
	bool decrement_ttl;		/* act as a router (RFC 7915 4.1, 5.1) */
	bool wkp_strict;		/* RFC 6052 3.1 for the WKP; off by
					 * default, see README */
	struct xlat_eamt eam;		/* RFC 7757, before RFC 6052 */
};

/* Defaults: 192.0.0.1, 192.0.0.2, 192.0.0.8, MTUs 1280/1280/0, TTL
 * decrement on, WKP rule off. Prefix and clat6 are left zero. */
void xlat_cfg_init(struct xlat_cfg *cfg);

/* 0, or -EINVAL with *why naming the offending field. */
int xlat_cfg_check(const struct xlat_cfg *cfg, const char **why);

/* Remotes remembered for cutting TCP super-packets. */
#define XLAT_SEG_CACHE	256

/* What is known, per remote IPv4 address, of the largest TCP segment
 * (header and data) it takes through the IPv6 path: the least of the
 * peer's MSS + 20 (its SYNs' option, RFC 9293 3.7.1) and the Packet Too
 * Big MTU - 40 (RFC 8201). One slot per hash of the address: the address
 * << 16 | cap, 0 when empty. The workers share one: a Packet Too Big is
 * queued by its sender's address, not the flow's, so the worker that
 * translates it is often not the one that cuts the flow's super-packets
 * (relaxed atomic loads and stores of whole slots: no lock, no torn
 * entry). */
struct xlat_segcache {
	uint64_t slot[XLAT_SEG_CACHE];
};

/* Per-worker mutable state: the IPv4 Identification source (RFC 7915 5.1)
 * and the segment sizes, its own or shared (xlat_state_share). Knowing
 * what the host's TCP learns, a worker cuts the host's super-packets no
 * larger than the host's own segments would be. */
struct xlat_state {
	uint32_t ipid;
	struct xlat_segcache *segs;	/* &own, or shared */
	struct xlat_segcache own;
};

void xlat_state_init(struct xlat_state *st, uint32_t seed);

/* Use cache (zeroed by the caller, outliving st) for segment sizes
 * instead of st's own: several states may share one. */
void xlat_state_share(struct xlat_state *st, struct xlat_segcache *cache);

/* Limits of one translation: a 64 KiB datagram cut into 1280-byte IPv6
 * fragments or 576-byte IPv4 fragments. */
#define XLAT_MAX_PKTS	128
#define XLAT_MAX_IOV	(XLAT_MAX_PKTS * 4)
#define XLAT_ARENA_SIZE	(XLAT_MAX_PKTS * 48 + 2048)

struct xlat_pkt {
	uint16_t iov_first;	/* index into out->iov */
	uint16_t iovcnt;
	uint32_t len;		/* bytes in this packet */
	/* 0: every checksum complete. Else (XLAT_IN_LEAVE_PARTIAL) the
	 * TCP/UDP checksum field holds only the pseudo-header sum, and
	 * whoever completes it sums from byte csum_start of the packet and
	 * stores at csum_start + csum_offset (Linux's CHECKSUM_PARTIAL). */
	uint16_t csum_start, csum_offset;
	/* IPv4 only: the Identification is the translator's own choice
	 * (RFC 6864: any value for a DF datagram, one of its own count for
	 * another), not one RFC 7915 5.1.1 takes from a Fragment Header;
	 * whoever sends the packet may number it otherwise. */
	bool id_free;
};

struct xlat_out {
	enum xlat_verdict verdict;
	enum xlat_reason reason;	/* set for DROP and REPLY */
	int family;			/* AF_INET or AF_INET6 of the packets */
	unsigned npkts;
	struct xlat_pkt pkt[XLAT_MAX_PKTS];
	unsigned niov;
	struct iovec iov[XLAT_MAX_IOV];
	size_t used;			/* bytes of arena in use */
	uint8_t arena[XLAT_ARENA_SIZE];
};

/* RFC 7915 section 4: an IPv4 packet from the host to IPv6. */
enum xlat_verdict xlat_4to6(const struct xlat_cfg *cfg, struct xlat_state *st,
			    const uint8_t *pkt, size_t len, struct xlat_out *out);

/* RFC 7915 section 5: an IPv6 packet from the network to IPv4. */
enum xlat_verdict xlat_6to4(const struct xlat_cfg *cfg, struct xlat_state *st,
			    const uint8_t *pkt, size_t len, struct xlat_out *out);

/* What the kernel left undone on a packet handed over with its offloads
 * pending (NFQUEUE with NFQA_CFG_F_GSO, from NFQA_SKB_INFO). */
enum {
	XLAT_IN_CSUM_PARTIAL = 1 << 0,	/* the TCP/UDP checksum field holds
					 * only the sender's pseudo-header
					 * sum: computed whole here */
	XLAT_IN_GSO = 1 << 1,		/* a TCP super-packet (GSO/GRO):
					 * one IPv4 packet when it fits,
					 * else segments of the IPv4 MTU */
	XLAT_IN_LEAVE_PARTIAL = 1 << 2,	/* the caller hands packets on with
					 * offload metadata: IPv6 -> IPv4
					 * toward the host (cfg->mtu4 0)
					 * may leave a partial checksum
					 * partial (xlat_pkt.csum_start) */
	XLAT_IN_FORWARDED = 1 << 3,	/* IPv6 the kernel forwarded to the
					 * translator (nft fwd), its Hop
					 * Limit already decremented and
					 * above 0: not decremented again
					 * (RFC 7915 5.1 asks for one) */
};

/* xlat_4to6() for a packet with the XLAT_IN_* flags in_flags: a TCP
 * super-packet is cut into IPv6 segments no larger than the remote takes
 * (see struct xlat_state; 1280-byte packets for a remote not seen yet). */
enum xlat_verdict xlat_4to6_in(const struct xlat_cfg *cfg,
			       struct xlat_state *st, const uint8_t *pkt,
			       size_t len, unsigned in_flags,
			       struct xlat_out *out);

/* xlat_6to4() for a packet with the XLAT_IN_* flags in_flags. */
enum xlat_verdict xlat_6to4_in(const struct xlat_cfg *cfg,
			       struct xlat_state *st, const uint8_t *pkt,
			       size_t len, unsigned in_flags,
			       struct xlat_out *out);

/* The IPv4 packet pkt was translated, but its IPv6 form was refused on
 * the way out because it collides with a flow of the host's own (shared
 * mode, see nftrules.c): an ICMPv4 Destination Unreachable, communication
 * administratively prohibited (RFC 1812 5.2.7.1), for its sender, so the
 * application learns at once (EHOSTUNREACH). DROP when no error may be
 * sent (an error about an error, a non-first fragment). */
enum xlat_verdict xlat_4to6_refused(const struct xlat_cfg *cfg,
				    const uint8_t *pkt, size_t len,
				    struct xlat_out *out);

/* Copy packet i of out into buf (tests, fuzzing, slow paths). Returns its
 * length, or 0 when it does not fit in size. */
size_t xlat_out_copy(const struct xlat_out *out, unsigned i, uint8_t *buf,
		     size_t size);

#endif
