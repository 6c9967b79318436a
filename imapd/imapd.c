/*
 * imapd - the IMAP server: mail access for hosted users over IMAP (service
 * imap, with STARTTLS) and IMAP over implicit TLS (imaps).
 *
 * The master runs this program for both services; which one it is comes
 * from the first argument in services.conf ("imapd imaps"), else from the
 * service's name. As root it loads the TLS certificate (needed for imaps,
 * optional for STARTTLS); after the drop it joins the registry, opens the
 * store and maps the shared login failure table, then serves one
 * connection at a time (imapd_conn.c). It stops at start-up (msg_fatal,
 * and the master throttles the service) when the service name is
 * unknown, imaps has no certificate, or the registry or store cannot be
 * opened.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "mailsvc.h"
#include "msg.h"
#include "param_table.h"
#include "imapd.h"
#include "registry.h"
#include "server.h"

static struct imapd_ctx imapd_ctx;
static struct mailsvc imapd_svc;

/* imapd_kind_init - which service we are */
static void
imapd_kind_init(void)
{
	const char *name = mailsvc_service_name();

	if (strcmp(name, "imap") == 0) {
		imapd_ctx.service = REG_SVC_IMAP;
	} else if (strcmp(name, "imaps") == 0) {
		imapd_ctx.service = REG_SVC_IMAPS;
		imapd_ctx.implicit_tls = 1;
	} else {
		msg_fatal("unknown imapd service \"%s\": want imap or imaps "
		    "(first argument in services.conf)", log_safe(name));
	}
	imapd_ctx.service_name = name;
}

/* imapd_pre_drop - as root: the service, the TLS keys */
static void
imapd_pre_drop(void *ctx)
{
	(void)ctx;
	imapd_kind_init();
	mailsvc_pre_drop(&imapd_svc, imapd_ctx.service_name,
	    imapd_ctx.implicit_tls);
	imapd_ctx.tls = imapd_svc.tls;
}

/* imapd_post_drop - unprivileged: registry, store, failure table */
static void
imapd_post_drop(void *ctx)
{
	(void)ctx;
	mailsvc_post_drop(&imapd_svc, 1);
	imapd_ctx.fails = imapd_svc.fails;
	imapd_ctx.reg = imapd_svc.reg;
	imapd_ctx.st = imapd_svc.store;
	imapd_ctx.mail_dir = var_mail_dir;
}

/* imapd_serve - one connection */
static void
imapd_serve(struct server_conn *conn, void *ctx)
{
	(void)ctx;
	imapd_conn_run(conn, &imapd_ctx);
}

/* imapd_pre_exit - close everything */
static void
imapd_pre_exit(void *ctx)
{
	(void)ctx;
	mailsvc_close(&imapd_svc);
	imapd_ctx.fails = NULL;
	imapd_ctx.tls = NULL;
}

/* main - run as a worker of an imap or imaps service */
int
main(int argc, char **argv)
{
	static const struct server_ops ops = {
		.program = "imapd",
		.pre_drop = imapd_pre_drop,
		.post_drop = imapd_post_drop,
		.conn = imapd_serve,
		.pre_exit = imapd_pre_exit,
		.ctx = NULL,
	};

	server_main(argc, argv, &ops);
}
