# smtp_rules.sh - smtpd's per-recipient rules, each with its exact reply,
# with swaks and curl against the installed suite: relay denied and
# relayed, inactive and deleted domains, a domain without the service,
# postmaster, unknown, inactive and over-quota users, aliases (several
# targets, nested, remote, loops), and the delivered Maildir files
# (exactly the message sent, under a Received: header).

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v swaks >/dev/null || e2e_skip "swaks is not installed"
command -v curl >/dev/null || e2e_skip "curl is not installed"

smtp_setup
S=$SMTP_PORT

# --- smtp (port 25 style): the rules in their order
rcpt_reply "554 5.7.1" $S someone@far.example
rcpt_reply "450 4.2.1" $S x@sleepy.test
rcpt_reply "550 5.1.2" $S x@gone.test
rcpt_reply "550 5.7.1" $S nina@nosmtp.test
case $SWAKS_OUT in
*"Service smtp is not allowed for domain nosmtp.test"*) ;;
*) e2e_fail "service refusal lacks a clear text: $SWAKS_OUT" ;;
esac
rcpt_reply "250 2.1.5" $S postmaster@good.test
rcpt_reply "250 2.1.5" $S PostMaster@Good.Test
rcpt_reply "250 2.1.5" $S postmaster@pmfar.test
rcpt_reply "550 5.1.1" $S nobody@good.test
rcpt_reply "450 4.2.1" $S carol@good.test
rcpt_reply "250 2.1.5" $S tiny@good.test
out=$(chat $S "EHLO client.example" \
    "MAIL FROM:<sender@client.example> SIZE=5000" \
    "RCPT TO:<tiny@good.test>" QUIT)
grep -q '^452 4\.2\.2 ' <<<"$out" || e2e_fail "over quota with SIZE: $out"
rcpt_reply "250 2.1.5" $S team@good.test
rcpt_reply "250 2.1.5" $S all@good.test
rcpt_reply "550 5.4.6" $S loop1@good.test
rcpt_reply "250 2.1.5" $S half@good.test
rcpt_reply "250 2.1.5" $S alice@good.test
rcpt_reply "250 2.1.5" $S ALICE@good.test
e2e_note "smtp: every recipient rule answered as specified"

# --- submission: authentication first, then relaying for its users
SUB=$SUB_PORT
expect_reply "530 5.7.0" "MAIL FROM" --server 127.0.0.1:$SUB --tls \
    --from alice@good.test --to alice@good.test --quit-after RCPT
AUTH="--tls --auth PLAIN --auth-user alice@good.test --auth-password pw-alice"
rcpt_reply "250 2.1.5" $SUB someone@far.example $AUTH
rcpt_reply "550 5.7.1" $SUB sam@nosub.test $AUTH
rcpt_reply "250 2.1.5" $SUB nina@nosmtp.test $AUTH
rcpt_reply "450 4.2.1" $SUB x@sleepy.test $AUTH
rcpt_reply "550 5.1.2" $SUB x@gone.test $AUTH
rcpt_reply "550 5.1.1" $SUB nobody@good.test $AUTH
rcpt_reply "250 2.1.5" $SMTPS_PORT someone@far.example --tlsc \
    --auth LOGIN --auth-user bob@good.test --auth-password pw-bob
expect_reply "530 5.7.0" "MAIL FROM" --server 127.0.0.1:$SMTPS_PORT --tlsc \
    --from sender@client.example --to someone@far.example --quit-after RCPT
e2e_note "submission and smtps: relay only after AUTH, rules as on smtp"

# --- deliveries, and what lands in the Maildir
msg=$E2E_DIR/msg1.txt
{
	printf 'From: Sender <sender@client.example>\n'
	printf 'To: alice@good.test\n'
	printf 'Subject: first\n'
	printf 'Message-ID: <first.1@client.example>\n'
	printf '\n'
	printf 'Hello Alice,\n'
	printf '.a line that starts with a dot\n'
	printf '..two dots\n'
	printf '.\n'
	printf '\n'
	printf 'caf\xc3\xa9 8-bit text\n'
	printf 'last line\n'
} > "$msg"
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to alice@good.test --data "@$msg"
assert_eq "$(maildir_count alice good.test)" 1 "alice's messages"
f=$(maildir_files alice good.test)
# swaks ends the data with one more CR LF before the "." line.
cmp -s <(strip_received "$f") <(cat "$msg"; echo) || {
	diff <(strip_received "$f") <(cat "$msg"; echo) >&2
	e2e_fail "alice's message differs from what was sent"
}
head -1 "$f" | grep -q '^Received: from [^ ]* (\[127\.0\.0\.1\])$' ||
    e2e_fail "Received: first line: $(head -1 "$f")"
grep -q '^	by mx\.e2e\.test (Estuary) with ESMTP id [0-9a-f]\{8\}$' "$f" ||
    e2e_fail "Received: no by/with/id line: $(head -4 "$f")"
grep -q '^	for <alice@good\.test>;$' "$f" ||
    e2e_fail "Received: no for clause: $(head -4 "$f")"
! grep -q $'\r' "$f" || e2e_fail "stored message has CR bytes"
e2e_note "swaks DATA: stored exactly, LF line ends, Received: on top"

# curl: CR LF message to two recipients and an alias of both: one copy each
cmsg=$E2E_DIR/msg2.txt
printf 'Subject: from curl\nMessage-ID: <curl.2@client.example>\n\nbody from curl\n.dot\n' \
    > "$E2E_DIR/msg2.lf"
crlf "$E2E_DIR/msg2.lf" > "$cmsg"
curl -s --max-time 20 "smtp://127.0.0.1:$S" --mail-from sender@client.example \
    --mail-rcpt bob@good.test --mail-rcpt team@good.test -T "$cmsg" ||
    e2e_fail "curl smtp:// upload failed"
assert_eq "$(maildir_count alice good.test)" 2 "alice's messages after curl"
assert_eq "$(maildir_count bob good.test)" 1 "bob's messages after curl"
f=$(maildir_files bob good.test)
cmp -s <(strip_received "$f") "$E2E_DIR/msg2.lf" ||
    e2e_fail "bob's message differs: $(cat "$f")"
! grep -q '^	for <' "$f" || e2e_fail "Received: 'for' with two recipients"

# curl over STARTTLS on submission and over smtps, authenticated
curl -s --max-time 20 "smtp://127.0.0.1:$SUB" --ssl-reqd -k \
    -u alice@good.test:pw-alice --mail-from alice@good.test \
    --mail-rcpt bob@good.test -T "$cmsg" ||
    e2e_fail "curl STARTTLS submission failed"
curl -s --max-time 20 "smtps://127.0.0.1:$SMTPS_PORT" -k \
    -u bob@good.test:pw-bob --mail-from bob@good.test \
    --mail-rcpt bob@good.test -T "$cmsg" || e2e_fail "curl smtps failed"
assert_eq "$(maildir_count bob good.test)" 3 "bob's messages after TLS"
for f in $(maildir_files bob good.test); do
	grep -q '^	(using TLS' "$f" && tls=$((${tls:-0} + 1))
	grep -q ' with ESMTPSA id ' "$f" && esmtpsa=$((${esmtpsa:-0} + 1))
done
assert_eq "${tls:-0}" 2 "messages with TLS in Received:"
assert_eq "${esmtpsa:-0}" 2 "messages received with ESMTPSA"
e2e_note "curl: smtp://, STARTTLS and smtps uploads stored (TLS noted)"

# postmaster goes to the domain's postmaster address; half-loop to alice
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to postmaster@good.test
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to half@good.test
assert_eq "$(maildir_count alice good.test)" 4 "alice after postmaster, half"
[ ! -d "$MAIL_DIR/good.test/postmaster" ] ||
    e2e_fail "a postmaster mailbox was made"

# a nested alias with a remote target: local copies and a queued one
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to all@good.test
assert_eq "$(maildir_count alice good.test)" 5 "alice after all@"
assert_eq "$(maildir_count bob good.test)" 4 "bob after all@"
grep -q 'to=<dave@far.example> status=queued queue_id=' "$E2E_LOG" ||
    e2e_fail "dave@far.example was not queued"
# postmaster of pmfar.test is remote: queued
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to postmaster@pmfar.test
grep -q 'to=<pm@far.example> status=queued queue_id=' "$E2E_LOG" ||
    e2e_fail "pm@far.example was not queued"
# an authenticated user's remote recipient is queued
expect_reply "250 2.0.0" END --server 127.0.0.1:$SUB $AUTH \
    --from alice@good.test --to friend@far.example
grep -q 'to=<friend@far.example> status=queued queue_id=' "$E2E_LOG" ||
    e2e_fail "friend@far.example was not queued"
e2e_note "aliases: nested and remote targets delivered and queued"

# the quota: tiny fits one small message, then is full
expect_reply "250 2.0.0" END --server 127.0.0.1:$S \
    --from sender@client.example --to tiny@good.test \
    --body "$(head -c 3000 /dev/zero | tr '\0' 'x' | fold -w 70)"
rcpt_reply "452 4.2.2" $S tiny@good.test

# log lines: one per recipient decision and per delivery
grep -q 'from=<sender@client.example> to=<nobody@good.test> status=rejected reply="550 5.1.1"' \
    "$E2E_LOG" || e2e_fail "no rejection log line"
grep -q 'from=<sender@client.example> to=<alice@good.test> status=delivered uid=' \
    "$E2E_LOG" || e2e_fail "no delivery log line"
e2e_note "deliveries: $(grep -c 'status=delivered' "$E2E_LOG") copies," \
    "$(grep -c 'status=queued' "$E2E_LOG") queued"
