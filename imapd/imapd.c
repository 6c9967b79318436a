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
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "msg.h"
#include "param_table.h"
#include "imapd.h"
#include "registry.h"
#include "server.h"
#include "store.h"
#include "tls.h"

static struct imapd_ctx imapd_ctx;
static struct registry *imapd_reg;
static struct store *imapd_store;

/* imapd_kind_init - which service we are */
static void
imapd_kind_init(void)
{
	const char *name = server_service();
	char **args;
	int argc;

	args = server_args(&argc);
	if (argc > 0)
		name = args[0];
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
	const char *error;

	(void)ctx;
	imapd_kind_init();
	if (*var_tls_cert_file != '\0' || *var_tls_key_file != '\0') {
		imapd_ctx.tls = tls_server_ctx(var_tls_cert_file,
		    var_tls_key_file, &error);
		if (imapd_ctx.tls == NULL)
			msg_fatal("TLS: %s", error);
	}
	if (imapd_ctx.implicit_tls && imapd_ctx.tls == NULL)
		msg_fatal("service %s needs tls_cert_file and tls_key_file",
		    imapd_ctx.service_name);
}

/* imapd_post_drop - unprivileged: registry, store, failure table */
static void
imapd_post_drop(void *ctx)
{
	const char *error;
	char path[4096];
	int n;

	(void)ctx;
	imapd_reg = registry_open_from_params();
	if ((imapd_store = store_open(imapd_reg, var_mail_dir,
	    &error)) == NULL)
		msg_fatal("cannot open the store in %s: %s", var_mail_dir,
		    error);
	n = snprintf(path, sizeof(path), "%s/%s", var_registry_dir,
	    AUTH_FAILS_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		msg_fatal("registry_dir is too long");
	if ((imapd_ctx.fails = auth_fails_open(path, &error)) == NULL)
		msg_fatal("cannot open %s: %s", path, error);
	imapd_ctx.reg = imapd_reg;
	imapd_ctx.st = imapd_store;
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
	auth_fails_close(&imapd_ctx.fails);
	if (imapd_store != NULL)
		store_close(&imapd_store);
	if (imapd_reg != NULL)
		registry_close(&imapd_reg);
	if (imapd_ctx.tls != NULL)
		tls_ctx_free(&imapd_ctx.tls);
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
