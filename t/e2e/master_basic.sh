# master_basic.sh - the master's ordinary life: a pool of testsvc workers
# on 127.0.0.1, connections served, max_use rotation, a session that
# survives a reload while new sessions come from the new generation, a
# service added by SIGHUP, a second master refused, and a clean stop
# (pid file and sockets gone, no process left).

. "$ESTUARY_TESTDIR/e2e/lib.sh"

PORT=$(e2e_port)
e2e_setup "control control - 4 1 100 admind
echo inet 127.0.0.1:$PORT 5 2 3 testsvc"
e2e_start
PIDFILE=$E2E_DIR/var/run/estuary.pid
CTLSOCK=$E2E_DIR/var/run/estuary.ctl

# --- the pool: idle_min 2
e2e_wait_for 5 e2e_workers_at_least echo 2 ||
    e2e_fail "echo: want 2 workers, have $(e2e_count_workers echo)"
e2e_note "echo workers after start: $(e2e_count_workers echo)"
assert_eq "$(cat "$PIDFILE")" "$E2E_MASTER_PID" "pid file"

# --- a second master on the same configuration is refused
out=$("$ESTUARY" -f -c "$E2E_CONF" 2>&1) && e2e_fail "second master started"
case $out in
*"already running (pid $E2E_MASTER_PID)"*) ;;
*) e2e_fail "second master: '$out' lacks" \
    "'already running (pid $E2E_MASTER_PID)'" ;;
esac

# --- connections are served
out=$(e2e_session "$PORT" "ECHO hello world" "QUIT") ||
    e2e_fail "session on port $PORT"
greeting=$(sed -n 1p <<<"$out")
[[ $greeting =~ ^testsvc\ echo\ pid=[0-9]+\ euid=[0-9]+\ gen=1$ ]] ||
    e2e_fail "greeting: '$greeting'"
assert_eq "$(sed -n 2p <<<"$out")" "hello world" "ECHO"
assert_eq "$(sed -n 3p <<<"$out")" "bye" "QUIT"

# --- max_use 3: no worker serves more than 3 connections, others follow
pids=
for _ in $(seq 1 9); do
	out=$(e2e_session "$PORT" "QUIT") || e2e_fail "session for max_use"
	pid=${out#*pid=}; pid=${pid%% *}
	pids="$pids $pid"
done
most=$(tr ' ' '\n' <<<"$pids" | grep . | sort | uniq -c | sort -rn |
    awk 'NR == 1 { print $1 }')
distinct=$(tr ' ' '\n' <<<"$pids" | grep . | sort -u | wc -l)
e2e_note "max_use 3: 9 connections over $distinct pids, at most $most per pid"
[ "$most" -le 3 ] || e2e_fail "a worker served $most connections (max_use 3)"
[ "$distinct" -ge 3 ] || e2e_fail "only $distinct pids for 9 connections"

# --- a session open across SIGHUP keeps working
tcp_open "$PORT" || e2e_fail "connect for the held session"
held=$TCP_FD
greeting=$(tcp_line "$held") || e2e_fail "held session: no greeting"
held_pid=${greeting#*pid=}; held_pid=${held_pid%% *}
assert_eq "${greeting##* }" "gen=1" "held session's generation"
old_idle=$(e2e_workers echo | grep -vx "$held_pid" | tr '\n' ' ')
kill -HUP "$E2E_MASTER_PID"
e2e_wait_for 5 grep -q "reload: generation 2" "$E2E_LOG" ||
    e2e_fail "no reload to generation 2"
# Idle workers of the old generation are told to leave; one still in
# accept() may take a connection until its SIGTERM lands, so wait for them.
all_gone() {
	for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
e2e_wait_for 5 all_gone $old_idle ||
    e2e_fail "old idle workers ($old_idle) still running after SIGHUP"
tcp_send "$held" "ECHO still here" || e2e_fail "held session: send"
assert_eq "$(tcp_line "$held")" "still here" "held session after SIGHUP"
kill -0 "$held_pid" 2>/dev/null || e2e_fail "held worker $held_pid is gone"
out=$(e2e_session "$PORT" "QUIT") || e2e_fail "session after SIGHUP"
assert_eq "$(sed -n 1p <<<"$out" | awk '{ print $NF }')" "gen=2" \
    "new session's generation"
tcp_send "$held" "QUIT"
assert_eq "$(tcp_line "$held")" "bye" "held session QUIT"
tcp_close "$held"
# The old worker leaves once its session is over.
e2e_wait_for 3 eval '! kill -0 '"$held_pid"' 2>/dev/null' ||
    e2e_fail "old-generation worker $held_pid still running"
e2e_note "session across SIGHUP: kept, worker $held_pid left after it"

# --- a service added by SIGHUP
PORT2=$(e2e_port)
printf '%s\n' "echo2 inet 127.0.0.1:$PORT2 2 1 10 testsvc" \
    >> "$E2E_CONF/services.conf"
kill -HUP "$E2E_MASTER_PID"
e2e_wait_for 5 grep -q "reload: generation 3" "$E2E_LOG" ||
    e2e_fail "no reload to generation 3"
e2e_wait_for 5 e2e_session "$PORT2" QUIT || e2e_fail "new service echo2"
out=$(e2e_session "$PORT2" "ECHO two") || e2e_fail "echo2 session"
assert_eq "$(sed -n 1p <<<"$out" | cut -d' ' -f2)" "echo2" "echo2 greeting"
assert_eq "$(sed -n 2p <<<"$out")" "two" "echo2 ECHO"
e2e_session "$PORT" QUIT >/dev/null || e2e_fail "echo after the second reload"

# --- a broken services.conf is refused; the old configuration stays
cp "$E2E_CONF/services.conf" "$E2E_DIR/services.good"
printf '%s\n' "broken nonsense here" >> "$E2E_CONF/services.conf"
kill -HUP "$E2E_MASTER_PID"
e2e_wait_for 5 grep -q "keeping the old configuration" "$E2E_LOG" ||
    e2e_fail "bad services.conf not reported"
e2e_session "$PORT2" QUIT >/dev/null || e2e_fail "echo2 after a bad reload"
cp "$E2E_DIR/services.good" "$E2E_CONF/services.conf"

# --- SIGTERM: exit 0, pid file and sockets gone, nothing left running
kill -TERM "$E2E_MASTER_PID"
wait "$E2E_MASTER_PID"
st=$?
E2E_MASTER_PID=
assert_eq "$st" 0 "master exit status"
[ ! -e "$PIDFILE" ] || e2e_fail "pid file left behind"
[ ! -e "$CTLSOCK" ] || e2e_fail "control socket left behind"
left=$(pgrep -f "$E2E_DIR/" | wc -l)
assert_eq "$left" 0 "processes left after stop"
grep -q "stopped" "$E2E_LOG" || e2e_fail "no 'stopped' in the log"
e2e_note "stop: exit 0, pid file and control socket removed"
exit 0
