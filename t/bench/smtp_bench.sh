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
# BENCH_BUILD (the build directory, default the top-level "build"),
# BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
messages=${BENCH_MESSAGES:-2000}
. "$top/t/bench/bench_lib.sh"

bench_need_root "Postfix needs it"
if ! command -v smtp-source >/dev/null || ! [ -x /usr/sbin/postfix ]; then
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections
	bench_install postfix "for smtp-source and the reference server"
fi
bench_workdir estuary-bench
pf_conf=$work/postfix/etc
bench_cleanup_extra() {
	postfix -c "$pf_conf" stop >/dev/null 2>&1 || true
}

# --- Estuary: installed from the build tree into the work directory
est_install smtpd
est_start smtp 100 "smtpd smtp"
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
	printf '%-16s %10s/s %10s/s %10s/s %8s\n' \
	    "$1 sess $(( $2 / 1024 ))KB" "$e" "$p" "$pd" "$(ratio "$e" "$p")"
done
echo "(accepted messages per second, median of $runs runs of $messages;"
echo " ratio = estuary / postfix accepted; postfix(mdir) = until in Maildir)"
