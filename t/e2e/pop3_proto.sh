# pop3_proto.sh - pop3d against the installed suite with Python's poplib
# and raw sockets (pop3_check.py): greeting with an APOP timestamp, CAPA,
# plaintext refused before STLS, STLS, pop3s, AUTH PLAIN, APOP refused for
# a user without a secret, LIST/STAT sizes against RETR's exact bytes for
# mail delivered through smtpd and written straight into the Maildir
# (bare LF, 8-bit, no final newline: RETR sends exactly what LIST says),
# byte-stuffing, TOP, pipelining, every login failure's reply, [IN-USE],
# the snapshot, RSET, DELE with a dropped connection and with QUIT,
# throttling; then UIDLs stay the same across a restart of the master,
# 50 rapid connect/login/QUIT cycles never meet [IN-USE], logins are
# recorded as last_login, and a client that half-closes after its
# commands still gets every reply. Then APOP secrets: the master's key
# file, estuaryctl user set apop=- (standard input) and apop=SECRET,
# user show saying only whether one is set, APOP logins with poplib's
# apop() (and a wrong digest refused), the secret nowhere in plaintext in
# the registry or the log, and apop= clearing it. Last, pop3d_login_delay:
# LOGIN-DELAY in CAPA, a second login at once refused with [LOGIN-DELAY].

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v python3 >/dev/null || e2e_skip "python3 is not installed"

POP3_PORT=$(e2e_port)
POP3S_PORT=$(e2e_port)
SMTP_EXTRA_SERVICES="pop3 inet 127.0.0.1:$POP3_PORT 10 1 100 pop3d pop3
pop3s inet 127.0.0.1:$POP3S_PORT 10 1 100 pop3d pop3s"
smtp_setup pop3d_auth_fail_delay=0s pop3d_auth_fail_limit=12 \
    pop3d_auth_fail_window=4s
e2e_wait_for 10 e2e_workers_at_least pop3s 1 || e2e_fail "no pop3s worker"

check() {
	timeout 50 python3 "$ESTUARY_TESTDIR/e2e/pop3_check.py" $POP3_PORT \
	    $POP3S_PORT $SMTP_PORT "$MAIL_DIR" "$E2E_OWNER" "$@"
}

out=$(check main 2>&1) || { echo "$out" >&2; e2e_fail "pop3_check.py"; }
e2e_note "$out"
grep -q 'pop3d.*auth failed mech=USER user=carol@good.test reason="user not active"' \
    "$E2E_LOG" || e2e_fail "the log does not say which rule failed"

# 127.0.0.1 is throttled now: wait for pop3d_auth_fail_window to pass
sleep 4.5
check uidls "$E2E_DIR/uidl.1" || e2e_fail "UIDL listing"
e2e_stop
e2e_start
e2e_wait_for 10 e2e_workers_at_least pop3s 1 || e2e_fail "no pop3s worker"
check uidls "$E2E_DIR/uidl.2" || e2e_fail "UIDL listing after restart"
cmp -s "$E2E_DIR/uidl.1" "$E2E_DIR/uidl.2" ||
    e2e_fail "UIDLs changed across a restart: $(cat "$E2E_DIR"/uidl.*)"
[ "$(wc -l < "$E2E_DIR/uidl.1")" = 4 ] || e2e_fail "want 4 UIDLs"
e2e_note "UIDLs stable across sessions and a master restart"

inuse='pop3d.*login refused user=alice@good.test reason=in-use'
n=$(e2e_log_count "$inuse")
out=$(check rapid 2>&1) || { echo "$out" >&2; e2e_fail "rapid cycles"; }
e2e_note "$out"
[ "$(e2e_log_count "$inuse")" = "$n" ] || e2e_fail "a rapid cycle met [IN-USE]"
ctl user show alice@good.test | grep -q '^last_login: *never' &&
    e2e_fail "a POP3 login did not set last_login"
out=$(check halfclose 2>&1) || { echo "$out" >&2; e2e_fail "half-close"; }
e2e_note "$out"

# --- APOP secrets
KEY=$E2E_DIR/var/lib/secret.key
[ -f "$KEY" ] && [ "$(wc -c < "$KEY")" = 32 ] ||
    e2e_fail "the master made no 32-byte secret key $KEY"
if [ "$E2E_ROOT" = 1 ]; then
	want="640 root:$(id -gn "$E2E_OWNER")"
else
	want="600 $(id -un):$(id -gn)"
fi
[ "$(stat -c '%a %U:%G' "$KEY")" = "$want" ] ||
    e2e_fail "key file: $(stat -c '%a %U:%G' "$KEY"), want $want"
ctl user show alice@good.test | grep -qx 'apop: *no' ||
    e2e_fail "user show: want apop: no"
ctl user show --json alice@good.test | grep -q '"apop": *false' ||
    e2e_fail "user show --json: want \"apop\": false"
APOP_A=Sesame-APOP-4711
APOP_B=Other-APOP-0815
printf '%s\n' "$APOP_A" | ctl user set alice@good.test apop=- ||
    e2e_fail "user set apop=- (standard input)"
ctl user set bob@good.test apop=$APOP_B || e2e_fail "user set apop=SECRET"
out=$(ctl user show alice@good.test)
echo "$out" | grep -qx 'apop: *yes' || e2e_fail "user show: want apop: yes"
ctl user show --json alice@good.test | grep -q '"apop": *true' ||
    e2e_fail "user show --json: want \"apop\": true"
for s in "$APOP_A" "$APOP_B"; do
	! grep -rqa -- "$s" "$E2E_DIR/var/lib/registry" ||
	    e2e_fail "the registry holds an APOP secret in plaintext"
	! grep -qa -- "$s" "$E2E_LOG" || e2e_fail "the log shows a secret"
	! ctl user list --json 2>&1 | grep -qa -- "$s" ||
	    e2e_fail "user list shows a secret"
done
grep -rqa -- '{AES256-GCM}' "$E2E_DIR/var/lib/registry" ||
    e2e_fail "no encrypted secret in the registry"

apop_check() {
	timeout 30 python3 - "$POP3_PORT" "$@" <<'PY'
import poplib, sys
port, user, secret, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    sys.argv[4].encode()
p = poplib.POP3("127.0.0.1", port, timeout=10)
try:
    got = p.apop(user, secret)
except poplib.error_proto as e:
    got = e.args[0]
p.quit()
if not got.startswith(want):
    print("APOP %s: got %r, want %r..." % (user, got, want), file=sys.stderr)
    sys.exit(1)
PY
}
apop_check alice@good.test "$APOP_A" "+OK" || e2e_fail "APOP with the secret"
apop_check bob@good.test "$APOP_B" "+OK" || e2e_fail "APOP (argv secret)"
apop_check alice@good.test "$APOP_B" "-ERR [AUTH] Authentication failed" ||
    e2e_fail "APOP with a wrong digest"
grep -q 'pop3d.*auth failed mech=APOP user=alice@good.test reason="wrong APOP' \
    "$E2E_LOG" || e2e_fail "the log does not say the digest was wrong"
apop_check tiny@good.test "$APOP_A" "-ERR [AUTH] APOP is not enabled" ||
    e2e_fail "APOP for a user without a secret"
ctl user set alice@good.test apop= || e2e_fail "user set apop= (clear)"
ctl user show alice@good.test | grep -qx 'apop: *no' ||
    e2e_fail "user show after apop=: want apop: no"
apop_check alice@good.test "$APOP_A" "-ERR [AUTH] APOP is not enabled" ||
    e2e_fail "APOP after the secret was cleared"
printf '' | ctl user set alice@good.test apop=- 2>/dev/null
[ $? = 2 ] || e2e_fail "apop=- with nothing on standard input: want exit 2"
e2e_note "APOP with encrypted secrets"

# --- LOGIN-DELAY
e2e_stop
e2e_conf pop3d_login_delay 30s
e2e_start
e2e_wait_for 10 e2e_workers_at_least pop3s 1 || e2e_fail "no pop3s worker"
out=$(check delay 30 2>&1) || { echo "$out" >&2; e2e_fail "LOGIN-DELAY"; }
e2e_note "$out"
grep -q 'pop3d.*login refused user=tiny@good.test reason=login-delay' \
    "$E2E_LOG" || e2e_fail "the log does not say why the login was refused"
