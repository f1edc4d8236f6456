/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Micro-benchmark of the ways to hand an IPv4 packet to the host's stack as
 * received: packet socket into lo (sendmmsg), tun with vnet header (writev),
 * packet socket on a veth peer (sendmmsg). 64-byte UDP, N packets. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const void *p, int n) { const uint16_t *w = p; uint32_t s = 0; while (n > 1) { s += *w++; n -= 2; } while (s >> 16) s = (s & 0xffff) + (s >> 16); return ~s; }
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv)
{
	const char *mode = argv[1]; long N = atol(argv[2]);
	uint8_t pkt[64] = { 0 }, eth[14] = { 0 };
	struct virtio_net_hdr vh = { 0 };
	pkt[0] = 0x45; pkt[2] = 0; pkt[3] = 64; pkt[8] = 64; pkt[9] = 17;
	inet_pton(AF_INET, "203.0.113.1", pkt + 12); inet_pton(AF_INET, "192.0.0.1", pkt + 16);
	*(uint16_t *)(pkt + 10) = csum(pkt, 20);
	pkt[20] = 0x13; pkt[21] = 0x88; pkt[22] = 0; pkt[23] = 9; pkt[24] = 0; pkt[25] = 44; /* udp len 44, csum 0 */
	eth[12] = 8;
	double t0, t1;
	if (!strcmp(mode, "tun")) {
		int fd = open("/dev/net/tun", O_RDWR); struct ifreq ifr = { 0 };
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR; strcpy(ifr.ifr_name, "clat");
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("tun"); return 1; }
		int hs = sizeof(vh); ioctl(fd, TUNSETVNETHDRSZ, &hs);
		system("ip link set clat txqueuelen 0 up; ip addr add 192.0.0.1/29 dev clat 2>/dev/null");
		struct iovec v[2] = { { &vh, sizeof(vh) }, { pkt, 64 } };
		t0 = now();
		for (long i = 0; i < N; i++) if (writev(fd, v, 2) < 0) { perror("writev"); return 1; }
		t1 = now();
	} else {
		int ifi = !strcmp(mode, "lo") ? 1 : (int)if_nametoindex("vpeer");
		int fd = socket(AF_PACKET, SOCK_RAW, 0), one = 1;
		setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one));
		if (strcmp(mode, "lo")) { /* dst MAC: vclat's */
			FILE *f = fopen("/sys/class/net/vclat/address", "r"); unsigned m[6];
			fscanf(f, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]);
			for (int i = 0; i < 6; i++) eth[i] = m[i];
		}
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifi, .sll_halen = 6 };
		struct iovec v[3] = { { &vh, sizeof(vh) }, { eth, 14 }, { pkt, 64 } };
		struct mmsghdr mm[32];
		for (int i = 0; i < 32; i++) mm[i].msg_hdr = (struct msghdr){ .msg_name = &ll, .msg_namelen = sizeof(ll), .msg_iov = v, .msg_iovlen = 3 };
		t0 = now();
		for (long i = 0; i < N; i += 32) { int r = sendmmsg(fd, mm, 32, 0); if (r < 0) { perror("sendmmsg"); return 1; } }
		t1 = now();
	}
	printf("%s %.0f packets/s\n", mode, N / (t1 - t0));
	return 0;
}
