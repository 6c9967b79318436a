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
build=${BENCH_BUILD:-$top/build}
runs=${BENCH_RUNS:-3}
seconds=${BENCH_SECONDS:-5}
nsmall=${BENCH_MESSAGES:-50}
nbig=${BENCH_BIG:-10000}
nhuge=${BENCH_HUGE:-100000}
nidle=${BENCH_IDLE:-200}
nusers=20
say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (both servers drop privileges)"
if ! [ -x /usr/sbin/dovecot ] || ! [ -x /usr/lib/dovecot/imap ]; then
	say "installing dovecot-imapd (the reference server)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    dovecot-imapd >/dev/null
fi
command -v python3 >/dev/null || die "python3 is needed"

work=$(mktemp -d /tmp/estuary-imapbench.XXXXXX)
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
if [ ! -f "$build/Makefile" ]; then
	say "configuring $build"
	(cd "$top" && { [ -x configure ] || autoreconf -fi >/dev/null 2>&1; })
	mkdir -p "$build"
	(cd "$build" && "$top/configure" >/dev/null)
fi
say "building and installing Estuary into $work/estuary/inst"
make -C "$build" -j"$(nproc)" >/dev/null
make -C "$build" install DESTDIR="$work/estuary/inst" >/dev/null
prefix=$(sed -n 's/^prefix = //p' "$build/Makefile")
est_sbin=$work/estuary/inst$prefix/sbin
est_libexec=$work/estuary/inst$prefix/libexec/estuary
[ -x "$est_libexec/imapd" ] || die "no imapd in the build: nothing to measure"

id estuary >/dev/null 2>&1 || useradd --system --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin estuary
owner_uid=$(id -u estuary) owner_gid=$(id -g estuary)

hash=$(doveadm pw -s SHA512-CRYPT -p benchpw) || die "doveadm pw failed"
case $hash in
'{SHA512-CRYPT}$6$'*) ;;
*) die "unexpected hash from doveadm pw: $hash" ;;
esac

users="big huge"
for i in $(seq 1 "$nusers"); do users="$users u$i"; done

est_port=$(free_port)
mkdir -p "$est_conf" "$work/estuary/var"
cat > "$est_conf/estuary.conf" <<CONF
daemon_directory = $est_libexec
state_directory = $work/estuary/var/lib
queue_dir = $work/estuary/var/spool
run_dir = $work/estuary/var/run
mail_owner = estuary
myhostname = bench.localhost
imapd_plaintext_auth = yes
CONF
cat > "$est_conf/services.conf" <<CONF
control  control  -                       4   1  100   admind
imap     inet     127.0.0.1:$est_port     $((nidle + 100)) 10 1000  imapd imap
CONF
"$est_sbin/estuary" -f -c "$est_conf" >"$work/estuary/master.log" 2>&1 &
est_master=$!
ctl() { "$est_sbin/estuaryctl" -c "$est_conf" "$@"; }
for _ in $(seq 1 100); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
ctl status >/dev/null || die "Estuary did not start (see $work/estuary/master.log)"
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

# --- Dovecot: private instances with their own base_dir and config
: > "$dc_dir/users"
for u in $users; do
	printf '%s@bench.test:%s\n' "$u" "$hash" >> "$dc_dir/users"
done
chmod 644 "$dc_dir/users"

# dc_start NAME LOGIN_SETTINGS IMAP_SETTINGS - start an instance on a free
# port (in dc_port); both serve the same Maildirs, each keeps its own
# indexes and control files (UID lists)
dc_start() {
	local name=$1 conf=$dc_dir/$1.conf
	dc_port=$(free_port)
	mkdir -p "$dc_dir/$name/run" "$dc_dir/$name/state" \
	    "$dc_dir/$name/index" "$dc_dir/$name/control"
	chown estuary: "$dc_dir/$name/index" "$dc_dir/$name/control"
	cat > "$conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dc_dir/$name/run
state_dir = $dc_dir/$name/state
log_path = $dc_dir/$name.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
first_valid_uid = $owner_uid
default_process_limit = $((nidle + 100))
default_client_limit = $((nidle * 2 + 100))
mail_location = maildir:$dc_dir/mail/%n:INDEX=$dc_dir/$name/index/%n:CONTROL=$dc_dir/$name/control/%n
mail_max_userip_connections = $((nidle + 10))
passdb {
  driver = passwd-file
  args = $dc_dir/users
}
userdb {
  driver = static
  args = uid=$owner_uid gid=$owner_gid home=$dc_dir/mail/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dc_port
  }
  inet_listener imaps {
    port = 0
  }
$2
}
service imap {
$3
}
protocol imap {
  mail_max_userip_connections = $((nidle + 10))
}
CONF
	doveconf -c "$conf" -n >"$dc_dir/$name.doveconf" 2>&1 ||
	    die "doveconf refused $conf: $(cat "$dc_dir/$name.doveconf")"
	dovecot -c "$conf" -F >"$dc_dir/$name.master.log" 2>&1 &
	dc_master="$dc_master $!"
	eval "dc_pid_$name=\$!"
}
dc_start default "" ""
dc_port_def=$dc_port
dc_start tuned "  service_count = 0
  process_min_avail = 2" "  service_count = 100
  process_min_avail = 4"
dc_port_fast=$dc_port

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

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { python3 -c "print('%.2f' % ($1/$2) if $2 else '-')"; }
row() {		# row LABEL EST DC DCT HIGHER-IS-BETTER
	if [ "$5" = 1 ]; then
		printf '%-30s %10s %10s %7s %10s %7s\n' "$1" "$2" "$3" \
		    "$(ratio "$2" "$3")" "$4" "$(ratio "$2" "$4")"
	else
		printf '%-30s %10s %10s %7s %10s %7s\n' "$1" "$2" "$3" \
		    "$(ratio "$3" "$2")" "$4" "$(ratio "$4" "$2")"
	fi
}

say "estuary: $est_sbin/estuary -f -c $est_conf (imap on 127.0.0.1:$est_port)"
say "dovecot: dovecot -c $dc_dir/default.conf -F (imap on 127.0.0.1:$dc_port_def)"
say "dc-tuned: dovecot -c $dc_dir/tuned.conf -F (imap on 127.0.0.1:$dc_port_fast)"
printf '%-30s %10s %10s %7s %10s %7s\n' case estuary dovecot ratio \
    dc-tuned ratio

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
	: > "$work/e" ; : > "$work/d" ; : > "$work/t"
	for _ in $(seq 1 "$runs"); do
		cl "$1" "$est_port" "$2" >> "$work/e" || die "$1 on estuary"
		cl "$1" "$dc_port_def" "$2" >> "$work/d" || die "$1 on dovecot"
		cl "$1" "$dc_port_fast" "$2" >> "$work/t" || die "$1 on dc-tuned"
	done
	case $1 in
	meta) label="UID FETCH 1:* FLAGS SIZE (ms)" ;;
	*) label="FETCH 200 bodies (ms)" ;;
	esac
	row "$label" "$(median < "$work/e")" "$(median < "$work/d")" \
	    "$(median < "$work/t")" 0
done

for n in 1 20; do
	: > "$work/e" ; : > "$work/d" ; : > "$work/t"
	for _ in $(seq 1 "$runs"); do
		cl login "$est_port" "$n" "$seconds" >> "$work/e"
		cl login "$dc_port_def" "$n" "$seconds" >> "$work/d"
		cl login "$dc_port_fast" "$n" "$seconds" >> "$work/t"
	done
	row "LOGIN SELECT LOGOUT $n cl (/s)" "$(median < "$work/e")" \
	    "$(median < "$work/d")" "$(median < "$work/t")" 1
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
echo " dovecot $(dovecot --version | cut -d' ' -f1) with Debian's service settings;"
echo " dc-tuned: imap-login service_count=0 process_min_avail=2,"
echo " imap service_count=100 process_min_avail=4)"
