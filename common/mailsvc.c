/*
 * mailsvc - the resources a mail-protocol worker opens at start-up and
 * closes at exit: TLS context, registry, store, login failure table.
 *
 * One place for what smtpd, pop3d and imapd all do in their pre_drop,
 * post_drop and pre_exit callbacks, so the three stay thin mains. Every
 * failure here happens before the first connection and is msg_fatal.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>

#include "mailsvc.h"
#include "msg.h"
#include "param_table.h"
#include "server.h"

/* mailsvc_service_name - first services.conf argument, else the name */
const char *
mailsvc_service_name(void)
{
	char **args;
	int argc;

	args = server_args(&argc);
	if (argc > 0)
		return (args[0]);
	return (server_service());
}

/* mailsvc_pre_drop - as root: the TLS keys */
void
mailsvc_pre_drop(struct mailsvc *ms, const char *service, int need_tls)
{
	const char *error;

	if (*var_tls_cert_file != '\0' || *var_tls_key_file != '\0') {
		ms->tls = tls_server_ctx(var_tls_cert_file, var_tls_key_file,
		    &error);
		if (ms->tls == NULL)
			msg_fatal("TLS: %s", error);
	}
	if (need_tls && ms->tls == NULL)
		msg_fatal("service %s needs tls_cert_file and tls_key_file",
		    service);
}

/* mailsvc_post_drop - unprivileged: registry, store, failure table */
void
mailsvc_post_drop(struct mailsvc *ms, int want_fails)
{
	const char *error;
	char path[4096];
	int n;

	ms->reg = registry_open_from_params();
	if ((ms->store = store_open(ms->reg, var_mail_dir, &error)) == NULL)
		msg_fatal("cannot open the store in %s: %s", var_mail_dir,
		    error);
	if (!want_fails)
		return;
	n = snprintf(path, sizeof(path), "%s/%s", var_registry_dir,
	    AUTH_FAILS_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		msg_fatal("registry_dir is too long");
	if ((ms->fails = auth_fails_open(path, &error)) == NULL)
		msg_fatal("cannot open %s: %s", path, error);
}

/* mailsvc_close - close everything, dependents first */
void
mailsvc_close(struct mailsvc *ms)
{
	if (ms->fails != NULL)
		auth_fails_close(&ms->fails);
	if (ms->store != NULL)
		store_close(&ms->store);
	if (ms->reg != NULL)
		registry_close(&ms->reg);
	if (ms->tls != NULL)
		tls_ctx_free(&ms->tls);
}
