/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_TELEMETRY_H
#define DG_TELEMETRY_H

#include "dg_app.h"

/** Register the /dnsgate/... telemetry commands. @return 0 or a negative errno. */
int dg_telemetry_register(const struct dg_app *app);

#endif /* DG_TELEMETRY_H */
