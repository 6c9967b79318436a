/*
 * param_table - every configuration parameter of the suite, with its
 * default, range and one line of documentation.
 *
 * This is the only place a default is written. estuary.conf(5) documents
 * each row (a unit test checks that), and "estuaryctl config" prints the
 * rows whose values differ from these defaults.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "param.h"
#include "param_table.h"

char   *var_config_dir;
char   *var_daemon_dir;
char   *var_state_dir;
char   *var_registry_dir;
char   *var_mail_dir;
char   *var_secret_key_file;
char   *var_queue_dir;
char   *var_run_dir;
char   *var_pid_file;
char   *var_control_socket;
char   *var_mail_owner;
char   *var_admin_group;
char   *var_myhostname;
char   *var_syslog_facility;
int	var_debug;
int	var_process_limit;
int	var_idle_min;
int	var_max_use;
int	var_max_idle;
int	var_service_throttle_time;
int	var_stop_timeout;
int	var_helper_timeout;
uint64_t var_registry_cache_size;
int	var_registry_max_processes;
int	var_registry_checkpoint_interval;
int	var_registry_lock_timeout;
char   *var_tls_cert_file;
char   *var_tls_key_file;
int	var_control_timeout;
uint64_t var_smtpd_message_size_limit;
int	var_smtpd_recipient_limit;
int	var_smtpd_line_length_limit;
int	var_smtpd_timeout;
int	var_smtpd_data_timeout;
int	var_smtpd_error_limit;
int	var_smtpd_greet_pause;
int	var_smtpd_plaintext_auth;
int	var_smtpd_normalize_bare_newlines;
int	var_smtpd_alias_depth;
int	var_pop3d_line_length_limit;
int	var_pop3d_timeout;
int	var_pop3d_bad_command_limit;
int	var_pop3d_plaintext_auth;
int	var_pop3d_auth_fail_delay;
int	var_pop3d_auth_fail_limit;
int	var_pop3d_auth_fail_window;
char   *var_pop3d_expire;
int	var_pop3d_login_delay;
int	var_imapd_timeout;
uint64_t var_imapd_command_size_limit;
uint64_t var_imapd_literal_size_limit;
int	var_imapd_nesting_limit;
int	var_imapd_argument_limit;
int	var_imapd_bad_command_limit;
int	var_imapd_plaintext_auth;
int	var_imapd_auth_fail_delay;
int	var_imapd_auth_fail_limit;
int	var_imapd_auth_fail_window;
int	var_imapd_idle_check_interval;
char   *var_relayhost;
char   *var_relay_socket;
int	var_queue_run_delay;
int	var_minimal_backoff_time;
int	var_maximal_backoff_time;
int	var_maximal_queue_lifetime;
int	var_relay_connect_timeout;
int	var_relay_timeout;
int	var_relay_tls;
int	var_relay_tls_verify;
char   *var_relay_tls_ca_file;
uint64_t var_bounce_size_limit;

#define K	1024ULL
#define M	(1024ULL * 1024)
#define G	(1024ULL * 1024 * 1024)

const struct param_def param_table[] = {
	/* name, type, default, min, max, target, doc */
	{ "daemon_directory", PARAM_STR, ESTUARY_LIBEXECDIR, 0, 0,
	    &var_daemon_dir, "where the worker programs are" },
	{ "state_directory", PARAM_STR, ESTUARY_STATEDIR "/lib/estuary", 0, 0,
	    &var_state_dir, "the root of the suite's persistent state" },
	{ "registry_dir", PARAM_STR, "$state_directory/registry", 0, 0,
	    &var_registry_dir, "the Berkeley DB environment (the registry)" },
	{ "mail_dir", PARAM_STR, "$state_directory/mail", 0, 0,
	    &var_mail_dir, "Maildir++ mailboxes, as DOMAIN/LOCALPART" },
	{ "secret_key_file", PARAM_STR, "$state_directory/secret.key", 0, 0,
	    &var_secret_key_file, "the key that encrypts stored secrets" },
	{ "queue_dir", PARAM_STR, ESTUARY_STATEDIR "/spool/estuary", 0, 0,
	    &var_queue_dir, "the outbound mail queue" },
	{ "run_dir", PARAM_STR, ESTUARY_STATEDIR "/run/estuary", 0, 0,
	    &var_run_dir, "pid file and UNIX sockets" },
	{ "pid_file", PARAM_STR, "$run_dir/estuary.pid", 0, 0,
	    &var_pid_file, "the master's pid file" },
	{ "control_socket", PARAM_STR, "$run_dir/estuary.ctl", 0, 0,
	    &var_control_socket, "the socket estuaryctl talks to" },
	{ "mail_owner", PARAM_STR, "estuary", 0, 0,
	    &var_mail_owner, "the unprivileged user workers run as" },
	{ "admin_group", PARAM_STR, "estuary-admin", 0, 0,
	    &var_admin_group, "members may use estuaryctl (besides root)" },
	{ "myhostname", PARAM_STR, "localhost", 0, 0,
	    &var_myhostname, "this host's name in greetings and headers" },
	{ "syslog_facility", PARAM_STR, "mail", 0, 0,
	    &var_syslog_facility, "syslog facility when not in the foreground" },
	{ "debug", PARAM_BOOL, "no", 0, 1,
	    &var_debug, "log debugging detail" },
	{ "default_process_limit", PARAM_INT, "100", 1, 10000,
	    &var_process_limit, "a service's process limit when services.conf says -" },
	{ "default_idle_min", PARAM_INT, "1", 0, 1000,
	    &var_idle_min, "idle workers kept ready when services.conf says -" },
	{ "default_max_use", PARAM_INT, "100", 1, 1000000,
	    &var_max_use, "connections a worker serves before it exits, for -" },
	{ "max_idle", PARAM_TIME, "100s", 1, 86400,
	    &var_max_idle, "an idle worker exits after this long" },
	{ "service_throttle_time", PARAM_TIME, "60s", 1, 3600,
	    &var_service_throttle_time, "longest wait before restarting a failing service" },
	{ "stop_timeout", PARAM_TIME, "30s", 1, 3600,
	    &var_stop_timeout, "how long busy workers may finish on stop" },
	{ "helper_timeout", PARAM_TIME, "60s", 1, 3600,
	    &var_helper_timeout, "limit for registry set-up and recovery" },
	{ "registry_cache_size", PARAM_SIZE, "16M", 256 * K, 4 * G,
	    &var_registry_cache_size, "Berkeley DB cache for the registry" },
	{ "registry_max_processes", PARAM_INT, "1000", 16, 100000,
	    &var_registry_max_processes, "processes that may use the registry at once" },
	{ "registry_checkpoint_interval", PARAM_TIME, "60s", 1, 86400,
	    &var_registry_checkpoint_interval, "time between registry checkpoints" },
	{ "registry_lock_timeout", PARAM_TIME, "10s", 0, 3600,
	    &var_registry_lock_timeout, "longest wait for a registry lock (0 = none)" },
	{ "tls_cert_file", PARAM_STR, "", 0, 0,
	    &var_tls_cert_file, "server certificate chain (PEM)" },
	{ "tls_key_file", PARAM_STR, "", 0, 0,
	    &var_tls_key_file, "server private key (PEM)" },
	{ "control_timeout", PARAM_TIME, "30s", 1, 3600,
	    &var_control_timeout, "limit for one estuaryctl request" },
	{ "smtpd_message_size_limit", PARAM_SIZE, "25M", 1 * K, 2 * G,
	    &var_smtpd_message_size_limit, "largest message smtpd accepts" },
	{ "smtpd_recipient_limit", PARAM_INT, "1000", 1, 100000,
	    &var_smtpd_recipient_limit, "recipients per message" },
	{ "smtpd_line_length_limit", PARAM_INT, "4096", 512, 1048576,
	    &var_smtpd_line_length_limit, "longest command or message line, with CR LF" },
	{ "smtpd_timeout", PARAM_TIME, "300s", 1, 3600,
	    &var_smtpd_timeout, "longest wait for a client's command" },
	{ "smtpd_data_timeout", PARAM_TIME, "180s", 1, 3600,
	    &var_smtpd_data_timeout, "longest wait for more message data" },
	{ "smtpd_error_limit", PARAM_INT, "20", 1, 1000,
	    &var_smtpd_error_limit, "error replies before smtpd disconnects" },
	{ "smtpd_greet_pause", PARAM_TIME, "0s", 0, 60,
	    &var_smtpd_greet_pause, "wait before the greeting; early talkers are refused (0 = off)" },
	{ "smtpd_plaintext_auth", PARAM_BOOL, "no", 0, 1,
	    &var_smtpd_plaintext_auth, "allow AUTH without TLS" },
	{ "smtpd_normalize_bare_newlines", PARAM_BOOL, "no", 0, 1,
	    &var_smtpd_normalize_bare_newlines, "accept bare LF/CR in DATA instead of refusing" },
	{ "smtpd_alias_depth", PARAM_INT, "8", 1, 100,
	    &var_smtpd_alias_depth, "deepest alias nesting smtpd expands" },
	{ "pop3d_line_length_limit", PARAM_INT, "1024", 256, 65536,
	    &var_pop3d_line_length_limit, "longest POP3 command line, with CR LF" },
	{ "pop3d_timeout", PARAM_TIME, "600s", 60, 7200,
	    &var_pop3d_timeout, "idle time before pop3d disconnects a client" },
	{ "pop3d_bad_command_limit", PARAM_INT, "20", 1, 1000,
	    &var_pop3d_bad_command_limit, "bad commands before pop3d disconnects" },
	{ "pop3d_plaintext_auth", PARAM_BOOL, "no", 0, 1,
	    &var_pop3d_plaintext_auth, "allow USER/PASS and AUTH PLAIN without TLS" },
	{ "pop3d_auth_fail_delay", PARAM_TIME, "2s", 0, 60,
	    &var_pop3d_auth_fail_delay, "pause before answering a failed login" },
	{ "pop3d_auth_fail_limit", PARAM_INT, "10", 1, 100000,
	    &var_pop3d_auth_fail_limit, "failed logins per client address or user before refusing" },
	{ "pop3d_auth_fail_window", PARAM_TIME, "300s", 1, 86400,
	    &var_pop3d_auth_fail_window, "quiet time after which failed logins are forgotten" },
	{ "pop3d_expire", PARAM_STR, "", 0, 0,
	    &var_pop3d_expire, "EXPIRE capability value (e.g. NEVER); empty = not announced" },
	{ "pop3d_login_delay", PARAM_TIME, "0s", 0, 86400,
	    &var_pop3d_login_delay, "least time between a user's POP3 logins (LOGIN-DELAY); 0 = none" },
	{ "imapd_timeout", PARAM_TIME, "1800s", 60, 86400,
	    &var_imapd_timeout, "idle time (IDLE included) before imapd says BYE" },
	{ "imapd_command_size_limit", PARAM_SIZE, "64M", 1 * K, 2 * G,
	    &var_imapd_command_size_limit, "largest IMAP command, literals included" },
	{ "imapd_literal_size_limit", PARAM_SIZE, "50M", 1 * K, 2 * G,
	    &var_imapd_literal_size_limit, "largest IMAP literal (so the largest APPEND)" },
	{ "imapd_nesting_limit", PARAM_INT, "16", 2, 100,
	    &var_imapd_nesting_limit, "deepest nesting of parenthesised lists in a command" },
	{ "imapd_argument_limit", PARAM_INT, "10000", 16, 1000000,
	    &var_imapd_argument_limit, "arguments (atoms, strings, lists) in one command" },
	{ "imapd_bad_command_limit", PARAM_INT, "20", 1, 1000,
	    &var_imapd_bad_command_limit, "bad commands before imapd disconnects" },
	{ "imapd_plaintext_auth", PARAM_BOOL, "no", 0, 1,
	    &var_imapd_plaintext_auth, "allow LOGIN and AUTHENTICATE PLAIN without TLS" },
	{ "imapd_auth_fail_delay", PARAM_TIME, "2s", 0, 60,
	    &var_imapd_auth_fail_delay, "pause before answering a failed IMAP login" },
	{ "imapd_auth_fail_limit", PARAM_INT, "10", 1, 100000,
	    &var_imapd_auth_fail_limit, "failed IMAP logins per client address or user before refusing" },
	{ "imapd_auth_fail_window", PARAM_TIME, "300s", 1, 86400,
	    &var_imapd_auth_fail_window, "quiet time after which failed IMAP logins are forgotten" },
	{ "imapd_idle_check_interval", PARAM_TIME, "30s", 1, 3600,
	    &var_imapd_idle_check_interval, "how often IDLE checks the mailbox without a change notice" },
	{ "relayhost", PARAM_STR, "", 0, 0,
	    &var_relayhost, "send all outbound mail here ([host]:port); empty = MX" },
	{ "relay_socket", PARAM_STR, "$run_dir/relay", 0, 0,
	    &var_relay_socket, "the relay service's socket (as in services.conf)" },
	{ "queue_run_delay", PARAM_TIME, "300s", 1, 86400,
	    &var_queue_run_delay, "time between scans of the queue" },
	{ "minimal_backoff_time", PARAM_TIME, "300s", 1, 86400,
	    &var_minimal_backoff_time, "first wait after a temporary failure" },
	{ "maximal_backoff_time", PARAM_TIME, "4000s", 1, 604800,
	    &var_maximal_backoff_time, "longest wait between delivery attempts" },
	{ "maximal_queue_lifetime", PARAM_TIME, "432000s", 0, 8640000,
	    &var_maximal_queue_lifetime, "queued mail older than this bounces" },
	{ "relay_connect_timeout", PARAM_TIME, "30s", 1, 3600,
	    &var_relay_connect_timeout, "limit for the relay's TCP connect" },
	{ "relay_timeout", PARAM_TIME, "300s", 1, 3600,
	    &var_relay_timeout, "limit for each SMTP reply the relay waits for" },
	{ "relay_tls", PARAM_BOOL, "yes", 0, 1,
	    &var_relay_tls, "use STARTTLS when the next hop offers it" },
	{ "relay_tls_verify", PARAM_BOOL, "no", 0, 1,
	    &var_relay_tls_verify, "verify the next hop's certificate" },
	{ "relay_tls_ca_file", PARAM_STR, "", 0, 0,
	    &var_relay_tls_ca_file, "CA certificates for relay_tls_verify (empty = system)" },
	{ "bounce_size_limit", PARAM_SIZE, "50k", 0, 100 * M,
	    &var_bounce_size_limit, "most of the original message a bounce returns" },
	{ NULL, PARAM_STR, NULL, 0, 0, NULL, NULL },
};
