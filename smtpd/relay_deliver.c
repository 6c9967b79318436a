/*
 * relay_deliver - the next hop and the SMTP session for one group of
 * recipients.
 *
 * The next hop is relayhost when it is set ("[host]:port" connects to
 * the host itself; "host:port" looks up the host's MX records first), else
 * the recipients' domain: its MX hosts in preference order (equal
 * preferences in the order the resolver gave), or, when the domain has no
 * MX records, the domain itself (its A/AAAA records; RFC 5321 section
 * 5.1). A "null MX" (RFC 7505, a single MX of ".") and a domain that does
 * not exist are permanent failures; a resolver that cannot answer now is
 * a temporary one. Each host's addresses are tried in turn; a host whose
 * connection, greeting or EHLO fails gives way to the next one, and the
 * last failure is what the recipients get when none is left.
 *
 * MX records are read with res_query() and dn_expand() from the system
 * resolver; the answer is walked here, bounded by its length at every
 * step. Connections are non-blocking connects bounded by
 * relay_connect_timeout; the session's reads and writes by relay_timeout.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "relay.h"
#include "smtp_client.h"

#define RELAY_MX_MAX		16
#define RELAY_DNS_ANSWER	8192

struct relay_mx {
	char	host[NS_MAXDNAME];
	int	pref;
};

/* mx_sort - by preference, stable for equal ones (insertion sort) */
static void
mx_sort(struct relay_mx *mx, int n)
{
	struct relay_mx t;
	int i, j;

	for (i = 1; i < n; i++) {
		t = mx[i];
		for (j = i; j > 0 && mx[j - 1].pref > t.pref; j--)
			mx[j] = mx[j - 1];
		mx[j] = t;
	}
}

/*
 * mx_lookup - the MX hosts of domain into mx (at most RELAY_MX_MAX).
 * Returns the count (0: no MX records), or -1 with *perm_r (1: the domain
 * does not exist or has a null MX; 0: try later) and *why_r.
 */
static int
mx_lookup(const char *domain, struct relay_mx *mx, int *perm_r,
    const char **why_r)
{
	unsigned char *ans = xmalloc(RELAY_DNS_ANSWER);
	const unsigned char *p, *end;
	char name[NS_MAXDNAME];
	int len, qd, an, i, n = 0, type, rdlen, skip;

	*perm_r = 0;
	h_errno = 0;
	len = res_query(domain, ns_c_in, ns_t_mx, ans, RELAY_DNS_ANSWER);
	if (len < 0) {
		free(ans);
		switch (h_errno) {
		case HOST_NOT_FOUND:
			*perm_r = 1;
			*why_r = "domain not found";
			return (-1);
		case NO_DATA:
			return (0);
		default:
			*why_r = "DNS lookup failed, try again later";
			return (-1);
		}
	}
	if (len > RELAY_DNS_ANSWER)
		len = RELAY_DNS_ANSWER;	/* truncated answer: use what fits */
	if (len < NS_HFIXEDSZ)
		goto malformed;
	end = ans + len;
	qd = ans[4] << 8 | ans[5];
	an = ans[6] << 8 | ans[7];
	p = ans + NS_HFIXEDSZ;
	for (i = 0; i < qd; i++) {
		if ((skip = dn_expand(ans, end, p, name, sizeof(name))) < 0)
			goto malformed;
		p += skip;
		if (end - p < NS_QFIXEDSZ)	/* bounds: type, class */
			goto malformed;
		p += NS_QFIXEDSZ;
	}
	for (i = 0; i < an && n < RELAY_MX_MAX; i++) {
		if ((skip = dn_expand(ans, end, p, name, sizeof(name))) < 0)
			goto malformed;
		p += skip;
		if (end - p < NS_RRFIXEDSZ)	/* bounds: type .. rdlength */
			goto malformed;
		type = p[0] << 8 | p[1];
		rdlen = p[8] << 8 | p[9];
		p += NS_RRFIXEDSZ;
		if (end - p < rdlen)
			goto malformed;
		if (type == ns_t_mx && rdlen >= 3) {
			mx[n].pref = p[0] << 8 | p[1];
			if (dn_expand(ans, end, p + 2, mx[n].host,
			    sizeof(mx[n].host)) < 0)
				goto malformed;
			n++;
		}
		p += rdlen;
	}
	free(ans);
	mx_sort(mx, n);
	if (n == 1 && (mx[0].host[0] == '\0' || strcmp(mx[0].host, ".") == 0)) {
		*perm_r = 1;
		*why_r = "the domain accepts no mail (null MX)";
		return (-1);
	}
	return (n);
malformed:
	free(ans);
	*why_r = "malformed DNS answer";
	return (-1);
}

/* connect_to - a connected socket to ai within the timeout, or -1 */
static int
connect_to(const struct addrinfo *ai, char *why, size_t size)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0, n;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK
	    | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		snprintf(why, size, "socket: %s", strerror(errno));
		return (-1);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			do {
				n = poll(&pfd, 1, var_relay_connect_timeout
				    * 1000);
			} while (n < 0 && errno == EINTR);
			if (n == 0)
				err = ETIMEDOUT;
			else if (n < 0)
				err = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) < 0)
				err = errno;
		}
	}
	if (err != 0) {
		snprintf(why, size, "connect: %s", strerror(err));
		(void)close(fd);
		return (-1);
	}
	return (fd);
}

/* addr_text - "host[addr]:port" for logs */
static void
addr_text(const char *host, const struct addrinfo *ai, int port, char *out,
    size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	const void *a;

	if (ai->ai_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)
		    ai->ai_addr)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)(const void *)
		    ai->ai_addr)->sin_addr;
	if (inet_ntop(ai->ai_family, a, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(out, size, "%.400s[%s]:%d", host, addr, port);
}

/* set_all - every recipient of the group gets res */
static void
set_all(struct smtp_client_result *res, int n,
    const struct smtp_client_result *r)
{
	int k;

	for (k = 0; k < n; k++)
		res[k] = *r;
}

/*
 * try_host - deliver to one host's addresses. 1 a session ran (res
 * filled), 0 no session (last holds why).
 */
static int
try_host(const char *host, int port, const struct queue_entry *e,
    const int *idx, int n, int data_fd, uint64_t size,
    struct smtp_client_result *res, struct smtp_client_result *last,
    char *relay_r, size_t relay_size)
{
	struct addrinfo hints, *ai, *a;
	struct smtp_client_opts opts;
	struct smtp_client_msg msg;
	struct smtp_client *c;
	const char **rcpts;
	char portbuf[16], why[256], where[512];
	int fd, k, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	if ((gai = getaddrinfo(host, portbuf, &hints, &ai)) != 0) {
		snprintf(why, sizeof(why), "cannot find %.150s: %s", host,
		    gai_strerror(gai));
		/* Temporary: the name came from DNS, which may recover. */
		smtp_client_result_fail(last, why);
		return (0);
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		addr_text(host, a, port, where, sizeof(where));
		if ((fd = connect_to(a, why, sizeof(why))) < 0) {
			char msgbuf[SMTP_CLIENT_TEXT_MAX];

			snprintf(msgbuf, sizeof(msgbuf), "%.300s: %.200s",
			    where, why);
			smtp_client_result_fail(last, msgbuf);
			snprintf(relay_r, relay_size, "%s", where);
			continue;
		}
		memset(&opts, 0, sizeof(opts));
		opts.helo_name = var_myhostname;
		opts.timeout = var_relay_timeout;
		opts.tls = relay_ctx.tls;
		opts.servername = inet_pton(AF_INET, host, why) == 1
		    || strchr(host, ':') != NULL ? NULL : host;
		c = smtp_client_new(fd, &opts);
		snprintf(relay_r, relay_size, "%s", where);
		if (smtp_client_hello(c, last) < 0) {
			smtp_client_free(&c);
			continue;
		}
		rcpts = xcalloc((size_t)n, sizeof(*rcpts));
		for (k = 0; k < n; k++)
			rcpts[k] = e->rcpts[idx[k]].address;
		memset(&msg, 0, sizeof(msg));
		msg.sender = e->sender;
		msg.rcpts = rcpts;
		msg.rcpt_count = n;
		msg.data_fd = data_fd;
		msg.size = size;
		msg.envid = e->envid;
		msg.ret_hdrs = e->ret_hdrs;
		if (lseek(data_fd, 0, SEEK_SET) < 0) {
			smtp_client_result_fail(last, "cannot rewind the "
			    "message file");
			set_all(res, n, last);
		} else {
			(void)smtp_client_send(c, &msg, res, last);
		}
		if (smtp_client_tls(c))
			msg_debug("%s: %s", where, smtp_client_tls_info(c));
		free(rcpts);
		smtp_client_free(&c);
		freeaddrinfo(ai);
		return (1);
	}
	freeaddrinfo(ai);
	return (0);
}

/* relay_deliver - one group of recipients to its next hop */
void
relay_deliver(const struct queue_entry *e, const int *idx, int n,
    int data_fd, uint64_t size, struct smtp_client_result *res,
    char *relay_r, size_t relay_size)
{
	struct relay_mx *mx = xcalloc(RELAY_MX_MAX, sizeof(*mx));
	struct smtp_client_result last;
	char host[NS_MAXDNAME], why[600];
	const char *domain, *dns_why;
	int port = 25, no_mx = 0, count, perm, i;

	snprintf(relay_r, relay_size, "none");
	smtp_client_result_fail(&last, "no next hop");
	if (*var_relayhost != '\0') {
		if (smtp_client_parse_nexthop(var_relayhost, host,
		    sizeof(host), &port, &no_mx) < 0) {
			snprintf(why, sizeof(why), "bad relayhost setting "
			    "\"%s\"", var_relayhost);
			smtp_client_result_fail(&last, why);
			goto done;
		}
	} else {
		domain = strrchr(e->rcpts[idx[0]].address, '@');
		domain = domain != NULL ? domain + 1 : "";
		if (*domain == '[') {
			/* An address literal: that host, no MX. */
			size_t l = strlen(domain);

			if (l < 3 || domain[l - 1] != ']' || l - 2
			    >= sizeof(host)) {
				smtp_client_result_fail(&last, "bad address "
				    "literal");
				goto done;
			}
			memcpy(host, domain + 1, l - 2);
			host[l - 2] = '\0';
			if (strncasecmp(host, "IPv6:", 5) == 0)
				memmove(host, host + 5, strlen(host + 5) + 1);
			no_mx = 1;
		} else if (snprintf(host, sizeof(host), "%s", domain)
		    >= (int)sizeof(host) || *domain == '\0') {
			smtp_client_result_fail(&last, "bad recipient domain");
			goto done;
		}
	}

	if (no_mx) {
		count = 1;
		snprintf(mx[0].host, sizeof(mx[0].host), "%s", host);
	} else if ((count = mx_lookup(host, mx, &perm, &dns_why)) < 0) {
		snprintf(why, sizeof(why), "%.300s: %.200s", host, dns_why);
		smtp_client_result_fail(&last, why);
		if (perm && *var_relayhost == '\0') {
			last.code = 550;
			memcpy(last.enhanced, strstr(dns_why, "null") != NULL ?
			    "5.1.10" : "5.1.2", 7);
			snprintf(last.text, sizeof(last.text), "%.500s", why);
		}
		goto done;
	} else if (count == 0) {
		count = 1;		/* RFC 5321 5.1: the implicit MX */
		snprintf(mx[0].host, sizeof(mx[0].host), "%s", host);
	}
	for (i = 0; i < count; i++)
		if (try_host(mx[i].host, port, e, idx, n, data_fd, size, res,
		    &last, relay_r, relay_size))
			goto out;
done:
	set_all(res, n, &last);
out:
	free(mx);
}
