/*
 * admind - the control service's worker.
 *
 * The master runs it for the "control" service: it accepts on the control
 * socket, joins the registry after dropping to mail_owner, and serves one
 * estuaryctl connection at a time (admind_cmd.c). Process management
 * requests go to the master over the master channel; registry work is done
 * here, so the root master never touches the registry. It exits the way
 * every worker does (server.h); it stops at start-up if the registry
 * cannot be joined, and the master throttles it.
 */
#include "config.h"

#include <stddef.h>

#include "admind.h"
#include "registry.h"
#include "server.h"

static struct registry *admind_reg;

/* admind_post_drop - join the registry, unprivileged */
static void
admind_post_drop(void *ctx)
{
	(void)ctx;
	admind_reg = registry_open_from_params();
}

/* admind_serve - one connection */
static void
admind_serve(struct server_conn *conn, void *ctx)
{
	(void)ctx;
	admind_conn(conn, admind_reg);
}

/* admind_pre_exit - leave the registry */
static void
admind_pre_exit(void *ctx)
{
	(void)ctx;
	if (admind_reg != NULL)
		registry_close(&admind_reg);
}

/* main - run as a worker of the control service */
int
main(int argc, char **argv)
{
	static const struct server_ops ops = {
		.program = "admind",
		.pre_drop = NULL,
		.post_drop = admind_post_drop,
		.conn = admind_serve,
		.pre_exit = admind_pre_exit,
		.ctx = NULL,
	};

	server_main(argc, argv, &ops);
}
