/*
 * name - checking and normalising domain names and mail addresses.
 *
 * Everything that becomes a registry key, a path under mail_dir or a log
 * field passes through here first. Pure functions over strings.
 *
 * Domains: LDH labels of 1..63 bytes separated by dots, no leading or
 * trailing hyphen in a label, at least two labels, 253 bytes at most, no
 * trailing dot; compared and stored in lower case. Addresses: local@domain
 * where local is a dot-atom (RFC 5322 atext, no leading, trailing or double
 * dot), 64 bytes at most, and the whole address 254 bytes at most. Quoted
 * local parts and address literals are refused for hosted names. Local
 * parts are stored in lower case, as hosted mailboxes are case-insensitive.
 *
 * Only printable ASCII passes: control characters, spaces and bytes >= 0x80
 * are refused everywhere. Internationalized domains must come in A-label
 * form ("xn--bcher-kva.example"), which is plain LDH and checked as such;
 * UTF-8 local parts (RFC 6531) are not hosted yet. A numeric-only top-level
 * label is refused, so "192.0.2.1" is not taken for a domain. Case folding
 * is ASCII-only and ignores the locale.
 *
 * A local part becomes a directory name under mail_dir/DOMAIN/, so '/' is
 * refused in it although RFC 5322 allows it in atext; "." and ".." cannot
 * occur since a dot-atom never starts or ends with a dot.
 */
#ifndef NAME_H
#define NAME_H

#include <stddef.h>

#define NAME_DOMAIN_MAX		253
#define NAME_LOCAL_MAX		64
#define NAME_ADDRESS_MAX	254

/*
 * name_domain_check - 0 if s is a valid domain, else -1 with *error_r a
 * short reason ("empty", "too long", "label too long", "bad character",
 * "label starts or ends with '-'", "needs at least two labels", ...).
 */
int	name_domain_check(const char *s, const char **error_r);

/* name_local_check - the same for a local part */
int	name_local_check(const char *s, const char **error_r);

/*
 * name_address_check - the same for local@domain; a reason about one part
 * names it ("local part: double dot", "domain: empty label"), others are
 * "empty", "too long", "missing '@'", "more than one '@'".
 */
int	name_address_check(const char *s, const char **error_r);

/*
 * name_normalize - copy s lower-cased into buf (size bytes); -1 if it does
 * not fit (buf is then "" if size > 0). Use after the check, before a
 * lookup or a store. buf may be s.
 */
int	name_normalize(const char *s, char *buf, size_t size);

/*
 * name_split - split a checked address at its last '@': the local part
 * into local (size local_size) and the domain into domain (domain_size).
 * 0, or -1 if there is no '@' or a part does not fit (both are then "",
 * where their size allows). The parts are copied as they are; normalise
 * the address first for stored forms.
 */
int	name_split(const char *address, char *local, size_t local_size,
	    char *domain, size_t domain_size);

#endif
