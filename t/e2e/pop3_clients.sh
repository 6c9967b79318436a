# pop3_clients.sh - pop3d with real clients from Debian: curl over pop3://
# with STLS and over pop3s:// (LIST, RETR with the exact stored bytes),
# and fetchmail in keep mode with UIDLs, run twice: every message is
# downloaded exactly once, and a message delivered later only by the
# third run. Mail arrives through smtpd first.

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v curl >/dev/null || e2e_skip "curl is not installed"
command -v fetchmail >/dev/null || e2e_skip "fetchmail is not installed"
command -v python3 >/dev/null || e2e_skip "python3 is not installed"

POP3_PORT=$(e2e_port)
POP3S_PORT=$(e2e_port)
SMTP_EXTRA_SERVICES="pop3 inet 127.0.0.1:$POP3_PORT 10 1 100 pop3d pop3
pop3s inet 127.0.0.1:$POP3S_PORT 10 1 100 pop3d pop3s"
smtp_setup pop3d_auth_fail_delay=0s
e2e_wait_for 10 e2e_workers_at_least pop3s 1 || e2e_fail "no pop3s worker"

# send TO SUBJECT - one message through smtpd
send() {
	python3 - "$SMTP_PORT" "$1" "$2" <<'PY' || e2e_fail "smtplib to $1"
import smtplib, sys
body = ("Subject: %s\r\nFrom: s@client.example\r\n\r\nbody of %s\r\n"
        ".a dot line\r\n" % (sys.argv[3], sys.argv[3])).encode()
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.sendmail("s@client.example", [sys.argv[2]], body)
PY
}

send alice@good.test "curl one"
send alice@good.test "curl two"

# --- curl: LIST over STLS, RETR over pop3s, bytes compared with the store
CURL="curl -s -k --max-time 20"
list=$($CURL --ssl-reqd -u alice@good.test:pw-alice \
    "pop3://127.0.0.1:$POP3_PORT/") || e2e_fail "curl pop3 LIST"
files=$(maildir_files alice good.test)
want=""
for f in $files; do
	want+="$(( $(wc -c < "$f") + $(wc -l < "$f") ))"$'\n'
done
assert_eq "$(printf '%s' "$list" | tr -d '\r' | awk '{print $2}' | sort)" \
    "$(printf '%s' "$want" | sort)" "curl LIST sizes (stored size + LFs)"
assert_eq "$(printf '%s' "$list" | tr -d '\r' | awk '{print $1}' | tr '\n' ' ')" \
    "1 2 " "curl LIST numbers"
for i in 1 2; do
	$CURL -u alice@good.test:pw-alice "pop3s://127.0.0.1:$POP3S_PORT/$i" \
	    > "$E2E_DIR/retr.$i" || e2e_fail "curl pop3s RETR $i"
done
for f in $files; do
	crlf "$f" > "$E2E_DIR/want"
	if ! cmp -s "$E2E_DIR/want" "$E2E_DIR/retr.1" &&
	    ! cmp -s "$E2E_DIR/want" "$E2E_DIR/retr.2"; then
		e2e_fail "no RETR matches $f byte for byte"
	fi
done
out=$($CURL -u alice@good.test:pw-alice "pop3://127.0.0.1:$POP3_PORT/" 2>&1)
[ $? -ne 0 ] || e2e_fail "curl without TLS logged in: $out"
e2e_note "curl: LIST over STLS, RETR over pop3s, exact bytes"

# --- fetchmail, keep mode with UIDLs, twice
send bob@good.test "fm one"
send bob@good.test "fm two"
send bob@good.test "fm three"
mkdir -p "$E2E_DIR/fm/out"
cat > "$E2E_DIR/fm/rc" <<RC
set no bouncemail
poll 127.0.0.1 with proto POP3 port $POP3S_PORT uidl:
	user "bob@good.test" there with password "pw-bob" is "$(id -un)" here
	ssl no sslcertck keep
	mda "/bin/sh -c 'cat > \$(mktemp $E2E_DIR/fm/out/m.XXXXXX)'"
RC
chmod 600 "$E2E_DIR/fm/rc"
fm() {
	HOME=$E2E_DIR/fm timeout 30 fetchmail -f "$E2E_DIR/fm/rc" \
	    -i "$E2E_DIR/fm/ids" --nodetach --nosyslog -s >>"$E2E_DIR/fm/log" \
	    2>&1
	_rc=$?
	# 0: mail fetched, 1: no new mail
	[ $_rc -le 1 ] || { cat "$E2E_DIR/fm/log" >&2; e2e_fail "fetchmail exit $_rc"; }
}
fm
assert_eq "$(ls "$E2E_DIR/fm/out" | wc -l)" 3 "messages after the first run"
fm
assert_eq "$(ls "$E2E_DIR/fm/out" | wc -l)" 3 "messages after the second run"
send bob@good.test "fm four"
fm
assert_eq "$(ls "$E2E_DIR/fm/out" | wc -l)" 4 "messages after the third run"
for s in "fm one" "fm two" "fm three" "fm four"; do
	assert_eq "$(grep -l "^Subject: $s" "$E2E_DIR"/fm/out/* | wc -l)" 1 \
	    "copies of '$s'"
done
assert_eq "$(maildir_count bob good.test)" 4 "messages kept on the server"
e2e_note "fetchmail keep+uidl: each message downloaded once"
