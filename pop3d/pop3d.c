/*
 * pop3d - the POP3 server: mail access for hosted users over POP3 (service
 * pop3, with STLS) and POP3 over implicit TLS (pop3s).
 *
 * The master runs this program for both services; which one it is comes
 * from the first argument in services.conf ("pop3d pop3s"), else from the
 * service's name. As root it loads the TLS certificate (needed for pop3s,
 * optional for STLS); after the drop it joins the registry, opens the
 * store and maps the shared login failure table, then serves one
 * connection at a time (pop3d_conn.c). It stops at start-up (msg_fatal,
 * and the master throttles the service) when the service name is
 * unknown, pop3s has no certificate, or the registry or store cannot be
 * opened.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "mailsvc.h"
#include "msg.h"
#include "pop3d.h"
#include "registry.h"
#include "server.h"

static struct pop3d_ctx pop3d_ctx;
static struct mailsvc pop3d_svc;

/* pop3d_kind_init - which service we are */
static void
pop3d_kind_init(void)
{
	const char *name = mailsvc_service_name();

	if (strcmp(name, "pop3") == 0) {
		pop3d_ctx.service = REG_SVC_POP3;
	} else if (strcmp(name, "pop3s") == 0) {
		pop3d_ctx.service = REG_SVC_POP3S;
		pop3d_ctx.implicit_tls = 1;
	} else {
		msg_fatal("unknown pop3d service \"%s\": want pop3 or pop3s "
		    "(first argument in services.conf)", log_safe(name));
	}
	pop3d_ctx.service_name = name;
}

/* pop3d_pre_drop - as root: the service, the TLS keys */
static void
pop3d_pre_drop(void *ctx)
{
	(void)ctx;
	pop3d_kind_init();
	mailsvc_pre_drop(&pop3d_svc, pop3d_ctx.service_name,
	    pop3d_ctx.implicit_tls);
	pop3d_ctx.tls = pop3d_svc.tls;
}

/* pop3d_post_drop - unprivileged: registry, store, failure table */
static void
pop3d_post_drop(void *ctx)
{
	(void)ctx;
	mailsvc_post_drop(&pop3d_svc, 1);
	pop3d_ctx.fails = pop3d_svc.fails;
	pop3d_ctx.backend = pop3d_store_backend(pop3d_svc.reg,
	    pop3d_svc.store);
}

/* pop3d_serve - one connection */
static void
pop3d_serve(struct server_conn *conn, void *ctx)
{
	(void)ctx;
	pop3d_conn_run(conn, &pop3d_ctx);
}

/* pop3d_pre_exit - close everything */
static void
pop3d_pre_exit(void *ctx)
{
	(void)ctx;
	mailsvc_close(&pop3d_svc);
	pop3d_ctx.fails = NULL;
	pop3d_ctx.tls = NULL;
}

/* main - run as a worker of a pop3 or pop3s service */
int
main(int argc, char **argv)
{
	static const struct server_ops ops = {
		.program = "pop3d",
		.pre_drop = pop3d_pre_drop,
		.post_drop = pop3d_post_drop,
		.conn = pop3d_serve,
		.pre_exit = pop3d_pre_exit,
		.ctx = NULL,
	};

	server_main(argc, argv, &ops);
}
