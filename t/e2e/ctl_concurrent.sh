# ctl_concurrent.sh - four estuaryctl processes adding 1000 users each to
# one domain at the same time (the bulk-import path: estuaryctl batch and
# a password_hash computed once), then 200 users by single calls, four at
# a time, and 20 with real hashing (--password-stdin); every add must
# succeed and the registry must hold exactly those users.

. "$ESTUARY_TESTDIR/e2e/lib.sh"

PER_LOOP=${E2E_CTL_USERS:-1000}
LOOPS=4

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# A SHA512-crypt hash, as an existing password file would hold it
# (the fixed one is of "secret", for hosts without openssl).
HASH=$(openssl passwd -6 -salt bulksalt 'bulk secret' 2>/dev/null) ||
    HASH='$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.'
HASH="{SHA512-CRYPT}$HASH"

e2e_setup
e2e_start
ctl domain add bulk.example || e2e_fail "domain add"

# Each loop is one estuaryctl process sending its 1000 adds over one
# connection (estuaryctl batch), so the four contend in the registry, not
# in process start-up.
for n in $(seq 1 $LOOPS); do
	for i in $(seq 1 "$PER_LOOP"); do
		echo "user add u$n-$i@bulk.example password_hash=$HASH"
	done > "$E2E_DIR/batch$n"
done
start=$(now)
pids=
for n in $(seq 1 $LOOPS); do
	ctl batch < "$E2E_DIR/batch$n" > /dev/null 2> "$E2E_DIR/batch$n.err" &
	pids="$pids $!"
done
n=0
for p in $pids; do
	n=$((n + 1))
	wait "$p" || e2e_fail "batch $n failed: $(head -n 3 \
	    "$E2E_DIR/batch$n.err")"
done
end=$(now)
e2e_note "$((LOOPS * PER_LOOP)) users added by $LOOPS concurrent estuaryctl" \
    "processes in $(elapsed "$start" "$end") s"

out=$(ctl user list bulk.example --json) || e2e_fail "user list --json"
python3 -c '
import json, sys
loops, per = int(sys.argv[1]), int(sys.argv[2])
d = json.loads(sys.stdin.read())
want = sorted("u%d-%d@bulk.example" % (n, i)
    for n in range(1, loops + 1) for i in range(1, per + 1))
got = sorted(u["address"] for u in d)
if got != want:
    print("got %d users, want %d; missing %s, extra %s" % (len(got),
        len(want), sorted(set(want) - set(got))[:5],
        sorted(set(got) - set(want))[:5]))
    sys.exit(1)
if any(u["password_scheme"] != "SHA512-CRYPT" or u["state"] != "active"
    for u in d):
    print("a user lacks the imported hash or is not active")
    sys.exit(1)
' "$LOOPS" "$PER_LOOP" <<<"$out" || e2e_fail "user list after the bulk adds"
out=$(ctl domain show bulk.example --json) || e2e_fail "domain show"
python3 -c 'import json, sys
sys.exit(json.loads(sys.stdin.read())["users"] != int(sys.argv[1]))' \
    "$((LOOPS * PER_LOOP))" <<<"$out" || e2e_fail "domain user count: $out"

# One process and one connection per add, four at a time: the control
# service's workers are recycled (max_use 100) meanwhile.
adder() {
	for _i in $(seq 1 50); do
		ctl user add "p$1-$_i@bulk.example" "password_hash=$HASH" \
		    >/dev/null 2>>"$E2E_DIR/adder.err" ||
		    echo "p$1-$_i" >> "$E2E_DIR/adder.fails"
	done
}
start=$(now)
pids=
for n in 1 2 3 4; do
	adder "$n" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
end=$(now)
[ -s "$E2E_DIR/adder.fails" ] &&
    e2e_fail "adds failed: $(head -n 3 "$E2E_DIR/adder.err")"
e2e_note "200 users added by 4 loops of single estuaryctl calls in" \
    "$(elapsed "$start" "$end") s"

# Real hashing in admind: 4 loops of 5.
hasher() {
	for _i in 1 2 3 4 5; do
		printf 'pw %s %s\n' "$1" "$_i" | ctl user add \
		    "h$1-$_i@bulk.example" --password-stdin ||
		    echo "h$1-$_i" >> "$E2E_DIR/hasher.fails"
	done
}
start=$(now)
pids=
for n in 1 2 3 4; do
	hasher "$n" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
end=$(now)
[ -s "$E2E_DIR/hasher.fails" ] &&
    e2e_fail "hashed adds failed: $(cat "$E2E_DIR/hasher.fails")"
e2e_note "20 users with hashed passwords added in $(elapsed "$start" "$end") s"

out=$(ctl user list bulk.example --json) || e2e_fail "user list --json"
python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
h = [u for u in d if u["address"].startswith("h")]
p = [u for u in d if u["address"].startswith("p")]
if len(d) != int(sys.argv[1]) + 220 or len(h) != 20 or len(p) != 200 \
    or any(u["password_scheme"] != "YESCRYPT" for u in h):
    print("got %d users, %d hashed" % (len(d), len(h)))
    sys.exit(1)
' "$((LOOPS * PER_LOOP))" <<<"$out" || e2e_fail "user list after hashed adds"

# Every add logged as one line.
n=$(grep -c 'request=user-add address=.* result=ok$' "$E2E_LOG")
assert_eq "$n" "$((LOOPS * PER_LOOP + 220))" "user-add log lines"

e2e_stop
exit 0
