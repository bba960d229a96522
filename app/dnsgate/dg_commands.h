/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DG_COMMANDS_H
#define DG_COMMANDS_H

#include "dg_ctl_server.h"
#include "dg_snapshot.h"

/** dg_ctl_handler_t for the appliance's commands; @p ctx is the struct dg_control. */
int dg_commands_handle(void *ctx, const struct dg_ctl_request *req, struct dg_ctl_buf *body,
		       char *reason, size_t rlen);

#endif /* DG_COMMANDS_H */
