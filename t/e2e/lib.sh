# lib.sh - shared set-up for the end-to-end tests.
#
# Each test sources this file, calls e2e_setup, starts the installed master
# with e2e_start, drives it with real clients, and exits 0 (pass), 1 (fail)
# or 77 (skip). Everything lives in a private directory under /tmp that is
# removed at exit, and every listener is on 127.0.0.1 or a UNIX socket in
# that directory. The installed tree comes from t/Makefile.am's
# e2e-install.stamp (a real "make install" with DESTDIR).
#
# After e2e_setup:
#   $E2E_DIR     the private directory
#   $E2E_CONF    its configuration directory (estuary.conf, services.conf)
#   $E2E_LOG     the master's stderr (every process's log lines)
#   $ESTUARY     the installed master;  $ESTUARYCTL  the installed estuaryctl
#   ctl ARGS...  runs estuaryctl -c $E2E_CONF ARGS...
#   $E2E_ROOT    1 when running as root (workers then drop to $E2E_OWNER)

set -u

: "${ESTUARY_SBIN:?run through make check}"
: "${ESTUARY_LIBEXEC:?run through make check}"

ESTUARY=$ESTUARY_SBIN/estuary
ESTUARYCTL=$ESTUARY_SBIN/estuaryctl
E2E_OWNER=${E2E_OWNER:-estuary}
E2E_ROOT=0
[ "$(id -u)" = 0 ] && E2E_ROOT=1
E2E_MASTER_PID=

# Daemons exit with memory still allocated by design (the process ends);
# LeakSanitizer would turn every normal worker exit into a failure. The
# unit tests keep leak detection on.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

e2e_fail() { echo "FAIL: $*" >&2; e2e_dump_log; exit 1; }
e2e_skip() { echo "SKIP: $*" >&2; exit 77; }
e2e_note() { echo "# $*"; }

e2e_dump_log() {
	if [ -n "${E2E_LOG:-}" ] && [ -s "$E2E_LOG" ]; then
		echo "--- last lines of the master's log:" >&2
		tail -n 40 "$E2E_LOG" >&2
	fi
}

e2e_cleanup() {
	if [ -n "$E2E_MASTER_PID" ] && kill -0 "$E2E_MASTER_PID" 2>/dev/null; then
		kill -TERM "$E2E_MASTER_PID" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$E2E_MASTER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$E2E_MASTER_PID" 2>/dev/null
	fi
	# Leave nothing running that was started from our directory.
	if [ -n "${E2E_DIR:-}" ]; then
		pkill -KILL -f "$E2E_DIR/" 2>/dev/null
		[ -n "${E2E_KEEP:-}" ] || rm -rf "$E2E_DIR"
	fi
}

# e2e_port - a free TCP port on 127.0.0.1
e2e_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# e2e_setup [SERVICES_TEXT] - make the private directory and configuration.
# Without an argument the service table holds only the control service.
e2e_setup() {
	E2E_DIR=$(mktemp -d /tmp/estuary-e2e.XXXXXX)
	chmod 755 "$E2E_DIR"
	trap e2e_cleanup EXIT
	E2E_CONF=$E2E_DIR/etc
	E2E_LOG=$E2E_DIR/master.log
	mkdir -p "$E2E_CONF" "$E2E_DIR/var"
	if [ "$E2E_ROOT" = 1 ] && ! id "$E2E_OWNER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$E2E_OWNER" ||
		    e2e_fail "cannot create user $E2E_OWNER"
	fi
	cat > "$E2E_CONF/estuary.conf" <<CONF
# written by t/e2e/lib.sh
daemon_directory = $ESTUARY_LIBEXEC
state_directory = $E2E_DIR/var/lib
queue_dir = $E2E_DIR/var/spool
run_dir = $E2E_DIR/var/run
mail_owner = $E2E_OWNER
max_idle = 30s
service_throttle_time = 8s
stop_timeout = 5s
registry_checkpoint_interval = 5s
CONF
	if [ $# -gt 0 ]; then
		printf '%s\n' "$1" > "$E2E_CONF/services.conf"
	else
		printf '%s\n' "control control - 4 1 100 admind" \
		    > "$E2E_CONF/services.conf"
	fi
}

# e2e_conf NAME VALUE - add a parameter to estuary.conf
e2e_conf() {
	printf '%s = %s\n' "$1" "$2" >> "$E2E_CONF/estuary.conf"
}

ctl() {
	"$ESTUARYCTL" -c "$E2E_CONF" "$@"
}

# e2e_start - start the master in the foreground (background job) and wait
# until its control socket answers.
e2e_start() {
	"$ESTUARY" -f -c "$E2E_CONF" >>"$E2E_LOG" 2>&1 &
	E2E_MASTER_PID=$!
	for _ in $(seq 1 100); do
		if [ -S "$E2E_DIR/var/run/estuary.ctl" ] &&
		    ctl status >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$E2E_MASTER_PID" 2>/dev/null ||
		    e2e_fail "master exited during start-up"
		sleep 0.1
	done
	e2e_fail "master did not answer on its control socket within 10 s"
}

# e2e_stop - stop the master with SIGTERM and wait for it
e2e_stop() {
	[ -n "$E2E_MASTER_PID" ] || return 0
	kill -TERM "$E2E_MASTER_PID"
	wait "$E2E_MASTER_PID" 2>/dev/null
	E2E_MASTER_PID=
}

# e2e_wait_for SECONDS CMD... - poll CMD every 0.1 s until it succeeds
e2e_wait_for() {
	_limit=$(( $1 * 10 )); shift
	for _ in $(seq 1 "$_limit"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# e2e_workers SERVICE - pids of the master's children running SERVICE
e2e_workers() {
	pgrep -P "$E2E_MASTER_PID" -f -- "-n $1( |\$)" 2>/dev/null
}

# assert_eq GOT WANT WHAT
assert_eq() {
	[ "$1" = "$2" ] || e2e_fail "$3: got '$1', want '$2'"
}

# --- line-protocol clients over bash's /dev/tcp (no external tools)

# tcp_open PORT - connect to 127.0.0.1:PORT; the descriptor is in $TCP_FD
tcp_open() {
	exec {TCP_FD}<>"/dev/tcp/127.0.0.1/$1"
}

# tcp_send FD TEXT - send one line ending in CR LF
tcp_send() {
	printf '%s\r\n' "$2" >&"$1"
}

# tcp_line FD - print the next line from FD without its CR LF; fails on
# EOF or after 10 s
tcp_line() {
	_l=
	IFS= read -r -t 10 _l <&"$1" || return 1
	printf '%s\n' "${_l%$'\r'}"
}

# tcp_close FD - close a descriptor from tcp_open
tcp_close() {
	eval "exec $1>&-"
}

# e2e_session PORT CMD... - one session: print the greeting, then send
# each command and print its one-line answer; fails if any line is missing
e2e_session() {
	_port=$1; shift
	tcp_open "$_port" 2>/dev/null || return 1
	_fd=$TCP_FD
	tcp_line "$_fd" || { tcp_close "$_fd"; return 1; }
	for _cmd in "$@"; do
		tcp_send "$_fd" "$_cmd" && tcp_line "$_fd" ||
		    { tcp_close "$_fd"; return 1; }
	done
	tcp_close "$_fd"
}

# e2e_count_workers SERVICE - how many workers SERVICE has now
e2e_count_workers() {
	e2e_workers "$1" | wc -l
}

# e2e_workers_at_least SERVICE N - succeeds when SERVICE has N workers
e2e_workers_at_least() {
	[ "$(e2e_count_workers "$1")" -ge "$2" ]
}

# e2e_log_count PATTERN - lines of the master's log matching PATTERN (ERE)
e2e_log_count() {
	grep -cE -- "$1" "$E2E_LOG" 2>/dev/null || true
}

# --- several instances in one test (e.g. a relay and its relay host)
#
# e2e_setup and e2e_start work on "the current instance" ($E2E_DIR,
# $E2E_CONF, $E2E_LOG, $E2E_MASTER_PID). e2e_instance_save NAME remembers
# the current one under NAME; after that, e2e_setup makes a new current
# instance (call e2e_instance_trap right after it), and e2e_instance_use
# NAME switches back, so ctl, e2e_conf, e2e_log_count and friends act on
# it. At exit every saved instance is stopped and removed too.
E2E_INSTANCES=

# e2e_instance_save NAME - remember the current instance as NAME
e2e_instance_save() {
	eval "E2E_I_$1_DIR=\$E2E_DIR E2E_I_$1_CONF=\$E2E_CONF" \
	    "E2E_I_$1_LOG=\$E2E_LOG E2E_I_$1_PID=\$E2E_MASTER_PID"
	case " $E2E_INSTANCES " in
	*" $1 "*) ;;
	*) E2E_INSTANCES="$E2E_INSTANCES $1" ;;
	esac
	trap e2e_cleanup_all EXIT
}

# e2e_instance_use NAME - make the saved instance NAME current (save the
# current one first if it is to be used again)
e2e_instance_use() {
	eval "E2E_DIR=\$E2E_I_$1_DIR E2E_CONF=\$E2E_I_$1_CONF" \
	    "E2E_LOG=\$E2E_I_$1_LOG E2E_MASTER_PID=\$E2E_I_$1_PID"
}

# e2e_instance_trap - after e2e_setup of a further instance: clean up all
e2e_instance_trap() {
	trap e2e_cleanup_all EXIT
}

# e2e_cleanup_all - stop and remove the current and every saved instance
e2e_cleanup_all() {
	local _cur=$E2E_DIR _n
	e2e_cleanup
	for _n in $E2E_INSTANCES; do
		e2e_instance_use "$_n"
		[ "$E2E_DIR" = "$_cur" ] || e2e_cleanup
	done
}
