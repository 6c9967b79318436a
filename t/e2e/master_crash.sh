# master_crash.sh - failures: a worker killed with kill -9 is replaced
# within 2 s; a service whose program dies at start is throttled (its
# restarts over 12 s are counted, the master's CPU time is measured) while
# the other services keep working; a master killed with kill -9 leaves
# workers that go away by themselves and a stale pid file the next master
# takes over.

. "$ESTUARY_TESTDIR/e2e/lib.sh"

PORT=$(e2e_port)
PORT_BAD=$(e2e_port)
e2e_setup "control control - 4 1 100 admind
echo inet 127.0.0.1:$PORT 5 2 100 testsvc
bad inet 127.0.0.1:$PORT_BAD 3 1 100 testsvc fail"
e2e_start
START=$(date +%s%N)

# --- kill -9 of a healthy worker: replaced within 2 s
e2e_wait_for 5 e2e_workers_at_least echo 2 ||
    e2e_fail "echo: want 2 workers, have $(e2e_count_workers echo)"
victim=$(e2e_workers echo | head -n 1)
t0=$(date +%s%N)
kill -KILL "$victim"
replaced=0
for _ in $(seq 1 300); do
	# One pgrep per turn: the measurement should be the master's time.
	now=$(e2e_workers echo)
	if ! grep -qx "$victim" <<<"$now" &&
	    [ "$(grep -c . <<<"$now")" -ge 2 ]; then
		replaced=1
		break
	fi
	sleep 0.01
done
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ "$replaced" = 1 ] || e2e_fail "worker $victim not replaced after $ms ms"
e2e_note "kill -9 of worker $victim: replaced in $ms ms"
[ "$ms" -lt 2000 ] || e2e_fail "replacement took $ms ms (limit 2000)"
grep -q "service echo: process $victim killed by signal 9" "$E2E_LOG" ||
    e2e_fail "the kill is not logged"
e2e_session "$PORT" "ECHO alive" >/dev/null || e2e_fail "echo after kill -9"

# --- the failing service, over 12 s from the master's start
while [ $(( ($(date +%s%N) - START) / 1000000 )) -lt 12000 ]; do
	e2e_session "$PORT" "ECHO busy" >/dev/null ||
	    e2e_fail "echo stopped working while bad was failing"
	sleep 0.5
done
spawns=$(e2e_log_count "service bad: process [0-9]+ exited with status")
throttles=$(e2e_log_count \
    "service bad: throttling for [0-9]+ s after [0-9]+ failures")
ticks=$(awk '{ print $14 + $15 }' "/proc/$E2E_MASTER_PID/stat")
hz=$(getconf CLK_TCK)
cpu_ms=$(( ticks * 1000 / hz ))
e2e_note "bad service over 12 s: $spawns failed starts," \
    "$throttles throttling lines"
e2e_note "master CPU time after 12 s: $cpu_ms ms"
[ "$spawns" -ge 2 ] || e2e_fail "bad service failed only $spawns times"
[ "$spawns" -le 8 ] ||
    e2e_fail "bad service restarted $spawns times in 12 s (want <= 8)"
[ "$throttles" -ge 1 ] || e2e_fail "no throttling logged"
[ "$cpu_ms" -lt 1500 ] || e2e_fail "master used $cpu_ms ms of CPU in 12 s"
out=$(e2e_session "$PORT" "ECHO fine") || e2e_fail "echo after 12 s"
assert_eq "$(sed -n 2p <<<"$out")" "fine" "echo still answers"

# --- kill -9 of the master: workers leave, the next master takes over
old_workers=$(pgrep -P "$E2E_MASTER_PID" | tr '\n' ' ')
kill -KILL "$E2E_MASTER_PID"
wait "$E2E_MASTER_PID" 2>/dev/null
E2E_MASTER_PID=
gone() {
	for p in $old_workers; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
e2e_wait_for 5 gone ||
    e2e_fail "workers still running after the master died: $old_workers"
[ -e "$E2E_DIR/var/run/estuary.pid" ] ||
    e2e_fail "no stale pid file to take over"
e2e_start
e2e_wait_for 5 e2e_session "$PORT" QUIT || e2e_fail "echo after the restart"
e2e_note "kill -9 of the master: workers left, restart took over the pid file"
e2e_stop
exit 0
