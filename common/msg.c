/*
 * msg - logging for every process of the suite.
 *
 * One line per call, prefixed with the current session id when there is
 * one. syslog gets the severity as a priority; stderr gets it as a word
 * ("warning: ", "fatal: ") the way Postfix writes it, so a foreground log
 * reads the same as /var/log/mail.log.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "msg.h"

int	msg_verbose;

static char msg_tag[64] = "estuary";
static char msg_name[32] = "estuary";
static enum msg_dest msg_dest = MSG_DEST_STDERR;
static char msg_sid[MSG_SESSION_ID_LEN + 1];
static void (*msg_fatal_hook)(void);

static const struct {
	const char *name;
	int	facility;
} msg_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* msg_open - set the tag and the destination */
void
msg_open(const char *service, enum msg_dest dest, const char *facility)
{
	int fac = LOG_MAIL;
	size_t i;

	snprintf(msg_name, sizeof(msg_name), "%s", service);
	if (snprintf(msg_tag, sizeof(msg_tag), "estuary/%s", service)
	    >= (int)sizeof(msg_tag))
		msg_tag[sizeof(msg_tag) - 1] = '\0';
	if (facility != NULL)
		for (i = 0; i < sizeof(msg_facilities) / sizeof(msg_facilities[0]); i++)
			if (strcmp(facility, msg_facilities[i].name) == 0)
				fac = msg_facilities[i].facility;
	if (msg_dest == MSG_DEST_SYSLOG)
		closelog();
	msg_dest = dest;
	if (dest == MSG_DEST_SYSLOG)
		openlog(msg_tag, LOG_PID | LOG_NDELAY, fac);
}

/* msg_service - the process's name */
const char *
msg_service(void)
{
	return (msg_name);
}

/* msg_session_new - a fresh random session id */
const char *
msg_session_new(void)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[MSG_SESSION_ID_LEN / 2];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* Not secret, only unique enough to follow a session. */
		unsigned long v = (unsigned long)getpid() * 2654435761UL
		    ^ (unsigned long)time(NULL);
		memcpy(rnd, &v, sizeof(rnd));
	}
	for (i = 0; i < sizeof(rnd); i++) {
		msg_sid[2 * i] = hex[rnd[i] >> 4];
		msg_sid[2 * i + 1] = hex[rnd[i] & 15];
	}
	msg_sid[MSG_SESSION_ID_LEN] = '\0';
	return (msg_sid);
}

/* msg_set_session - set or clear the current session id */
void
msg_set_session(const char *id)
{
	if (id == NULL)
		id = "";
	snprintf(msg_sid, sizeof(msg_sid), "%s", id);
}

/* msg_session - the current session id */
const char *
msg_session(void)
{
	return (msg_sid);
}

/* msg_set_fatal_hook - cleanup to run before a fatal exit */
void
msg_set_fatal_hook(void (*hook)(void))
{
	msg_fatal_hook = hook;
}

/* msg_vlog - format and emit one line */
void
msg_vlog(int level, const char *fmt, va_list ap)
{
	char text[2048];
	const char *word = "";
	int saved_errno = errno;

	vsnprintf(text, sizeof(text), fmt, ap);
	switch (level) {
	case LOG_DEBUG:
		word = "debug: ";
		break;
	case LOG_WARNING:
		word = "warning: ";
		break;
	case LOG_ERR:
		word = "error: ";
		break;
	case LOG_CRIT:
		word = "fatal: ";
		break;
	case LOG_ALERT:
		word = "panic: ";
		break;
	}
	if (msg_dest == MSG_DEST_SYSLOG) {
		syslog(level, "%s%s%s%s", word, msg_sid, *msg_sid ? " " : "",
		    text);
	} else {
		/* One write per line, so lines of concurrent processes interleave whole. */
		char line[2300];
		int n = snprintf(line, sizeof(line), "%s[%ld]: %s%s%s%s\n",
		    msg_tag, (long)getpid(), word, msg_sid, *msg_sid ? " " : "",
		    text);

		if (n > 0) {
			if ((size_t)n >= sizeof(line)) {
				n = sizeof(line) - 1;
				line[n - 1] = '\n';
			}
			(void)!write(STDERR_FILENO, line, (size_t)n);
		}
	}
	errno = saved_errno;
}

#define MSG_LEVEL_FN(name, level) \
void \
name(const char *fmt, ...) \
{ \
	va_list ap; \
	va_start(ap, fmt); \
	msg_vlog(level, fmt, ap); \
	va_end(ap); \
}

MSG_LEVEL_FN(msg_info, LOG_INFO)
MSG_LEVEL_FN(msg_warn, LOG_WARNING)
MSG_LEVEL_FN(msg_error, LOG_ERR)

/* msg_debug - only when verbose */
void
msg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!msg_verbose)
		return;
	va_start(ap, fmt);
	msg_vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* msg_fatal - log and exit 1 */
void
msg_fatal(const char *fmt, ...)
{
	va_list ap;
	void (*hook)(void) = msg_fatal_hook;

	va_start(ap, fmt);
	msg_vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	msg_fatal_hook = NULL;
	if (hook != NULL)
		hook();
	_exit(1);
}

/* msg_panic - log and abort, leaving a core for the developer */
void
msg_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vlog(LOG_ALERT, fmt, ap);
	va_end(ap);
	abort();
}

/* log_safe_n - sanitize n bytes of peer text */
const char *
log_safe_n(const void *s, size_t n)
{
	static char bufs[4][LOG_SAFE_MAX + 4];
	static int next;
	char *out = bufs[next];
	const unsigned char *in = s;
	size_t i, keep;

	next = (next + 1) % 4;
	if (s == NULL)
		return ("(null)");
	keep = n > LOG_SAFE_MAX ? LOG_SAFE_MAX : n;
	for (i = 0; i < keep; i++)
		out[i] = (in[i] < 0x20 || in[i] >= 0x7f) ? '?' : (char)in[i];
	if (keep < n) {
		/* bounds: the buffer has LOG_SAFE_MAX + 4 bytes */
		memcpy(out + keep, "...", 3);
		keep += 3;
	}
	out[keep] = '\0';
	return (out);
}

/* log_safe - sanitize a string of peer text */
const char *
log_safe(const char *s)
{
	return (log_safe_n(s, s ? strlen(s) : 0));
}
