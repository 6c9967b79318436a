# master_root.sh - privilege separation, as root only: the master stays
# root, every worker runs as the mail owner (from the testsvc greeting and
# from /proc), a "registry" worker joins the registry as the mail owner
# and answers COUNT, and directories and sockets get their owners and
# modes (registry_dir, mail_dir, run_dir, a unix service's socket and
# the control socket).

. "$ESTUARY_TESTDIR/e2e/lib.sh"

[ "$(id -u)" = 0 ] || e2e_skip "needs root"

PORT=$(e2e_port)
PORT_REG=$(e2e_port)
e2e_setup "control control - 4 1 100 admind
echo inet 127.0.0.1:$PORT 5 2 100 testsvc
reg inet 127.0.0.1:$PORT_REG 2 1 100 testsvc registry
usock unix testsvc.sock 2 1 100 testsvc"
e2e_start
OWNER_UID=$(id -u "$E2E_OWNER")
OWNER_GID=$(id -g "$E2E_OWNER")

# /proc/PID/status "Uid: real effective saved fs" -> "real eff saved fs"
uids() {
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status"
}

# --- the master is root
assert_eq "$(uids "$E2E_MASTER_PID")" "0 0 0 0" "master's uids"

# --- every worker runs as the mail owner
e2e_wait_for 5 e2e_workers_at_least echo 2 || e2e_fail "echo workers"
e2e_wait_for 5 e2e_workers_at_least reg 1 || e2e_fail "reg workers"
# has_uids PID UID - all four uids of PID are UID (or PID is gone)
has_uids() {
	kill -0 "$1" 2>/dev/null || return 0
	[ "$(uids "$1")" = "$2 $2 $2 $2" ]
}
n=0
for pid in $(pgrep -P "$E2E_MASTER_PID"); do
	# One that has just started is root until its drop: give it a moment.
	e2e_wait_for 2 has_uids "$pid" "$OWNER_UID" ||
	    e2e_fail "worker $pid: uids $(uids "$pid"), want $OWNER_UID"
	n=$((n + 1))
done
e2e_note "$n workers, all with uid $OWNER_UID ($E2E_OWNER); master uid 0"

out=$(e2e_session "$PORT" QUIT) || e2e_fail "echo session"
euid=${out#*euid=}; euid=${euid%% *}
assert_eq "$euid" "$OWNER_UID" "euid in the testsvc greeting"

# --- a worker that joined the registry as the mail owner
out=$(e2e_session "$PORT_REG" COUNT QUIT) || e2e_fail "reg session"
count=$(sed -n 2p <<<"$out")
[[ $count =~ ^[0-9]+$ ]] || e2e_fail "COUNT: got '$count', want a number"
euid=${out#*euid=}; euid=${euid%% *}
assert_eq "$euid" "$OWNER_UID" "registry worker's euid"
e2e_note "registry worker (euid $euid) answered COUNT = $count"

# --- owners and modes
REG=$E2E_DIR/var/lib/registry
assert_eq "$(stat -c '%u:%g %a' "$REG")" "$OWNER_UID:$OWNER_GID 2770" \
    "registry_dir owner and mode"
bad=$(find "$REG" -mindepth 1 ! -user "$E2E_OWNER" | head -n 3)
[ -z "$bad" ] || e2e_fail "registry files not owned by $E2E_OWNER: $bad"
assert_eq "$(stat -c '%u %a' "$E2E_DIR/var/lib/mail")" "$OWNER_UID 750" \
    "mail_dir owner and mode"
assert_eq "$(stat -c '%u %a' "$E2E_DIR/var/run")" "0 755" "run_dir"
assert_eq "$(stat -c '%u:%g %a' "$E2E_DIR/var/run/testsvc.sock")" \
    "0:$OWNER_GID 660" "unix service socket"
mode=$(stat -c '%u %a' "$E2E_DIR/var/run/estuary.ctl")
case $mode in
"0 600"|"0 660") ;;
*) e2e_fail "control socket: owner and mode '$mode'" ;;
esac
e2e_note "registry_dir $(stat -c '%U:%G %a' "$REG"), control socket $mode"

e2e_stop
exit 0
