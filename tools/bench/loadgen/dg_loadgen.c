/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A paced traffic source for overload tests: replays a capture (net_pcap infinite_rx)
 * into a port (net_memif towards the appliance) at a fixed rate, and drains what comes
 * back. A burst the port does not take (its ring is full: the receiver fell behind) is
 * freed and counted: those are the frames the receiver lost.
 *
 *   dg_loadgen [EAL options] -- MPPS SECONDS
 *
 * Port 0 is the source, port 1 the output. MPPS 0 offers as fast as the source goes.
 * Prints one line: offered, accepted, refused (lost), returned, the rate reached; then
 * holds the output link until its peer leaves.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

enum { BURST = 32, NB_DESC = 1024, MBUFS = 16383 };

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int
port_setup(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = { 0 };
	int rc = rte_eth_dev_configure(port, 1, 1, &conf);

	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port, 0, NB_DESC, rte_eth_dev_socket_id(port), NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, NB_DESC, rte_eth_dev_socket_id(port), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	return rc;
}

int
main(int argc, char **argv)
{
	uint64_t offered = 0, accepted = 0, returned = 0, hz, t0, end, next;
	struct rte_mbuf *pkts[BURST];
	struct rte_mempool *mp;
	double mpps, secs;
	int n = rte_eal_init(argc, argv);

	if (n < 0 || argc - n != 3) {
		fprintf(stderr, "usage: dg_loadgen [EAL options] -- MPPS SECONDS\n");
		return 2;
	}
	mpps = atof(argv[n + 1]);
	secs = atof(argv[n + 2]);
	mp = rte_pktmbuf_pool_create("lg", MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "dg_loadgen: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (rte_eth_dev_count_avail() < 2 || port_setup(0, mp) != 0 || port_setup(1, mp) != 0) {
		fprintf(stderr, "dg_loadgen: needs two ports (source, output), found %u\n",
			rte_eth_dev_count_avail());
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	/* Wait (10 s at most) until the output port's peer is there (memif connects after
	 * both start). */
	for (struct rte_eth_link l = { 0 }; !quit && l.link_status == 0;
	     rte_eth_link_get_nowait(1, &l)) {
		if (rte_rdtsc() - t0 > 10 * hz) {
			fprintf(stderr, "dg_loadgen: the output port's link did not come up\n");
			return 1;
		}
		rte_delay_ms(10);
	}
	t0 = next = rte_rdtsc();
	end = t0 + (uint64_t)(secs * (double)hz);
	while (!quit && rte_rdtsc() < end) {
		uint64_t now = rte_rdtsc();
		uint16_t got, sent, i;

		for (got = rte_eth_rx_burst(1, 0, pkts, BURST); got > 0;
		     got = rte_eth_rx_burst(1, 0, pkts, BURST)) {
			returned += got;
			rte_pktmbuf_free_bulk(pkts, got);
		}
		/* Pace in bursts: the next burst is due BURST / rate after the previous one. */
		if (mpps > 0 && now < next)
			continue;
		got = rte_eth_rx_burst(0, 0, pkts, BURST);
		if (got == 0)
			continue;
		sent = rte_eth_tx_burst(1, 0, pkts, got);
		for (i = sent; i < got; i++)
			rte_pktmbuf_free(pkts[i]);
		offered += got;
		accepted += sent;
		if (mpps > 0)
			next += (uint64_t)((double)got * (double)hz / (mpps * 1e6));
	}
	secs = (double)(rte_rdtsc() - t0) / (double)hz;
	printf("offered %" PRIu64 " accepted %" PRIu64 " refused %" PRIu64 " returned %" PRIu64
	       " rate %.3f Mpps\n", offered, accepted, offered - accepted, returned,
	       (double)offered / secs / 1e6);
	fflush(stdout);
	/*
	 * Hold the link, without polling, until the receiver goes away (at most 30 s): a
	 * memif peer that disconnects while the other side polls its rings can crash it
	 * (DPDK 22.11), so the receiver stops first.
	 */
	for (int i = 0; i < 3000 && !quit; i++) {
		struct rte_eth_link l = { 0 };

		rte_eth_link_get_nowait(1, &l);
		if (l.link_status == 0)
			break;
		rte_delay_ms(10);
	}
	rte_eth_dev_stop(0);
	rte_eth_dev_stop(1);
	rte_eal_cleanup();
	return 0;
}
