#!/usr/bin/env python3
# pop3_check.py - protocol checks for pop3_proto.sh with Python's poplib
# and raw sockets, against the installed suite. Arguments: POP3_PORT
# POP3S_PORT SMTP_PORT MAIL_DIR OWNER STEP, where STEP is "main" (every
# check below), "uidls FILE" (print alice's UIDL listing into FILE),
# "rapid" (50 connect/login/QUIT cycles, none meeting [IN-USE]),
# "halfclose" (commands sent, then shutdown(SHUT_WR): every reply still
# arrives) or "delay N" (with pop3d_login_delay N: LOGIN-DELAY announced
# in both states, a second login at once refused with [LOGIN-DELAY]).
# Every check compares exact replies and bytes; the first mismatch exits
# 1 with what was got and wanted.
import os, poplib, pwd, re, smtplib, socket, ssl, sys, time

POP3, POP3S, SMTP = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
MAIL_DIR, OWNER, STEP = sys.argv[4], sys.argv[5], sys.argv[6]
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
AUTHERR = b"-ERR [AUTH] Authentication failed"

def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def eq(got, want, what):
    if got != want:
        fail("%s: got %r, want %r" % (what, got, want))

def err_of(fn, *args):
    try:
        r = fn(*args)
    except poplib.error_proto as e:
        return e.args[0]
    fail("%s%r succeeded: %r" % (fn.__name__, args, r))

def stls_login(user, pw):
    p = poplib.POP3("127.0.0.1", POP3, timeout=10)
    p.stls(CTX)
    p.user(user)
    p.pass_(pw)
    return p

def pop3s_login(user, pw):
    p = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
    p.user(user)
    p.pass_(pw)
    return p

def login_retry(user, pw):
    # a dropped session's worker may not have seen the EOF yet
    for _ in range(50):
        try:
            return pop3s_login(user, pw)
        except poplib.error_proto as e:
            if b"[IN-USE]" not in e.args[0]:
                raise
            time.sleep(0.1)
    fail("mailbox of %s stays in use" % user)

def deliver(rcpt, body):
    with smtplib.SMTP("127.0.0.1", SMTP, timeout=10) as s:
        s.sendmail("sender@client.example", [rcpt], body)

def inbox_files(user):
    d = os.path.join(MAIL_DIR, "good.test", user)
    out = []
    for sub in ("new", "cur"):
        p = os.path.join(d, sub)
        if os.path.isdir(p):
            out += [os.path.join(p, f) for f in os.listdir(p)]
    return out

def crlf(data):
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)

def raw(port, lines, login=("alice@good.test", "pw-alice"), tls=True):
    """one implicit-TLS session: log in, send lines in one write, read
    until the connection is idle; returns the bytes after the login"""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = CTX.wrap_socket(s)
    f = s.makefile("rb")
    f.readline()
    s.sendall(("USER %s\r\nPASS %s\r\n" % login).encode())
    f.readline()
    r = f.readline()
    if not r.startswith(b"+OK"):
        fail("raw login: %r" % r)
    s.sendall(b"".join(l + b"\r\n" for l in lines))
    return s, f

def uidls(user, pw):
    p = login_retry(user, pw)
    r = p.uidl()[1]
    p.quit()
    return r

def half_close(port, data):
    """send data on a plain connection, half-close, read to EOF"""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        r = s.recv(65536)
        if not r:
            break
        got += r
    s.close()
    return got

if STEP == "uidls":
    with open(sys.argv[7], "w") as f:
        for l in uidls("alice@good.test", "pw-alice"):
            f.write(l.decode() + "\n")
    sys.exit(0)

if STEP == "rapid":
    # QUIT releases the lock before its reply: reconnecting at once works
    for i in range(50):
        q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
        q.user("alice@good.test")
        try:
            q.pass_("pw-alice")
        except poplib.error_proto as e:
            fail("cycle %d: login: %r" % (i + 1, e.args[0]))
        eq(q.quit()[:3], b"+OK", "cycle %d: QUIT" % (i + 1))
    print("ok: 50 connect/login/QUIT cycles, no [IN-USE]")
    sys.exit(0)

if STEP == "halfclose":
    capa = (rb"\+OK Capability list follows\r\n(?:[A-Z][^\r\n]*\r\n)*"
            rb"IMPLEMENTATION Estuary\r\n\.\r\n")
    greet = rb"\+OK Estuary POP3 ready <[^>]+>\r\n"
    got = half_close(POP3, b"CAPA\r\nQUIT\r\n")
    if not re.fullmatch(greet + capa + rb"\+OK Estuary POP3 server "
                        rb"signing off\r\n", got):
        fail("CAPA, QUIT, half-close: %r" % got)
    # no QUIT: end of input comes while the CAPA reply is buffered
    got = half_close(POP3, b"CAPA\r\n")
    if not re.fullmatch(greet + capa, got):
        fail("CAPA, half-close: %r" % got)
    print("ok: replies to a half-closed client arrive")
    sys.exit(0)

if STEP == "delay":
    n = int(sys.argv[7])
    q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
    eq(q.capa().get("LOGIN-DELAY"), [str(n)], "CAPA LOGIN-DELAY before login")
    q.user("tiny@good.test")
    q.pass_("pw")
    eq(q.capa().get("LOGIN-DELAY"), [str(n)], "CAPA LOGIN-DELAY after login")
    q.quit()
    q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
    q.user("tiny@good.test")
    eq(err_of(q.pass_, "pw"), b"-ERR [LOGIN-DELAY] Logins are allowed "
       b"once every %d seconds" % n, "second login at once")
    q.quit()
    print("ok: LOGIN-DELAY %d" % n)
    sys.exit(0)

# --- mail for alice: through smtpd, and straight into the Maildir
deliver("alice@good.test", b"Subject: one\r\n\r\nfirst body\r\n")
deliver("alice@good.test", b"Subject: dots\r\n\r\n.leading dot\r\n..two\r\n"
        b"end\r\n")
deliver("alice@good.test", "Subject: 8bit\r\nContent-Type: text/plain; "
        "charset=utf-8\r\n\r\ncaf\u00e9 \u00fcber\r\n".encode())
ent = pwd.getpwnam(OWNER) if os.getuid() == 0 else None
newdir = os.path.join(MAIL_DIR, "good.test", "alice", "new")
direct = (b"Subject: bare lf\nX-Bin: \xff\xfe\n\nline one\n.dot\nlast "
          b"line without newline")
path = os.path.join(newdir, "1700000000.direct.e2e")
with open(path, "wb") as f:
    f.write(direct)
if ent:
    os.chown(path, ent.pw_uid, ent.pw_gid)
files = sorted(inbox_files("alice"))
eq(len(files), 4, "files in alice's Maildir")
stored = sorted(open(p, "rb").read() for p in files)

# --- plaintext refused before STLS; APOP timestamp; STLS then login
p = poplib.POP3("127.0.0.1", POP3, timeout=10)
if not re.match(rb"^\+OK Estuary POP3 ready <\d+\.\d+\.[0-9a-f]+@"
                rb"mx\.e2e\.test>$", p.getwelcome()):
    fail("greeting: %r" % p.getwelcome())
caps = p.capa()
for c in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
          "STLS"):
    if c not in caps:
        fail("CAPA before STLS lacks %s: %r" % (c, caps))
if "USER" in caps or "SASL" in caps:
    fail("CAPA before STLS offers plaintext: %r" % caps)
eq(err_of(p.user, "alice@good.test"), b"-ERR [AUTH] Plaintext "
   b"authentication disallowed on non-secure connections; use STLS first",
   "USER before STLS")
eq(err_of(p._shortcmd, "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdy1hbGljZQ=="),
   b"-ERR [AUTH] Plaintext authentication disallowed on non-secure "
   b"connections; use STLS first", "AUTH PLAIN before STLS")
eq(err_of(p.apop, "alice@good.test", "pw-alice"), b"-ERR [AUTH] APOP is "
   b"not enabled for this account: use USER/PASS or AUTH PLAIN",
   "APOP without an APOP secret")
p.stls(CTX)
caps = p.capa()
if "USER" not in caps or caps.get("SASL") != ["PLAIN"] or "STLS" in caps:
    fail("CAPA after STLS: %r" % caps)
p.user("alice@good.test")
eq(p.pass_("pw-alice")[:17], b"+OK Logged in, 4 ", "login after STLS")
count, total = p.stat()
eq(count, 4, "STAT count")

# --- LIST sizes, RETR bytes and octet counts match the stored files
lst = p.list()[1]
sizes = [int(l.split()[1]) for l in lst]
eq(sum(sizes), total, "STAT size is the sum of LIST")
got = []
for i in range(1, 5):
    resp, lines, octets = p.retr(i)
    body = b"\r\n".join(lines) + b"\r\n"
    eq(resp, b"+OK %d octets" % sizes[i - 1], "RETR %d +OK" % i)
    # poplib counts what came, CR LF included, less the stuffing
    eq(octets, sizes[i - 1], "RETR %d octets sent against LIST" % i)
    got.append(body)
want = sorted(crlf(d) + (b"" if d.endswith(b"\n") else b"\r\n")
              for d in stored)
eq(sorted(got), want, "RETR contents (CR LF) against the Maildir files")
for d in stored:
    # no final newline (the file written straight into new/): RETR adds
    # CR LF, and LIST counts it
    n = len(crlf(d)) + (0 if d.endswith(b"\n") else 2)
    if n not in sizes:
        fail("no LIST size %d for a stored message" % n)

# --- TOP: the headers, the blank line, n body lines
idx = [i for i in range(4) if b"Subject: dots" in got[i]][0] + 1
resp, lines, _ = p.top(idx, 1)
eq(lines[-2:], [b"", b".leading dot"], "TOP n 1 ends with one body line")
resp, lines, _ = p.top(idx, 0)
eq(lines[-1], b"", "TOP n 0 ends with the blank line")
p.quit()

# --- byte-stuffing on the wire, pipelining: all replies in order
s, f = raw(POP3S, [b"RETR %d" % idx, b"STAT", b"UIDL %d" % idx, b"NOOP",
                   b"QUIT"])
data = f.read()
f.close()
s.close()
m = re.match(rb"\+OK (\d+) octets\r\n(.*?\r\n)\.\r\n\+OK 4 (\d+)\r\n"
             rb"\+OK %d (\S+)\r\n\+OK\r\n\+OK .*signing off.*\r\n$" % idx,
             data, re.S)
if not m:
    fail("pipelined RETR/STAT/UIDL/NOOP/QUIT: %r" % data)
if b"\r\n..leading dot\r\n...two\r\n" not in m.group(2):
    fail("dot lines not stuffed: %r" % m.group(2))
eq(int(m.group(1)), len(m.group(2)) - 2, "RETR octets = bytes less "
   "stuffing")

# --- login failures: one generic text; inactive domain; service
for user, pw in (("alice@good.test", "wrong"), ("nobody@good.test", "x"),
                 ("carol@good.test", "pw"), ("alice@nowhere.test", "x")):
    q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
    q.user(user)
    eq(err_of(q.pass_, pw), AUTHERR, "login %s" % user)
    q.quit()
q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
q.user("x@sleepy.test")
eq(err_of(q.pass_, "x"), b"-ERR [SYS/TEMP] Mail service for this domain "
   b"is temporarily unavailable", "inactive domain")
q.user("nina@nosmtp.test")
eq(err_of(q.pass_, "pw-nina"), AUTHERR, "pop3s not allowed for the domain")
q.quit()
q = stls_login("nina@nosmtp.test", "pw-nina")	# pop3 is allowed
q.quit()

# --- AUTH PLAIN over pop3s
q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
r = q._shortcmd("AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdy1hbGljZQ==")
eq(r[:17], b"+OK Logged in, 4 ", "AUTH PLAIN")
q.quit()

# --- one session per mailbox
a = pop3s_login("alice@good.test", "pw-alice")
b = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
b.user("alice@good.test")
eq(err_of(b.pass_, "pw-alice"), b"-ERR [IN-USE] Mailbox is locked by "
   b"another POP3 session", "second session")
# --- snapshot: mail arriving now is not shown to a
deliver("alice@good.test", b"Subject: late\r\n\r\nlate\r\n")
eq(a.stat()[0], 4, "snapshot STAT after a new delivery")
eq(len(a.uidl()[1]), 4, "snapshot UIDL after a new delivery")
a.quit()
b.user("alice@good.test")
b.pass_("pw-alice")
eq(b.stat()[0], 5, "a new session sees the new message")
b.quit()

# --- RSET unmarks; QUIT after RSET removes nothing
q = login_retry("alice@good.test", "pw-alice")
before = q.uidl()[1]
q.dele(1)
eq(err_of(q.retr, 1), b"-ERR Message 1 already deleted", "RETR deleted")
eq(q.stat()[0], 4, "STAT after DELE")
q.rset()
eq(q.stat()[0], 5, "STAT after RSET")
q.quit()
eq(uidls("alice@good.test", "pw-alice"), before, "UIDLs after RSET+QUIT")

# --- DELE and a dropped connection: nothing is expunged
s, f = raw(POP3S, [b"DELE 1", b"DELE 2"])
eq(f.readline(), b"+OK Message 1 deleted\r\n", "DELE 1")
eq(f.readline(), b"+OK Message 2 deleted\r\n", "DELE 2")
f.close()
s.close()
eq(uidls("alice@good.test", "pw-alice"), before, "UIDLs after a drop")
eq(len(inbox_files("alice")), 5, "files after a drop")

# --- DELE and QUIT: expunged, files gone, other UIDLs unchanged
q = login_retry("alice@good.test", "pw-alice")
q.dele(1)
eq(q.quit(), b"+OK Estuary POP3 server signing off (1 message removed)",
   "QUIT after DELE")
after = uidls("alice@good.test", "pw-alice")
eq([l.split()[1] for l in after], [l.split()[1] for l in before[1:]],
   "UIDLs after DELE+QUIT")
eq(len(inbox_files("alice")), 4, "files after DELE+QUIT")

# --- throttling: the limit (pop3d_auth_fail_limit = 12 in the test)
# counts per client address and per user; then even the right password
# is refused
n = 0
while True:
    q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
    q.user("bob@good.test")
    e = err_of(q.pass_, "wrong")
    q.quit()
    n += 1
    if e != AUTHERR:
        break
    if n > 20:
        fail("20 failed logins were never throttled")
eq(e, b"-ERR [SYS/TEMP] Too many failed logins, try again later",
   "throttled login")
q = poplib.POP3_SSL("127.0.0.1", POP3S, context=CTX, timeout=10)
q.user("bob@good.test")
eq(err_of(q.pass_, "pw-bob"), b"-ERR [SYS/TEMP] Too many failed logins, "
   b"try again later", "right password while throttled")
q.quit()
print("ok: %d failed logins before throttling" % (n - 1))
