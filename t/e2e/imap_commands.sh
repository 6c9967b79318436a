# imap_commands.sh - imapd against the installed suite with Python's
# imaplib and a raw client (imap_commands.py): every RFC 3501 command in
# the states where it applies, with exact responses, plus the extensions
# the issue names: greeting and CAPABILITY before and after TLS and login,
# LOGINDISABLED, STARTTLS (and no command injection across it), imaps,
# AUTHENTICATE PLAIN with and without SASL-IR, every LOGIN failure's
# response code, literals ({n} and LITERAL+); the special-use folders made
# at the first login; SELECT/EXAMINE responses, RECENT, STATUS, CHECK,
# CLOSE, UNSELECT; CREATE/DELETE/RENAME (INBOX too)/SUBSCRIBE/UNSUBSCRIBE/
# LIST/LSUB with patterns and \HasChildren, modified UTF-7 names, names
# that try to leave the Maildir; APPEND with flags, internal date and
# APPENDUID; SEARCH keys and their combinations; FETCH items with the
# exact bytes of the stored message (BODYSTRUCTURE of a nested multipart
# with message/rfc822 and RFC 2231 parameters); STORE, COPY/COPYUID, MOVE,
# UID variants, EXPUNGE renumbering; NAMESPACE, ID, ENABLE CONDSTORE,
# QUOTA; IDLE woken by a delivery through smtpd within 2 s; two sessions
# on one mailbox; and hostile input. Mail arrives through smtpd.

. "$ESTUARY_TESTDIR/e2e/lib.sh"
. "$ESTUARY_TESTDIR/e2e/smtp_lib.sh"

command -v python3 >/dev/null || e2e_skip "python3 is not installed"
[ -x "$ESTUARY_LIBEXEC/imapd" ] || e2e_skip "imapd is not built"

IMAP_PORT=$(e2e_port)
IMAPS_PORT=$(e2e_port)
SMTP_EXTRA_SERVICES="imap inet 127.0.0.1:$IMAP_PORT 10 1 100 imapd imap
imaps inet 127.0.0.1:$IMAPS_PORT 10 1 100 imapd imaps"
smtp_setup imapd_auth_fail_delay=0s imapd_auth_fail_limit=100
e2e_wait_for 10 e2e_workers_at_least imaps 1 || e2e_fail "no imaps worker"

# IMAP_GROUPS: the check groups of imap_commands.py, in order (later
# groups use mail and folders the earlier ones made)
IMAP_GROUPS=${IMAP_GROUPS:-"greeting tls_auth select folders append search
fetch store_copy extensions idle concurrent limits rename_inbox lsub
recent status_recent idle_flags"}

out=$(timeout 60 python3 "$ESTUARY_TESTDIR/e2e/imap_commands.py" \
    "$IMAP_PORT" "$IMAPS_PORT" "$SMTP_PORT" "$MAIL_DIR" $IMAP_GROUPS 2>&1)
rc=$?
echo "$out"
[ $rc = 0 ] || e2e_fail "imap_commands.py (exit $rc)"
e2e_note "imaplib groups passed: $(grep -c '^ok ' <<<"$out") ($(sed -n \
    's/^ok \([a-z_]*\) .*/\1/p' <<<"$out" | tr '\n' ' '))"

# the workers survived everything: no crash in the log
! grep -qE 'imapd.*(signal|killed|abort|AddressSanitizer|runtime error)' \
    "$E2E_LOG" || e2e_fail "an imapd worker crashed: $(grep -E \
    'signal|killed|abort|Sanitizer|runtime error' "$E2E_LOG" | head -5)"
