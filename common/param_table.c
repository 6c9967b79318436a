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
	{ NULL, PARAM_STR, NULL, 0, 0, NULL, NULL },
};
