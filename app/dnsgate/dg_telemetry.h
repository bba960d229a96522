/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TELEMETRY_H
#define DG_TELEMETRY_H

/**
 * @file
 * DPDK telemetry from the counter registry (dg_counters.h):
 *  - /dnsgate/stats: every global counter; arrays as nested dicts (`verdict`, `forward`..)
 *  - /dnsgate/ports: one nested dict per port (by name) of its counters
 *  - /dnsgate/nic_xstats,PORT (a port's index or name) and /dnsgate/identifier: the
 *    arrays of their own (a port's, or the management core's), flat, at most 256 entries
 * Keys are the registry's names with anything but [A-Za-z0-9_] as '_'.
 */

/** Register the commands (after dg_counters_init()). @return 0 or a negative errno. */
int dg_telemetry_register(void);

/** Management tick: refresh, once a second, the copy of the management core's arrays. */
void dg_telemetry_tick(void);

/** Answer nothing from now on (before shutdown frees what the commands read). */
void dg_telemetry_stop(void);

#endif /* DG_TELEMETRY_H */
