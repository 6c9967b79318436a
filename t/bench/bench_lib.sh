# bench_lib.sh - shared set-up for the benchmarks in t/bench.
#
# Each benchmark sets `top` (the source tree) and `runs`, sources this file,
# and then calls, in this order: bench_need_root, bench_install (when its
# reference server is missing), bench_workdir, est_install, est_start, and
# for Dovecot dc_write_users and dc_start_both (bench_dc_begin does the
# first four for a Dovecot benchmark). What is left in the script
# is what it measures: its mailboxes, its client and its table.
#
# After bench_workdir:  $work (removed at exit unless BENCH_KEEP is set),
#   $dc_dir, $est_conf; est_master and dc_master hold the pids to stop.
# After est_install:    $est_sbin, $est_libexec, $owner_uid, $owner_gid.
# After est_start:      $est_port, and ctl ARGS... runs estuaryctl.
# After dc_start_both:  $dc_port_def, $dc_port_fast, $dc_pid_default,
#   $dc_pid_tuned.
#
# Environment: BENCH_BUILD (the configured build directory to install
# Estuary from, default "build" at the top), BENCH_KEEP.

build=${BENCH_BUILD:-$top/build}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# bench_need_root WHY - stop unless running as root
bench_need_root() {
	[ "$(id -u)" = 0 ] || die "run as root ($1)"
}

# bench_install PKG WHY - install a Debian package quietly
bench_install() {
	say "installing $1 ($2)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

# bench_workdir NAME - make the work directory /tmp/NAME.XXXXXX and arrange
# for everything started in it to be stopped at exit
bench_workdir() {
	command -v python3 >/dev/null || die "python3 is needed"
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$work"
	dc_dir=$work/dovecot
	est_conf=$work/estuary/etc
	est_master=
	dc_master=
	trap bench_cleanup EXIT
}

# bench_cleanup - the EXIT trap: stops Estuary, every Dovecot, whatever the
# script's bench_cleanup_extra stops, then removes the work directory
bench_cleanup() {
	[ -n "$est_master" ] && kill -TERM "$est_master" 2>/dev/null &&
	    wait "$est_master" 2>/dev/null
	local p
	for p in $dc_master; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if declare -F bench_cleanup_extra >/dev/null; then
		bench_cleanup_extra
	fi
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}

# free_port - print a TCP port on 127.0.0.1 that is free now
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# est_install DAEMON - build Estuary (configuring $build if needed), install
# it into the work directory, stop unless DAEMON is there; make sure the
# estuary user exists
est_install() {
	if [ ! -f "$build/Makefile" ]; then
		say "configuring $build"
		(cd "$top" &&
		    { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; })
		mkdir -p "$build"
		(cd "$build" && "$top/configure" >/dev/null)
	fi
	say "building and installing Estuary into $work/estuary/inst"
	make -C "$build" -j"$(nproc)" >/dev/null
	make -C "$build" install DESTDIR="$work/estuary/inst" >/dev/null
	local prefix
	prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
	est_sbin=$work/estuary/inst$prefix/sbin
	est_libexec=$work/estuary/inst$prefix/libexec/estuary
	[ -x "$est_libexec/$1" ] ||
	    die "no $1 in the build: nothing to measure"
	id estuary >/dev/null 2>&1 || useradd --system --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin estuary
	owner_uid=$(id -u estuary) owner_gid=$(id -g estuary)
}

# ctl ARGS... - estuaryctl on the benchmark's instance
ctl() { "$est_sbin/estuaryctl" -c "$est_conf" "$@"; }

# est_start SERVICE PROCS DAEMON-ARGS [CONF-LINES] - configure and start
# Estuary with one inet SERVICE on a free port ($est_port) and PROCS
# processes at most; wait until it answers estuaryctl
est_start() {
	est_port=$(free_port)
	mkdir -p "$est_conf" "$work/estuary/var"
	cat > "$est_conf/estuary.conf" <<CONF
daemon_directory = $est_libexec
state_directory = $work/estuary/var/lib
queue_dir = $work/estuary/var/spool
run_dir = $work/estuary/var/run
mail_owner = estuary
myhostname = bench.localhost
CONF
	[ -z "${4:-}" ] || printf '%s\n' "$4" >> "$est_conf/estuary.conf"
	cat > "$est_conf/services.conf" <<CONF
control  control  -                       4   1  100   admind
$1     inet     127.0.0.1:$est_port     $2 10 1000  $3
CONF
	"$est_sbin/estuary" -f -c "$est_conf" >"$work/estuary/master.log" 2>&1 &
	est_master=$!
	local i
	for i in $(seq 1 100); do
		ctl status >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctl status >/dev/null ||
	    die "Estuary did not start (see $work/estuary/master.log)"
}

# bench_dc_begin PROTO - the start of a benchmark against Dovecot: root,
# dovecot-PROTOd installed if missing, the work directory, Estuary built
# with PROTOd, dc_proto, and in hash the password hash both servers verify
bench_dc_begin() {
	bench_need_root "both servers drop privileges"
	if ! [ -x /usr/sbin/dovecot ] || ! [ -x "/usr/lib/dovecot/$1" ]; then
		bench_install "dovecot-${1}d" "the reference server"
	fi
	bench_workdir "estuary-${1}bench"
	est_install "${1}d"
	hash=$(bench_hash)
	dc_proto=$1
}

# bench_hash - print the {SHA512-CRYPT} hash of "benchpw" that both servers
# verify
bench_hash() {
	local h
	h=$(doveadm pw -s SHA512-CRYPT -p benchpw) || die "doveadm pw failed"
	case $h in
	'{SHA512-CRYPT}$6$'*) ;;
	*) die "unexpected hash from doveadm pw: $h" ;;
	esac
	printf '%s\n' "$h"
}

# dc_write_users HASH USER... - Dovecot's passwd-file for USER@bench.test
dc_write_users() {
	local h=$1 u
	shift
	: > "$dc_dir/users"
	for u in "$@"; do
		printf '%s@bench.test:%s\n' "$u" "$h" >> "$dc_dir/users"
	done
	chmod 644 "$dc_dir/users"
}

# dc_start NAME LOGIN_SETTINGS SERVICE_SETTINGS - start a private Dovecot
# for $dc_proto with its own base_dir and config on a free port (in
# dc_port; its master's pid in dc_pid_NAME); the script's dc_conf_mail NAME
# prints the mail settings, its dc_conf_tail NAME what ends the config
dc_start() {
	local name=$1 conf=$dc_dir/$1.conf
	dc_port=$(free_port)
	mkdir -p "$dc_dir/$name/run" "$dc_dir/$name/state"
	cat > "$conf" <<CONF
protocols = $dc_proto
listen = 127.0.0.1
base_dir = $dc_dir/$name/run
state_dir = $dc_dir/$name/state
log_path = $dc_dir/$name.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = $owner_uid
$(dc_conf_mail "$name")
passdb {
  driver = passwd-file
  args = $dc_dir/users
}
userdb {
  driver = static
  args = uid=$owner_uid gid=$owner_gid home=$dc_dir/mail/%n
}
service $dc_proto-login {
  inet_listener $dc_proto {
    address = 127.0.0.1
    port = $dc_port
  }
  inet_listener ${dc_proto}s {
    port = 0
  }
$2
}
service $dc_proto {
$3
}
CONF
	if declare -F dc_conf_tail >/dev/null; then
		dc_conf_tail "$name" >> "$conf"
	fi
	doveconf -c "$conf" -n >"$dc_dir/$name.doveconf" 2>&1 ||
	    die "doveconf refused $conf: $(cat "$dc_dir/$name.doveconf")"
	dovecot -c "$conf" -F >"$dc_dir/$name.master.log" 2>&1 &
	dc_master="$dc_master $!"
	eval "dc_pid_$name=\$!"
}

# dc_start_both - start Dovecot twice: "default", Debian's service settings
# (a login and a protocol process per session), on dc_port_def, and
# "tuned" (long-lived login processes, reused protocol processes) on
# dc_port_fast
dc_start_both() {
	dc_start default "" ""
	dc_port_def=$dc_port
	dc_start tuned "  service_count = 0
  process_min_avail = 2" "  service_count = 100
  process_min_avail = 4"
	dc_port_fast=$dc_port
}

# dc_footer - the table's closing lines on the Dovecot versions measured
dc_footer() {
	echo " dovecot $(dovecot --version | cut -d' ' -f1) with Debian's service settings;"
	echo " dc-tuned: $dc_proto-login service_count=0 process_min_avail=2,"
	echo " $dc_proto service_count=100 process_min_avail=4)"
}

# median - the median of the numbers on stdin, one a line
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# ratio A B - A / B to two decimals, "-" when B is 0
ratio() { python3 -c "print('%.2f' % ($1/$2) if $2 else '-')"; }

# measure3 FN MODE ARGS... - runs times FN MODE PORT ARGS... against
# Estuary, Dovecot and dc-tuned in turn; their medians in e, d and t
measure3() {
	local fn=$1 mode=$2 i
	shift 2
	: > "$work/e" ; : > "$work/d" ; : > "$work/t"
	for i in $(seq 1 "$runs"); do
		"$fn" "$mode" "$est_port" "$@" >> "$work/e" ||
		    die "$mode on estuary"
		"$fn" "$mode" "$dc_port_def" "$@" >> "$work/d" ||
		    die "$mode on dovecot"
		"$fn" "$mode" "$dc_port_fast" "$@" >> "$work/t" ||
		    die "$mode on dc-tuned"
	done
	e=$(median < "$work/e")
	d=$(median < "$work/d")
	t=$(median < "$work/t")
}

# row LABEL EST DC DCT HIGHER-IS-BETTER - one line of the three-server
# table in $row_fmt; the ratios are above 1 where Estuary is better
row() {
	if [ "$5" = 1 ]; then
		printf "$row_fmt" "$1" "$2" "$3" \
		    "$(ratio "$2" "$3")" "$4" "$(ratio "$2" "$4")"
	else
		printf "$row_fmt" "$1" "$2" "$3" \
		    "$(ratio "$3" "$2")" "$4" "$(ratio "$4" "$2")"
	fi
}
