#!/usr/bin/env python3
# imap_commands.py - RFC 3501 and extension checks for imap_commands.sh,
# with Python's imaplib (the client real scripts use) and a raw client
# that sees every response line exactly. Arguments: IMAP_PORT IMAPS_PORT
# SMTP_PORT MAIL_DIR GROUP..., where each GROUP is one of the check
# functions below (see GROUPS at the end). Every check compares exact
# response lines, codes, data and bytes; the first mismatch exits 1 with
# what was got and wanted; a failing group is reported and the next one
# runs (exit 1 at the end).
#
# Users (made by smtp_lib.sh): alice@good.test / pw-alice, bob / pw-bob,
# carol (inactive), x@sleepy.test (inactive domain), nina@nosmtp.test
# (imap not allowed), tiny@good.test / pw (quota 2k). Mail is delivered
# through smtpd; folders are made and filled over IMAP.
import base64, calendar, imaplib, os, re, smtplib, socket, ssl, sys, time

IMAP, IMAPS, SMTP = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
MAIL_DIR = sys.argv[4]
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
A_USER, A_PW = "alice@good.test", "pw-alice"
B_USER, B_PW = "bob@good.test", "pw-bob"
CURRENT = ["?"]

class Fail(Exception):
    pass

def fail(msg):
    raise Fail(msg)

def eq(got, want, what):
    if got != want:
        fail("%s: got %r, want %r" % (what, got, want))

def true(cond, what):
    if not cond:
        fail(what)

# --- a raw client: exact lines, literals kept inline

class Raw:
    def __init__(self, port, tls=False):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.s = CTX.wrap_socket(s) if tls else s
        self.buf = b""
        self.n = 0
        self.greeting = self.line()

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed by the server")
        self.buf += d

    def line(self):
        """one line without its CR LF"""
        while b"\r\n" not in self.buf:
            self.fill()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def read(self, n):
        while len(self.buf) < n:
            self.fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def response(self):
        """one response with its literals inline (CR LF after a
        literal's announcement kept, final CR LF dropped)"""
        out = b""
        while True:
            l = self.line()
            out += l
            m = re.search(rb"\{(\d+)\}$", l)
            if not m:
                return out
            out += b"\r\n" + self.read(int(m.group(1)))

    def send(self, data):
        self.s.sendall(data)

    def tag(self):
        self.n += 1
        return b"a%d" % self.n

    def cmd(self, *parts):
        """send a command (parts after the first follow a synchronising
        literal announced at the end of the previous part, or a
        non-synchronising one); returns (untagged list, tagged line
        without the tag)"""
        t = self.tag()
        parts = [p.encode() if isinstance(p, str) else p for p in parts]
        data = t + b" " + parts[0]
        for p in parts[1:]:
            if data.endswith(b"+}"):
                self.send(data + b"\r\n")
            else:
                self.send(data + b"\r\n")
                c = self.response()
                if not c.startswith(b"+"):
                    return [], c
            data = p
        self.send(data + b"\r\n")
        return self.until(t)

    def until(self, t):
        unt = []
        while True:
            r = self.response()
            if r.startswith(t + b" "):
                return unt, r[len(t) + 1:]
            unt.append(r)

    def ok(self, *parts):
        unt, tagged = self.cmd(*parts)
        if not tagged.startswith(b"OK"):
            fail("%r: tagged %r, want OK (untagged %r)" % (parts[0], tagged,
                                                          unt[:5]))
        return unt, tagged

    def status(self, want, *parts):
        """the command answers tagged WANT (b"NO", b"BAD", b"NO [X]")"""
        unt, tagged = self.cmd(*parts)
        if not tagged.startswith(want):
            fail("%r: tagged %r, want %r" % (parts[0], tagged, want))
        return unt, tagged

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass

def raw_login(user=A_USER, pw=A_PW):
    r = Raw(IMAPS, tls=True)
    r.ok('LOGIN "%s" "%s"' % (user, pw))
    return r

# --- IMAP data: a small parser for FETCH, STATUS, LIST ... data

def parse(data):
    """parse IMAP data into nested lists; strings and atoms as bytes,
    numbers as int, NIL as None"""
    pos = [0]
    def skip():
        while pos[0] < len(data) and data[pos[0]:pos[0] + 1] == b" ":
            pos[0] += 1
    def item():
        skip()
        c = data[pos[0]:pos[0] + 1]
        if c == b"(":
            pos[0] += 1
            lst = []
            while True:
                skip()
                if data[pos[0]:pos[0] + 1] == b")":
                    pos[0] += 1
                    return lst
                if pos[0] >= len(data):
                    raise ValueError("unterminated list in %r" % data)
                lst.append(item())
        if c == b'"':
            i = pos[0] + 1
            out = b""
            while data[i:i + 1] != b'"':
                if data[i:i + 1] == b"\\":
                    i += 1
                out += data[i:i + 1]
                i += 1
            pos[0] = i + 1
            return out
        if c == b"{":
            m = re.compile(rb"\{(\d+)\}\r\n").match(data, pos[0])
            n = int(m.group(1))
            pos[0] = m.end() + n
            return data[m.end():m.end() + n]
        m = re.compile(rb"[^ ()\[]+(\[[^\]]*\](<[0-9.]+>)?)?").match(data, pos[0])
        if not m:
            raise ValueError("cannot parse %r at %d" % (data, pos[0]))
        pos[0] = m.end()
        a = m.group(0)
        if a == b"NIL":
            return None
        if re.fullmatch(rb"\d+", a):
            return int(a)
        return a
    out = []
    while True:
        skip()
        if pos[0] >= len(data):
            return out
        out.append(item())

def fetch_map(line):
    """b'* 3 FETCH (A x B y)' -> (3, {b'A': x, b'B': y})"""
    m = re.match(rb"\* (\d+) FETCH (.*)$", line, re.S)
    if not m:
        fail("not a FETCH response: %r" % line)
    lst = parse(m.group(2))[0]
    return int(m.group(1)), {lst[i].upper() if isinstance(lst[i], bytes)
                             else lst[i]: lst[i + 1]
                             for i in range(0, len(lst), 2)}

def fetches(unt):
    return [fetch_map(l) for l in unt if re.match(rb"\* \d+ FETCH ", l)]

def one_fetch(unt, what):
    f = fetches(unt)
    eq(len(f), 1, "FETCH responses to " + what)
    return f[0][1]

def untagged_num(unt, word):
    """numbers of '* n WORD' responses"""
    return [int(l.split()[1]) for l in unt
            if re.fullmatch(rb"\* \d+ " + word, l)]

def code(line, name):
    """the response code [NAME ...] of a line, as text after NAME"""
    m = re.search(rb"\[" + name + rb"(?: ([^\]]*))?\]", line)
    return None if m is None else (m.group(1) or b"")

def caps(line):
    m = re.search(rb"\[CAPABILITY ([^\]]*)\]", line)
    if m:
        return set(m.group(1).decode().upper().split())
    if line.startswith(b"* CAPABILITY "):
        return set(line[13:].decode().upper().split())
    return None

def cap_of(r):
    unt, _ = r.ok("CAPABILITY")
    cl = [l for l in unt if l.startswith(b"* CAPABILITY ")]
    eq(len(cl), 1, "CAPABILITY responses")
    return caps(cl[0])

def flagset(x):
    return set(f.decode().lower() for f in x)

def seqs(unt, word=b"SEARCH"):
    l = [x for x in unt if x.startswith(b"* " + word)]
    eq(len(l), 1, "%s responses in %r" % (word, unt))
    return sorted(int(n) for n in l[0].split(b"(")[0].split()[2:])

def expand_set(s):
    """b"1:3,5" -> [1, 2, 3, 5] (in the order given)"""
    out = []
    for part in s.split(b","):
        a, _, b = part.partition(b":")
        a, b = int(a), int(b or a)
        step = 1 if b >= a else -1
        out.extend(range(a, b + step, step))
    return out

def header_without(hdr, names):
    """the header (CR LF lines, no blank line) without fields names"""
    out, keep = [], True
    for l in hdr.split(b"\r\n"):
        if not l[:1] in (b" ", b"\t"):
            keep = l.split(b":")[0].strip().lower() not in names
        if keep:
            out.append(l + b"\r\n")
    return b"".join(out)

def list_map(unt, word=b"LIST"):
    """{name: (attrs lower-cased set, delimiter)} from LIST responses"""
    out = {}
    for l in unt:
        if not l.startswith(b"* " + word + b" "):
            continue
        attrs, delim, name = parse(l[len(word) + 3:])
        if isinstance(name, int):
            name = str(name).encode()
        out[name.decode()] = (set(a.decode().lower() for a in attrs), delim)
    return out

def deliver(rcpt, msg):
    with smtplib.SMTP("127.0.0.1", SMTP, timeout=10) as s:
        s.sendmail("sender@client.example", [rcpt], msg)

def stored_file(user, subject, folder=None):
    """the file of the one message with this Subject in user's folder"""
    d = os.path.join(MAIL_DIR, "good.test", user)
    if folder:
        d = os.path.join(d, "." + folder)
    hits = []
    for sub in ("new", "cur"):
        for n in os.listdir(os.path.join(d, sub)):
            p = os.path.join(d, sub, n)
            with open(p, "rb") as f:
                if re.search(rb"(?m)^Subject: " + re.escape(subject.encode())
                             + rb"$", f.read()):
                    hits.append(p)
    eq(len(hits), 1, "stored files with Subject %r" % subject)
    return hits[0]

def crlf(data):
    return re.sub(rb"\r?\n", b"\r\n", data)

def find_seq(r, subject):
    unt, _ = r.ok('SEARCH HEADER Subject "%s"' % subject)
    s = seqs(unt)
    eq(len(s), 1, "messages with Subject %r" % subject)
    return s[0]

CAPS_ALWAYS = {"IMAP4REV1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE",
               "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN",
               "SPECIAL-USE", "CONDSTORE", "QUOTA"}

# --- the groups

def g_greeting():
    """greeting, CAPABILITY in each state, NOOP, LOGOUT, unknown
    commands, commands in the wrong state"""
    r = Raw(IMAP)
    true(r.greeting.startswith(b"* OK"), "greeting %r" % r.greeting)
    c = cap_of(r)
    missing = CAPS_ALWAYS - c
    eq(missing, set(), "capabilities missing before login on imap")
    true("STARTTLS" in c, "no STARTTLS before TLS: %r" % c)
    true("LOGINDISABLED" in c, "no LOGINDISABLED before TLS: %r" % c)
    true("AUTH=PLAIN" not in c, "AUTH=PLAIN offered before TLS: %r" % c)
    g = caps(r.greeting)
    if g is not None:
        eq(g, c, "capabilities in the greeting and in CAPABILITY")
    unt, t = r.ok("NOOP")
    eq(unt, [], "untagged answers to NOOP before login")
    r.status(b"BAD", "FROBNICATE")
    r.status(b"BAD", "")
    for c in ("SELECT INBOX", "EXAMINE INBOX", "LIST \"\" *", "FETCH 1 FLAGS",
              "CREATE x", "STATUS INBOX (MESSAGES)", "IDLE", "CLOSE",
              "EXPUNGE", "UID FETCH 1 FLAGS", "NAMESPACE", "APPEND x {1+}"):
        unt, t = r.cmd(c) if not c.endswith("+}") else r.cmd(c, "x")
        true(t.startswith(b"BAD") or t.startswith(b"NO"),
             "%s before login answered %r" % (c, t))
    # LOGINDISABLED: LOGIN and AUTHENTICATE refused without TLS
    unt, t = r.cmd('LOGIN "%s" "%s"' % (A_USER, A_PW))
    true(t.startswith(b"NO") or t.startswith(b"BAD"),
         "LOGIN without TLS answered %r" % t)
    plain = base64.b64encode(b"\0" + A_USER.encode() + b"\0" + A_PW.encode())
    unt, t = r.cmd(b"AUTHENTICATE PLAIN " + plain)
    true(t.startswith(b"NO") or t.startswith(b"BAD"),
         "AUTHENTICATE without TLS answered %r" % t)
    unt, t = r.ok("LOGOUT")
    eq([l[:5] for l in unt], [b"* BYE"], "untagged answers to LOGOUT")
    try:
        r.s.settimeout(5)
        eq(r.s.recv(100), b"", "data after LOGOUT")
    except ConnectionResetError:
        pass
    # imaps: TLS from the start, no STARTTLS, LOGIN allowed
    r = Raw(IMAPS, tls=True)
    true(r.greeting.startswith(b"* OK"), "imaps greeting %r" % r.greeting)
    c = cap_of(r)
    eq(CAPS_ALWAYS - c, set(), "capabilities missing on imaps")
    true("AUTH=PLAIN" in c, "no AUTH=PLAIN on imaps: %r" % c)
    true("STARTTLS" not in c and "LOGINDISABLED" not in c,
         "STARTTLS/LOGINDISABLED on imaps: %r" % c)
    unt, t = r.cmd("STARTTLS")
    true(t.startswith(b"BAD") or t.startswith(b"NO"),
         "STARTTLS on imaps answered %r" % t)
    unt, t = r.ok('LOGIN "%s" "%s"' % (A_USER, A_PW))
    c2 = cap_of(r)
    eq(CAPS_ALWAYS - c2, set(), "capabilities missing after login")
    c = caps(t)
    if c is not None:
        eq(c, c2, "capabilities in LOGIN's OK and in CAPABILITY")
    for c in ("LOGIN a b", "AUTHENTICATE PLAIN"):
        r.status(b"BAD", c)
    for c in ("FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "SEARCH ALL",
              "CLOSE", "EXPUNGE", "COPY 1 Trash", "UID FETCH 1 FLAGS",
              "MOVE 1 Trash", "UNSELECT", "CHECK"):
        unt, t = r.cmd(c)
        true(t.startswith(b"BAD") or t.startswith(b"NO"),
             "%s without a selected mailbox answered %r" % (c, t))
    r.ok("LOGOUT")
    r.close()

def g_tls_auth():
    """STARTTLS, LOGIN results, AUTHENTICATE PLAIN with and without
    SASL-IR, imaplib's starttls/login/authenticate"""
    # imaplib: STARTTLS, then LOGIN
    m = imaplib.IMAP4("127.0.0.1", IMAP, timeout=10)
    true("LOGINDISABLED" in m.capabilities, "imaplib sees no LOGINDISABLED")
    typ, dat = m.starttls(CTX)
    eq(typ, "OK", "imaplib starttls")
    true("AUTH=PLAIN" in m.capabilities and
         "LOGINDISABLED" not in m.capabilities,
         "capabilities after STARTTLS: %r" % (m.capabilities,))
    typ, dat = m.login(A_USER, A_PW)
    eq(typ, "OK", "imaplib login after STARTTLS")
    m.logout()
    # imaplib AUTHENTICATE PLAIN (continuation, no initial response)
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    typ, dat = m.authenticate("PLAIN", lambda _: b"\0" + A_USER.encode()
                              + b"\0" + A_PW.encode())
    eq(typ, "OK", "imaplib authenticate PLAIN")
    eq(m.state, "AUTH", "imaplib state after AUTHENTICATE")
    m.logout()
    # raw STARTTLS: the command after it is not read before the handshake
    s = socket.create_connection(("127.0.0.1", IMAP), timeout=10)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"s1 STARTTLS\r\ns2 NOOP\r\n")
    l = f.readline()
    true(l.startswith(b"s1 OK"), "STARTTLS answered %r" % l)
    try:
        t = CTX.wrap_socket(s)
        t.sendall(b"s3 NOOP\r\n")
        l = t.recv(1000)
        true(l.startswith(b"s3 OK"),
             "after STARTTLS a command sent before the handshake was "
             "answered (injection): %r" % l)
        t.close()
    except ssl.SSLError:
        pass		# refusing the handshake over injected bytes is fine
    s.close()
    # SASL-IR, and the two-step form, and cancelling, and bad base64
    r = Raw(IMAPS, tls=True)
    good = base64.b64encode(b"\0" + A_USER.encode() + b"\0" + A_PW.encode())
    r.status(b"NO [AUTHENTICATIONFAILED]", b"AUTHENTICATE PLAIN " +
             base64.b64encode(b"\0" + A_USER.encode() + b"\0wrong"))
    r.status(b"BAD", b"AUTHENTICATE PLAIN !!notbase64!!")
    unt, t = r.status(b"NO", b"AUTHENTICATE CRAM-MD5")
    r.send(b"c1 AUTHENTICATE PLAIN\r\n")
    eq(r.response()[:1], b"+", "continuation for AUTHENTICATE PLAIN")
    r.send(b"*\r\n")
    unt, t = r.until(b"c1")
    true(t.startswith(b"BAD"), "cancelled AUTHENTICATE answered %r" % t)
    r.send(b"c2 AUTHENTICATE PLAIN\r\n")
    eq(r.response(), b"+ ", "continuation for AUTHENTICATE PLAIN")
    r.send(good + b"\r\n")
    unt, t = r.until(b"c2")
    true(t.startswith(b"OK"), "two-step AUTHENTICATE answered %r" % t)
    r.ok("LOGOUT")
    r = Raw(IMAPS, tls=True)
    r.ok(b"AUTHENTICATE PLAIN " + good)
    r.ok("SELECT INBOX")
    r.ok("LOGOUT")
    # authzid equal to the user is fine, another user's is not
    r = Raw(IMAPS, tls=True)
    r.status(b"NO", b"AUTHENTICATE PLAIN " + base64.b64encode(
        B_USER.encode() + b"\0" + A_USER.encode() + b"\0" + A_PW.encode()))
    r.ok(b"AUTHENTICATE PLAIN " + base64.b64encode(
        A_USER.encode() + b"\0" + A_USER.encode() + b"\0" + A_PW.encode()))
    r.close()
    # LOGIN results
    for user, pw, want in (
            (A_USER, "wrong", b"NO [AUTHENTICATIONFAILED]"),
            ("nobody@good.test", "x", b"NO [AUTHENTICATIONFAILED]"),
            ("alice@nowhere.test", "x", b"NO [AUTHENTICATIONFAILED]"),
            ("carol@good.test", "pw", b"NO [AUTHENTICATIONFAILED]"),
            ("nina@nosmtp.test", "pw-nina", b"NO [AUTHENTICATIONFAILED]"),
            ("x@sleepy.test", "x", b"NO [UNAVAILABLE]")):
        r = Raw(IMAPS, tls=True)
        r.status(want, 'LOGIN "%s" "%s"' % (user, pw))
        r.close()
    # imaplib's error for a bad password
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    try:
        m.login(A_USER, "wrong")
        fail("imaplib login with a wrong password succeeded")
    except imaplib.IMAP4.error as e:
        true("[AUTHENTICATIONFAILED]" in str(e), "imaplib error %s" % e)
    m.login(A_USER.upper(), A_PW)	# address case does not matter
    m.logout()
    # literals in LOGIN: synchronising and LITERAL+
    r = Raw(IMAPS, tls=True)
    u, p = A_USER.encode(), A_PW.encode()
    r.ok(b"LOGIN {%d}" % len(u), u + b" {%d}" % len(p), p)
    r.ok("LOGOUT")
    r = Raw(IMAPS, tls=True)
    t = r.tag()
    r.send(t + b" LOGIN {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(u), u, len(p), p))
    unt, tagged = r.until(t)
    true(tagged.startswith(b"OK"), "LOGIN with LITERAL+ answered %r" % tagged)
    eq([l for l in unt if l.startswith(b"+")], [], "continuations for {n+}")
    r.ok("LOGOUT")

def g_select():
    """first login makes the special-use folders; SELECT / EXAMINE
    responses; RECENT; STATUS; CHECK; CLOSE; UNSELECT"""
    for i in (1, 2, 3):
        deliver("bob@good.test", ("From: Sender <s@client.example>\r\n"
                                  "To: bob@good.test\r\n"
                                  "Subject: sel %d\r\n\r\nbody %d\r\n"
                                  % (i, i)).encode())
    r = raw_login(B_USER, B_PW)
    unt, t = r.ok('LIST "" "*"')
    lm = list_map(unt)
    for name, use in (("Drafts", "\\drafts"), ("Sent", "\\sent"),
                      ("Trash", "\\trash"), ("Junk", "\\junk")):
        true(name in lm, "no %s after the first login: %r" % (name, lm))
        true(use in lm[name][0], "%s lacks %s: %r" % (name, use, lm[name]))
    true("INBOX" in lm, "no INBOX in LIST: %r" % lm)
    eq(set(d for _, d in lm.values()), {b"/"}, "hierarchy delimiters")
    unt, t = r.ok('LIST "" ""')
    eq(unt, [b'* LIST (\\Noselect) "/" ""'], 'LIST "" ""')
    unt, t = r.ok("SELECT INBOX")
    true(t.startswith(b"OK [READ-WRITE]"), "SELECT tagged %r" % t)
    eq(untagged_num(unt, b"EXISTS"), [3], "EXISTS after SELECT")
    eq(untagged_num(unt, b"RECENT"), [3], "RECENT after the first SELECT")
    fl = [l for l in unt if l.startswith(b"* FLAGS ")]
    eq(len(fl), 1, "FLAGS responses")
    true({"\\answered", "\\flagged", "\\deleted", "\\seen", "\\draft"} <=
         flagset(parse(fl[0][8:])[0]), "FLAGS %r" % fl[0])
    pf = [l for l in unt if code(l, b"PERMANENTFLAGS") is not None]
    eq(len(pf), 1, "PERMANENTFLAGS responses")
    pfs = flagset(parse(code(pf[0], b"PERMANENTFLAGS"))[0])
    true({"\\answered", "\\flagged", "\\deleted", "\\seen", "\\draft", "\\*"}
         <= pfs, "PERMANENTFLAGS %r" % pf[0])
    uv = [int(code(l, b"UIDVALIDITY")) for l in unt
          if code(l, b"UIDVALIDITY") is not None]
    eq(len(uv), 1, "UIDVALIDITY responses")
    true(uv[0] > 0, "UIDVALIDITY 0")
    un = [int(code(l, b"UIDNEXT")) for l in unt
          if code(l, b"UIDNEXT") is not None]
    eq(un, [4], "UIDNEXT after three deliveries")
    eq([int(code(l, b"UNSEEN")) for l in unt
        if code(l, b"UNSEEN") is not None], [1], "UNSEEN")
    hm = [int(code(l, b"HIGHESTMODSEQ")) for l in unt
          if code(l, b"HIGHESTMODSEQ") is not None]
    eq(len(hm), 1, "HIGHESTMODSEQ responses on SELECT")
    unt, t = r.ok("UID FETCH 1:* (FLAGS)")
    eq([(n, f[b"UID"], flagset(f[b"FLAGS"])) for n, f in fetches(unt)],
       [(1, 1, {"\\recent"}), (2, 2, {"\\recent"}), (3, 3, {"\\recent"})],
       "UID FETCH 1:* FLAGS in the first session")
    unt, t = r.ok("STORE 1 +FLAGS (\\Seen)")
    r.ok("CHECK")
    r.ok("LOGOUT")
    # the second session: nothing recent, UNSEEN moved, same UIDVALIDITY
    r = raw_login(B_USER, B_PW)
    unt, t = r.ok("EXAMINE INBOX")
    true(t.startswith(b"OK [READ-ONLY]"), "EXAMINE tagged %r" % t)
    eq(untagged_num(unt, b"EXISTS"), [3], "EXISTS after EXAMINE")
    eq([int(code(l, b"UIDVALIDITY")) for l in unt
        if code(l, b"UIDVALIDITY") is not None], uv, "UIDVALIDITY again")
    eq([int(code(l, b"UNSEEN")) for l in unt
        if code(l, b"UNSEEN") is not None], [2], "UNSEEN after \\Seen on 1")
    hm2 = [int(code(l, b"HIGHESTMODSEQ")) for l in unt
           if code(l, b"HIGHESTMODSEQ") is not None]
    true(hm2 and hm2[0] > hm[0], "HIGHESTMODSEQ %r did not grow from %r"
         % (hm2, hm))
    # EXAMINE: STORE refused, FETCH BODY[] does not set \Seen
    r.status(b"NO", "STORE 2 +FLAGS (\\Seen)")
    unt, t = r.ok("FETCH 2 (BODY[])")
    r.ok("NOOP")
    unt, t = r.ok("FETCH 2 (FLAGS)")
    eq(flagset(one_fetch(unt, "FETCH 2 FLAGS")[b"FLAGS"]) - {"\\recent"},
       set(),
       "flags of 2 after BODY[] under EXAMINE")
    # STATUS of the selected and another mailbox
    unt, t = r.ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")
    eq(len(unt), 1, "STATUS responses")
    st = parse(unt[0][9:])
    eq(st[0], b"INBOX", "STATUS mailbox name")
    d = dict(zip(st[1][0::2], st[1][1::2]))
    eq(d, {b"MESSAGES": 3, b"UIDNEXT": 4,
           b"UIDVALIDITY": uv[0], b"UNSEEN": 2}, "STATUS INBOX")
    unt, t = r.ok("STATUS Sent (MESSAGES UIDNEXT UNSEEN HIGHESTMODSEQ)")
    st = parse(unt[0][9:])
    d = dict(zip(st[1][0::2], st[1][1::2]))
    eq((d.get(b"MESSAGES"), d.get(b"UIDNEXT"), d.get(b"UNSEEN")),
       (0, 1, 0), "STATUS Sent")
    true(b"HIGHESTMODSEQ" in d, "STATUS without HIGHESTMODSEQ: %r" % d)
    r.status(b"NO", "STATUS Nonexistent (MESSAGES)")
    r.status(b"BAD", "STATUS INBOX (BOGUS)")
    # CLOSE under EXAMINE expunges nothing; CLOSE under SELECT does,
    # silently; UNSELECT does not
    r.ok("SELECT INBOX")
    r.ok("STORE 3 +FLAGS.SILENT (\\Deleted)")
    r.ok("EXAMINE INBOX")
    unt, t = r.ok("CLOSE")
    eq(unt, [], "untagged answers to CLOSE")
    unt, t = r.ok("SELECT INBOX")
    eq(untagged_num(unt, b"EXISTS"), [3], "EXISTS after CLOSE of EXAMINE")
    unt, t = r.ok("UNSELECT")
    eq(unt, [], "untagged answers to UNSELECT")
    r.status(b"BAD", "FETCH 1 FLAGS")
    unt, t = r.ok("SELECT INBOX")
    eq(untagged_num(unt, b"EXISTS"), [3], "EXISTS after UNSELECT")
    unt, t = r.ok("CLOSE")
    eq(unt, [], "untagged answers to CLOSE (expunging)")
    unt, t = r.ok("SELECT INBOX")
    eq(untagged_num(unt, b"EXISTS"), [2], "EXISTS after CLOSE expunged")
    r.status(b"NO", "SELECT Nonexistent")
    r.status(b"BAD", "FETCH 1 FLAGS")	# failed SELECT deselects
    r.ok("SELECT inbox")			# INBOX is case-insensitive
    r.ok("LOGOUT")

def g_folders():
    """CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB, patterns,
    \\HasChildren, modified UTF-7, names that try to leave the Maildir"""
    r = raw_login()
    gt = os.path.join(MAIL_DIR, "good.test")
    before = sorted(os.listdir(gt))
    parent_before = sorted(os.listdir(MAIL_DIR))
    r.ok("CREATE Projects")
    r.ok("CREATE Projects/2024")
    r.ok('CREATE "Projects/2025/Q1"')	# intermediate level made too
    r.ok("CREATE Archive/")			# trailing delimiter: Archive
    r.status(b"NO", "CREATE Projects")
    r.status(b"NO", "CREATE INBOX")
    r.status(b"NO", "CREATE inbox")
    unt, t = r.ok('LIST "" "*"')
    lm = list_map(unt)
    for n in ("Projects", "Projects/2024", "Projects/2025",
              "Projects/2025/Q1", "Archive"):
        true(n in lm, "%s missing from LIST *: %r" % (n, sorted(lm)))
    true("\\haschildren" in lm["Projects"][0], "Projects: %r" % (lm["Projects"],))
    true("\\hasnochildren" in lm["Projects/2024"][0],
         "Projects/2024: %r" % (lm["Projects/2024"],))
    true("\\haschildren" in lm["Projects/2025"][0],
         "Projects/2025: %r" % (lm["Projects/2025"],))
    unt, t = r.ok('LIST "" "%"')
    top = set(list_map(unt))
    true({"INBOX", "Projects", "Archive", "Drafts", "Sent", "Trash",
          "Junk"} <= top and not any("/" in n for n in top),
         "LIST %%: %r" % top)
    unt, t = r.ok('LIST "" "Projects/%"')
    eq(set(list_map(unt)), {"Projects/2024", "Projects/2025"},
       "LIST Projects/%")
    unt, t = r.ok('LIST "Projects/" "%"')
    eq(set(list_map(unt)), {"Projects/2024", "Projects/2025"},
       "LIST with a reference")
    unt, t = r.ok('LIST "" "Proj*"')
    eq(set(list_map(unt)), {"Projects", "Projects/2024", "Projects/2025",
                            "Projects/2025/Q1"}, "LIST Proj*")
    unt, t = r.ok('LIST "" "*20*"')
    eq(set(list_map(unt)), {"Projects/2024", "Projects/2025",
                            "Projects/2025/Q1"}, "LIST *20*")
    unt, t = r.ok('LIST "" "inbox"')
    eq(set(list_map(unt)), {"INBOX"}, "LIST inbox")
    unt, t = r.ok('LIST "" "nothing*"')
    eq(unt, [], "LIST with no match")
    # subscriptions
    r.ok("SUBSCRIBE Projects/2024")
    r.ok("SUBSCRIBE Archive")
    unt, t = r.ok('LSUB "" "*"')
    ls = list_map(unt, b"LSUB")
    true({"Projects/2024", "Archive"} <= set(ls), "LSUB *: %r" % ls)
    r.ok("UNSUBSCRIBE Archive")
    unt, t = r.ok('LSUB "" "*"')
    true("Archive" not in list_map(unt, b"LSUB"), "Archive still subscribed")
    # RENAME moves the children too; RENAME INBOX moves the messages
    r.ok("RENAME Projects Work")
    unt, t = r.ok('LIST "" "*"')
    lm = list_map(unt)
    true("Work/2024" in lm and "Work/2025/Q1" in lm and "Projects" not in lm
         and "Projects/2024" not in lm, "after RENAME: %r" % sorted(lm))
    r.status(b"NO", "RENAME Nonexistent Other")
    r.status(b"NO", "RENAME Work Archive")
    # DELETE
    r.ok("DELETE Work/2024")
    r.status(b"NO", "DELETE Work/2024")
    r.status(b"NO", "DELETE INBOX")
    unt, t = r.ok('LIST "" "Work*"')
    true("Work/2024" not in list_map(unt), "Work/2024 still listed")
    # modified UTF-7
    r.ok('CREATE "Entw&APw-rfe"')
    unt, t = r.ok('LIST "" "Entw*"')
    eq(set(list_map(unt)), {"Entw&APw-rfe"}, "LIST of an mUTF-7 name")
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    m.login(A_USER, A_PW)
    typ, dat = m.select('"Entw&APw-rfe"')
    eq((typ, dat), ("OK", [b"0"]), "imaplib select of Entw&APw-rfe")
    m.logout()
    for bad in ('"Entw&APw"', '"Entw&AAA-"', '"Ent&AGE-"', '"a&Jjo"'):
        unt, t = r.cmd("CREATE " + bad)
        true(t.startswith(b"NO") or t.startswith(b"BAD"),
             "CREATE %s (not modified UTF-7) answered %r" % (bad, t))
    # names that try to leave the Maildir or hide in it
    for bad in ('"../evil"', '"../../good.test/bob/x"', '"a/../../b"',
                '"/abs"', '"..evil"', '"Foo/../Bar"', '".hidden"',
                '"a//b"', '"x.y"', '"tmp/../../z"'):
        unt, t = r.cmd("CREATE " + bad)
        true(t.startswith(b"NO") or t.startswith(b"BAD"),
             "CREATE %s answered %r" % (bad, t))
        unt, t = r.cmd("SELECT " + bad)
        true(t.startswith(b"NO") or t.startswith(b"BAD"),
             "SELECT %s answered %r" % (bad, t))
        unt, t = r.cmd("RENAME Archive " + bad)
        true(t.startswith(b"NO") or t.startswith(b"BAD"),
             "RENAME Archive %s answered %r" % (bad, t))
    unt, t = r.cmd('SELECT "../bob"')
    true(t.startswith(b"NO") or t.startswith(b"BAD"),
         "SELECT ../bob answered %r" % t)
    eq(sorted(os.listdir(gt)), before, "entries of the domain directory")
    eq(sorted(os.listdir(MAIL_DIR)), parent_before, "entries of mail_dir")
    # a folder name as a literal
    r.ok(b"CREATE {6}", b"Lit\"x\\")
    unt, t = r.ok('LIST "" "Lit*"')
    eq(list(list_map(unt)), ['Lit"x\\'], "a name with quote and backslash")
    r.ok(b"DELETE {6+}", b"Lit\"x\\")
    r.ok("LOGOUT")

def g_append():
    """APPEND with flags and internal date, APPENDUID, literals, and
    the exact bytes back; TRYCREATE"""
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    m.login(A_USER, A_PW)
    msg = (b"From: Alice <alice@good.test>\r\nTo: bob@good.test\r\n"
           b"Subject: draft one\r\nDate: Fri, 05 Jan 2024 10:20:30 +0100\r\n"
           b"\r\nDraft body\r\nline 2\r\n")
    typ, dat = m.append("Drafts", r"(\Draft \Seen)",
                        '"05-Jan-2024 10:20:30 +0100"', msg)
    eq(typ, "OK", "imaplib append")
    au = re.search(rb"\[APPENDUID (\d+) (\d+)\]", dat[0])
    true(au, "no APPENDUID in %r" % dat)
    typ, dat = m.select("Drafts")
    eq(typ, "OK", "select Drafts")
    typ, dat = m.uid("FETCH", au.group(2).decode(),
                     "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    eq(typ, "OK", "uid fetch of the appended message")
    head = dat[0][0]
    eq(dat[0][1], msg, "BODY[] of the appended message")
    when = imaplib.Internaldate2tuple(head)
    eq(time.mktime(when), calendar.timegm(time.strptime(
        "2024-01-05 09:20:30", "%Y-%m-%d %H:%M:%S")),
       "INTERNALDATE of the appended message (%r)" % head)
    true(set(imaplib.ParseFlags(head)) - {b"\\Recent"} ==
         {b"\\Draft", b"\\Seen"},
         "flags of the appended message: %r" % head)
    true(re.search(rb"RFC822\.SIZE %d\b" % len(msg), head),
         "RFC822.SIZE in %r, want %d" % (head, len(msg)))
    typ, dat = m.response("UIDVALIDITY")
    eq(dat[0], au.group(1), "APPENDUID's UIDVALIDITY")
    m.logout()
    r = raw_login()
    # synchronising literal: continuation, then the message
    body = b"Subject: raw append\r\n\r\nraw\r\n"
    unt, t = r.ok(b"APPEND INBOX {%d}" % len(body), body)
    true(code(t, b"APPENDUID"), "APPEND without APPENDUID: %r" % t)
    # LITERAL+: no continuation
    t = r.tag()
    body2 = b"Subject: literal plus\r\n\r\nplus\r\n"
    r.send(t + b" APPEND INBOX (\\Flagged $Work) {%d+}\r\n" % len(body2)
           + body2 + b"\r\n")
    unt, tagged = r.until(t)
    true(tagged.startswith(b"OK"), "APPEND {n+} answered %r" % tagged)
    eq([l for l in unt if l.startswith(b"+")], [], "continuations for {n+}")
    uid = int(code(tagged, b"APPENDUID").split()[1])
    r.ok("SELECT INBOX")
    unt, t = r.ok("UID FETCH %d (FLAGS BODY.PEEK[])" % uid)
    f = one_fetch(unt, "UID FETCH of the LITERAL+ message")
    eq(flagset(f[b"FLAGS"]), {"\\flagged", "$work", "\\recent"},
       "flags of the LITERAL+ message")
    eq(f[b"BODY[]"], body2, "BODY[] of the LITERAL+ message")
    # the selected mailbox hears of its own APPEND
    unt, t = r.ok(b"APPEND INBOX {%d+}" % len(body), body)
    r.ok("NOOP")
    # a message without a blank line, and with a bare 8-bit byte
    odd = b"Subject: no body\r\nX-Bits: \xe4\r\n"
    unt, t = r.ok(b"APPEND INBOX {%d+}" % len(odd), odd)
    uid = int(code(t, b"APPENDUID").split()[1])
    unt, t = r.ok("UID FETCH %d (BODY.PEEK[] RFC822.SIZE)" % uid)
    f = one_fetch(unt, "UID FETCH of a message without a body")
    eq((f[b"BODY[]"], f[b"RFC822.SIZE"]), (odd, len(odd)),
       "a message without a body")
    r.status(b"NO [TRYCREATE]", b"APPEND Nowhere {%d+}" % len(body), body)
    r.status(b"BAD", b'APPEND INBOX "bad date" {%d+}' % len(body), body)
    r.ok("LOGOUT")

SEARCH_MSGS = [
    # subject, from, cc, date header, internal date, flags, body, extra
    ("alpha report", "Alice <alice@good.test>", None,
     "Sat, 01 Feb 2020 12:00:00 +0000", "01-Feb-2020 12:00:00 +0000",
     "(\\Seen)", "the quick brown fox\r\n", ""),
    ("beta", "Bob <bob@other.example>", None,
     "Mon, 15 Mar 2021 12:00:00 +0000", "15-Mar-2021 12:00:00 +0000",
     "(\\Flagged \\Answered)", "lazy dog\r\n" + "x" * 70 + "\r\n" * 1 +
     ("padding line " * 5 + "\r\n") * 25, "X-Custom: yes\r\n"),
    ("Gamma ALPHA", "carol@good.test", "Carol <carol@good.test>",
     "Fri, 10 Jun 2022 12:00:00 +0000", "10-Jun-2022 12:00:00 +0000",
     "($Label1)", "Fox in socks\r\n", ""),
    ("delta", "dave@far.example", None,
     "Sun, 01 Jan 2023 12:00:00 +0000", "01-Jan-2023 12:00:00 +0000",
     "(\\Deleted)", "a needle in the hay\r\n", ""),
    ("=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=", "eve@far.example", None,
     "Mon, 01 Jan 2024 12:00:00 +0000", "01-Jan-2024 12:00:00 +0000",
     "()", "hello\r\n", ""),
]

def search_box(r):
    """make and select SearchBox holding SEARCH_MSGS as UIDs 2..6"""
    r.ok("CREATE SearchBox")
    r.ok(b"APPEND SearchBox {3+}", b"x\r\n")	# UID 1, removed below
    for i, (subj, frm, cc, date, idate, flags, body, extra) in \
            enumerate(SEARCH_MSGS):
        msg = ("From: %s\r\nTo: Team <team@good.test>\r\n%sSubject: %s\r\n"
               "Date: %s\r\nMessage-ID: <s%d@e2e.test>\r\n%s\r\n%s"
               % (frm, "Cc: %s\r\n" % cc if cc else "", subj, date, i + 1,
                  extra, body)).encode()
        r.ok(b'APPEND SearchBox %s "%s" {%d+}' % (flags.encode(),
             idate.encode(), len(msg)), msg)
    r.ok("SELECT SearchBox")
    r.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    r.ok("UID EXPUNGE 1")

def g_search():
    """SEARCH with flags, headers, body text, dates, sizes, sets, OR,
    NOT, parentheses, UID SEARCH, CHARSET"""
    r = raw_login()
    search_box(r)
    unt, t = r.ok("FETCH 1:* (RFC822.SIZE)")
    sizes = {n: f[b"RFC822.SIZE"] for n, f in fetches(unt)}
    eq(sorted(sizes), [1, 2, 3, 4, 5], "messages in SearchBox")
    big = [n for n in sizes if sizes[n] > 1000]
    eq(big, [2], "only message 2 is over 1000 bytes")
    cases = [
        ("ALL", [1, 2, 3, 4, 5]),
        ("SEEN", [1]), ("UNSEEN", [2, 3, 4, 5]),
        ("FLAGGED", [2]), ("UNFLAGGED", [1, 3, 4, 5]),
        ("ANSWERED", [2]), ("UNANSWERED", [1, 3, 4, 5]),
        ("DELETED", [4]), ("UNDELETED", [1, 2, 3, 5]),
        ("DRAFT", []), ("UNDRAFT", [1, 2, 3, 4, 5]),
        ("KEYWORD $Label1", [3]), ("UNKEYWORD $Label1", [1, 2, 4, 5]),
        ("KEYWORD $Nothing", []),
        ("SUBJECT alpha", [1, 3]), ('SUBJECT "ALPHA REP"', [1]),
        ("FROM bob", [2]), ("FROM good.test", [1, 3]),
        ("CC carol", [3]), ("TO team", [1, 2, 3, 4, 5]), ("BCC x", []),
        ("HEADER Message-ID <s3@e2e.test>", [3]),
        ('HEADER X-Custom ""', [2]), ("HEADER X-Custom no", []),
        ("BODY fox", [1, 3]), ("BODY alpha", []), ("BODY NEEDLE", [4]),
        ("TEXT alpha", [1, 3]), ("TEXT needle", [4]),
        ("TEXT X-Custom", [2]),
        ("BEFORE 1-Jan-2021", [1]), ("BEFORE 1-Feb-2020", []),
        ("ON 15-Mar-2021", [2]), ("ON 14-Mar-2021", []),
        ("SINCE 10-Jun-2022", [3, 4, 5]), ("SINCE 11-Jun-2022", [4, 5]),
        ("SENTBEFORE 15-Mar-2021", [1]), ("SENTON 10-Jun-2022", [3]),
        ("SENTSINCE 1-Jan-2023", [4, 5]),
        ("LARGER 1000", [2]), ("SMALLER 1000", [1, 3, 4, 5]),
        ("LARGER %d" % sizes[2], []), ("SMALLER %d" % sizes[1], sorted(
            n for n in sizes if sizes[n] < sizes[1])),
        ("2:4", [2, 3, 4]), ("2,4:*", [2, 4, 5]), ("*", [5]),
        ("1:3 UNSEEN", [2, 3]),
        ("UID 2:3", [1, 2]), ("UID 6:*", [5]), ("UID 100:*", [5]),
        ("OR SEEN FLAGGED", [1, 2]), ("NOT SEEN", [2, 3, 4, 5]),
        ("NOT NOT SEEN", [1]), ("OR SUBJECT beta (FLAGGED SEEN)", [2]),
        ("OR (SEEN SUBJECT alpha) DELETED", [1, 4]),
        ("OR OR SEEN DELETED KEYWORD $Label1", [1, 3, 4]),
        ("NOT (OR SEEN DELETED)", [2, 3, 5]),
        ("UNDELETED SINCE 1-Jan-2021 NOT FROM carol", [2, 5]),
    ]
    for key, want in cases:
        unt, t = r.ok("SEARCH " + key)
        eq(seqs(unt), want, "SEARCH " + key)
    unt, t = r.ok("UID SEARCH SEEN")
    eq(seqs(unt), [2], "UID SEARCH SEEN (UIDs)")
    unt, t = r.ok("UID SEARCH UID 3:5 NOT DELETED")
    eq(seqs(unt), [3, 4], "UID SEARCH UID 3:5 NOT DELETED")
    unt, t = r.ok("SEARCH CHARSET US-ASCII SUBJECT beta")
    eq(seqs(unt), [2], "SEARCH CHARSET US-ASCII")
    s = "grüße".encode()
    unt, t = r.ok(b"SEARCH CHARSET UTF-8 SUBJECT {%d}" % len(s), s)
    eq(seqs(unt), [5], "SEARCH CHARSET UTF-8 SUBJECT grüße (encoded word)")
    r.status(b"NO [BADCHARSET", "SEARCH CHARSET X-NOPE SUBJECT beta")
    r.status(b"BAD", "SEARCH FROBNICATE")
    r.status(b"BAD", "SEARCH OR SEEN")
    r.status(b"BAD", "SEARCH BEFORE 32-Foo-2020")
    # imaplib's view
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    m.login(A_USER, A_PW)
    m.select("SearchBox", readonly=True)
    eq(m.search(None, "OR", "SEEN", "FLAGGED"), ("OK", [b"1 2"]),
       "imaplib search")
    eq(m.uid("SEARCH", None, "FROM", '"carol"'), ("OK", [b"4"]),
       "imaplib uid search")
    eq(m.search(None, "SUBJECT", '"no such"'), ("OK", [b""]),
       "imaplib search without hits")
    m.logout()
    r.ok("LOGOUT")

MP = (b"From: Mixer <mix@client.example>\r\n"
      b"To: alice@good.test, \"Bob B.\" <bob@good.test>\r\n"
      b"Subject: multipart one\r\n"
      b"Date: Tue, 02 Jan 2024 03:04:05 +0100\r\n"
      b"Message-ID: <mp1@client.example>\r\n"
      b"In-Reply-To: <orig@client.example>\r\n"
      b"MIME-Version: 1.0\r\n"
      b"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
      b"\r\n"
      b"preamble\r\n"
      b"--XX\r\n"
      b"Content-Type: text/plain; charset=utf-8\r\n"
      b"Content-Transfer-Encoding: quoted-printable\r\n"
      b"\r\n"
      b"Hello=20world\r\nsecond line\r\n"
      b"--XX\r\n"
      b"Content-Type: application/octet-stream; name=\"f.bin\"\r\n"
      b"Content-Disposition: attachment; filename=\"f.bin\"\r\n"
      b"Content-Transfer-Encoding: base64\r\n"
      b"\r\n"
      b"AAECAw==\r\n"
      b"--XX\r\n"
      b"Content-Type: application/pdf;\r\n"
      b" name*0=\"long\"; name*1=\"name.pdf\"\r\n"
      b"Content-Transfer-Encoding: base64\r\n"
      b"\r\n"
      b"JVBERg==\r\n"
      b"--XX\r\n"
      b"Content-Type: message/rfc822\r\n"
      b"\r\n"
      b"From: b@y.example\r\n"
      b"Subject: inner\r\n"
      b"\r\n"
      b"inner body\r\n"
      b"--XX--\r\n"
      b"epilogue\r\n")

def lc(x):
    """the tokens of a BODYSTRUCTURE that compare case-insensitively"""
    return x.lower() if isinstance(x, bytes) else x

def params(p):
    if p is None:
        return None
    return {lc(p[i]): p[i + 1] for i in range(0, len(p), 2)}

def check_bodystructure(bs):
    """the structure of MP (see there)"""
    true(isinstance(bs, list) and len(bs) >= 5, "BODYSTRUCTURE %r" % bs)
    parts = []
    for p in bs:
        if not isinstance(p, list):
            break
        parts.append(p)
    eq(len(parts), 4, "body parts of the multipart")
    sub = bs[len(parts)]
    eq(lc(sub), b"mixed", "multipart subtype")
    eq(params(bs[len(parts) + 1]), {b"boundary": b"XX"},
       "multipart parameters")
    text, binp, pdf, msg = parts
    eq([lc(x) for x in text[:3]], [b"text", b"plain", [b"charset",
                                   b"utf-8"]], "text part type")
    eq(text[3:5], [None, None], "text part id, description")
    eq(lc(text[5]), b"quoted-printable", "text part encoding")
    eq(text[6], len(b"Hello=20world\r\nsecond line"), "text part size")
    # lines count the line ends inside the part (the CR LF before a
    # boundary belongs to the boundary), as Dovecot counts them
    eq(text[7], 1, "text part lines")
    eq([lc(binp[0]), lc(binp[1]), params(binp[2])],
       [b"application", b"octet-stream", {b"name": b"f.bin"}],
       "attachment type")
    eq((lc(binp[5]), binp[6]), (b"base64", 8), "attachment encoding, size")
    # extension data: md5, disposition, language, location
    eq(lc(binp[8][0]), b"attachment", "disposition of the attachment")
    eq(params(binp[8][1]), {b"filename": b"f.bin"}, "disposition params")
    eq(params(pdf[2]), {b"name": b"longname.pdf"},
       "RFC 2231 continued parameter")
    eq([lc(msg[0]), lc(msg[1]), lc(msg[5])], [b"message", b"rfc822",
                                             b"7bit"], "message/rfc822")
    inner = b"From: b@y.example\r\nSubject: inner\r\n\r\ninner body"
    eq(msg[6], len(inner), "message/rfc822 size")
    env = msg[7]
    eq(env[0], None, "inner envelope date")
    eq(env[1], b"inner", "inner envelope subject")
    eq(env[2], [[None, None, b"b", b"y.example"]], "inner envelope from")
    eq((env[3], env[4]), (env[2], env[2]), "inner sender, reply-to")
    eq(env[5:10], [None] * 5, "inner to cc bcc in-reply-to message-id")
    ib = msg[8]
    eq([lc(ib[0]), lc(ib[1])], [b"text", b"plain"], "inner body type")
    eq(ib[6:8], [len(b"inner body"), 0], "inner body size, lines")
    eq(msg[9], 3, "message/rfc822 lines")

def g_fetch():
    """FETCH items with exact values, against a message delivered
    through smtpd and compared with the stored file"""
    deliver(A_USER, MP)
    simple = (b"From: Alice Example <alice@good.test>\r\n"
              b"To: bob@good.test\r\nSubject: simple fetch\r\n"
              b"Date: Wed, 03 Jan 2024 10:00:00 +0000\r\n"
              b"Message-ID: <sf@client.example>\r\n\r\n"
              b"0123456789abcdefghij\r\nsecond line\r\n")
    deliver(A_USER, simple)
    r = raw_login()
    r.ok("SELECT INBOX")
    n = find_seq(r, "simple fetch")
    path = stored_file("alice", "simple fetch")
    with open(path, "rb") as f:
        want = crlf(f.read())
    unt, t = r.ok("FETCH %d (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE UID)" % n)
    f = one_fetch(unt, "FETCH of the simple message")
    eq(f[b"RFC822.SIZE"], len(want), "RFC822.SIZE against the stored file")
    true("\\seen" not in flagset(f[b"FLAGS"]), "new message \\Seen")
    true(re.fullmatch(rb"[ 0-3]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d "
                      rb"[+-]\d{4}", f[b"INTERNALDATE"]),
         "INTERNALDATE %r" % f[b"INTERNALDATE"])
    idate = time.mktime(imaplib.Internaldate2tuple(
        b'INTERNALDATE "' + f[b"INTERNALDATE"] + b'"'))
    true(abs(idate - os.stat(path).st_mtime) < 120 and
         abs(idate - time.time()) < 600,
         "INTERNALDATE %r is not the delivery time" % f[b"INTERNALDATE"])
    eq(f[b"ENVELOPE"], [b"Wed, 03 Jan 2024 10:00:00 +0000",
                        b"simple fetch",
                        [[b"Alice Example", None, b"alice", b"good.test"]],
                        [[b"Alice Example", None, b"alice", b"good.test"]],
                        [[b"Alice Example", None, b"alice", b"good.test"]],
                        [[None, None, b"bob", b"good.test"]],
                        None, None, None, b"<sf@client.example>"],
       "ENVELOPE of the simple message")
    unt, t = r.ok("FETCH %d (BODY.PEEK[])" % n)
    eq(one_fetch(unt, "BODY.PEEK[]")[b"BODY[]"], want, "BODY.PEEK[] bytes")
    unt, t = r.ok("FETCH %d (FLAGS)" % n)
    true("\\seen" not in flagset(one_fetch(unt, "F")[b"FLAGS"]),
         "BODY.PEEK[] set \\Seen")
    hdr, body = want.split(b"\r\n\r\n", 1)
    unt, t = r.ok("FETCH %d (BODY.PEEK[HEADER.FIELDS (Subject)])" % n)
    eq(one_fetch(unt, "HEADER.FIELDS")[b"BODY[HEADER.FIELDS (SUBJECT)]"],
       b"Subject: simple fetch\r\n\r\n", "BODY.PEEK[HEADER.FIELDS (Subject)]")
    unt, t = r.ok("FETCH %d (BODY.PEEK[HEADER.FIELDS.NOT (Received "
                  "Subject Date From To)])" % n)
    eq(one_fetch(unt, "HFN")[b"BODY[HEADER.FIELDS.NOT (RECEIVED SUBJECT "
                             b"DATE FROM TO)]"],
       header_without(hdr, (b"received", b"subject", b"date", b"from",
                            b"to")) + b"\r\n", "HEADER.FIELDS.NOT")
    unt, t = r.ok("FETCH %d (BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
                  "RFC822.HEADER)" % n)
    f = one_fetch(unt, "HEADER TEXT")
    eq(f[b"BODY[HEADER]"], hdr + b"\r\n\r\n", "BODY[HEADER]")
    eq(f[b"RFC822.HEADER"], hdr + b"\r\n\r\n", "RFC822.HEADER")
    eq(f[b"BODY[TEXT]"], body, "BODY[TEXT]")
    unt, t = r.ok("FETCH %d (BODY.PEEK[1]<0.10> BODY.PEEK[]<5.7> "
                  "BODY.PEEK[TEXT]<1000.10>)" % n)
    f = one_fetch(unt, "partial")
    eq(f[b"BODY[1]<0>"], b"0123456789", "BODY[1]<0.10>")
    eq(f[b"BODY[]<5>"], want[5:12], "BODY[]<5.7>")
    eq(f[b"BODY[TEXT]<1000>"], b"", "a partial past the end")
    unt, t = r.ok("FETCH %d (BODY[1]<0.10>)" % n)
    unt, t = r.ok("FETCH %d (FLAGS)" % n)
    true("\\seen" in flagset(one_fetch(unt, "F")[b"FLAGS"]),
         "FETCH BODY[1]<0.10> did not set \\Seen: %r" % unt)
    unt, t = r.ok("FETCH %d (BODYSTRUCTURE BODY)" % n)
    f = one_fetch(unt, "BODYSTRUCTURE of the simple message")
    bs = f[b"BODYSTRUCTURE"]
    eq([lc(x) for x in bs[:3]], [b"text", b"plain", [b"charset",
                                 b"us-ascii"]], "simple body type")
    eq(bs[3:5] + [lc(bs[5])] + bs[6:8], [None, None, b"7bit", len(body),
                                         2], "simple body fields")
    eq(f[b"BODY"], bs[:8], "BODY is BODYSTRUCTURE without extensions")
    # RFC822 and RFC822.TEXT set \Seen like BODY[]
    unt, t = r.ok("FETCH %d (RFC822.TEXT)" % n)
    eq(fetches(unt)[0][1].get(b"RFC822.TEXT"), body, "RFC822.TEXT")
    # the multipart message
    m = find_seq(r, "multipart one")
    with open(stored_file("alice", "multipart one"), "rb") as fh:
        mwant = crlf(fh.read())
    unt, t = r.ok("FETCH %d (BODYSTRUCTURE ENVELOPE BODY.PEEK[1] "
                  "BODY.PEEK[2] BODY.PEEK[2.MIME] BODY.PEEK[4.HEADER] "
                  "BODY.PEEK[4.TEXT] BODY.PEEK[4.1] BODY.PEEK[])" % m)
    f = one_fetch(unt, "FETCH of the multipart message")
    eq(f[b"BODY[]"], mwant, "multipart BODY[]")
    check_bodystructure(f[b"BODYSTRUCTURE"])
    env = f[b"ENVELOPE"]
    eq(env, [b"Tue, 02 Jan 2024 03:04:05 +0100", b"multipart one",
             [[b"Mixer", None, b"mix", b"client.example"]],
             [[b"Mixer", None, b"mix", b"client.example"]],
             [[b"Mixer", None, b"mix", b"client.example"]],
             [[None, None, b"alice", b"good.test"],
              [b"Bob B.", None, b"bob", b"good.test"]],
             None, None, b"<orig@client.example>",
             b"<mp1@client.example>"], "multipart ENVELOPE")
    eq(f[b"BODY[1]"], b"Hello=20world\r\nsecond line", "BODY[1]")
    eq(f[b"BODY[2]"], b"AAECAw==", "BODY[2]")
    eq(f[b"BODY[2.MIME]"], b"Content-Type: application/octet-stream; "
       b"name=\"f.bin\"\r\nContent-Disposition: attachment; "
       b"filename=\"f.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
       "BODY[2.MIME]")
    eq(f[b"BODY[4.HEADER]"], b"From: b@y.example\r\nSubject: inner\r\n\r\n",
       "BODY[4.HEADER]")
    eq(f[b"BODY[4.TEXT]"], b"inner body", "BODY[4.TEXT]")
    eq(f[b"BODY[4.1]"], b"inner body", "BODY[4.1]")
    # macros and errors
    unt, t = r.ok("FETCH %d FAST" % n)
    eq(set(one_fetch(unt, "FAST")), {b"FLAGS", b"INTERNALDATE",
                                     b"RFC822.SIZE"}, "FETCH FAST")
    unt, t = r.ok("FETCH %d ALL" % n)
    eq(set(one_fetch(unt, "ALL")), {b"FLAGS", b"INTERNALDATE",
                                    b"RFC822.SIZE", b"ENVELOPE"}, "FETCH ALL")
    unt, t = r.ok("FETCH %d FULL" % n)
    eq(set(one_fetch(unt, "FULL")), {b"FLAGS", b"INTERNALDATE",
                                     b"RFC822.SIZE", b"ENVELOPE", b"BODY"},
       "FETCH FULL")
    r.status(b"BAD", "FETCH %d (BOGUS)" % n)
    r.status(b"BAD", "FETCH 0 FLAGS")
    r.status(b"BAD", "FETCH 1:x FLAGS")
    unt, t = r.cmd("FETCH 999999 FLAGS")
    true(t.startswith(b"BAD") or t.startswith(b"NO") or
         (t.startswith(b"OK") and fetches(unt) == []),
         "FETCH of a message that does not exist answered %r" % t)
    unt, t = r.ok("UID FETCH 999999 FLAGS")
    eq(fetches(unt), [], "UID FETCH of a UID that does not exist")
    # imaplib
    mm = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    mm.login(A_USER, A_PW)
    mm.select("INBOX", readonly=True)
    typ, dat = mm.fetch(str(m), "(RFC822)")
    eq((typ, dat[0][1]), ("OK", mwant), "imaplib fetch RFC822")
    mm.logout()
    r.ok("LOGOUT")

def g_store_copy():
    """STORE, COPY with COPYUID, MOVE, UID variants, EXPUNGE responses"""
    r = raw_login()
    r.ok("CREATE StoreBox")
    for i in range(1, 7):
        msg = b"Subject: store %d\r\n\r\nbody %d\r\n" % (i, i)
        r.ok(b"APPEND StoreBox {%d+}" % len(msg), msg)
    r.ok("SELECT StoreBox")
    unt, t = r.ok("STORE 1 +FLAGS (\\Flagged)")
    eq([(n, flagset(f[b"FLAGS"])) for n, f in fetches(unt)],
       [(1, {"\\flagged", "\\recent"})], "STORE +FLAGS answer")
    unt, t = r.ok("STORE 1:2 FLAGS (\\Seen $Work)")
    eq([(n, flagset(f[b"FLAGS"])) for n, f in fetches(unt)],
       [(1, {"\\seen", "$work", "\\recent"}),
        (2, {"\\seen", "$work", "\\recent"})], "STORE FLAGS answer")
    unt, t = r.ok("STORE 1 -FLAGS.SILENT ($Work)")
    eq(fetches(unt), [], "untagged answers to -FLAGS.SILENT")
    unt, t = r.ok("FETCH 1:2 (FLAGS)")
    eq([(n, flagset(f[b"FLAGS"])) for n, f in fetches(unt)],
       [(1, {"\\seen", "\\recent"}), (2, {"\\seen", "$work", "\\recent"})],
       "flags after -FLAGS.SILENT")
    unt, t = r.ok("UID STORE 3 +FLAGS (\\Answered)")
    f = fetches(unt)
    eq([(n, x.get(b"UID"), flagset(x[b"FLAGS"])) for n, x in f],
       [(3, 3, {"\\answered", "\\recent"})], "UID STORE answer has UID")
    r.status(b"BAD", "STORE 1 FROB (\\Seen)")
    unt, t = r.ok("UID STORE 99 +FLAGS (\\Seen)")
    eq(fetches(unt), [], "UID STORE of a missing UID")
    # COPY and COPYUID
    unt, t = r.ok("COPY 1:2 Trash")
    cu = code(t, b"COPYUID")
    true(cu, "COPY without COPYUID: %r" % t)
    v, src, dst = cu.split()
    eq(expand_set(src), [1, 2], "COPYUID source set")
    r.status(b"NO [TRYCREATE]", "COPY 1 Nowhere")
    unt, t = r.ok("UID COPY 3,5 Trash")
    v2, src2, dst2 = code(t, b"COPYUID").split()
    eq(v2, v, "COPYUID UIDVALIDITY")
    eq(sorted(expand_set(src2)), [3, 5], "UID COPY's COPYUID source set")
    eq(len(expand_set(dst2)), 2, "UID COPY's COPYUID destination set")
    unt, t = r.ok("STATUS Trash (MESSAGES)")
    eq(parse(unt[0][9:])[1][1], 4, "messages in Trash")
    r2 = raw_login()
    r2.ok("EXAMINE Trash")
    unt, t = r2.ok("UID FETCH %s (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"
                   % dst.decode())
    eq([(flagset(x[b"FLAGS"]) - {"\\recent"},
         x[b"BODY[HEADER.FIELDS (SUBJECT)]"]) for _, x in fetches(unt)],
       [({"\\seen"}, b"Subject: store 1\r\n\r\n"),
        ({"\\seen", "$work"}, b"Subject: store 2\r\n\r\n")],
       "copies keep their flags")
    r2.ok("LOGOUT")
    # MOVE: COPYUID untagged, EXPUNGE, then OK
    unt, t = r.ok("MOVE 2 Trash")
    true(any(code(l, b"COPYUID") for l in unt if l.startswith(b"* OK")),
         "MOVE without an untagged COPYUID: %r" % unt)
    eq(untagged_num(unt, b"EXPUNGE"), [2], "MOVE's EXPUNGE")
    unt, t = r.ok("UID MOVE 5:6 Junk")
    true(any(code(l, b"COPYUID") for l in unt), "UID MOVE: no COPYUID")
    ex = untagged_num(unt, b"EXPUNGE")
    eq(sorted(ex), [4, 4] if ex[0] == 4 else [4, 5], "UID MOVE's EXPUNGEs")
    unt, t = r.ok("UID FETCH 1:* (UID)")
    eq([(n, x[b"UID"]) for n, x in fetches(unt)], [(1, 1), (2, 3), (3, 4)],
       "UIDs after the moves")
    # EXPUNGE responses follow the renumbering; UID EXPUNGE only the set
    ex = []
    for i in (7, 8, 9):
        msg = b"Subject: store %d\r\n\r\nbody\r\n" % i
        unt, t = r.ok(b"APPEND StoreBox {%d+}" % len(msg), msg)
        ex += untagged_num(unt, b"EXISTS")
    unt, t = r.ok("NOOP")
    ex += untagged_num(unt, b"EXISTS")
    eq(ex[-1:], [6], "EXISTS after own APPENDs (at APPEND or NOOP)")
    unt, t = r.ok("FETCH 1:* (UID)")
    uids = [x[b"UID"] for _, x in fetches(unt)]
    r.ok("STORE 2,4,5 +FLAGS.SILENT (\\Deleted)")
    unt, t = r.ok("UID EXPUNGE %d" % uids[1])
    eq(untagged_num(unt, b"EXPUNGE"), [2], "UID EXPUNGE")
    left = uids[:1] + uids[2:]
    unt, t = r.ok("EXPUNGE")
    for n in untagged_num(unt, b"EXPUNGE"):
        del left[n - 1]
    eq(left, [uids[0], uids[2], uids[5]], "UIDs left after EXPUNGE")
    unt, t = r.ok("UID FETCH 1:* (UID)")
    eq([x[b"UID"] for _, x in fetches(unt)], left, "UID FETCH after EXPUNGE")
    # imaplib: store, copy, uid, expunge
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    m.login(A_USER, A_PW)
    eq(m.select("StoreBox")[0], "OK", "imaplib select")
    typ, dat = m.store("1", "+FLAGS", r"(\Deleted)")
    eq(typ, "OK", "imaplib store")
    typ, dat = m.copy("1", "Trash")
    true(typ == "OK", "imaplib copy %r" % dat)
    typ, dat = m.expunge()
    eq((typ, dat), ("OK", [b"1"]), "imaplib expunge")
    typ, dat = m.uid("MOVE", str(left[1]), "Trash")
    eq(typ, "OK", "imaplib uid move")
    typ, dat = m.uid("FETCH", "1:*", "(UID)")
    eq(dat, [b"1 (UID %d)" % left[2]], "imaplib uid fetch after the move")
    m.close()
    m.logout()
    r.ok("LOGOUT")

def g_extensions():
    """NAMESPACE, ID, ENABLE CONDSTORE with MODSEQ/CHANGEDSINCE/
    UNCHANGEDSINCE, GETQUOTAROOT/GETQUOTA"""
    r = raw_login()
    unt, t = r.ok("NAMESPACE")
    eq(len(unt), 1, "NAMESPACE responses")
    ns = parse(unt[0][12:])
    true(unt[0].startswith(b"* NAMESPACE ") and len(ns) == 3 and
         isinstance(ns[0], list) and len(ns[0]) == 1 and
         ns[0][0][1] == b"/" and ns[0][0][0] in (b"", b"INBOX/"),
         "NAMESPACE %r" % unt[0])
    unt, t = r.ok('ID ("name" "imap_commands.py" "version" "1")')
    true(len(unt) == 1 and unt[0].startswith(b"* ID "), "ID %r" % unt)
    idv = parse(unt[0][5:])[0]
    true(idv is None or (isinstance(idv, list) and len(idv) % 2 == 0),
         "ID data %r" % unt[0])
    r.ok("ID NIL")
    r.status(b"BAD", "ID (\"name\")")
    # CONDSTORE
    r.ok("CREATE ModBox")
    for i in (1, 2, 3):
        msg = b"Subject: mod %d\r\n\r\nx\r\n" % i
        r.ok(b"APPEND ModBox {%d+}" % len(msg), msg)
    unt, t = r.ok("ENABLE CONDSTORE")
    eq(unt, [b"* ENABLED CONDSTORE"], "ENABLE CONDSTORE")
    unt, t = r.ok("SELECT ModBox")
    hm = int(next(code(l, b"HIGHESTMODSEQ") for l in unt
                  if code(l, b"HIGHESTMODSEQ") is not None))
    unt, t = r.ok("FETCH 1:3 (MODSEQ)")
    ms = {n: x[b"MODSEQ"][0] for n, x in fetches(unt)}
    eq(max(ms.values()), hm, "HIGHESTMODSEQ is the largest MODSEQ")
    unt, t = r.ok("STORE 2 +FLAGS (\\Seen)")
    f = one_fetch(unt, "STORE with CONDSTORE")
    true(b"MODSEQ" in f and f[b"MODSEQ"][0] > hm,
         "STORE's FETCH lacks a new MODSEQ: %r" % unt)
    m2 = f[b"MODSEQ"][0]
    unt, t = r.ok("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % hm)
    eq([(n, flagset(x[b"FLAGS"]) - {"\\recent"}, x.get(b"MODSEQ"))
        for n, x in fetches(unt)], [(2, {"\\seen"}, [m2])],
       "FETCH CHANGEDSINCE")
    unt, t = r.ok("STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)" % hm)
    eq(code(t, b"MODIFIED"), b"2", "STORE UNCHANGEDSINCE: [MODIFIED 2]")
    unt, t = r.ok("FETCH 1:2 (FLAGS)")
    eq([flagset(x[b"FLAGS"]) - {"\\recent"} for _, x in fetches(unt)],
       [{"\\flagged"}, {"\\seen"}], "flags after UNCHANGEDSINCE")
    unt, t = r.ok("UID SEARCH MODSEQ %d" % (m2 + 1))
    eq(seqs(unt), [1], "SEARCH MODSEQ")
    unt, t = r.ok("STATUS INBOX (HIGHESTMODSEQ)")
    true(b"HIGHESTMODSEQ" in unt[0], "STATUS HIGHESTMODSEQ %r" % unt)
    r.ok("LOGOUT")
    # QUOTA: tiny has 2k; deliver something small first
    deliver("tiny@good.test", b"Subject: q\r\n\r\n" + b"q" * 500 + b"\r\n")
    r = raw_login("tiny@good.test", "pw")
    unt, t = r.ok("GETQUOTAROOT INBOX")
    qr = [l for l in unt if l.startswith(b"* QUOTAROOT ")]
    eq(len(qr), 1, "QUOTAROOT responses: %r" % unt)
    qrp = parse(qr[0][12:])
    eq(qrp[0], b"INBOX", "QUOTAROOT mailbox")
    eq(len(qrp), 2, "quota roots of INBOX")
    q = [l for l in unt if l.startswith(b"* QUOTA ")]
    eq(len(q), 1, "QUOTA responses")
    qp = parse(q[0][8:])
    eq(qp[0], qrp[1], "QUOTA root name")
    res = dict((qp[1][i], qp[1][i + 1:i + 3]) for i in range(0, len(qp[1]),
                                                            3))
    true(b"STORAGE" in res, "no STORAGE resource: %r" % q)
    true(res[b"STORAGE"][1] == 2 and 0 <= res[b"STORAGE"][0] <= 2,
         "STORAGE usage/limit %r, want (1, 2) KiB" % res[b"STORAGE"])
    unt, t = r.ok(b'GETQUOTA "' + qrp[1] + b'"')
    eq([l for l in unt if l.startswith(b"* QUOTA ")], q, "GETQUOTA")
    unt, t = r.cmd("SETQUOTA \"\" (STORAGE 100)")
    true(t.startswith(b"NO") or t.startswith(b"BAD"),
         "SETQUOTA by a user answered %r" % t)
    r.ok("LOGOUT")
    m = imaplib.IMAP4_SSL("127.0.0.1", IMAPS, ssl_context=CTX, timeout=10)
    m.login("tiny@good.test", "pw")
    typ, dat = m.getquotaroot("INBOX")
    eq(typ, "OK", "imaplib getquotaroot")
    m.logout()

def g_idle():
    """IDLE: a delivery through smtpd shows as EXISTS within 2 s, another
    session's flag change and expunge too; DONE ends it"""
    r = raw_login("bob@good.test", B_PW)
    unt, t = r.ok("SELECT INBOX")
    n = untagged_num(unt, b"EXISTS")[0]
    t = r.tag()
    r.send(t + b" IDLE\r\n")
    c = r.response()
    true(c.startswith(b"+"), "IDLE continuation %r" % c)
    t0 = time.time()
    deliver(B_USER, b"Subject: idle wake\r\n\r\nwake\r\n")
    r.s.settimeout(2.5)
    try:
        l = r.response()
    except socket.timeout:
        fail("no untagged response within 2.5 s of a delivery during IDLE")
    eq(l, b"* %d EXISTS" % (n + 1), "first response in IDLE")
    true(time.time() - t0 < 2.0 + 0.5, "EXISTS after %.2f s" %
         (time.time() - t0))
    # another session expunges
    o = raw_login("bob@good.test", B_PW)
    o.ok("SELECT INBOX")
    o.ok("STORE %d +FLAGS (\\Deleted)" % (n + 1))
    o.ok("EXPUNGE")
    got = []
    end = time.time() + 3
    while time.time() < end and b"* %d EXPUNGE" % (n + 1) not in got:
        r.s.settimeout(max(0.1, end - time.time()))
        try:
            got.append(r.response())
        except socket.timeout:
            break
    true(b"* %d EXPUNGE" % (n + 1) in got,
         "no EXPUNGE in IDLE after another session's EXPUNGE: %r" % got)
    o.ok("LOGOUT")
    r.s.settimeout(10)
    r.send(b"DONE\r\n")
    unt, tagged = r.until(t)
    true(tagged.startswith(b"OK"), "IDLE ended with %r" % tagged)
    r.status(b"BAD", "IDLE\r\nbogus")	# a wrong end line
    r.ok("LOGOUT")

def idle_wait(r, pred, secs):
    """responses in IDLE until pred(list) holds or secs passed"""
    got = []
    end = time.time() + secs
    while time.time() < end and not pred(got):
        r.s.settimeout(max(0.1, end - time.time()))
        try:
            got.append(r.response())
        except socket.timeout:
            break
    r.s.settimeout(10)
    return got

def g_concurrent():
    """two sessions on one mailbox see each other's flags, expunges and
    new messages at NOOP"""
    a = raw_login()
    a.ok("CREATE Shared")
    for i in range(1, 5):
        msg = b"Subject: shared %d\r\n\r\nx\r\n" % i
        a.ok(b"APPEND Shared {%d+}" % len(msg), msg)
    a.ok("SELECT Shared")
    b = raw_login()
    unt, t = b.ok("SELECT Shared")
    eq(untagged_num(unt, b"EXISTS"), [4], "B sees 4 messages")
    a.ok("STORE 2 +FLAGS (\\Flagged)")
    unt, t = b.ok("NOOP")
    eq([(n, flagset(x[b"FLAGS"]) - {"\\recent"}) for n, x in fetches(unt)],
       [(2, {"\\flagged"})], "B's NOOP after A's STORE")
    b.ok("STORE 3 +FLAGS (\\Seen)")
    unt, t = a.ok("NOOP")
    eq([(n, flagset(x[b"FLAGS"]) - {"\\recent"}) for n, x in fetches(unt)],
       [(3, {"\\seen"})], "A's NOOP after B's STORE")
    a.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
    unt, t = a.ok("EXPUNGE")
    eq(untagged_num(unt, b"EXPUNGE"), [1], "A's EXPUNGE")
    # B: FETCH/STORE/SEARCH must not renumber; NOOP reports the expunge
    unt, t = b.ok("FETCH 1:* (UID)")
    true(untagged_num(unt, b"EXPUNGE") == [],
         "EXPUNGE sent during FETCH: %r" % unt)
    unt, t = b.ok("NOOP")
    eq(untagged_num(unt, b"EXPUNGE"), [1], "B's NOOP after A's EXPUNGE")
    unt, t = b.ok("FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (Subject)])")
    eq([x[b"BODY[HEADER.FIELDS (SUBJECT)]"] for _, x in fetches(unt)],
       [b"Subject: shared %d\r\n\r\n" % i for i in (2, 3, 4)],
       "B's view after the expunge")
    msg = b"Subject: shared 5\r\n\r\nx\r\n"
    b.ok(b"APPEND Shared {%d+}" % len(msg), msg)
    unt, t = a.ok("NOOP")
    eq(untagged_num(unt, b"EXISTS"), [4], "A's NOOP after B's APPEND")
    # both expunge the same message: each sees it once
    a.ok("STORE 4 +FLAGS (\\Deleted)")
    b.ok("NOOP")
    unt, t = b.ok("EXPUNGE")
    eq(untagged_num(unt, b"EXPUNGE"), [4], "B's EXPUNGE")
    unt, t = a.ok("EXPUNGE")
    eq(untagged_num(unt, b"EXPUNGE"), [4], "A's EXPUNGE of the same")
    unt, t = a.ok("FETCH 1:* (UID)")
    ua = [x[b"UID"] for _, x in fetches(unt)]
    unt, t = b.ok("FETCH 1:* (UID)")
    eq([x[b"UID"] for _, x in fetches(unt)], ua, "both sessions agree")
    a.ok("LOGOUT")
    b.ok("LOGOUT")

def g_limits():
    """bad input: long lines, big literals, deep nesting, stray
    continuation data; the session survives or says BYE"""
    r = raw_login()
    r.status(b"BAD", "NOOP " + "x" * 200)
    unt, t = r.cmd(b"APPEND INBOX {999999999999}")
    true(t.startswith(b"NO") or t.startswith(b"BAD"),
         "a huge literal answered %r" % t)
    r.ok("NOOP")
    unt, t = r.cmd("SEARCH " + "(" * 200 + "ALL" + ")" * 200)
    true(t.startswith(b"BAD") or t.startswith(b"NO") or
         t.startswith(b"OK"), "deep nesting answered %r" % t)
    r.ok("NOOP")
    r.send(b"x" * 200000 + b"\r\n")
    got = []
    r.s.settimeout(5)
    try:
        while True:
            l = r.response()
            got.append(l)
            if not l.startswith(b"*") or l.startswith(b"* BYE"):
                break
    except (EOFError, ConnectionResetError, socket.timeout):
        pass
    true(got and (got[-1].startswith(b"* BYE") or b"BAD" in got[-1]),
         "a 200 KB line answered %r" % got[-3:])
    r.close()
    r = raw_login()
    r.ok("NOOP")
    r.ok("LOGOUT")

def g_rename_inbox():
    """RENAME INBOX moves its messages to the new mailbox and leaves
    INBOX empty (RFC 3501 6.3.5)"""
    deliver(A_USER, b"Subject: for rename\r\n\r\nx\r\n")
    r = raw_login()
    unt, t = r.ok("STATUS INBOX (MESSAGES)")
    n_inbox = parse(unt[0][9:])[1][1]
    true(n_inbox > 0, "no message in INBOX")
    r.ok("RENAME INBOX Old-Inbox")
    unt, t = r.ok("STATUS INBOX (MESSAGES)")
    eq(parse(unt[0][9:])[1][1], 0, "INBOX messages after RENAME INBOX")
    unt, t = r.ok("STATUS Old-Inbox (MESSAGES)")
    eq(parse(unt[0][9:])[1][1], n_inbox, "messages moved by RENAME INBOX")
    r.ok("LOGOUT")

def g_lsub():
    """LSUB with %: an unsubscribed parent of a subscribed child is
    listed with \\Noselect (RFC 3501 6.3.9)"""
    r = raw_login()
    r.ok("CREATE Parent/Child")
    r.ok("SUBSCRIBE Parent/Child")
    unt, t = r.ok('LSUB "" "Par%"')
    ls = list_map(unt, b"LSUB")
    eq(set(ls), {"Parent"}, 'LSUB "" "Par%"')
    true("\\noselect" in ls["Parent"][0],
         "LSUB %% of an unsubscribed parent needs \\Noselect: %r" % unt)
    r.ok("LOGOUT")

def g_recent():
    """\\Recent belongs to the first session that sees a message (RFC
    3501 2.3.2): a later session sees it without \\Recent, whether or
    not it was seen; SEARCH RECENT, NEW and OLD follow"""
    r = raw_login()
    r.ok("CREATE RecentBox")
    for i, fl in ((1, "(\\Seen)"), (2, "()"), (3, "()")):
        msg = b"Subject: recent %d\r\n\r\nx\r\n" % i
        r.ok(b"APPEND RecentBox %s {%d+}" % (fl.encode(), len(msg)), msg)
    unt, t = r.ok("SELECT RecentBox")
    eq(untagged_num(unt, b"RECENT"), [3], "RECENT in the first session")
    for key, want in (("RECENT", [1, 2, 3]), ("NEW", [2, 3]), ("OLD", [])):
        unt, t = r.ok("SEARCH " + key)
        eq(seqs(unt), want, "SEARCH %s in the first session" % key)
    r.ok("LOGOUT")
    r = raw_login()
    unt, t = r.ok("SELECT RecentBox")
    eq(untagged_num(unt, b"RECENT"), [0], "RECENT in the second session")
    unt, t = r.ok("FETCH 1:* (FLAGS)")
    true(all("\\recent" not in flagset(x[b"FLAGS"]) for _, x in fetches(unt)),
         "\\Recent in the second session: %r" % unt)
    for key, want in (("RECENT", []), ("NEW", []), ("OLD", [1, 2, 3])):
        unt, t = r.ok("SEARCH " + key)
        eq(seqs(unt), want, "SEARCH %s in the second session" % key)
    r.ok("LOGOUT")

def g_idle_flags():
    """IDLE reports another session's flag change promptly (within 3 s;
    deliveries and expunges wake IDLE at once)"""
    r = raw_login()
    r.ok(b"APPEND INBOX {14+}", b"Subject: i\r\n\r\n")
    r.ok("SELECT INBOX")
    t = r.tag()
    r.send(t + b" IDLE\r\n")
    true(r.response().startswith(b"+"), "IDLE continuation")
    o = raw_login()
    o.ok("SELECT INBOX")
    o.ok("STORE 1 +FLAGS (\\Flagged)")
    got = idle_wait(r, lambda g: any(b"FETCH" in x for x in g), 3)
    true(any(re.fullmatch(rb"\* 1 FETCH \(.*FLAGS \([^)]*\\Flagged[^)]*\).*\)",
                          g) for g in got),
         "no FETCH FLAGS within 3 s in IDLE after another session's "
         "STORE: %r" % got)
    o.ok("STORE 1 -FLAGS (\\Flagged)")
    o.ok("LOGOUT")
    r.send(b"DONE\r\n")
    r.until(t)
    r.ok("LOGOUT")

def g_status_recent():
    """STATUS RECENT counts what no session has claimed as \\Recent
    (RFC 3501 6.3.10); after g_recent nothing in RecentBox is"""
    r = raw_login()
    unt, t = r.ok("STATUS RecentBox (RECENT)")
    eq(len(unt), 1, "STATUS responses")
    eq(parse(unt[0][9:])[1], [b"RECENT", 0], "STATUS RecentBox RECENT")
    r.ok("LOGOUT")

GROUPS = {n[2:]: f for n, f in list(globals().items())
          if n[:2] == "g_" and callable(f)}

if __name__ == "__main__":
    failed = []
    for g in sys.argv[5:]:
        CURRENT[0] = g
        t0 = time.time()
        try:
            GROUPS[g]()
        except Fail as e:
            failed.append(g)
            print("FAIL [%s]: %s" % (g, e), file=sys.stderr)
            continue
        except Exception as e:
            import traceback
            traceback.print_exc()
            failed.append(g)
            print("FAIL [%s]: %s: %s" % (g, type(e).__name__, e),
                  file=sys.stderr)
            continue
        print("ok %s (%.1f s)" % (g, time.time() - t0))
    if failed:
        print("failed groups: " + " ".join(failed), file=sys.stderr)
        sys.exit(1)
