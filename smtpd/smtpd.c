/*
 * smtpd - the SMTP server: mail intake for hosted domains (service smtp),
 * authenticated submission (submission) and submission over implicit TLS
 * (smtps).
 *
 * The master runs this program for each of those services; which one it
 * is comes from the first argument in services.conf ("smtpd smtp"), else
 * from the service's name. As root it loads the TLS certificate (needed
 * for smtps, optional for STARTTLS elsewhere); after the drop it joins the
 * registry and opens the store, then serves one connection at a time
 * (smtpd_conn.c). It stops at start-up (msg_fatal, and the master
 * throttles the service) when the service name is unknown, smtps has no
 * certificate, or the registry or store cannot be opened.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "mailsvc.h"
#include "msg.h"
#include "registry.h"
#include "server.h"
#include "smtpd.h"

static struct smtpd_ctx smtpd_ctx;
static struct mailsvc smtpd_svc;

/* smtpd_kind_init - which service we are */
static void
smtpd_kind_init(void)
{
	const char *name = mailsvc_service_name();

	if (strcmp(name, "smtp") == 0)
		smtpd_ctx.kind = SMTPD_KIND_SMTP;
	else if (strcmp(name, "submission") == 0)
		smtpd_ctx.kind = SMTPD_KIND_SUBMISSION;
	else if (strcmp(name, "smtps") == 0)
		smtpd_ctx.kind = SMTPD_KIND_SMTPS;
	else
		msg_fatal("unknown smtpd service \"%s\": want smtp, submission "
		    "or smtps (first argument in services.conf)",
		    log_safe(name));
	smtpd_ctx.kind_name = name;
}

/* smtpd_pre_drop - as root: the service, the TLS keys */
static void
smtpd_pre_drop(void *ctx)
{
	(void)ctx;
	smtpd_kind_init();
	mailsvc_pre_drop(&smtpd_svc, smtpd_ctx.kind_name,
	    smtpd_ctx.kind == SMTPD_KIND_SMTPS);
	smtpd_ctx.tls = smtpd_svc.tls;
}

/* smtpd_post_drop - unprivileged: join the registry, open the store */
static void
smtpd_post_drop(void *ctx)
{
	(void)ctx;
	mailsvc_post_drop(&smtpd_svc, 0);
	smtpd_ctx.reg = smtpd_svc.reg;
	smtpd_ctx.store = smtpd_svc.store;
}

/* smtpd_serve - one connection */
static void
smtpd_serve(struct server_conn *conn, void *ctx)
{
	(void)ctx;
	smtpd_conn_run(conn, &smtpd_ctx);
}

/* smtpd_pre_exit - close the store and the registry */
static void
smtpd_pre_exit(void *ctx)
{
	(void)ctx;
	mailsvc_close(&smtpd_svc);
	smtpd_ctx.store = NULL;
	smtpd_ctx.reg = NULL;
	smtpd_ctx.tls = NULL;
}

/* main - run as a worker of an smtp, submission or smtps service */
int
main(int argc, char **argv)
{
	static const struct server_ops ops = {
		.program = "smtpd",
		.pre_drop = smtpd_pre_drop,
		.post_drop = smtpd_post_drop,
		.conn = smtpd_serve,
		.pre_exit = smtpd_pre_exit,
		.ctx = NULL,
	};

	server_main(argc, argv, &ops);
}
