/*
 * msg - logging for every process of the suite.
 *
 * Lines go to syslog (facility mail, tag "estuary/<service>", with the pid)
 * or, in the foreground, to stderr with the same tag. While a session id is
 * set (one per client connection, see msg_session_new()), every line carries
 * it first, so one grep follows a session through the log:
 *
 *	estuary/pop3d[4242]: 3f9a0c1d login user=demo@example.test
 *
 * msg_fatal() is for "cannot run" (bad configuration, out of memory) and
 * exits 1; msg_panic() is for a broken internal invariant and aborts.
 * Nothing a client sends may reach either. Text from peers goes through
 * log_safe() before it is logged.
 */
#ifndef MSG_H
#define MSG_H

#include <stdarg.h>
#include <stddef.h>

#define MSG_SESSION_ID_LEN	8	/* hex digits */
#define LOG_SAFE_MAX		100	/* bytes of peer text kept by log_safe() */

enum msg_dest {
	MSG_DEST_STDERR,		/* foreground, tests */
	MSG_DEST_SYSLOG,		/* daemon */
};

extern int msg_verbose;

/*
 * msg_open - name the process ("master", "smtpd", ...) and choose where lines
 * go. May be called again (after a configuration reload, or in a child that
 * takes another name). Before any call, lines go to stderr as "estuary".
 * facility is a syslog facility name ("mail", "local0", ...); NULL = mail.
 */
void	msg_open(const char *service, enum msg_dest dest, const char *facility);

/* msg_service - the name given to msg_open() */
const char *msg_service(void);

/*
 * msg_session_new - make a fresh random session id, make it current and
 * return it (static storage, valid until the next call).
 */
const char *msg_session_new(void);

/* msg_set_session - make id current (copied); NULL or "" clears it */
void	msg_set_session(const char *id);

/* msg_session - the current session id, or "" */
const char *msg_session(void);

void	msg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	msg_fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	msg_panic(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	msg_vlog(int level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/*
 * msg_set_fatal_hook - run hook(), once, before msg_fatal() exits (say, to
 * remove a pid file). NULL removes it.
 */
void	msg_set_fatal_hook(void (*hook)(void));

/*
 * log_safe - peer text made fit for a log line: control characters and
 * bytes >= 0x7f become '?', at most LOG_SAFE_MAX bytes are kept ("..." marks
 * a cut). The result lives in one of four rotating static buffers, so up to
 * four may appear in one msg_*() call. s may be NULL ("(null)").
 */
const char *log_safe(const char *s);

/* log_safe_n - as log_safe() for n bytes that may hold NULs */
const char *log_safe_n(const void *s, size_t n);

#endif
