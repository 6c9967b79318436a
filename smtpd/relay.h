/*
 * relay - the queue runner: delivers queued mail over SMTP to the relay
 * host or the recipient domains' MX hosts, retries temporary failures
 * with back-off, and returns permanent failures to the sender as RFC 3464
 * delivery status notifications.
 *
 * relay.c is the thin main (a pre-forked worker with a periodic wakeup
 * and a kick socket); relay_queue.c walks the queue and keeps each
 * entry's recipient states; relay_deliver.c finds the next hop and runs
 * the SMTP session; relay_bounce.c writes and sends the bounces.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "queue.h"
#include "sbuf.h"
#include "smtp_client.h"

struct registry;
struct store;
struct tls_ctx;

struct relay_ctx {
	struct registry *reg;
	struct store *store;
	struct tls_ctx *tls;		/* NULL: no STARTTLS */
};

extern struct relay_ctx relay_ctx;

/*
 * relay_run - one pass over the queue: every entry with a recipient due
 * (all pending ones when flush) is locked, delivered, updated; failures
 * are bounced and finished entries removed. Stops early on SIGTERM.
 */
void	relay_run(int flush);

/*
 * relay_deliver - try the recipients idx[0..n) of e (one next hop: the
 * relay host, or one domain's MX hosts) with the message at data_fd
 * (size bytes). res[k] gets recipient idx[k]'s result; relay_r (size
 * bytes) says where it went: "host[addr]:port", or "none".
 */
void	relay_deliver(const struct queue_entry *e, const int *idx, int n,
	    int data_fd, uint64_t size, struct smtp_client_result *res,
	    char *relay_r, size_t relay_size);

/*
 * relay_bounce_compose - the DSN for e's failed, not yet notified
 * recipients: a multipart/report (RFC 3464) from MAILER-DAEMON to the
 * sender, with the original message (or its headers: RET=HDRS, or a
 * message over bounce_size_limit) read from data_fd. LF line ends.
 * 0, or -1 with *error_r (data_fd unreadable).
 */
int	relay_bounce_compose(const struct queue_entry *e, int data_fd,
	    time_t now, const char *hostname, struct sbuf *out,
	    const char **error_r);

/*
 * relay_bounce_send - compose and send the bounce: into the sender's
 * mailbox when the sender's domain is hosted here (store_append), else
 * queued with a null sender for the relay. 0 done (or nowhere to send it:
 * logged), -1 with *error_r for a temporary failure (try again later).
 */
int	relay_bounce_send(const struct queue_entry *e, int data_fd,
	    const char **error_r);

#endif
