# relay.sh - the relay queue runner between two Estuary instances.
#
# Instance B hosts b.test (smtp service, STARTTLS offered). Instance A
# hosts a.test, with a submission service and the relay service, and
# relayhost = [127.0.0.1]:B's port. A user of a.test submits through A
# (STARTTLS, AUTH PLAIN, swaks):
#   - to bob@b.test: the message arrives in B's Maildir exactly (lines
#     starting with dots too) and A's queue is empty again;
#   - to nobody@b.test (B: 550 5.1.1): an RFC 3464 bounce lands in the
#     sender's mailbox at A;
#   - to bob@b.test while b.test is inactive at B (450 4.2.1): it stays in
#     A's queue, which "estuaryctl queue list --json" shows with the error;
#     once b.test is active again, "estuaryctl queue flush" delivers it.

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v swaks >/dev/null || e2e_skip "swaks is not installed"

PORT_B=$(e2e_port)
PORT_A=$(e2e_port)

# relay_fail - fail, with the other instance's log too
relay_fail() {
	if [ -n "${E2E_I_B_LOG:-}" ] && [ "$E2E_LOG" != "$E2E_I_B_LOG" ]; then
		echo "--- last lines of instance B's log:" >&2
		tail -n 30 "$E2E_I_B_LOG" >&2
	fi
	e2e_fail "$@"
}

# tls_files DIR - a self-signed certificate for an instance
tls_files() {
	mkdir -p "$1/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
	    -keyout "$1/tls/key.pem" -out "$1/tls/cert.pem" \
	    >/dev/null 2>&1 || e2e_fail "openssl req"
	e2e_conf tls_cert_file "$1/tls/cert.pem"
	e2e_conf tls_key_file "$1/tls/key.pem"
}

# --- instance B: the relay host, hosting b.test
e2e_setup "control control - 4 1 100 admind
smtp inet 127.0.0.1:$PORT_B 10 1 100 smtpd smtp"
tls_files "$E2E_DIR" mx.b.test
e2e_conf myhostname mx.b.test
e2e_start
e2e_wait_for 10 e2e_workers_at_least smtp 1 || e2e_fail "B: no smtp worker"
ctl domain add b.test >/dev/null || e2e_fail "B: domain add"
printf 'pw-bob\n' | ctl user add bob@b.test --password-stdin >/dev/null ||
    e2e_fail "B: user add"
MAIL_B=$E2E_DIR/var/lib/mail
e2e_instance_save B

# --- instance A: hosts a.test, relays everything else to B
e2e_setup "control control - 4 1 100 admind
submission inet 127.0.0.1:$PORT_A 10 1 100 smtpd submission
relay unix relay 2 1 1000 relay"
e2e_instance_trap
tls_files "$E2E_DIR" mx.a.test
e2e_conf myhostname mx.a.test
e2e_conf relayhost "[127.0.0.1]:$PORT_B"
# No retry on its own during the test: only kicks and flushes.
e2e_conf queue_run_delay 1h
e2e_conf minimal_backoff_time 1h
e2e_start
e2e_wait_for 10 e2e_workers_at_least submission 1 ||
    relay_fail "A: no submission worker"
e2e_wait_for 10 e2e_workers_at_least relay 1 || relay_fail "A: no relay worker"
ctl domain add a.test >/dev/null || relay_fail "A: domain add"
printf 'pw-alice\n' | ctl user add alice@a.test --password-stdin \
    >/dev/null || relay_fail "A: user add"
MAIL_A=$E2E_DIR/var/lib/mail
e2e_instance_save A

AUTH=(--server "127.0.0.1:$PORT_A" --tls --auth PLAIN
    --auth-user alice@a.test --auth-password pw-alice --from alice@a.test)

# files DIR - message files of a Maildir INBOX
files() {
	find "$1/new" "$1/cur" -type f 2>/dev/null | sort
}
count() {
	files "$1" | wc -l
}
# at_least DIR N - the INBOX has N messages or more (for e2e_wait_for)
at_least() {
	[ "$(count "$1")" -ge "$2" ]
}
queue_empty() {
	[ "$(ctl queue list --json)" = "[]" ]
}

# --- 1. relayed to B, exactly
MSG=$E2E_DIR/msg1.eml
cat > "$MSG" <<'EOF'
From: Alice <alice@a.test>
To: Bob <bob@b.test>
Subject: relay test one
Message-ID: <relay-one@a.test>

First line.
.a line that starts with a dot
..and one with two
.

Last line.
EOF
expect_reply "250" "END" "${AUTH[@]}" --to bob@b.test --data "$MSG"
e2e_wait_for 20 at_least "$MAIL_B/b.test/bob" 1 ||
    relay_fail "the message did not reach B"
f=$(files "$MAIL_B/b.test/bob" | head -1)
# B's file: B's Received:, A's Received:, then the message as sent.
got=$(awk 'hdr && /^Received: / { next } hdr && /^[ \t]/ { next }
    { hdr = 0; print } BEGIN { hdr = 1 }' "$f")
[ "$got" = "$(cat "$MSG")" ] || {
	diff <(echo "$got") "$MSG" >&2
	relay_fail "the message at B differs from what was sent"
}
[ "$(grep -c '^Received: ' "$f")" = 2 ] ||
    relay_fail "want two Received: headers at B"
e2e_wait_for 10 queue_empty || relay_fail "A's queue is not empty: $(ctl queue list)"
[ "$(e2e_log_count "relay\[[0-9]+\]: id=[0-9A-F]+ to=<bob@b.test> relay=127\.0\.0\.1\[127\.0\.0\.1\]:$PORT_B status=sent \(250 ")" -ge 1 ] ||
    relay_fail "no relay status=sent log line"
grep -q "STARTTLS\|TLS" "$E2E_I_B_LOG" || true
e2e_note "relayed to B: arrived exactly, queue empty, logged"

# --- 2. a permanent failure at B bounces to the sender at A
expect_reply "250" "END" "${AUTH[@]}" --to nobody@b.test \
    --header "Subject: to nobody"
e2e_wait_for 20 at_least "$MAIL_A/a.test/alice" 1 ||
    relay_fail "no bounce in alice's mailbox at A"
b=$(files "$MAIL_A/a.test/alice" | head -1)
for want in "From: MAILER-DAEMON@mx.a.test" "To: <alice@a.test>" \
    "Content-Type: multipart/report; report-type=delivery-status;" \
    "Content-Type: message/delivery-status" \
    "Reporting-MTA: dns; mx.a.test" \
    "Final-Recipient: rfc822; nobody@b.test" "Action: failed" \
    "Status: 5.1.1" "Diagnostic-Code: smtp; 550 5.1.1" \
    "Content-Type: message/rfc822" "Subject: to nobody"; do
	grep -qF -- "$want" "$b" || { cat "$b" >&2
		relay_fail "bounce lacks '$want'"; }
done
e2e_wait_for 10 queue_empty || relay_fail "the bounced entry stayed queued"
[ "$(e2e_log_count "to=<nobody@b.test> relay=.* status=bounced \(550 5\.1\.1")" -ge 1 ] ||
    relay_fail "no status=bounced log line"
e2e_note "550 at B: DSN in the sender's mailbox at A"

# --- 3. a temporary failure stays queued, then a flush delivers it
e2e_instance_use B
ctl domain set b.test state=inactive >/dev/null || relay_fail "B: inactive"
e2e_instance_use A
expect_reply "250" "END" "${AUTH[@]}" --to bob@b.test \
    --header "Subject: deferred one"
deferred() {
	ctl queue list --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
ok = (len(d) == 1 and d[0]["sender"] == "alice@a.test"
    and len(d[0]["recipients"]) == 1
    and d[0]["recipients"][0]["address"] == "bob@b.test"
    and d[0]["recipients"][0]["state"] == "pending"
    and d[0]["recipients"][0]["attempts"] >= 1
    and d[0]["recipients"][0]["error"].startswith("450 4.2.1")
    and d[0]["recipients"][0]["next_try"] is not None
    and d[0]["size"] > 0)
sys.exit(0 if ok else 1)'
}
e2e_wait_for 20 deferred || relay_fail "not deferred as expected: $(ctl queue list --json)"
id=$(ctl queue list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
ctl queue show "$id" | grep -q "^id: $id" || relay_fail "queue show $id"
ctl queue show "$id" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["recipients"][0]["status"] == "4.2.1" else 1)' ||
    relay_fail "queue show --json: $(ctl queue show "$id" --json)"
ctl queue list | grep -q "<bob@b.test> pending attempts=1" ||
    relay_fail "queue list: $(ctl queue list)"
[ "$(e2e_log_count "to=<bob@b.test> relay=.* status=deferred \(450 4\.2\.1")" -ge 1 ] ||
    relay_fail "no status=deferred log line"
sleep 1
[ "$(count "$MAIL_B/b.test/bob")" = 1 ] || relay_fail "delivered while inactive"
e2e_note "450 at B: stays queued, listed with its error"

e2e_instance_use B
ctl domain set b.test state=active >/dev/null || relay_fail "B: active"
e2e_instance_use A
ctl queue flush || relay_fail "queue flush"
e2e_wait_for 20 at_least "$MAIL_B/b.test/bob" 2 ||
    relay_fail "flush did not deliver the deferred message"
grep -l "^Subject: deferred one" $(files "$MAIL_B/b.test/bob") >/dev/null ||
    relay_fail "the deferred message is not the one delivered"
e2e_wait_for 10 queue_empty || relay_fail "queue not empty after the flush"
e2e_note "after the flush: delivered, queue empty"

# --- queue delete: a deferred entry removed by hand, without a bounce
e2e_instance_use B
ctl domain set b.test state=inactive >/dev/null || relay_fail "B: inactive"
e2e_instance_use A
expect_reply "250" "END" "${AUTH[@]}" --to bob@b.test \
    --header "Subject: to be deleted"
e2e_wait_for 20 deferred || relay_fail "not deferred: $(ctl queue list --json)"
id=$(ctl queue list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
ctl queue delete "$id" || relay_fail "queue delete $id"
queue_empty || relay_fail "queue delete left: $(ctl queue list --json)"
[ "$(count "$MAIL_A/a.test/alice")" = 1 ] ||
    relay_fail "a deleted entry must not bounce"
e2e_note "queue delete removes a deferred entry"

# --- estuaryctl queue refusals
out=$(ctl queue show 0123456789ABCDEF 2>&1) && relay_fail "show of nothing"
case $out in *"no such queue entry"*) ;; *) relay_fail "show: $out" ;; esac
out=$(ctl queue delete ../x 2>&1) && relay_fail "delete of a bad id"
case $out in *"bad queue id"*) ;; *) relay_fail "delete: $out" ;; esac
e2e_note "queue show/delete refuse unknown and bad ids"
exit 0
