# smtp_kill.sh - kill -9 of smtpd workers in the middle of 1,000
# pipelined deliveries, again and again: every message that got a 250 is
# in each of its recipients' Maildirs exactly once, and no stored message
# is partial (each is compared with what was sent).
#
# smtp_kill.py sends the messages over several connections (MAIL, RCPT and
# DATA pipelined), a fresh Message-ID per attempt, reconnecting when a
# connection breaks, and records which got 250; meanwhile this script
# kills a random smtp worker every 10 to 50 ms, 40 times. smtp_kill.py
# check then reads every file of the mailboxes.

. "$ESTUARY_TESTDIR/e2e/lib.sh"

PORT=$(e2e_port)
COUNT=${SMTP_KILL_COUNT:-1000}
e2e_setup "control control - 4 1 100 admind
smtp inet 127.0.0.1:$PORT 8 4 100000 smtpd smtp"
e2e_conf myhostname mx.e2e.test
e2e_start
e2e_wait_for 10 e2e_workers_at_least smtp 1 || e2e_fail "no smtp worker"
ctl domain add good.test >/dev/null || e2e_fail "domain add"
for u in alice bob; do
	printf 'pw\n' | ctl user add "$u@good.test" --password-stdin \
	    >/dev/null || e2e_fail "user add $u"
done
MAIL_DIR=$E2E_DIR/var/lib/mail
OK=$E2E_DIR/acknowledged

python3 "$ESTUARY_TESTDIR/e2e/smtp_kill.py" send "$PORT" "$COUNT" 6 "$OK" \
    > "$E2E_DIR/send.out" 2>&1 &
client=$!

# Each kill costs a worker restart (slow under the sanitizers), so the
# kills stop after KILLS; the client then finishes undisturbed.
KILLS=${SMTP_KILL_KILLS:-40}
kills=0
start=$SECONDS
while kill -0 "$client" 2>/dev/null; do
	sleep "0.0$(( RANDOM % 4 + 1 ))"
	[ "$kills" -lt "$KILLS" ] || continue
	pids=($(e2e_workers smtp))
	[ ${#pids[@]} -gt 0 ] || continue
	victim=${pids[RANDOM % ${#pids[@]}]}
	kill -KILL "$victim" 2>/dev/null && kills=$((kills + 1))
	[ $((SECONDS - start)) -lt 120 ] || {
		kill "$client"; e2e_fail "the client did not finish in 120 s"; }
done
wait "$client" || e2e_fail "client: $(cat "$E2E_DIR/send.out")"
e2e_note "$(cat "$E2E_DIR/send.out") in $((SECONDS - start)) s"
e2e_note "killed $kills smtpd workers"
[ "$kills" -ge 10 ] || e2e_fail "only $kills kills: not a test"

out=$(python3 "$ESTUARY_TESTDIR/e2e/smtp_kill.py" check "$MAIL_DIR" "$OK") ||
    e2e_fail "check: $out"
e2e_note "$out"
acked=$(wc -l < "$OK")
[ "$acked" -eq "$COUNT" ] || e2e_fail "$acked of $COUNT acknowledged"
