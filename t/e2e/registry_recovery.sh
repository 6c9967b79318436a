# registry_recovery.sh - no acknowledged registry write is lost to kill -9.
#
# A loop adds users one estuaryctl call at a time and records each address
# whose call exited 0 (the server said the commit was done). Three times:
# after about 2 s the master and all its processes are killed with
# SIGKILL; the loop notices and stops; the master is started again, runs
# recovery (the log says so), and every recorded user must exist. Then,
# with the master left running, the admind workers are killed in the
# middle of the writes; the master recovers the registry by itself, the
# loop goes on, and again every recorded user must exist.

. "$ESTUARY_TESTDIR/e2e/lib.sh"

# A SHA512-crypt hash, as an existing password file would hold it (the
# fixed one is of "secret", for hosts without openssl).
HASH=$(openssl passwd -6 -salt recovery 'recovery secret' 2>/dev/null) ||
    HASH='$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.'
HASH="{SHA512-CRYPT}$HASH"

e2e_setup
OK=$E2E_DIR/acknowledged
STOP=$E2E_DIR/stop-adding
: > "$OK"
e2e_start
ctl domain add rec.example || e2e_fail "domain add"

# adder TAG MAX_FAILS - add rTAG-1@rec.example, rTAG-2@..., recording the
# acknowledged ones, until $STOP exists or MAX_FAILS adds in a row failed
adder() {
	_i=0 _fails=0
	while [ ! -e "$STOP" ] && [ "$_fails" -lt "$2" ] && [ "$_i" -lt 20000 ]
	do
		_i=$((_i + 1))
		if ctl user add "r$1-$_i@rec.example" "password_hash=$HASH" \
		    >/dev/null 2>&1; then
			echo "r$1-$_i@rec.example" >> "$OK"
			_fails=0
		else
			_fails=$((_fails + 1))
			sleep 0.1
		fi
	done
}

# wait_gone PID SECONDS - wait for a background job to end
wait_gone() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return 0; }
		sleep 0.1
	done
	return 1
}

# check_acknowledged WHAT FROM_LINE - every recorded address from line
# FROM_LINE on answers user show; all of them are in user list
check_acknowledged() {
	tail -n +"$2" "$OK" | while read -r addr; do
		ctl user show "$addr" >/dev/null ||
		    { echo "$addr"; break; }
	done > "$E2E_DIR/missing"
	[ -s "$E2E_DIR/missing" ] &&
	    e2e_fail "$1: acknowledged user lost: $(cat "$E2E_DIR/missing")"
	out=$(ctl user list rec.example --json) ||
	    e2e_fail "$1: user list failed"
	python3 -c '
import json, sys
have = {u["address"] for u in json.loads(sys.stdin.read())}
want = set(open(sys.argv[1]).read().split())
lost = sorted(want - have)
if lost:
    print("%d acknowledged users missing, such as %s" % (len(lost), lost[:3]))
    sys.exit(1)
' "$OK" <<<"$out" || e2e_fail "$1: user list lacks acknowledged users"
}

recoveries() {
	grep -c 'registry: set-up and recovery' "$E2E_LOG"
}

for cycle in 1 2 3; do
	rm -f "$STOP"
	from=$(($(wc -l < "$OK") + 1))
	adder "c$cycle" 3 &
	loop=$!
	sleep 2
	# The master and every process it started, at once.
	pids="$E2E_MASTER_PID $(pgrep -P "$E2E_MASTER_PID" | tr '\n' ' ')"
	kill -KILL $pids 2>/dev/null
	wait "$E2E_MASTER_PID" 2>/dev/null
	E2E_MASTER_PID=
	wait_gone "$loop" 60 ||
	    e2e_fail "cycle $cycle: the adding loop did not notice the crash"
	added=$(($(wc -l < "$OK") - from + 1))
	[ "$added" -gt 0 ] ||
	    e2e_fail "cycle $cycle: no add was acknowledged before the kill"

	before=$(recoveries)
	e2e_start
	after=$(recoveries)
	[ "$after" -gt "$before" ] ||
	    e2e_fail "cycle $cycle: no recovery logged at start-up"
	check_acknowledged "cycle $cycle" "$from"
	e2e_note "cycle $cycle: $added users acknowledged before kill -9," \
	    "all present after recovery"
done

# An admind worker killed in the middle of a write: the master alone must
# bring the registry back; the loop keeps going through it.
rm -f "$STOP"
from=$(($(wc -l < "$OK") + 1))
adder w 100000 &
loop=$!
sleep 1
workers=$(e2e_workers control | tr '\n' ' ')
[ -n "$workers" ] || e2e_fail "no admind worker to kill"
at_kill=$(wc -l < "$OK")
kill -KILL $workers
sleep 4
touch "$STOP"
wait_gone "$loop" 60 || e2e_fail "the adding loop did not stop"
kill -0 "$E2E_MASTER_PID" 2>/dev/null ||
    e2e_fail "the master died after its worker was killed"
after_kill=$(($(wc -l < "$OK") - at_kill))
[ "$after_kill" -gt 0 ] ||
    e2e_fail "no add was acknowledged after the worker was killed"
check_acknowledged "worker kill" "$from"
ctl status >/dev/null || e2e_fail "status after the worker kill"
e2e_note "worker kill: $(($(wc -l < "$OK") - from + 1)) users acknowledged" \
    "($after_kill after the kill), all present"
e2e_note "$(wc -l < "$OK") acknowledged users in all, none lost"

e2e_stop
exit 0
