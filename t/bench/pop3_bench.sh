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
# BENCH_BIG (default 10), BENCH_BUILD (the build directory, default the
# top-level "build"), BENCH_KEEP=1 keeps the work directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-5}
nsmall=${BENCH_MESSAGES:-200}
nbig=${BENCH_BIG:-10}
nusers=20
. "$top/t/bench/bench_lib.sh"

# --- Estuary, installed from the build tree into the work directory, and
# one password hash for both servers
bench_dc_begin pop3
est_start pop3 100 "pop3d pop3" "pop3d_plaintext_auth = yes"
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

# --- Dovecot: private instances with their own base_dir and config; both
# serve the same Maildirs (never at the same time)
dc_conf_mail() { echo "mail_location = maildir:$dc_dir/mail/%n"; }
dc_write_users "$hash" $(seq -f 'u%g' 1 "$nusers")
dc_start_both

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

# warm up both (process pools, indexes, page cache): one download each
load fetch "$est_port" "$nusers" 1 >/dev/null
load fetch "$dc_port_def" "$nusers" 1 >/dev/null
load fetch "$dc_port_fast" "$nusers" 1 >/dev/null

say "estuary: $est_sbin/estuary -f -c $est_conf (pop3 on 127.0.0.1:$est_port)"
say "dovecot: dovecot -c $dc_dir/default.conf -F (pop3 on 127.0.0.1:$dc_port_def)"
say "dovecot-tuned: dovecot -c $dc_dir/tuned.conf -F (pop3 on 127.0.0.1:$dc_port_fast)"
say "client:  python3 client.py check|fetch PORT CLIENTS $seconds"
row_fmt='%-22s %10s %10s %8s %10s %8s\n'
printf "$row_fmt" case estuary dovecot ratio dc-tuned ratio
for c in "check 1 sessions/s" "check 20 sessions/s" "fetch 4 MB/s"; do
	set -- $c
	measure3 load "$1" "$2" "$seconds"
	row "$1 $2 cl ($3)" "$e" "$d" "$t" 1
done
echo "(median of $runs runs of ${seconds}s; ratio = estuary / dovecot;"
echo " check = USER PASS STAT QUIT; fetch = USER PASS UIDL RETR-all QUIT;"
echo " $nusers mailboxes of $nsmall x 4 KB + $nbig x 100 KB on each server;"
echo " both verify {SHA512-CRYPT} passwords, no TLS;"
dc_footer
