# smtp_lib.sh - shared set-up for the smtpd end-to-end tests (sourced
# after lib.sh).
#
# smtp_setup starts the installed master with smtp, submission and smtps
# services on free loopback ports and a self-signed certificate made in the
# test directory, and fills the registry with the domains, users and
# aliases the tests use:
#
#   good.test      active, all services; postmaster=alice@good.test
#     alice, bob   active users (password "pw-alice", "pw-bob")
#     carol        inactive user
#     tiny         quota 2k
#     team         alias -> alice, bob
#     all          alias -> team, dave@far.example (nested + remote)
#     loop1/loop2  aliases pointing at each other
#     half         alias -> half2, alice; half2 -> half (loop beside a user)
#   sleepy.test    inactive
#   gone.test      deleted
#   nosmtp.test    services=submission,pop3 (no smtp); user nina
#   nosub.test     services=smtp (no submission); user sam
#   pmfar.test     postmaster=pm@far.example (postmaster is queued)
#
# Helpers: swaks_reply (the reply line to a given command), mailbox files,
# message comparison.

SMTP_PORT=$(e2e_port)
SUB_PORT=$(e2e_port)
SMTPS_PORT=$(e2e_port)

# smtp_setup [PARAM=VALUE...] - configure, start, populate
# ($SMTP_EXTRA_SERVICES: more services.conf lines, e.g. pop3d's)
# ($SMTP_CERT_SAN: a subjectAltName for the certificate, e.g.
# "IP:127.0.0.1" for clients that check the host name)
smtp_setup() {
	e2e_setup "control control - 4 1 100 admind
smtp inet 127.0.0.1:$SMTP_PORT 10 1 100 smtpd smtp
submission inet 127.0.0.1:$SUB_PORT 10 1 100 smtpd submission
smtps inet 127.0.0.1:$SMTPS_PORT 10 1 100 smtpd smtps${SMTP_EXTRA_SERVICES:+
$SMTP_EXTRA_SERVICES}"
	mkdir -p "$E2E_DIR/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mx.e2e.test" \
	    ${SMTP_CERT_SAN:+-addext "subjectAltName=$SMTP_CERT_SAN"} \
	    -keyout "$E2E_DIR/tls/key.pem" -out "$E2E_DIR/tls/cert.pem" \
	    >/dev/null 2>&1 || e2e_fail "openssl req"
	e2e_conf tls_cert_file "$E2E_DIR/tls/cert.pem"
	e2e_conf tls_key_file "$E2E_DIR/tls/key.pem"
	e2e_conf myhostname mx.e2e.test
	for kv in "$@"; do
		e2e_conf "${kv%%=*}" "${kv#*=}"
	done
	MAIL_DIR=$E2E_DIR/var/lib/mail
	QUEUE_DIR=$E2E_DIR/var/spool
	e2e_start
	e2e_wait_for 10 e2e_workers_at_least smtp 1 ||
	    e2e_fail "no smtp worker"

	ctl domain add good.test postmaster=alice@good.test >/dev/null ||
	    e2e_fail "domain add good.test"
	ctl domain add sleepy.test state=inactive >/dev/null &&
	ctl domain add gone.test >/dev/null &&
	ctl domain set gone.test state=deleted >/dev/null &&
	ctl domain add nosmtp.test services=submission,pop3 >/dev/null &&
	ctl domain add nosub.test services=smtp >/dev/null &&
	ctl domain add pmfar.test postmaster=pm@far.example >/dev/null ||
	    e2e_fail "domain add"
	for u in alice bob; do
		printf 'pw-%s\n' "$u" | ctl user add "$u@good.test" \
		    --password-stdin >/dev/null || e2e_fail "user add $u"
	done
	printf 'pw\n' | ctl user add carol@good.test state=inactive \
	    --password-stdin >/dev/null &&
	printf 'pw\n' | ctl user add tiny@good.test quota=2k \
	    --password-stdin >/dev/null &&
	printf 'pw-nina\n' | ctl user add nina@nosmtp.test \
	    --password-stdin >/dev/null &&
	printf 'pw-sam\n' | ctl user add sam@nosub.test \
	    --password-stdin >/dev/null || e2e_fail "user add"
	ctl alias add team@good.test alice@good.test bob@good.test \
	    >/dev/null &&
	ctl alias add all@good.test team@good.test dave@far.example \
	    >/dev/null &&
	ctl alias add loop1@good.test loop2@good.test >/dev/null &&
	ctl alias add loop2@good.test loop1@good.test >/dev/null &&
	ctl alias add half@good.test half2@good.test alice@good.test \
	    >/dev/null &&
	ctl alias add half2@good.test half@good.test >/dev/null ||
	    e2e_fail "alias add"
}

# swaks_reply CMD SWAKS-ARGS... - run swaks; SWAKS_OUT is its output,
# SWAKS_REPLY the reply line that followed the client's CMD (e.g. "RCPT
# TO", "MAIL FROM", "DATA", "AUTH"; "END": the reply before QUIT, i.e.
# to the end of the message), without the direction marker:
# "550 5.1.1 <x>: ..."
swaks_reply() {
	_cmd=$1; shift
	SWAKS_OUT=$(swaks --hide-informational --suppress-data \
	    --timeout 10 "$@" 2>&1)
	SWAKS_REPLY=$(awk -v cmd="$_cmd" '
		cmd == "END" && /^ *<[-~*]+ / { last = $0 }
		cmd == "END" && /^ *[-~*]+> QUIT/ {
			sub(/^ *<[-~*]+ +/, "", last); print last; exit }
		cmd == "END" { next }
		found && /^ *<[-~*]+ / { sub(/^ *<[-~*]+ +/, ""); print; exit }
		index($0, cmd) && /^ *[-~*]+> / { found = 1 }
	' <<<"$SWAKS_OUT")
}

# expect_reply WANT CMD SWAKS-ARGS... - the reply to CMD starts with WANT
expect_reply() {
	_want=$1; shift
	swaks_reply "$@"
	_got=$SWAKS_REPLY
	case $_got in
	"$_want"*) ;;
	*) echo "$SWAKS_OUT" >&2
	   e2e_fail "$* : reply to $1 is '$_got', want '$_want'" ;;
	esac
}

# rcpt_reply WANT PORT TO [SWAKS-ARGS...] - the RCPT reply on smtp
rcpt_reply() {
	_want=$1 _port=$2 _to=$3; shift 3
	expect_reply "$_want" "RCPT TO" --server "127.0.0.1:$_port" \
	    --from sender@client.example --to "$_to" --quit-after RCPT "$@"
}

# maildir_files USER DOMAIN - the message files of a mailbox's INBOX
maildir_files() {
	find "$MAIL_DIR/$2/$1/new" "$MAIL_DIR/$2/$1/cur" -type f \
	    2>/dev/null | sort
}

# maildir_count USER DOMAIN
maildir_count() {
	maildir_files "$1" "$2" | wc -l
}

# strip_received FILE - the stored message without its first Received:
# header (the first line and its continuation lines)
strip_received() {
	awk 'NR == 1 && /^Received: / { skip = 1; next }
	    skip && /^[ \t]/ { next } { skip = 0; print }' "$1"
}

# crlf FILE - FILE's LF lines as CR LF (to send)
crlf() {
	sed 's/$/\r/' "$1"
}

# chat [--tls] PORT STEP... - smtp_chat.py (see there)
chat() {
	python3 "$ESTUARY_TESTDIR/e2e/smtp_chat.py" "$@"
}
