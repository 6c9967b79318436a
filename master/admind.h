/*
 * admind - the control service: estuaryctl's requests, answered by an
 * unprivileged worker.
 *
 * admind.c is the thin main (server_main() with the registry opened after
 * the privilege drop); admind_cmd.c holds the connection loop, the command
 * table and its handlers. The protocol is in common/ctl_proto.h.
 */
#ifndef ADMIND_H
#define ADMIND_H

#include <sys/types.h>

struct registry;
struct server_conn;

/*
 * admind_conn - serve one control connection: check the peer's
 * credentials, exchange hellos, then answer requests until the client
 * closes or a limit passes. reg is the joined registry. Logs one line per
 * request.
 */
void	admind_conn(struct server_conn *conn, struct registry *reg);

/*
 * admind_peer_allowed - may the peer with this uid and primary gid use the
 * control service? root, this process's own user, or a member of
 * admin_group: 1 yes, 0 no.
 */
int	admind_peer_allowed(uid_t uid, gid_t gid);

#endif
