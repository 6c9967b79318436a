#!/usr/bin/env bash
# smtp_bench.sh - Estuary's smtpd against a private Postfix, same load, same
# machine, same run.
#
# Both servers accept mail for one virtual domain on 127.0.0.1 and deliver
# into Maildir with their default durability: Estuary answers 250 once the
# message is in the Maildir and indexed; Postfix once it is in its queue
# (the Maildir copy follows asynchronously, so its delivered-to-Maildir
# rate is printed as well). Postfix's own smtp-source drives both:
# 4 KB messages at 1, 10 and 50 concurrent sessions and 100 KB at 10.
# Each case runs BENCH_RUNS times (default 3) alternating the servers; the
# median rates and their ratio are printed.
#
# Usage: t/bench/smtp_bench.sh      (as root; installs postfix if missing)
# Environment: BENCH_RUNS, BENCH_MESSAGES (per case, default 2000),
# BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
messages=${BENCH_MESSAGES:-2000}
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (Postfix needs it)"
if ! command -v smtp-source >/dev/null || ! [ -x /usr/sbin/postfix ]; then
	say "installing postfix (for smtp-source and the reference server)"
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"

work=$(mktemp -d /tmp/estuary-bench.XXXXXX)
chmod 755 "$work"
pf_conf=$work/postfix/etc
est_conf=$work/estuary/etc
est_master=

cleanup() {
	[ -n "$est_master" ] && kill -TERM "$est_master" 2>/dev/null &&
	    wait "$est_master" 2>/dev/null
	postfix -c "$pf_conf" stop >/dev/null 2>&1 || true
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- Estuary: installed from the build tree into the work directory
if [ ! -f "$top/build/Makefile" ]; then
	say "configuring $top/build"
	(cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; })
	mkdir -p "$top/build"
	(cd "$top/build" && ../configure >/dev/null)
fi
say "building and installing Estuary into $work/estuary/inst"
make -C "$top/build" -j"$(nproc)" >/dev/null
make -C "$top/build" install DESTDIR="$work/estuary/inst" >/dev/null
prefix=$(sed -n 's/^prefix = //p' "$top/build/Makefile")
est_sbin=$work/estuary/inst$prefix/sbin
est_libexec=$work/estuary/inst$prefix/libexec/estuary
[ -x "$est_libexec/smtpd" ] || die "no smtpd in the build: nothing to measure"

id estuary >/dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin estuary
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
cat > "$est_conf/services.conf" <<CONF
control  control  -                       4   1  100   admind
smtp     inet     127.0.0.1:$est_port     100 10 1000  smtpd smtp
CONF
"$est_sbin/estuary" -f -c "$est_conf" >"$work/estuary/master.log" 2>&1 &
est_master=$!
ctl() { "$est_sbin/estuaryctl" -c "$est_conf" "$@"; }
for _ in $(seq 1 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
ctl status >/dev/null || die "Estuary did not start (see $work/estuary/master.log)"
ctl domain add bench.test
printf 'x\n' | ctl user add user@bench.test --password-stdin
est_mail=$work/estuary/var/lib/mail/bench.test/user

# --- Postfix: a private instance delivering to Maildir for bench.test
pf_port=$(free_port)
mkdir -p "$pf_conf" "$work/postfix/mail" "$work/postfix/data" "$work/postfix/queue"
chown postfix "$work/postfix/data" "$work/postfix/mail"
pf_uid=$(id -u postfix) pf_gid=$(id -g postfix)
cat > "$pf_conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $work/postfix/queue
data_directory = $work/postfix/data
mail_owner = postfix
myhostname = bench.localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
local_recipient_maps =
virtual_mailbox_domains = bench.test
virtual_mailbox_base = $work/postfix/mail
virtual_mailbox_maps = static:user/
virtual_uid_maps = static:$pf_uid
virtual_gid_maps = static:$pf_gid
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
mynetworks = 127.0.0.0/8
maillog_file = $work/postfix/maillog
maillog_file_prefixes = $work
smtpd_banner = \$myhostname ESMTP
default_process_limit = 100
CONF
sed -e "s/^smtp \\{1,\\}inet.*/$pf_port inet n - n - - smtpd/" \
    -e '/^postlog /d' /etc/postfix/master.cf.proto > "$pf_conf/master.cf"
printf 'postlog   unix-dgram n  -       n       -       1       postlogd\n' \
    >> "$pf_conf/master.cf"
postfix -c "$pf_conf" check >/dev/null 2>&1 || true
postfix -c "$pf_conf" start >/dev/null 2>&1 ||
    die "postfix did not start (see $work/postfix/maillog)"
pf_mail=$work/postfix/mail/user

count_maildir() {		# count_maildir DIR
	{ find "$1/new" "$1/cur" -type f 2>/dev/null || true; } | wc -l
}

wait_count() {			# wait_count DIR N - until N files (60 s max)
	local i
	for i in $(seq 1 600); do
		[ "$(count_maildir "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

now() { date +%s.%N; }

# one_run PORT DIR SESSIONS SIZE - prints "accepted_rate delivered_rate"
one_run() {
	local port=$1 dir=$2 sess=$3 size=$4 before t0 t1 t2
	before=$(count_maildir "$dir")
	t0=$(now)
	smtp-source -s "$sess" -l "$size" -m "$messages" -f sender@client.test \
	    -t user@bench.test -M client.test "127.0.0.1:$port" ||
	    die "smtp-source failed against port $port"
	t1=$(now)
	wait_count "$dir" $((before + messages)) ||
	    die "port $port: $messages messages did not reach $dir"
	t2=$(now)
	python3 -c "import sys; n=$messages; print('%.1f %.1f' % (n/($t1-$t0), n/($t2-$t0)))"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# warm up both (process pools, caches)
one_run "$est_port" "$est_mail" 10 4096 >/dev/null
one_run "$pf_port" "$pf_mail" 10 4096 >/dev/null

printf '%-16s %12s %12s %12s %8s\n' case estuary postfix "postfix(mdir)" ratio
for c in "1 4096" "10 4096" "50 4096" "10 102400"; do
	set -- $c
	: > "$work/e" ; : > "$work/p"
	for _ in $(seq 1 "$runs"); do
		one_run "$est_port" "$est_mail" "$1" "$2" >> "$work/e"
		one_run "$pf_port" "$pf_mail" "$1" "$2" >> "$work/p"
	done
	e=$(cut -d' ' -f1 "$work/e" | median)
	p=$(cut -d' ' -f1 "$work/p" | median)
	pd=$(cut -d' ' -f2 "$work/p" | median)
	ratio=$(python3 -c "print('%.2f' % ($e/$p))")
	printf '%-16s %10s/s %10s/s %10s/s %8s\n' \
	    "$1 sess $(( $2 / 1024 ))KB" "$e" "$p" "$pd" "$ratio"
done
echo "(accepted messages per second, median of $runs runs of $messages;"
echo " ratio = estuary / postfix accepted; postfix(mdir) = until in Maildir)"
