#!/usr/bin/env bash
# pop3_bench.sh - Estuary's pop3d against a private Dovecot, same mailboxes,
# same machine, same run.
#
# Both servers serve identical copies of the same Maildirs on 127.0.0.1
# without TLS: 20 users (one per concurrent client, since a POP3
# session locks its mailbox), each with BENCH_MESSAGES messages of about
# 4 KB plus BENCH_BIG messages of about 100 KB. Both verify the same
# {SHA512-CRYPT} password hash (Estuary's default, yescrypt, is slower on
# purpose). An embedded Python client drives them:
#   check: USER, PASS, STAT, QUIT - sessions per second, 1 and 20 clients;
#   fetch: USER, PASS, UIDL, RETR of every message, QUIT - MB/s, 4 clients.
# Each case runs BENCH_RUNS times (default 3) for BENCH_SECONDS each
# (default 5), alternating the servers; the median rates and their ratio
# (estuary / dovecot) are printed. Dovecot runs twice: with Debian's
# service settings (a login and a pop3 process per session), and tuned
# ("dc-tuned": long-lived login processes, reused pop3 processes).
#
# Usage: t/bench/pop3_bench.sh      (as root; installs dovecot-pop3d if
# missing)
# Environment: BENCH_RUNS, BENCH_SECONDS, BENCH_MESSAGES (default 200),
# BENCH_BIG (default 10), BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-5}
nsmall=${BENCH_MESSAGES:-200}
nbig=${BENCH_BIG:-10}
nusers=20
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (both servers drop privileges)"
if ! [ -x /usr/sbin/dovecot ] || ! [ -x /usr/lib/dovecot/pop3 ]; then
	say "installing dovecot-pop3d (the reference server)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    dovecot-pop3d >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"

work=$(mktemp -d /tmp/estuary-pop3bench.XXXXXX)
chmod 755 "$work"
dc_dir=$work/dovecot
est_conf=$work/estuary/etc
est_master=
dc_master=

cleanup() {
	[ -n "$est_master" ] && kill -TERM "$est_master" 2>/dev/null &&
	    wait "$est_master" 2>/dev/null
	local p
	for p in $dc_master; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
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
[ -x "$est_libexec/pop3d" ] || die "no pop3d in the build: nothing to measure"

id estuary >/dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin estuary
owner_uid=$(id -u estuary) owner_gid=$(id -g estuary)

# one password hash for both servers
hash=$(doveadm pw -s SHA512-CRYPT -p benchpw) ||
    die "doveadm pw failed"
case $hash in
'{SHA512-CRYPT}$6$'*) ;;
*) die "unexpected hash from doveadm pw: $hash" ;;
esac

est_port=$(free_port)
mkdir -p "$est_conf" "$work/estuary/var"
cat > "$est_conf/estuary.conf" <<CONF
daemon_directory = $est_libexec
state_directory = $work/estuary/var/lib
queue_dir = $work/estuary/var/spool
run_dir = $work/estuary/var/run
mail_owner = estuary
myhostname = bench.localhost
pop3d_plaintext_auth = yes
CONF
cat > "$est_conf/services.conf" <<CONF
control  control  -                       4   1  100   admind
pop3     inet     127.0.0.1:$est_port     100 10 1000  pop3d pop3
CONF
"$est_sbin/estuary" -f -c "$est_conf" >"$work/estuary/master.log" 2>&1 &
est_master=$!
ctl() { "$est_sbin/estuaryctl" -c "$est_conf" "$@"; }
for _ in $(seq 1 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
ctl status >/dev/null || die "Estuary did not start (see $work/estuary/master.log)"
ctl domain add bench.test services=pop3
for i in $(seq 1 "$nusers"); do
	ctl user add "u$i@bench.test" "password_hash=$hash"
done
est_mail=$work/estuary/var/lib/mail/bench.test

# --- the mailboxes: one Maildir written here, copied to every user of both
say "writing $nsmall x 4 KB + $nbig x 100 KB messages per mailbox"
seed=$work/seed
mkdir -p "$seed/new" "$seed/cur" "$seed/tmp"
python3 - "$seed/new" "$nsmall" "$nbig" <<'PY'
import os, sys, time
d, nsmall, nbig = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = int(time.time()) - 100000
line = ("The quick brown fox jumps over the lazy dog, "
        "again and again and again.\n")
for i in range(nsmall + nbig):
    size = 4096 if i < nsmall else 102400
    head = ("Return-Path: <sender@client.test>\n"
            "From: Sender <sender@client.test>\n"
            "To: <user@bench.test>\n"
            "Subject: bench message %d\n"
            "Message-ID: <bench%d@client.test>\n"
            "Date: Thu, 01 Jan 2026 00:00:00 +0000\n\n" % (i, i))
    body = (line * (size // len(line) + 1))[:size - len(head)]
    if not body.endswith("\n"):
        body = body[:-1] + "\n"
    name = "%d.M%dP%d.bench" % (t + i, i, os.getpid())
    with open(os.path.join(d, name), "w") as f:
        f.write(head + body)
PY
mkdir -p "$est_mail" "$dc_dir/mail"
for i in $(seq 1 "$nusers"); do
	cp -a "$seed" "$est_mail/u$i"
	cp -a "$seed" "$dc_dir/mail/u$i"
done
chown -R estuary: "$est_mail" "$dc_dir/mail"

# --- Dovecot: a private instance with its own base_dir and config
: > "$dc_dir/users"
for i in $(seq 1 "$nusers"); do
	printf 'u%s@bench.test:%s\n' "$i" "$hash" >> "$dc_dir/users"
done
chmod 644 "$dc_dir/users"

# dc_start NAME LOGIN_SETTINGS POP3_SETTINGS - start an instance with its
# own base_dir on a free port (in dc_port); both instances serve the same
# Maildirs (never at the same time)
dc_start() {
	local name=$1 conf=$dc_dir/$1.conf
	dc_port=$(free_port)
	mkdir -p "$dc_dir/$name/run" "$dc_dir/$name/state"
	cat > "$conf" <<CONF
protocols = pop3
listen = 127.0.0.1
base_dir = $dc_dir/$name/run
state_dir = $dc_dir/$name/state
log_path = $dc_dir/$name.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = $owner_uid
mail_location = maildir:$dc_dir/mail/%n
passdb {
  driver = passwd-file
  args = $dc_dir/users
}
userdb {
  driver = static
  args = uid=$owner_uid gid=$owner_gid home=$dc_dir/mail/%n
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dc_port
  }
  inet_listener pop3s {
    port = 0
  }
$2
}
service pop3 {
$3
}
CONF
	doveconf -c "$conf" -n >"$dc_dir/$name.doveconf" 2>&1 ||
	    die "doveconf refused $conf: $(cat "$dc_dir/$name.doveconf")"
	dovecot -c "$conf" -F >"$dc_dir/$name.master.log" 2>&1 &
	dc_master="$dc_master $!"
}
# Debian's defaults: a login process and a pop3 process per session
dc_start default "" ""
dc_port_def=$dc_port
# "performance mode": long-lived login processes, reused pop3 processes
dc_start tuned "  service_count = 0
  process_min_avail = 2" "  service_count = 100
  process_min_avail = 4"
dc_port_fast=$dc_port

# --- the client
cat > "$work/client.py" <<'PY'
"""client.py MODE PORT CLIENTS SECONDS - POP3 load; prints one rate."""
import multiprocessing, socket, sys, time

def reply(s, buf, multi):
    """Read one reply (multi: up to CRLF.CRLF); returns (first, size, rest)."""
    end = b"\r\n.\r\n" if multi else b"\r\n"
    while True:
        if not multi or buf.startswith(b"-"):
            end = b"\r\n"
        i = buf.find(end)
        if i >= 0:
            i += len(end)
            if not buf.startswith(b"+OK"):
                raise RuntimeError(buf[:i].decode(errors="replace"))
            return buf[:i], i, buf[i:]
        d = s.recv(262144)
        if not d:
            raise RuntimeError("connection closed")
        buf += d

def session(port, user, mode):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        total = 0
        _, _, buf = reply(s, b"", False)
        # one command at a time: no pipelining, which delays Dovecot's
        # PASS reply by the 40 ms of a delayed ACK
        s.sendall(b"USER %s\r\n" % user.encode())
        _, _, buf = reply(s, buf, False)
        s.sendall(b"PASS benchpw\r\n")
        _, _, buf = reply(s, buf, False)
        if mode == "check":
            s.sendall(b"STAT\r\n")
            _, _, buf = reply(s, buf, False)
        else:
            s.sendall(b"UIDL\r\n")
            lst, _, buf = reply(s, buf, True)
            nums = [l.split()[0] for l in lst.split(b"\r\n")[1:-2]]
            for n in nums:
                s.sendall(b"RETR " + n + b"\r\n")
                _, size, buf = reply(s, buf, True)
                total += size
        s.sendall(b"QUIT\r\n")
        reply(s, buf, False)
        while s.recv(4096):	# the server closes once the lock is gone
            pass
        return total
    finally:
        s.close()

def worker(args):
    port, user, mode, t_end = args
    n = b = 0
    while True:			# at least one session
        b += session(port, user, mode)
        n += 1
        if time.time() >= t_end:
            return n, b

if __name__ == "__main__":
    mode, port, clients, secs = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3]), float(sys.argv[4])
    with multiprocessing.Pool(clients) as pool:
        t0 = time.time()
        res = pool.map(worker, [(port, "u%d@bench.test" % (i + 1), mode,
                                 t0 + secs) for i in range(clients)])
        el = time.time() - t0
    n = sum(r[0] for r in res)
    b = sum(r[1] for r in res)
    if mode == "check":
        print("%.1f" % (n / el))
    else:
        print("%.2f" % (b / el / 1e6))
PY

load() {			# load MODE PORT CLIENTS SECONDS
	python3 "$work/client.py" "$@" || die "client failed against port $2"
}

for port in $dc_port_def $dc_port_fast; do
	for _ in $(seq 1 100); do
		load check "$port" 1 0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	load check "$port" 1 0 >/dev/null 2>&1 ||
	    die "Dovecot on $port did not start (see $dc_dir/*.log)"
done
load check "$est_port" 1 0 >/dev/null 2>&1 ||
    die "Estuary pop3d refused the login (see $work/estuary/master.log)"

# a wrong password must be refused by every server (the hashes are checked)
for port in $est_port $dc_port_def $dc_port_fast; do
	python3 - "$port" <<'PY' || die "port $port accepted a wrong password"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b"USER u1@bench.test\r\n")
f.readline()
s.sendall(b"PASS wrong\r\n")
sys.exit(0 if f.readline().startswith(b"-ERR") else 1)
PY
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# warm up both (process pools, indexes, page cache): one download each
load fetch "$est_port" "$nusers" 1 >/dev/null
load fetch "$dc_port_def" "$nusers" 1 >/dev/null
load fetch "$dc_port_fast" "$nusers" 1 >/dev/null

say "estuary: $est_sbin/estuary -f -c $est_conf (pop3 on 127.0.0.1:$est_port)"
say "dovecot: dovecot -c $dc_dir/default.conf -F (pop3 on 127.0.0.1:$dc_port_def)"
say "dovecot-tuned: dovecot -c $dc_dir/tuned.conf -F (pop3 on 127.0.0.1:$dc_port_fast)"
say "client:  python3 client.py check|fetch PORT CLIENTS $seconds"
printf '%-22s %10s %10s %8s %10s %8s\n' case estuary dovecot ratio \
    dc-tuned ratio
for c in "check 1 sessions/s" "check 20 sessions/s" "fetch 4 MB/s"; do
	set -- $c
	: > "$work/e" ; : > "$work/d" ; : > "$work/t"
	for _ in $(seq 1 "$runs"); do
		load "$1" "$est_port" "$2" "$seconds" >> "$work/e"
		load "$1" "$dc_port_def" "$2" "$seconds" >> "$work/d"
		load "$1" "$dc_port_fast" "$2" "$seconds" >> "$work/t"
	done
	e=$(median < "$work/e")
	d=$(median < "$work/d")
	t=$(median < "$work/t")
	ratio=$(python3 -c "print('%.2f' % ($e/$d) if $d else '-')")
	tratio=$(python3 -c "print('%.2f' % ($e/$t) if $t else '-')")
	printf '%-22s %10s %10s %8s %10s %8s\n' "$1 $2 cl ($3)" "$e" "$d" \
	    "$ratio" "$t" "$tratio"
done
echo "(median of $runs runs of ${seconds}s; ratio = estuary / dovecot;"
echo " check = USER PASS STAT QUIT; fetch = USER PASS UIDL RETR-all QUIT;"
echo " $nusers mailboxes of $nsmall x 4 KB + $nbig x 100 KB on each server;"
echo " both verify {SHA512-CRYPT} passwords, no TLS;"
echo " dovecot $(dovecot --version | cut -d' ' -f1) with Debian's service settings;"
echo " dc-tuned: pop3-login service_count=0 process_min_avail=2,"
echo " pop3 service_count=100 process_min_avail=4)"
