/*
 * relay - the queue runner's main: a pre-forked worker of a unix service.
 *
 * The worker wakes every queue_run_delay seconds (server.h's wakeup) and
 * runs the queue; a connection to its socket (relay_socket, the service's
 * listen path) is a kick: one byte, QUEUE_KICK_DUE ("deliver what is
 * due", from smtpd's queue_kick()) or QUEUE_KICK_FLUSH ("everything
 * pending now", from estuaryctl queue flush). The connection is closed at
 * once, so the kicker never waits for the run. Several relay workers may
 * run together: each queue entry is delivered under its own lock, so
 * none is delivered twice.
 *
 * After the privilege drop it joins the registry and opens the store (to
 * put bounces for hosted senders straight into their mailboxes), makes the
 * queue's directories and removes half-made entries left by a crash.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "param_table.h"
#include "queue.h"
#include "registry.h"
#include "relay.h"
#include "server.h"
#include "store.h"
#include "tls.h"

struct relay_ctx relay_ctx;

/* The wakeup interval is known once server_main() read the configuration. */
static struct server_ops relay_ops;

/* relay_post_drop - registry, store, TLS client, queue directories */
static void
relay_post_drop(void *ctx)
{
	const char *error;
	int n;

	(void)ctx;
	relay_ops.wakeup_interval = var_queue_run_delay;
	relay_ctx.reg = registry_open_from_params();
	if ((relay_ctx.store = store_open(relay_ctx.reg, var_mail_dir,
	    &error)) == NULL)
		msg_fatal("cannot open the store in %s: %s", var_mail_dir,
		    error);
	if (var_relay_tls && (relay_ctx.tls = tls_client_ctx(
	    var_relay_tls_verify, *var_relay_tls_ca_file != '\0' ?
	    var_relay_tls_ca_file : NULL, &error)) == NULL)
		msg_fatal("TLS client: %s", error);
	if (queue_init(var_queue_dir, &error) < 0)
		msg_fatal("queue %s: %s", var_queue_dir, error);
	if ((n = queue_cleanup(var_queue_dir, QUEUE_ORPHAN_AGE, &error)) < 0)
		msg_warn("queue cleanup: %s", error);
	else if (n > 0)
		msg_info("removed %d file%s of half-made queue entries", n,
		    n == 1 ? "" : "s");
}

/* relay_kick - a connection: read the command byte, close, run */
static void
relay_kick(struct server_conn *conn, void *ctx)
{
	struct pollfd pfd;
	char c = QUEUE_KICK_DUE;
	ssize_t n;

	(void)ctx;
	pfd.fd = conn->fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 1000) == 1) {
		do {
			n = read(conn->fd, &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			c = QUEUE_KICK_DUE;
	}
	(void)shutdown(conn->fd, SHUT_RDWR);
	if (c == QUEUE_KICK_FLUSH)
		msg_info("flush requested");
	relay_run(c == QUEUE_KICK_FLUSH);
}

/* relay_wakeup - the periodic queue run */
static void
relay_wakeup(void *ctx)
{
	(void)ctx;
	relay_run(0);
}

/* relay_pre_exit - close the store, the registry and TLS */
static void
relay_pre_exit(void *ctx)
{
	(void)ctx;
	if (relay_ctx.store != NULL)
		store_close(&relay_ctx.store);
	if (relay_ctx.reg != NULL)
		registry_close(&relay_ctx.reg);
	if (relay_ctx.tls != NULL)
		tls_ctx_free(&relay_ctx.tls);
}

/* main - run as a worker of the relay service */
int
main(int argc, char **argv)
{
	relay_ops.program = "relay";
	relay_ops.post_drop = relay_post_drop;
	relay_ops.conn = relay_kick;
	relay_ops.pre_exit = relay_pre_exit;
	relay_ops.wakeup = relay_wakeup;
	server_main(argc, argv, &relay_ops);
}
