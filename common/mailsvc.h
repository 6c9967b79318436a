/*
 * mailsvc - what every mail-protocol worker (smtpd, pop3d, imapd) opens
 * around its connections: the TLS server context, the registry, the store
 * and, for the login services, the shared login failure table.
 *
 * The daemons call mailsvc_pre_drop() as root (the key file may be
 * readable by root only), mailsvc_post_drop() once privileges are dropped
 * and mailsvc_close() before exit, from their server_main() callbacks.
 * Start-up failures are msg_fatal: the worker cannot serve, and the
 * master throttles the service.
 */
#ifndef MAILSVC_H
#define MAILSVC_H

#include "auth.h"
#include "registry.h"
#include "store.h"
#include "tls.h"

struct mailsvc {
	struct tls_ctx *tls;		/* NULL: no certificate configured */
	struct registry *reg;
	struct store *store;
	struct auth_fails *fails;	/* NULL unless asked for */
};

/*
 * mailsvc_service_name - which service this worker runs: the first
 * argument in services.conf, else the service's name
 */
const char *mailsvc_service_name(void);

/*
 * mailsvc_pre_drop - load the TLS server context from tls_cert_file and
 * tls_key_file when either is set; msg_fatal when that fails, or when
 * need_tls (an implicit-TLS service, named service) and none is
 * configured.
 */
void	mailsvc_pre_drop(struct mailsvc *ms, const char *service,
	    int need_tls);

/*
 * mailsvc_post_drop - join the registry (registry_dir), open the store
 * (mail_dir) and, when want_fails, map the login failure table under
 * registry_dir; msg_fatal on any failure.
 */
void	mailsvc_post_drop(struct mailsvc *ms, int want_fails);

/*
 * mailsvc_close - close what is open, in order: failure table, store,
 * registry (the store uses it), TLS context; every pointer ends NULL.
 * Safe on a partly opened or already closed struct.
 */
void	mailsvc_close(struct mailsvc *ms);

#endif
