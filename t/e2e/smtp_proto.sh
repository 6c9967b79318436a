# smtp_proto.sh - smtpd's protocol behaviour and limits, each reply code
# asserted: STARTTLS (and input pipelined after it dropped), AUTH PLAIN
# and LOGIN on submission with and without TLS, SIZE and the message size
# limit, the recipient limit, over-long command and message lines,
# malformed commands (the session goes on), the error limit, command and
# DATA timeouts, bare LF and CR in DATA, pipelining with and without
# PIPELINING announced, replies to a client that half-closes after its
# commands, and after a reload the greeting pause (early talkers
# refused), plaintext AUTH and bare newline normalisation.

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v swaks >/dev/null || e2e_skip "swaks is not installed"

smtp_setup smtpd_message_size_limit=10k smtpd_recipient_limit=3 \
    smtpd_line_length_limit=600 smtpd_error_limit=6 smtpd_timeout=3s \
    smtpd_data_timeout=2s
S=$SMTP_PORT
SUB=$SUB_PORT

# has TEXT-ERE - the last chat output has a line matching
has() {
	grep -qE -- "$1" <<<"$out" || e2e_fail "want a line matching '$1' in:
$out"
}
hasnt() {
	! grep -qE -- "$1" <<<"$out" || e2e_fail "unwanted '$1' in:
$out"
}

# --- EHLO: the extensions; AUTH only on submission, only under TLS
out=$(chat $S "EHLO c.example" QUIT)
has '^250-PIPELINING$'; has '^250-SIZE 10240$'; has '^250-8BITMIME$'
has '^250-STARTTLS$'; has '^250 ENHANCEDSTATUSCODES$'; hasnt AUTH
out=$(chat $SUB "EHLO c.example" starttls "EHLO c.example" QUIT)
has '^250-AUTH PLAIN LOGIN$'
out=$(chat $SUB "EHLO c.example" "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdy1hbGljZQ==" QUIT)
has '^538 5\.7\.11 '; hasnt '^250-AUTH'
out=$(chat $S "EHLO c.example" "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdy1hbGljZQ==" QUIT)
has '^502 5\.5\.1 '

# --- half-close: commands, shutdown(SHUT_WR), every reply still arrives
halfclose() {
	timeout 20 python3 - "$S" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(b"EHLO c.example\r\n")
while not f.readline().startswith(b"250 "):
    pass
s.sendall(sys.argv[2].encode().replace(b"|", b"\r\n"))
s.shutdown(socket.SHUT_WR)
sys.stdout.write(f.read().decode())
PY
}
out=$(halfclose 'NOOP|NOOP|')
[ "$(grep -c '^250 2\.0\.0 ' <<<"$out")" = 2 ] ||
    e2e_fail "NOOP NOOP, half-close: want two 250 replies, got: $out"
out=$(halfclose 'NOOP|QUIT|')
has '^250 2\.0\.0 '; has '^221 2\.0\.0 '
e2e_note "replies to a half-closed client arrive"
e2e_note "EHLO: extensions as configured; AUTH refused without TLS (538)"

# --- STARTTLS: input pipelined after it is dropped (RFC 3207 4.2)
out=$(chat $S "EHLO c.example" "raw:STARTTLS\r\nNOOP\r\n" read starttls \
    "EHLO c.example" QUIT 2>&1)
# The first read is the 220; "starttls" then reads nothing new if the
# NOOP were answered in clear it would show before the TLS EHLO reply.
has '^220 2\.0\.0 Ready to start TLS$'
[ "$(grep -c '^250 2\.0\.0 Ok$' <<<"$out")" = 0 ] ||
    e2e_fail "a command pipelined after STARTTLS was answered: $out"
python3 - "$S" <<'PY' || e2e_fail "STARTTLS injection check"
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
def reply():
    lines = []
    while True:
        l = f.readline().decode()
        lines.append(l.rstrip())
        if l[3] != "-":
            return lines
reply()
s.sendall(b"EHLO c.example\r\n"); reply()
s.sendall(b"STARTTLS\r\nRSET\r\nNOOP\r\n")
r = reply()
assert r[-1].startswith("220 "), r
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
c.check_hostname = False; c.verify_mode = ssl.CERT_NONE
t = c.wrap_socket(s)
t.sendall(b"EHLO c.example\r\n")
data = b""
while not data.endswith(b"250 ENHANCEDSTATUSCODES\r\n"):
    chunk = t.recv(4096)
    assert chunk, data
    data += chunk
assert data.startswith(b"250-mx.e2e.test\r\n"), data
assert b"2.0.0 Ok" not in data, data
t.sendall(b"QUIT\r\n")
print("starttls injection: dropped")
PY
e2e_note "STARTTLS: commands injected before the handshake are dropped"

# --- AUTH PLAIN and LOGIN on submission (TLS), failures, and smtps
expect_reply "235 2.7.0" END --server 127.0.0.1:$SUB --tls \
    --auth PLAIN --auth-user alice@good.test --auth-password pw-alice \
    --from alice@good.test --to alice@good.test --quit-after AUTH
expect_reply "235 2.7.0" END --server 127.0.0.1:$SUB --tls \
    --auth LOGIN --auth-user bob@good.test --auth-password pw-bob \
    --from bob@good.test --to bob@good.test --quit-after AUTH
expect_reply "535 5.7.8" END --server 127.0.0.1:$SUB --tls \
    --auth PLAIN --auth-user alice@good.test --auth-password wrong \
    --from alice@good.test --to alice@good.test --quit-after AUTH
expect_reply "535 5.7.8" END --server 127.0.0.1:$SUB --tls \
    --auth LOGIN --auth-user carol@good.test --auth-password pw \
    --from alice@good.test --to alice@good.test --quit-after AUTH
expect_reply "535 5.7.8" END --server 127.0.0.1:$SUB --tls \
    --auth PLAIN --auth-user sam@nosub.test --auth-password pw-sam \
    --from alice@good.test --to alice@good.test --quit-after AUTH
expect_reply "235 2.7.0" END --server 127.0.0.1:$SMTPS_PORT --tlsc \
    --auth PLAIN --auth-user alice@good.test --auth-password pw-alice \
    --from alice@good.test --to alice@good.test --quit-after AUTH
# LOGIN step by step, then a cancelled exchange and a bad mechanism
out=$(chat $SUB "EHLO c.example" starttls "EHLO c.example" "AUTH LOGIN" \
    "Ym9iQGdvb2QudGVzdA==" "cHctYm9i" "AUTH PLAIN" QUIT)
has '^334 VXNlcm5hbWU6$'; has '^334 UGFzc3dvcmQ6$'; has '^235 2\.7\.0 '
has '^503 5\.5\.1 '
out=$(chat $SUB "EHLO c.example" starttls "EHLO c.example" "AUTH PLAIN" \
    "*" "AUTH CRAM-MD5" "AUTH PLAIN !!!" QUIT)
has '^334 $'; has '^501 5\.0\.0 '; has '^504 5\.5\.4 '; has '^501 5\.5\.2 '
grep -q 'auth failed mech=PLAIN user=alice@good.test reason="wrong password"' \
    "$E2E_LOG" || e2e_fail "no log line for the failed AUTH"
e2e_note "AUTH: PLAIN and LOGIN under STARTTLS and smtps; 535, 501, 504"

# --- size: SIZE= over the limit at MAIL, and a message over it
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example> SIZE=20000" \
    "MAIL FROM:<a@c.example> SIZE=2000" "RCPT TO:<alice@good.test>" QUIT)
has '^552 5\.3\.4 '; has '^250 2\.1\.0 '
big=$(head -c 12000 /dev/zero | tr '\0' 'x' | fold -w 70)
expect_reply "552 5.3.4" END --server 127.0.0.1:$S \
    --from a@c.example --to alice@good.test --body "$big"
assert_eq "$(maildir_count alice good.test)" 0 "alice after the big message"

# --- recipient limit 3: the fourth gets 452 4.5.3
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<alice@good.test>" "RCPT TO:<bob@good.test>" \
    "RCPT TO:<team@good.test>" "RCPT TO:<half@good.test>" QUIT)
has '^452 4\.5\.3 '
[ "$(grep -c '^250 2\.1\.5 ' <<<"$out")" = 3 ] || e2e_fail "limit: $out"
e2e_note "limits: SIZE and DATA 552 5.3.4, recipients 452 4.5.3"

# --- line length 600: a longer command, a longer message line
long=$(head -c 700 /dev/zero | tr '\0' 'a')
out=$(chat $S "EHLO c.example" "NOOP $long" NOOP QUIT)
has '^500 5\.5\.2 Error: line too long$'; has '^250 2\.0\.0 Ok$'
expect_reply "500 5.5.2" END --server 127.0.0.1:$S \
    --from a@c.example --to alice@good.test --body "short
$long
short"

# --- malformed commands: 5xx, and the session goes on
out=$(chat $S "FOO bar" "MAIL FROM:<a@c.example>" "EHLO c.example" \
    "MAIL FROM:a@c.example" "RCPT TO:<alice@good.test>" \
    "MAIL FROM:<a@c.example> BOGUS=1" \
    "MAIL FROM:<a@c.example>" "RCPT TO:<alice@good.test>" RSET QUIT)
has '^500 5\.5\.2 '			# FOO
has '^503 5\.5\.1 Error: send HELO/EHLO first$'
has '^501 5\.5\.4 '			# no angle brackets
has '^503 5\.5\.1 Error: need MAIL command$'
has '^555 5\.5\.4 '			# unknown parameter
has '^250 2\.1\.5 '; has '^221 2\.0\.0 Bye$'
# the error limit (6): the sixth error ends the session with 421 4.7.0
out=$(chat $S "EHLO c.example" X1 X2 X3 X4 X5 X6 eof)
has '^421 4\.7\.0 '
assert_eq "$(tail -1 <<<"$out" | cut -c1-9)" "421 4.7.0" "after the error limit"
e2e_note "bad commands: 500/501/503/555 and the session goes on; 421 4.7.0"

# --- timeouts: 3 s for a command, 2 s for message data
out=$(chat $S "EHLO c.example" sleep:4 eof)
has '^421 4\.4\.2 '
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<alice@good.test>" DATA "raw:Subject: slow\r\n\r\nbody\r\n" \
    sleep:3 eof)
has '^354 '; has '^421 4\.4\.2 '
assert_eq "$(maildir_count alice good.test)" 0 "alice after the timeout"
grep -q 'disconnect reason=timeout' "$E2E_LOG" || e2e_fail "no timeout log"
e2e_note "timeouts: command and DATA get 421 4.4.2, nothing delivered"

# --- bare LF and bare CR in DATA: 550 5.6.11 and close (SMTP smuggling)
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<alice@good.test>" DATA \
    "raw:Subject: lf\r\n\r\nline\nmore\r\n.\r\n" read eof)
has '^550 5\.6\.11 Error: bare <LF> received'
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<alice@good.test>" DATA \
    "raw:Subject: cr\r\n\r\nline\rmore\r\n.\r\n" read eof)
has '^550 5\.6\.11 Error: bare <CR> received'
# the smuggling pattern: after "\n.\n" the rest is not run as commands
out=$(chat $S "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<alice@good.test>" DATA \
    "raw:Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<bob@good.test>\r\nDATA\r\nevil\r\n.\r\n" \
    read eof)
has '^550 5\.6\.11 '
assert_eq "$(grep -c '^250 2\.1\.0 ' <<<"$out")$(grep -c '^354 ' <<<"$out")" \
    11 "MAIL and DATA replies in the smuggling session (smuggled ones run?)"
assert_eq "$(maildir_count alice good.test)" 0 "alice after bare newlines"
assert_eq "$(maildir_count bob good.test)" 0 "bob after the smuggling try"
e2e_note "bare LF/CR refused with 550 5.6.11; smuggled commands not run"

# --- pipelining: one write, replies in order (with EHLO and with HELO)
out=$(chat $S "raw:EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<alice@good.test>\r\nRCPT TO:<nobody@good.test>\r\nRCPT TO:<bob@good.test>\r\nDATA\r\n" \
    read read read read read read \
    "raw:Subject: piped\r\nMessage-ID: <piped@c.example>\r\n\r\nbody\r\n.\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<bob@good.test>\r\nDATA\r\n" \
    read read read read \
    "raw:Subject: piped 2\r\n\r\nsecond\r\n.\r\nQUIT\r\n" read read)
want='250 2.1.0 Ok
250 2.1.5 Ok
550 5.1.1 <nobody@good.test>: Recipient address rejected: User unknown
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>'
got=$(grep -E '^[0-9]{3} ' <<<"$out" | sed -n '3,7p')
assert_eq "$got" "$want" "pipelined replies"
[ "$(grep -c '^250 2\.0\.0 Ok: message accepted' <<<"$out")" = 2 ] ||
    e2e_fail "pipelined messages: $out"
has '^221 2\.0\.0 Bye$'
assert_eq "$(maildir_count alice good.test)" 1 "alice after pipelining"
assert_eq "$(maildir_count bob good.test)" 2 "bob after pipelining"
out=$(chat $S "raw:HELO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<alice@good.test>\r\nNOOP\r\nQUIT\r\n" \
    read read read read read)
got=$(grep -E '^[0-9]{3} ' <<<"$out" | cut -c1-3 | tr '\n' ' ')
assert_eq "$got" "220 250 250 250 250 221 " "HELO pipelined replies"
out=$(chat $S "HELO c.example" "MAIL FROM:<a@c.example> SIZE=10" QUIT)
has '^555 5\.5\.4 '
e2e_note "pipelining: replies in order, with and without PIPELINING"

# --- after a reload: greeting pause, plaintext AUTH, normalised newlines
e2e_conf smtpd_greet_pause 1s
e2e_conf smtpd_plaintext_auth yes
e2e_conf smtpd_normalize_bare_newlines yes
kill -HUP "$E2E_MASTER_PID"
e2e_wait_for 5 grep -q "reload: generation 2" "$E2E_LOG" ||
    e2e_fail "no reload"
early() {
	out=$(chat --early $S "raw:EHLO c.example\r\n" eof 2>&1)
	grep -q '^554 5\.5\.0 ' <<<"$out"
}
e2e_wait_for 10 early || e2e_fail "early talker not refused: $out"
hasnt '^220 '; hasnt '^250'
grep -q 'disconnect reason=early-talker' "$E2E_LOG" || e2e_fail "no log"
out=$(chat $S sleep:1.5 "EHLO c.example" QUIT)
has '^220 mx\.e2e\.test ESMTP'; has '^250 ENHANCEDSTATUSCODES$'
e2e_note "greeting pause: early talker 554 5.5.0, patient client served"
out=$(chat $SUB sleep:1.2 "EHLO c.example" \
    "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdy1hbGljZQ==" QUIT)
has '^250-AUTH PLAIN LOGIN$'; has '^235 2\.7\.0 '
out=$(chat $S sleep:1.2 "EHLO c.example" "MAIL FROM:<a@c.example>" \
    "RCPT TO:<bob@good.test>" DATA \
    "raw:Subject: bare\nMessage-ID: <bare@c.example>\n\nline one\nline two\r\n.\r\n" \
    read QUIT)
has '^250 2\.0\.0 Ok: message accepted'
f=$(grep -l 'bare@c.example' $(maildir_files bob good.test))
cmp -s <(strip_received "$f") <(printf 'Subject: bare\nMessage-ID: <bare@c.example>\n\nline one\nline two\n') ||
    e2e_fail "normalised message: $(cat "$f")"
e2e_note "reload: plaintext AUTH allowed, bare LF normalised when configured"
