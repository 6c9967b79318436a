# ctl_basic.sh - estuaryctl against a running master: domains, users and
# aliases through the control service, --json checked field by field,
# refusals (bad names, unknown domain, domain with users, bad keys,
# permission) with exit 1, bad usage with exit 2, config and status.

. "$ESTUARY_TESTDIR/e2e/lib.sh"

# jcheck JSON PYTHON_EXPR WHAT - the expression over d (the parsed JSON)
# must be true; iso(s) says whether s is an ISO 8601 UTC time, strip(o)
# drops the "created" field.
jcheck() {
	python3 -c '
import json, re, sys
d = json.loads(sys.stdin.read())
def iso(s):
    return isinstance(s, str) and re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) is not None
def strip(o):
    return {k: v for k, v in o.items() if k != "created"}
if not eval("(" + sys.argv[1] + "\n)"):
    print("got: " + json.dumps(d, sort_keys=True))
    sys.exit(1)
' "$2" <<<"$1" || e2e_fail "$3"
}

# refused WANT_STATUS WANT_TEXT WHAT CMD... - CMD exits WANT_STATUS and
# its standard error holds WANT_TEXT
refused() {
	_want=$1 _text=$2 _what=$3; shift 3
	_err=$("$@" 2>&1 >/dev/null)
	_st=$?
	[ "$_st" = "$_want" ] ||
	    e2e_fail "$_what: exit $_st, want $_want (stderr: $_err)"
	case $_err in
	*"$_text"*) ;;
	*) e2e_fail "$_what: stderr '$_err' lacks '$_text'" ;;
	esac
}

ALL='["smtp", "submission", "pop3", "pop3s", "imap", "imaps"]'
# A SHA512-crypt hash, as an existing password file would hold it
# (the fixed one is of "secret", for hosts without openssl).
HASH=$(openssl passwd -6 -salt e2esalt0 'imported secret' 2>/dev/null) ||
    HASH='$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.'
HASH="{SHA512-CRYPT}$HASH"

e2e_setup
e2e_start

# --- status and config
out=$(ctl status --json) || e2e_fail "status --json"
jcheck "$out" "d['master_pid'] == $E2E_MASTER_PID and d['uptime'] >= 0
    and len(d['services']) == 1
    and d['services'][0]['service'] == 'control'
    and d['services'][0]['type'] == 'control'
    and d['services'][0]['program'] == 'admind'
    and d['services'][0]['process_limit'] == 4
    and d['services'][0]['processes'] >= 1
    and d['services'][0]['busy'] >= 1
    and d['services'][0]['busy'] + d['services'][0]['idle']
        == d['services'][0]['processes']
    and d['services'][0]['listen'] == '$E2E_DIR/var/run/estuary.ctl'" \
    "status --json"
out=$(ctl status) || e2e_fail "status"
echo "$out" | grep -q "^master_pid: $E2E_MASTER_PID\$" ||
    e2e_fail "status lacks master_pid: $out"
echo "$out" | grep -Eq '^control +control +/' ||
    e2e_fail "status lacks the control service: $out"

out=$(ctl config) || e2e_fail "config"
echo "$out" | grep -qx 'max_idle = 30s' ||
    e2e_fail "config lacks max_idle = 30s: $out"
echo "$out" | grep -qx "run_dir = $E2E_DIR/var/run" ||
    e2e_fail "config lacks run_dir: $out"
echo "$out" | grep -q '^control_timeout' &&
    e2e_fail "config shows a default (control_timeout): $out"
if [ "$E2E_OWNER" = estuary ]; then
	# Set in the file, but to its default value: not shown.
	echo "$out" | grep -q '^mail_owner' &&
	    e2e_fail "config shows mail_owner set to its default: $out"
fi
out=$(ctl config -a) || e2e_fail "config -a"
echo "$out" | grep -qx 'control_timeout = 30s' ||
    e2e_fail "config -a lacks control_timeout = 30s"
echo "$out" | grep -qx 'max_idle = 30s' || e2e_fail "config -a: max_idle"
out=$(ctl config -d) || e2e_fail "config -d"
echo "$out" | grep -qx 'max_idle = 100s' ||
    e2e_fail "config -d lacks max_idle = 100s"
out=$(ctl config --json) || e2e_fail "config --json"
jcheck "$out" "{'name': 'max_idle', 'value': '30s', 'default': '100s',
    'doc': 'an idle worker exits after this long'} in d
    and 'control_timeout' not in [p['name'] for p in d]" "config --json"

# reload through the master channel: a new generation
ctl reload || e2e_fail "reload"
e2e_wait_for 10 grep -q 'reload requested by control process' "$E2E_LOG" ||
    e2e_fail "the master did not log the reload request"
gen_ok() { ctl status --json | python3 -c 'import json, sys
sys.exit(json.load(sys.stdin)["generation"] != 2)'; }
e2e_wait_for 10 gen_ok || e2e_fail "no generation 2 after reload"

# --- domains
ctl domain add example.org || e2e_fail "domain add example.org"
out=$(ctl domain list --json) || e2e_fail "domain list --json"
jcheck "$out" "len(d) == 1 and strip(d[0]) == {'name': 'example.org',
    'state': 'active', 'services': $ALL, 'admin': None,
    'postmaster': None, 'quota': 0, 'quota_messages': 0}
    and iso(d[0]['created'])" "domain list --json after one add"

ctl domain add Example.NET services=smtp,imap quota=10M \
    quota_messages=5000 admin=Boss@Example.NET ||
    e2e_fail "domain add example.net with keys"
out=$(ctl domain show example.net --json) || e2e_fail "domain show --json"
jcheck "$out" "strip(d) == {'name': 'example.net', 'state': 'active',
    'services': ['smtp', 'imap'], 'admin': 'boss@example.net',
    'postmaster': None, 'quota': 10485760, 'quota_messages': 5000,
    'users': 0} and iso(d['created'])" "domain show example.net"
out=$(ctl domain show example.net) || e2e_fail "domain show"
echo "$out" | grep -qx 'quota: 10M' || e2e_fail "domain show: quota: $out"
echo "$out" | grep -qx 'services: smtp,imap' ||
    e2e_fail "domain show: services: $out"
echo "$out" | grep -Eq '^created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' ||
    e2e_fail "domain show: created: $out"

ctl domain set example.net state=inactive services=none \
    postmaster=pm@example.net || e2e_fail "domain set"
out=$(ctl domain show example.net --json) || e2e_fail "domain show"
jcheck "$out" "d['state'] == 'inactive' and d['services'] == []
    and d['postmaster'] == 'pm@example.net'
    and d['admin'] == 'boss@example.net'" "domain set state/services"
ctl domain set example.net state=active services=all quota=0 admin= ||
    e2e_fail "domain set back"
out=$(ctl domain show example.net --json) || e2e_fail "domain show"
jcheck "$out" "d['state'] == 'active' and d['services'] == $ALL
    and d['quota'] == 0 and d['admin'] is None" "domain set back"

out=$(ctl domain list) || e2e_fail "domain list"
assert_eq "$(echo "$out" | wc -l)" 3 "domain list lines"
header=$(echo "$out" | head -n 1)
row=$(echo "$out" | grep '^example.org ')
case $header in DOMAIN*STATE*SERVICES*QUOTA*CREATED) ;;
*) e2e_fail "domain list header: $header" ;; esac
hpos=$(awk -v s="$header" 'BEGIN { print index(s, "STATE") }')
rpos=$(awk -v s="$row" 'BEGIN { print index(s, "active") }')
assert_eq "$rpos" "$hpos" "domain list: STATE column position"

refused 1 "bad domain name 'bad_name'" "domain add bad_name" \
    ctl domain add bad_name
refused 1 "bad domain name" "domain add single label" ctl domain add local
refused 1 "already exists" "domain add twice" ctl domain add example.org
refused 1 "unknown key 'colour'" "domain set unknown key" \
    ctl domain set example.org colour=blue
refused 1 "bad value for quota" "domain set bad quota" \
    ctl domain set example.org quota=lots
refused 1 "bad value for state" "domain set bad state" \
    ctl domain set example.org state=sleeping
refused 1 "services" "domain set bad services" \
    ctl domain set example.org services=smtp,gopher
refused 1 "no such domain: nowhere.example" "domain show unknown" \
    ctl domain show nowhere.example

# --- users
printf 'first secret\n' | ctl user add ann@example.org --password-stdin ||
    e2e_fail "user add --password-stdin"
out=$(ctl user show ann@example.org --json) || e2e_fail "user show --json"
jcheck "$out" "strip(d) == {'address': 'ann@example.org',
    'domain': 'example.org', 'state': 'active',
    'password_scheme': 'YESCRYPT', 'apop': False, 'quota': 0,
    'quota_messages': 0, 'last_login': None} and iso(d['created'])" \
    "user show ann --json"
case $out in *'$y$'*|*secret*) e2e_fail "user show leaks the hash: $out" ;;
esac
ctl user add bob@example.org "password_hash=$HASH" ||
    e2e_fail "user add password_hash"
ctl user add Carol@Example.ORG quota=1G --password-stdin <<<'carol pw' ||
    e2e_fail "user add carol"
out=$(ctl user list example.org --json) || e2e_fail "user list --json"
jcheck "$out" "[u['address'] for u in d] == ['ann@example.org',
    'bob@example.org', 'carol@example.org']
    and [u['password_scheme'] for u in d] == ['YESCRYPT', 'SHA512-CRYPT',
    'YESCRYPT'] and d[2]['quota'] == 1073741824" "user list example.org"
out=$(ctl user list) || e2e_fail "user list"
assert_eq "$(echo "$out" | wc -l)" 4 "user list lines"
echo "$out" | head -n 1 | grep -q '^ADDRESS  *STATE  *PASSWORD' ||
    e2e_fail "user list header: $out"
out=$(ctl user list example.net --json) || e2e_fail "user list example.net"
assert_eq "$out" "[]" "user list of a domain without users"

printf 'second secret\n' | ctl user passwd ann@example.org --password-stdin ||
    e2e_fail "user passwd"
refused 2 "no password" "user passwd with empty stdin" \
    ctl user passwd ann@example.org --password-stdin </dev/null
refused 2 "empty password" "user passwd with an empty line" \
    ctl user passwd ann@example.org --password-stdin <<<''
ctl user set ann@example.org state=inactive quota=500M quota_messages=10 ||
    e2e_fail "user set"
out=$(ctl user show ann@example.org --json) || e2e_fail "user show"
jcheck "$out" "d['state'] == 'inactive' and d['quota'] == 524288000
    and d['quota_messages'] == 10 and d['password_scheme'] == 'YESCRYPT'" \
    "user set"
ctl user set ann@example.org "password_hash=$HASH" ||
    e2e_fail "user set password_hash"
out=$(ctl user show ann@example.org --json) || e2e_fail "user show"
jcheck "$out" "d['password_scheme'] == 'SHA512-CRYPT'" "user set password_hash"
ctl user set ann@example.org apop=open-sesame || e2e_fail "user set apop"
ctl user show ann@example.org | grep -qx 'apop: *yes' ||
    e2e_fail "user show: want apop: yes"
out=$(ctl user show ann@example.org --json) || e2e_fail "user show"
jcheck "$out" "d['apop'] is True and 'open-sesame' not in repr(d)" \
    "user set apop"
refused 1 "unknown key 'apop' for a domain" "domain set apop" \
    ctl domain set example.org apop=x
refused 2 "standard input" "apop=- in a batch" \
    ctl batch <<<'user set ann@example.org apop=-'
ctl user set ann@example.org apop= || e2e_fail "user set apop= (clear)"
out=$(ctl user show ann@example.org --json) || e2e_fail "user show"
jcheck "$out" "d['apop'] is False" "user set apop="

refused 1 "unknown key 'services' for a user" "user set a domain key" \
    ctl user set ann@example.org services=smtp
refused 1 "password_hash" "user add with a plain-text scheme" \
    ctl user add dan@example.org 'password_hash={PLAIN}dan'
refused 1 "nowhere.example" "user in an unknown domain" \
    ctl user add x@nowhere.example "password_hash=$HASH"
refused 1 "bad address" "user with a bad address" \
    ctl user add 'two words@example.org' "password_hash=$HASH"
refused 1 "exists" "user added twice" \
    ctl user add bob@example.org "password_hash=$HASH"
refused 1 "no such user" "user show unknown" ctl user show zed@example.org

# The prompt: on a terminal, twice, echo off, the two must match.
python3 - "$ESTUARYCTL" "$E2E_CONF" <<'PY' || e2e_fail "password prompt"
import os, pty, select, sys

def typed(address, first, second):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[1], [sys.argv[1], "-c", sys.argv[2], "user", "add",
            address])
    out, answers = b"", [first, second]
    while True:
        if not select.select([fd], [], [], 20)[0]:
            os.kill(pid, 9)
            break
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
        if answers and out.endswith(b"password: "):
            os.write(fd, answers.pop(0) + b"\n")
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out

for address, first, second, want in (
        ("tty1@example.org", b"typed pw", b"typed pw", 0),
        ("tty2@example.org", b"typed pw", b"other pw", 2)):
    code, out = typed(address, first, second)
    if code != want or b"typed" in out or out.count(b"password: ") != 2:
        print("%s: exit %d, want %d; output %r" % (address, code, want, out))
        sys.exit(1)
PY
out=$(ctl user list example.org --json) || e2e_fail "user list"
jcheck "$out" "'tty1@example.org' in [u['address'] for u in d]
    and 'tty2@example.org' not in [u['address'] for u in d]" \
    "users added at the prompt"
ctl user del tty1@example.org || e2e_fail "user del tty1"

# --- aliases
ctl alias add postmaster@example.org ann@example.org bob@example.net ||
    e2e_fail "alias add"
ctl alias add postmaster@example.org ann@example.org carol@example.org ||
    e2e_fail "alias add more targets"
out=$(ctl alias list --json) || e2e_fail "alias list --json"
jcheck "$out" "d == [{'address': 'postmaster@example.org',
    'targets': ['ann@example.org', 'bob@example.net',
    'carol@example.org']}]" "alias list --json"
out=$(ctl alias list) || e2e_fail "alias list"
echo "$out" | head -n 1 | grep -q '^ALIAS  *TARGETS$' ||
    e2e_fail "alias list header: $out"
ctl alias del postmaster@example.org bob@example.net ||
    e2e_fail "alias del one target"
out=$(ctl alias list example.org --json) || e2e_fail "alias list"
jcheck "$out" "d[0]['targets'] == ['ann@example.org', 'carol@example.org']" \
    "alias del one target"
refused 1 "bad target" "alias to a bad address" \
    ctl alias add info@example.org 'not an address'
refused 1 "nowhere.example" "alias in an unknown domain" \
    ctl alias add info@nowhere.example ann@example.org
refused 1 "" "alias over a user" ctl alias add ann@example.org bob@example.org

# --- batch: many requests over one connection
out=$(printf '%s\n' '# set-up' '' 'domain add batch.example' \
    'domain add batch.example' "user add b1@batch.example password_hash=$HASH" \
    'user list batch.example --json' 'user del b1@batch.example' \
    'domain del batch.example' | ctl batch 2>"$E2E_DIR/batch.err")
st=$?
assert_eq "$st" 1 "batch with a refused line: exit status"
err=$(cat "$E2E_DIR/batch.err")
case $err in
"estuaryctl: line 4: "*"already exists") ;;
*) e2e_fail "batch: refusal message: $err" ;;
esac
jcheck "$out" "[u['address'] for u in d] == ['b1@batch.example']" \
    "batch: user list output"
refused 2 "line 1: in a batch, give password_hash" "batch without a hash" \
    ctl batch <<<'user add b2@batch.example'
refused 2 "line 2: unknown command" "batch with a bad line" \
    ctl batch <<<'domain list
frobnicate'
assert_eq "$(printf 'domain list --json\n' | ctl batch)" \
    "$(ctl domain list --json)" "batch output equals single output"

# --- removal
refused 1 "example.org" "domain del with users" ctl domain del example.org
out=$(ctl domain list --json) || e2e_fail "domain list"
jcheck "$out" "[x['name'] for x in d] == ['example.net', 'example.org']" \
    "domain with users still there"
ctl alias del postmaster@example.org || e2e_fail "alias del"
for u in ann bob carol; do
	ctl user del "$u@example.org" || e2e_fail "user del $u"
done
refused 1 "no such user" "user del twice" ctl user del ann@example.org
ctl domain del example.org || e2e_fail "domain del of an empty domain"
out=$(ctl domain list --json) || e2e_fail "domain list"
jcheck "$out" "[x['name'] for x in d] == ['example.net']" "domain del"
assert_eq "$(ctl alias list --json)" "[]" "alias list after del"

# --- usage: exit 2
refused 2 "unknown command" "unknown command" ctl frobnicate
refused 2 "which command" "group without a command" ctl domain
refused 2 "unknown domain command" "unknown domain command" ctl domain eat x
refused 2 "missing argument" "domain add without a name" ctl domain add
refused 2 "missing argument" "domain set without keys" \
    ctl domain set example.net
refused 2 "expected key=value" "domain add with a bare word" \
    ctl domain add example.com quota
refused 2 "too many arguments" "status with an argument" ctl status now
refused 2 "unknown option" "unknown option" ctl user list --fast
refused 2 "use --password-stdin" "password in argv" \
    ctl user add eve@example.net password=hunter2
refused 2 "password is needed" "user add without a password" \
    ctl user add eve@example.net </dev/null
ctl help >/dev/null || e2e_fail "help"

# Nothing secret reached the log; each request left one line.
grep -q 'hunter2\|first secret\|second secret\|carol pw' "$E2E_LOG" &&
    e2e_fail "a password reached the log"
grep -Eq '^estuary/admind\[[0-9]+\]: [0-9a-f]{8} uid=0 request=domain-add name=example.org result=ok$' \
    "$E2E_LOG" || e2e_fail "no request line for domain-add"
grep -Eq 'request=user-passwd address=ann@example.org result=ok$' \
    "$E2E_LOG" || e2e_fail "no request line for user-passwd"
grep -Eq 'request=domain-del name=example.org result=error reason=' \
    "$E2E_LOG" || e2e_fail "no request line for a refused domain-del"

# --- connection failure
refused 1 "cannot connect to $E2E_DIR/nothing: " "no socket" \
    "$ESTUARYCTL" -s "$E2E_DIR/nothing" status
refused 1 "(is estuary running?)" "no socket" \
    "$ESTUARYCTL" -s "$E2E_DIR/nothing" status

# --- permission: the socket's mode, then admind's own check
if [ "$E2E_ROOT" = 1 ]; then
	as_nobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
	}
	as_nobody true 2>/dev/null || e2e_skip "setpriv cannot run as nobody"
	err=$(as_nobody "$ESTUARYCTL" -c "$E2E_CONF" domain list 2>&1)
	st=$?
	assert_eq "$st" 1 "estuaryctl as nobody: exit status"
	case $err in
	*"permission denied"*|*"Permission denied"*) ;;
	*) e2e_fail "estuaryctl as nobody: $err" ;;
	esac
	# Past the socket's mode, admind checks the peer's credentials.
	chmod 0666 "$E2E_DIR/var/run/estuary.ctl"
	err=$(as_nobody "$ESTUARYCTL" -c "$E2E_CONF" domain add evil.example \
	    2>&1)
	st=$?
	assert_eq "$st" 1 "estuaryctl as nobody past the socket mode"
	assert_eq "$err" "estuaryctl: permission denied" \
	    "estuaryctl as nobody past the socket mode"
	grep -q "uid=$(id -u nobody) .*permission denied" "$E2E_LOG" ||
	    e2e_fail "no warning for the refused peer"
	out=$(ctl domain list --json) || e2e_fail "domain list"
	jcheck "$out" "[x['name'] for x in d] == ['example.net']" \
	    "a refused peer changed nothing"
fi

# stop through the master channel
ctl stop || e2e_fail "stop"
e2e_wait_for 20 sh -c "! kill -0 $E2E_MASTER_PID" ||
    e2e_fail "the master did not stop"
wait "$E2E_MASTER_PID" 2>/dev/null
E2E_MASTER_PID=
grep -q 'stop requested by control process' "$E2E_LOG" ||
    e2e_fail "the master did not log the stop request"
exit 0
