# imap_clients.sh - imapd with real clients from Debian: curl over imap://
# with STARTTLS and over imaps:// (LIST, SEARCH, FETCH by UID and by
# sequence number with the exact stored bytes, APPEND by upload; no login
# without TLS), and mbsync (isync) synchronising a whole account both
# ways over imaps, with its certificate pinned: the first run copies
# every folder and message, the second transfers nothing (counters all 0,
# both sides unchanged), changes on either side (a delivery and a flag
# on the server; a new message, a flag and a new folder in the local
# Maildir) reach the other side, and the run after that is quiet again.
# mbsync checks the certificate's host name, so it connects to
# "localhost" (127.0.0.1 here) with the test certificate naming it.
# Mail arrives through smtpd.

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v curl >/dev/null || e2e_skip "curl is not installed"
command -v mbsync >/dev/null || e2e_skip "mbsync (isync) is not installed"
command -v python3 >/dev/null || e2e_skip "python3 is not installed"
[ -x "$ESTUARY_LIBEXEC/imapd" ] || e2e_skip "imapd is not built"

IMAP_PORT=$(e2e_port)
IMAPS_PORT=$(e2e_port)
SMTP_EXTRA_SERVICES="imap inet 127.0.0.1:$IMAP_PORT 10 1 100 imapd imap
imaps inet 127.0.0.1:$IMAPS_PORT 10 1 100 imapd imaps"
SMTP_CERT_SAN="DNS:mx.e2e.test,DNS:localhost,IP:127.0.0.1"
smtp_setup imapd_auth_fail_delay=0s
e2e_wait_for 10 e2e_workers_at_least imaps 1 || e2e_fail "no imaps worker"

# send TO SUBJECT - one message through smtpd
send() {
	python3 - "$SMTP_PORT" "$1" "$2" <<'PY' || e2e_fail "smtplib to $1"
import smtplib, sys
body = ("Subject: %s\r\nFrom: s@client.example\r\nTo: %s\r\n\r\n"
        "body of %s\r\n.a dot line\r\n\r\n" % (sys.argv[3], sys.argv[2],
                                                sys.argv[3])).encode()
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("s@client.example", [sys.argv[2]], body)
PY
}

# imap PY-STATEMENTS - run Python with an imaplib session M logged in as
# bob over imaps
imap() {
	python3 - "$IMAPS_PORT" "$1" <<'PY' || e2e_fail "imaplib: $1"
import imaplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx,
                      timeout=10)
M.login("bob@good.test", "pw-bob")
exec(sys.argv[2])
M.logout()
PY
}

send alice@good.test "curl one"
send alice@good.test "curl two"

# --- curl
CURL="curl -s -k --max-time 20 -u alice@good.test:pw-alice"
out=$($CURL --ssl-reqd "imap://127.0.0.1:$IMAP_PORT/") ||
    e2e_fail "curl imap LIST"
out=$(printf '%s' "$out" | tr -d '\r')
for f in INBOX Drafts Sent Trash Junk; do
	printf '%s\n' "$out" | grep -qE "^\* LIST \(.*\) \"/\" \"?$f\"?\$" ||
	    e2e_fail "curl LIST has no $f: $out"
done
out=$($CURL --ssl-reqd "imap://127.0.0.1:$IMAP_PORT/INBOX?SUBJECT%20curl") ||
    e2e_fail "curl imap SEARCH"
assert_eq "$(printf '%s' "$out" | tr -d '\r')" "* SEARCH 1 2" "curl SEARCH"
for uid in 1 2; do
	$CURL --ssl-reqd "imap://127.0.0.1:$IMAP_PORT/INBOX;UID=$uid" \
	    > "$E2E_DIR/uid.$uid" || e2e_fail "curl imap FETCH UID $uid"
	$CURL "imaps://127.0.0.1:$IMAPS_PORT/INBOX;MAILINDEX=$uid" \
	    > "$E2E_DIR/idx.$uid" || e2e_fail "curl imaps FETCH $uid"
done
for uid in 1 2; do
	f=$(grep -l "^Subject: curl $( [ $uid = 1 ] && echo one || echo two)\$" \
	    $(maildir_files alice good.test))
	crlf "$f" > "$E2E_DIR/want"
	cmp -s "$E2E_DIR/want" "$E2E_DIR/uid.$uid" ||
	    e2e_fail "curl imap UID=$uid differs from the stored $f"
	cmp -s "$E2E_DIR/want" "$E2E_DIR/idx.$uid" ||
	    e2e_fail "curl imaps MAILINDEX=$uid differs from the stored $f"
done
out=$($CURL --ssl-reqd "imap://127.0.0.1:$IMAP_PORT/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)") ||
    e2e_fail "curl imap FETCH SECTION"
assert_eq "$out" $'Subject: curl one\r\n\r' "curl SECTION=HEADER.FIELDS (SUBJECT)"
printf 'Subject: uploaded\r\nFrom: a@b.example\r\n\r\nup\r\n' > "$E2E_DIR/up"
$CURL "imaps://127.0.0.1:$IMAPS_PORT/Drafts" -T "$E2E_DIR/up" ||
    e2e_fail "curl imaps APPEND"
$CURL "imaps://127.0.0.1:$IMAPS_PORT/Drafts;UID=1" > "$E2E_DIR/got" ||
    e2e_fail "curl imaps FETCH of the upload"
cmp -s "$E2E_DIR/up" "$E2E_DIR/got" || e2e_fail "uploaded message differs"
out=$($CURL "imap://127.0.0.1:$IMAP_PORT/" 2>&1)
[ $? -ne 0 ] || e2e_fail "curl without TLS logged in: $out"
out=$(curl -s -k --max-time 20 -u alice@good.test:wrong \
    "imaps://127.0.0.1:$IMAPS_PORT/" 2>&1)
[ $? = 67 ] || e2e_fail "curl with a wrong password: exit $?, want 67"
e2e_note "curl: LIST, SEARCH, FETCH by UID and index, APPEND; exact bytes"

# --- mbsync, both ways, with bob's account
for i in 1 2 3; do send bob@good.test "sync $i"; done
imap 'M.create("Projects"); M.create("Projects/2024")
for i in (1, 2):
    M.append("Projects/2024", r"(\Seen)", None,
             b"Subject: pj %d\r\nFrom: x@y.example\r\n\r\npj\r\n" % i)
M.select("INBOX"); M.store("2", "+FLAGS", r"(\Flagged)")'

MB=$E2E_DIR/mb
mkdir -p "$MB/mail"
cat > "$MB/mbsyncrc" <<RC
IMAPAccount estuary
Host localhost
Port $IMAPS_PORT
User bob@good.test
Pass pw-bob
SSLType IMAPS
CertificateFile $E2E_DIR/tls/cert.pem
Timeout 20

IMAPStore remote
Account estuary

MaildirStore local
Path $MB/mail/
Inbox $MB/mail/INBOX
SubFolders Verbatim

Channel bob
Far :remote:
Near :local:
Patterns *
Create Both
Remove None
Expunge Both
SyncState *
Sync All
RC

# run_mbsync - one run (verbose, with the IMAP conversation) into $MB/out
run_mbsync() {
	HOME=$MB timeout 50 mbsync -c "$MB/mbsyncrc" -V -Dn -a > "$MB/out" 2>&1 ||
	    { cat "$MB/out" >&2; e2e_fail "mbsync failed"; }
	cat "$MB/out" >> "$MB/all"
}

# snapshot - both sides: folder, subject and flags of every message
snapshot() {
	python3 - "$IMAPS_PORT" "$MB/mail" <<'PY' || e2e_fail "snapshot"
import email, imaplib, os, re, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
M.login("bob@good.test", "pw-bob")
server = []
typ, lst = M.list()
for l in lst:
    name = re.match(rb'\(.*?\) "/" "?(.*?)"?$', l).group(1).decode()
    if name.startswith(".") or b"\\Noselect" in l:
        continue
    M.select('"%s"' % name, readonly=True)
    typ, dat = M.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for d in dat:
        if not isinstance(d, tuple):
            continue
        fl = sorted(f.decode() for f in imaplib.ParseFlags(d[0])
                    if f != b"\\Recent")
        subj = d[1].decode().strip()
        server.append("server %s %s %s" % (name, subj, " ".join(fl)))
    M.close()
M.logout()
local = []
root = sys.argv[2]
letters = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered",
           "S": "\\Seen", "T": "\\Deleted"}
for dirpath, dirs, files in os.walk(root):
    if os.path.basename(dirpath) not in ("cur", "new"):
        continue
    folder = os.path.relpath(os.path.dirname(dirpath), root)
    for n in files:
        with open(os.path.join(dirpath, n), "rb") as f:
            msg = email.message_from_binary_file(f)
        info = n.split(":2,", 1)[1] if ":2," in n else ""
        fl = sorted(letters[c] for c in info if c in letters)
        local.append("local %s Subject: %s %s" % (folder, msg["Subject"],
                                                    " ".join(fl)))
for l in sorted(server) + sorted(local):
    print(l.rstrip())
PY
}

# same_sides FILE - the server's and the local lines in FILE agree
same_sides() {
	diff <(sed -n 's/^server //p' "$1") <(sed -n 's/^local //p' "$1") \
	    >&2 || e2e_fail "server and local Maildir differ ($1)"
}

# quiet - the last run transferred nothing: no command that writes to
# the server or fetches a message, and the local Maildir's files (whose
# names carry the flags) are the ones before the run
quiet() {
	if grep -E '(^|\) )>>> [0-9]+ (APPEND|UID STORE|STORE|UID EXPUNGE|EXPUNGE|CREATE|DELETE|RENAME|UID MOVE|MOVE)|BODY\.PEEK\[\]|RFC822' \
	    "$MB/out" >&2; then
		e2e_fail "mbsync transferred something on a run that should be quiet"
	fi
	grep -qE '^>>> [0-9]+ ' "$MB/out" ||
	    e2e_fail "no IMAP conversation in mbsync's output (-Dn)"
	(cd "$MB/mail" && find . -type f ! -name '.*' | sort) > "$MB/files.after"
	diff "$MB/files.before" "$MB/files.after" >&2 ||
	    e2e_fail "the quiet run changed the local Maildir"
}
local_files() {
	(cd "$MB/mail" && find . -type f ! -name '.*' | sort) > "$MB/files.before"
}

run_mbsync
snapshot > "$MB/snap.1"
same_sides "$MB/snap.1"
[ "$(grep -c '^local ' "$MB/snap.1")" = 5 ] ||
    { cat "$MB/snap.1" >&2; e2e_fail "want 5 messages locally after the first run"; }
grep -q '^local INBOX Subject: sync 2 \\Flagged$' "$MB/snap.1" ||
    e2e_fail "the server's \\Flagged did not reach the Maildir"
for f in $(maildir_files bob good.test); do
	s=$(sed -n 's/^Subject: //p' "$f" | head -1)
	l=$(grep -l "^Subject: $s\$" "$MB"/mail/INBOX/*/*) ||
	    e2e_fail "no local copy of '$s'"
	# mbsync marks what it copies with an X-TUID: header
	grep -v '^X-TUID: ' "$l" | cmp -s "$f" - ||
	    e2e_fail "local copy of '$s' differs from the store"
done
e2e_note "mbsync: first run copied 5 messages in 3 folders"

local_files
run_mbsync
quiet
snapshot > "$MB/snap.2"
diff "$MB/snap.1" "$MB/snap.2" >&2 || e2e_fail "the second run changed something"
e2e_note "mbsync: the second run transferred nothing"

# changes on both sides
send bob@good.test "sync 4"
imap 'M.select("INBOX"); M.store("1", "+FLAGS", r"(\Seen)")'
n=$(ls "$MB/mail/INBOX/cur" "$MB/mail/INBOX/new" | grep -c .)
printf 'Subject: from local\nFrom: bob@good.test\n\nwritten locally\n' \
    > "$MB/mail/INBOX/new/$(date +%s).local1.host"
f=$(grep -l '^Subject: sync 3$' "$MB"/mail/INBOX/*/*)
case $f in
*:2,*) mv "$f" "${f%%:2,*}:2,F${f##*:2,}" ;;
*) mv "$f" "$MB/mail/INBOX/cur/$(basename "$f"):2,F" ;;
esac
mkdir -p "$MB/mail/Local/cur" "$MB/mail/Local/new" "$MB/mail/Local/tmp"
printf 'Subject: in a new folder\n\nx\n' > "$MB/mail/Local/new/$(date +%s).l2.host"
run_mbsync
snapshot > "$MB/snap.3"
same_sides "$MB/snap.3"
grep -q '^server INBOX Subject: from local$' "$MB/snap.3" ||
    e2e_fail "the local message did not reach the server"
grep -q '^server INBOX Subject: sync 3 \\Flagged$' "$MB/snap.3" ||
    e2e_fail "the local \\Flagged did not reach the server"
grep -q '^server Local Subject: in a new folder$' "$MB/snap.3" ||
    e2e_fail "the local folder did not reach the server"
grep -q '^local INBOX Subject: sync 4$' "$MB/snap.3" ||
    e2e_fail "the new delivery did not reach the Maildir"
grep -q '^local INBOX Subject: sync 1 \\Seen$' "$MB/snap.3" ||
    e2e_fail "the server's \\Seen did not reach the Maildir"
local_files
run_mbsync
quiet
snapshot > "$MB/snap.4"
diff "$MB/snap.3" "$MB/snap.4" >&2 || e2e_fail "the fourth run changed something"
e2e_note "mbsync: changes on both sides synchronised, then quiet again"
