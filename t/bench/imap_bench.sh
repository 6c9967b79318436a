#!/usr/bin/env bash
# imap_bench.sh - Estuary's imapd against a private Dovecot IMAP, same
# mailboxes, same machine, same run.
#
# Both servers serve identical copies of the same Maildirs on 127.0.0.1
# without TLS and verify the same {SHA512-CRYPT} password hash:
#   20 users u1..u20 with BENCH_MESSAGES (default 50) messages of 4 KB,
#   "big" with BENCH_BIG (default 10,000) messages of 4 KB,
#   "huge" with BENCH_HUGE (default 100,000) messages of about 700 bytes,
# all written straight into the Maildirs (so each server indexes them on
# the first SELECT). An embedded Python client measures:
#   login:  LOGIN, SELECT INBOX, LOGOUT - sessions per second at 1 and 20
#           clients (BENCH_RUNS runs of BENCH_SECONDS, median);
#   meta:   UID FETCH 1:* (FLAGS RFC822.SIZE) on big - ms (median);
#   bodies: UID FETCH of 200 full bodies (BODY.PEEK[]) on big - ms;
#   select: LOGIN and SELECT of huge in a new session - the first (the
#           server indexes 100,000 new files) and the second, ms;
#   idle:   200 connections logged in, INBOX selected, in IDLE - the
#           servers' summed PSS (and RSS) after minus before, per
#           connection, KB.
# Ratios are printed so that above 1 means Estuary is better (rates:
# estuary / dovecot; times and memory: dovecot / estuary). Dovecot runs
# twice: with Debian's service settings (a login and an imap process per
# session) and tuned ("dc-tuned": long-lived login processes, reused imap
# processes), each with its own index and control files.
#
# Usage: t/bench/imap_bench.sh      (as root; installs dovecot-imapd if
# missing). BENCH_BUILD: the configured build directory to install
# Estuary from (default: the top-level "build").
# Environment: BENCH_RUNS (3), BENCH_SECONDS (5), BENCH_MESSAGES,
# BENCH_BIG, BENCH_HUGE, BENCH_IDLE (200), BENCH_KEEP=1 keeps the work
# directory.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-5}
nsmall=${BENCH_MESSAGES:-50}
nbig=${BENCH_BIG:-10000}
nhuge=${BENCH_HUGE:-100000}
nidle=${BENCH_IDLE:-200}
nusers=20
. "$top/t/bench/bench_lib.sh"

# --- Estuary, installed from the build tree into the work directory, and
# one password hash for both servers
bench_dc_begin imap

users="big huge"
for i in $(seq 1 "$nusers"); do users="$users u$i"; done

est_start imap $((nidle + 100)) "imapd imap" "imapd_plaintext_auth = yes"
ctl domain add bench.test services=imap >/dev/null
for u in $users; do
	ctl user add "$u@bench.test" "password_hash=$hash" >/dev/null
done
est_mail=$work/estuary/var/lib/mail/bench.test

# --- the mailboxes: Maildirs written here, copied to both servers
say "writing mailboxes: $nusers x $nsmall, $nbig and $nhuge messages"
seed=$work/seed
python3 - "$seed" "$nsmall" "$nbig" "$nhuge" <<'PY'
import os, sys, time
root, nsmall, nbig, nhuge = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4])
line = "The quick brown fox jumps over the lazy dog, again and again.\n"
t = int(time.time()) - 200000

def fill(d, n, size):
    for s in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(d, s), exist_ok=True)
    for i in range(n):
        head = ("Return-Path: <sender@client.test>\n"
                "From: Sender <sender@client.test>\n"
                "To: <user@bench.test>\n"
                "Subject: bench message %d\n"
                "Message-ID: <bench%d@client.test>\n"
                "Date: Thu, 01 Jan 2026 00:00:00 +0000\n\n" % (i, i))
        body = (line * (size // len(line) + 1))[:max(size - len(head), 10)]
        body = body[:-1] + "\n"
        name = "%d.M%dP%d.bench" % (t + i, i, os.getpid())
        with open(os.path.join(d, "new", name), "w") as f:
            f.write(head + body)

fill(os.path.join(root, "small"), nsmall, 4096)
fill(os.path.join(root, "big"), nbig, 4096)
fill(os.path.join(root, "huge"), nhuge, 700)
PY
mkdir -p "$est_mail" "$dc_dir/mail"
for u in $users; do
	case $u in big|huge) src=$seed/$u ;; *) src=$seed/small ;; esac
	cp -a "$src" "$est_mail/$u"
	cp -a "$src" "$dc_dir/mail/$u"
done
chown -R estuary: "$est_mail" "$dc_dir/mail"

# --- Dovecot: private instances with their own base_dir and config; both
# serve the same Maildirs, each keeps its own indexes and control files
# (UID lists)
dc_conf_mail() {
	cat <<CONF
default_process_limit = $((nidle + 100))
default_client_limit = $((nidle * 2 + 100))
mail_location = maildir:$dc_dir/mail/%n:INDEX=$dc_dir/$1/index/%n:CONTROL=$dc_dir/$1/control/%n
mail_max_userip_connections = $((nidle + 10))
CONF
}
dc_conf_tail() {
	cat <<CONF
protocol imap {
  mail_max_userip_connections = $((nidle + 10))
}
CONF
}
for n in default tuned; do
	mkdir -p "$dc_dir/$n/index" "$dc_dir/$n/control"
	chown estuary: "$dc_dir/$n/index" "$dc_dir/$n/control"
done
dc_write_users "$hash" $users
dc_start_both

# --- the client
cat > "$work/client.py" <<'PY'
"""client.py MODE PORT ARGS... - IMAP load; prints one number.
  login PORT CLIENTS SECONDS      sessions/s of LOGIN SELECT LOGOUT
  meta PORT                       ms of UID FETCH 1:* (FLAGS RFC822.SIZE)
  bodies PORT                     ms of UID FETCH (200 UIDs) BODY.PEEK[]
  select PORT N                   ms of LOGIN + SELECT INBOX of huge (N msgs)
  idle PORT N PIDFILE-OR-PID      KB per connection: PSS and RSS
"""
import multiprocessing, os, re, socket, sys, time

LIT = re.compile(rb"\{(\d+)\}$")

class Conn:
    def __init__(self, port, user):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0
        self.n = 0
        self.exists = None
        self.line()				# greeting
        self.cmd(b"LOGIN %s@bench.test benchpw" % user.encode())

    def line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                l = self.buf[self.pos:i]
                self.pos = i + 2
                return l
            self.buf = self.buf[self.pos:]
            self.pos = 0
            d = self.s.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d

    def skip(self, n):
        while len(self.buf) - self.pos < n:
            d = self.s.recv(1 << 20)
            if not d:
                raise RuntimeError("connection closed")
            self.buf += d
        self.pos += n

    def cmd(self, text, send_only=False):
        self.n += 1
        tag = b"b%d " % self.n
        self.s.sendall(tag + text + b"\r\n")
        if send_only:
            return tag
        return self.wait(tag)

    def wait(self, tag):
        count = 0
        while True:
            l = self.line()
            m = LIT.search(l)
            if m:
                self.skip(int(m.group(1)))
                count += 1
                continue
            if l.startswith(tag):
                if not l[len(tag):].startswith(b"OK"):
                    raise RuntimeError(l.decode(errors="replace"))
                return count
            if l.startswith(b"* ") and b" FETCH " in l[:20]:
                count += 1
            elif l.startswith(b"* ") and l.endswith(b" EXISTS"):
                self.exists = int(l.split()[1])

    def logout(self):
        self.cmd(b"LOGOUT")
        while self.s.recv(4096):
            pass
        self.s.close()

def session(port, user):
    c = Conn(port, user)
    c.cmd(b"SELECT INBOX")
    c.logout()

def worker(args):
    port, user, t_end = args
    n = 0
    while True:
        session(port, user)
        n += 1
        if time.time() >= t_end:
            return n

def tree_mem(root):
    """summed PSS and RSS (KB) of root and all its descendants"""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        kids.setdefault(ppid, []).append(int(p))
    todo, pss, rss = [root], 0, 0
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for l in f:
                    if l.startswith("Pss:"):
                        pss += int(l.split()[1])
                    elif l.startswith("Rss:"):
                        rss += int(l.split()[1])
        except OSError:
            pass
    return pss, rss

if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "login":
        clients, secs = int(sys.argv[3]), float(sys.argv[4])
        with multiprocessing.Pool(clients) as pool:
            t0 = time.time()
            res = pool.map(worker, [(port, "u%d" % (i + 1), t0 + secs)
                                    for i in range(clients)])
            el = time.time() - t0
        print("%.1f" % (sum(res) / el))
    elif mode in ("meta", "bodies"):
        c = Conn(port, "big")
        c.cmd(b"SELECT INBOX")
        if mode == "meta":
            t0 = time.time()
            n = c.cmd(b"UID FETCH 1:* (FLAGS RFC822.SIZE)")
        else:
            uids = b",".join(b"%d" % (1 + i * 37) for i in range(200))
            t0 = time.time()
            n = c.cmd(b"UID FETCH " + uids + b" (BODY.PEEK[])")
        el = time.time() - t0
        c.logout()
        want = int(sys.argv[3])
        if n != want:
            raise SystemExit("%s: %d FETCH responses, want %d" % (mode, n,
                                                                 want))
        print("%.1f" % (el * 1000))
    elif mode == "select":
        t0 = time.time()	# a server may index at LOGIN: count both
        c = Conn(port, "huge")
        c.cmd(b"SELECT INBOX")
        el = time.time() - t0
        c.logout()
        if c.exists != int(sys.argv[3]):
            raise SystemExit("select: %r EXISTS, want %s" % (c.exists,
                                                           sys.argv[3]))
        print("%.1f" % (el * 1000))
    elif mode == "idle":
        n, root = int(sys.argv[3]), int(sys.argv[4])
        before = tree_mem(root)
        conns = []
        for i in range(n):
            c = Conn(port, "u%d" % (i % 20 + 1))
            c.cmd(b"SELECT INBOX")
            tag = c.cmd(b"IDLE", send_only=True)
            if not c.line().startswith(b"+"):
                raise SystemExit("no IDLE continuation")
            conns.append((c, tag))
        time.sleep(2)
        after = tree_mem(root)
        for c, tag in conns:
            c.s.sendall(b"DONE\r\n")
            c.wait(tag)
            c.logout()
        print("%.1f %.1f" % ((after[0] - before[0]) / n,
                             (after[1] - before[1]) / n))
PY

cl() { python3 "$work/client.py" "$@"; }

for port in $est_port $dc_port_def $dc_port_fast; do
	for _ in $(seq 1 100); do
		cl login "$port" 1 0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	cl login "$port" 1 0 >/dev/null ||
	    die "no login on port $port (see $work/estuary/master.log, $dc_dir/*.log)"
done
# a wrong password must be refused by every server
for port in $est_port $dc_port_def $dc_port_fast; do
	python3 - "$port" <<'PY' || die "port $port accepted a wrong password"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
f.readline()
s.sendall(b"a LOGIN u1@bench.test wrong\r\n")
while True:
    l = f.readline()
    if l.startswith(b"a "):
        sys.exit(0 if l.startswith(b"a NO") else 1)
PY
done

say "estuary: $est_sbin/estuary -f -c $est_conf (imap on 127.0.0.1:$est_port)"
say "dovecot: dovecot -c $dc_dir/default.conf -F (imap on 127.0.0.1:$dc_port_def)"
say "dc-tuned: dovecot -c $dc_dir/tuned.conf -F (imap on 127.0.0.1:$dc_port_fast)"
row_fmt='%-30s %10s %10s %7s %10s %7s\n'
printf "$row_fmt" case estuary dovecot ratio dc-tuned ratio

# SELECT of the 100,000-message mailbox: first (indexing) and second
declare -A sel1 sel2
for p in $est_port $dc_port_def $dc_port_fast; do
	sel1[$p]=$(cl select "$p" "$nhuge") || die "select on $p"
	sel2[$p]=$(cl select "$p" "$nhuge") || die "select on $p"
done
row "LOGIN+SELECT $nhuge, 1st (ms)" "${sel1[$est_port]}" \
    "${sel1[$dc_port_def]}" "${sel1[$dc_port_fast]}" 0
row "LOGIN+SELECT $nhuge, 2nd (ms)" "${sel2[$est_port]}" \
    "${sel2[$dc_port_def]}" "${sel2[$dc_port_fast]}" 0

# warm up the big mailbox (first SELECT indexes it)
for p in $est_port $dc_port_def $dc_port_fast; do
	cl meta "$p" "$nbig" >/dev/null || die "meta on $p"
done

for c in "meta $nbig" "bodies 200"; do
	set -- $c
	measure3 cl "$1" "$2"
	case $1 in
	meta) label="UID FETCH 1:* FLAGS SIZE (ms)" ;;
	*) label="FETCH 200 bodies (ms)" ;;
	esac
	row "$label" "$e" "$d" "$t" 0
done

for n in 1 20; do
	measure3 cl login "$n" "$seconds"
	row "LOGIN SELECT LOGOUT $n cl (/s)" "$e" "$d" "$t" 1
done

# memory per idle connection (PSS, RSS in KB)
sleep 1
e=$(cl idle "$est_port" "$nidle" "$est_master") || die "idle on estuary"
d=$(cl idle "$dc_port_def" "$nidle" "$dc_pid_default") || die "idle on dovecot"
t=$(cl idle "$dc_port_fast" "$nidle" "$dc_pid_tuned") || die "idle on dc-tuned"
row "PSS per IDLE conn (KB)" "${e% *}" "${d% *}" "${t% *}" 0
row "RSS per IDLE conn (KB)" "${e#* }" "${d#* }" "${t#* }" 0

echo "(ratio > 1: Estuary better; rates estuary/dovecot, times and memory"
echo " dovecot/estuary; median of $runs runs, logins ${seconds}s each;"
echo " $nusers users x $nsmall msgs, big = $nbig x 4 KB, huge = $nhuge x 700 B,"
echo " written into the Maildirs before the first SELECT; no TLS,"
echo " {SHA512-CRYPT} passwords; idle: $nidle connections in IDLE, memory of"
echo " all the server's processes after minus before, per connection;"
dc_footer
