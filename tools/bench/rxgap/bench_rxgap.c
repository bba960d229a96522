/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the replay device itself costs per frame, and how that depends on what a worker does
 * between bursts. One lcore, the lab's vdevs (net_pcap rx_pcap=CAPTURE,infinite_rx=1 and
 * net_null no-rx=1): receive a burst of 32 from net_pcap, spend GAP TSC cycles a frame
 * doing nothing (a TSC spin: no memory traffic), send the burst to net_null or back out of
 * net_pcap (where dnsgate sends its answers), and time the rx and tx calls apart.
 *
 *   bench_rxgap CAPTURE [SECONDS_PER_STEP [ROUNDS]]
 *
 * Rounds interleave every step (a neighbour's load hits all of them alike); each cell is
 * the median over the rounds.
 *
 * dnsgate's summary splits a busy loop into "own code" and the rest; this tool says how much
 * of the rest is net_pcap's rx (a copy from the capture's own mbufs, cold when the capture
 * is larger than L2) and how it grows when the worker spends longer between bursts.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

enum { BURST = 32, DESC = 1024, MAX_ROUNDS = 15 };

static const unsigned int gaps[] = { 0, 50, 100, 200, 300 }; /* TSC cycles a frame */
#define NGAPS (sizeof(gaps) / sizeof(gaps[0]))

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long
count_frames(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, err);
	long n = 0;

	if (p == NULL) {
		fprintf(stderr, "bench_rxgap: %s: %s\n", path, err);
		return -1;
	}
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	pcap_close(p);
	return n;
}

static int
port_up(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, DESC, rte_socket_id(), NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, DESC, rte_socket_id(), NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return -1;
	return 0;
}

/* One step: GAP cycles a frame between rx and tx, the burst sent out of port TX. */
static void
step(uint16_t rx, uint16_t tx, unsigned int gap, double secs, double *rx_cyc, double *tx_cyc,
     double *mpps)
{
	struct rte_mbuf *pkts[BURST];
	const uint64_t hz = rte_get_tsc_hz(), warm = hz / 2, len = (uint64_t)(secs * (double)hz);
	uint64_t start = rte_rdtsc(), t_rx = 0, t_tx = 0, frames = 0, t_begin = 0;

	for (;;) {
		uint64_t t0 = rte_rdtsc(), t1, t2, t3;
		uint16_t n, k;

		if (t0 - start > warm && t_begin == 0) {
			t_begin = t0;
			t_rx = t_tx = frames = 0;
		}
		if (t_begin != 0 && t0 - t_begin > len)
			break;
		n = rte_eth_rx_burst(rx, 0, pkts, BURST);
		t1 = rte_rdtsc();
		if (n == 0)
			continue;
		while (rte_rdtsc() - t1 < (uint64_t)gap * n)
			;
		t2 = rte_rdtsc();
		k = rte_eth_tx_burst(tx, 0, pkts, n);
		t3 = rte_rdtsc();
		if (k < n)
			rte_pktmbuf_free_bulk(pkts + k, n - k);
		t_rx += t1 - t0;
		t_tx += t3 - t2;
		frames += n;
	}
	*rx_cyc = frames ? (double)t_rx / (double)frames : 0;
	*tx_cyc = frames ? (double)t_tx / (double)frames : 0;
	*mpps = (double)frames / secs / 1e6;
}

int
main(int argc, char **argv)
{
	char vdev_pcap[4200];
	char *eal[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "-l",
			"0", "--log-level=*:warning", "--vdev", vdev_pcap, "--vdev",
			"net_null0,no-rx=1" };
	double secs = argc > 2 ? atof(argv[2]) : 1.5;
	int rounds = argc > 3 ? atoi(argv[3]) : 3;
	static double res[2][NGAPS][3][MAX_ROUNDS]; /* [tx][gap][rx, tx, Mpps][round] */
	struct rte_mempool *mp;
	uint16_t pcap_port, null_port;
	long frames;

	if (argc < 2 || secs <= 0 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: bench_rxgap CAPTURE [SECONDS_PER_STEP [ROUNDS (1-15)]]\n");
		return 2;
	}
	frames = count_frames(argv[1]);
	if (frames <= 0)
		return 1;
	snprintf(vdev_pcap, sizeof(vdev_pcap), "net_pcap0,rx_pcap=%s,infinite_rx=1", argv[1]);
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "bench_rxgap: EAL init failed\n");
		return 1;
	}
	/* net_pcap keeps a copy of every frame in the pool; then rings, burst, cache */
	mp = rte_pktmbuf_pool_create("rxgap", (unsigned int)frames + 2 * DESC + 4096, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL || rte_eth_dev_get_port_by_name("net_pcap0", &pcap_port) != 0 ||
	    rte_eth_dev_get_port_by_name("net_null0", &null_port) != 0 ||
	    port_up(pcap_port, mp) < 0 || port_up(null_port, mp) < 0) {
		fprintf(stderr, "bench_rxgap: pool or ports: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (int r = 0; r < rounds; r++)
		for (unsigned int t = 0; t < 2; t++)
			for (size_t g = 0; g < NGAPS; g++)
				step(pcap_port, t == 0 ? null_port : pcap_port, gaps[g], secs,
				     &res[t][g][0][r], &res[t][g][1][r], &res[t][g][2][r]);
	printf("# capture %s: %ld frames; %.1f s a step, median of %d rounds; TSC cycles per\n"
	       "# frame; tx to net_pcap = back out of the capture's port, as dnsgate's answers\n",
	       argv[1], frames, secs, rounds);
	printf("%-9s %6s %8s %8s %8s\n", "tx_to", "gap", "rx", "tx", "Mpps");
	for (unsigned int t = 0; t < 2; t++)
		for (size_t g = 0; g < NGAPS; g++)
			printf("%-9s %6u %8.1f %8.1f %8.2f\n", t == 0 ? "net_null" : "net_pcap",
			       gaps[g], median(res[t][g][0], (unsigned int)rounds),
			       median(res[t][g][1], (unsigned int)rounds),
			       median(res[t][g][2], (unsigned int)rounds));
	rte_eth_dev_stop(pcap_port);
	rte_eth_dev_stop(null_port);
	rte_eal_cleanup();
	return 0;
}
