/*
 * param_table - the variables behind every configuration parameter.
 *
 * One var_<name> per row of param_table[] in param_table.c, where its
 * default, range and doc are. Daemons read these after param_load().
 */
#ifndef PARAM_TABLE_H
#define PARAM_TABLE_H

#include <stdint.h>

/* Compiled-in locations (configure's --prefix and friends). */
#ifndef ESTUARY_CONFDIR
#define ESTUARY_CONFDIR "/etc/estuary"
#endif
#ifndef ESTUARY_LIBEXECDIR
#define ESTUARY_LIBEXECDIR "/usr/libexec/estuary"
#endif
#ifndef ESTUARY_STATEDIR
#define ESTUARY_STATEDIR "/var"
#endif

#define ESTUARY_CONF_FILE	"estuary.conf"
#define ESTUARY_SERVICES_FILE	"services.conf"

/* Identity and files */
extern char *var_config_dir;		/* set by -c, not by the file */
extern char *var_daemon_dir;
extern char *var_state_dir;
extern char *var_registry_dir;
extern char *var_mail_dir;
extern char *var_secret_key_file;
extern char *var_queue_dir;
extern char *var_run_dir;
extern char *var_pid_file;
extern char *var_control_socket;
extern char *var_mail_owner;
extern char *var_admin_group;
extern char *var_myhostname;

/* Logging */
extern char *var_syslog_facility;
extern int var_debug;

/* Master and services */
extern int var_process_limit;
extern int var_idle_min;
extern int var_max_use;
extern int var_max_idle;
extern int var_service_throttle_time;
extern int var_stop_timeout;
extern int var_helper_timeout;

/* Registry */
extern uint64_t var_registry_cache_size;
extern int var_registry_max_processes;
extern int var_registry_checkpoint_interval;
extern int var_registry_lock_timeout;

/* TLS */
extern char *var_tls_cert_file;
extern char *var_tls_key_file;

/* Control */
extern int var_control_timeout;

/* smtpd */
extern uint64_t var_smtpd_message_size_limit;
extern int var_smtpd_recipient_limit;
extern int var_smtpd_line_length_limit;
extern int var_smtpd_timeout;
extern int var_smtpd_data_timeout;
extern int var_smtpd_error_limit;
extern int var_smtpd_greet_pause;
extern int var_smtpd_plaintext_auth;
extern int var_smtpd_normalize_bare_newlines;
extern int var_smtpd_alias_depth;

/* pop3d */
extern int var_pop3d_line_length_limit;
extern int var_pop3d_timeout;
extern int var_pop3d_bad_command_limit;
extern int var_pop3d_plaintext_auth;
extern int var_pop3d_auth_fail_delay;
extern int var_pop3d_auth_fail_limit;
extern int var_pop3d_auth_fail_window;
extern char *var_pop3d_expire;
extern int var_pop3d_login_delay;
/* imapd */
extern int var_imapd_timeout;
extern uint64_t var_imapd_command_size_limit;
extern uint64_t var_imapd_literal_size_limit;
extern int var_imapd_nesting_limit;
extern int var_imapd_argument_limit;
extern int var_imapd_bad_command_limit;
extern int var_imapd_plaintext_auth;
extern int var_imapd_auth_fail_delay;
extern int var_imapd_auth_fail_limit;
extern int var_imapd_auth_fail_window;
extern int var_imapd_idle_check_interval;

/* Relay and queue */
extern char *var_relayhost;
extern char *var_relay_socket;
extern int var_queue_run_delay;
extern int var_minimal_backoff_time;
extern int var_maximal_backoff_time;
extern int var_maximal_queue_lifetime;
extern int var_relay_connect_timeout;
extern int var_relay_timeout;
extern int var_relay_tls;
extern int var_relay_tls_verify;
extern char *var_relay_tls_ca_file;
extern uint64_t var_bounce_size_limit;

#endif
