/*
 * name - checking and normalising domain names and mail addresses.
 *
 * One pass over the bytes, no allocation, no locale: a name is refused at
 * its first fault, with a fixed reason text. The local part and the domain
 * are checked by the same code whether alone or inside an address; inside
 * an address the reason says which part failed. Nothing here logs.
 */
#include "config.h"

#include <string.h>

#include "name.h"

#define NAME_LABEL_MAX	63

/* Faults, in the order they are looked for. */
enum name_why {
	WHY_EMPTY,
	WHY_TOO_LONG,
	WHY_CONTROL,
	WHY_8BIT,
	WHY_BAD_CHAR,
	WHY_SLASH,
	WHY_EMPTY_LABEL,
	WHY_TRAILING_DOT,
	WHY_LABEL_TOO_LONG,
	WHY_HYPHEN,
	WHY_ONE_LABEL,
	WHY_NUMERIC_TLD,
	WHY_LEADING_DOT,
	WHY_ENDING_DOT,
	WHY_DOUBLE_DOT,
	WHY_NONE,
};

/* Each reason alone, for the local part of an address, for its domain. */
#define WHY(s)	{ s, "local part: " s, "domain: " s }

static const char *const name_reasons[][3] = {
	[WHY_EMPTY] = WHY("empty"),
	[WHY_TOO_LONG] = WHY("too long"),
	[WHY_CONTROL] = WHY("control character"),
	[WHY_8BIT] = WHY("8-bit character"),
	[WHY_BAD_CHAR] = WHY("bad character"),
	[WHY_SLASH] = WHY("'/' not allowed"),
	[WHY_EMPTY_LABEL] = WHY("empty label"),
	[WHY_TRAILING_DOT] = WHY("trailing dot"),
	[WHY_LABEL_TOO_LONG] = WHY("label too long"),
	[WHY_HYPHEN] = WHY("label starts or ends with '-'"),
	[WHY_ONE_LABEL] = WHY("needs at least two labels"),
	[WHY_NUMERIC_TLD] = WHY("numeric top-level label"),
	[WHY_LEADING_DOT] = WHY("starts with '.'"),
	[WHY_ENDING_DOT] = WHY("ends with '.'"),
	[WHY_DOUBLE_DOT] = WHY("double dot"),
};

enum name_part {
	PART_ALONE,
	PART_LOCAL,
	PART_DOMAIN,
};

/* ascii_digit - is c a digit, whatever the locale? */
static int
ascii_digit(int c)
{
	return (c >= '0' && c <= '9');
}

/* ascii_alnum - is c a letter or digit, whatever the locale? */
static int
ascii_alnum(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	    || ascii_digit(c));
}

/* byte_why - the fault of a byte outside printable ASCII, or WHY_NONE */
static enum name_why
byte_why(int c)
{
	if (c < 0x20 || c == 0x7f)
		return (WHY_CONTROL);
	if (c >= 0x80)
		return (WHY_8BIT);
	if (c == ' ')
		return (WHY_BAD_CHAR);
	return (WHY_NONE);
}

/* domain_why - the first fault of the domain in len bytes at s */
static enum name_why
domain_why(const char *s, size_t len)
{
	size_t i, start = 0, labels = 0;
	int c, digits_only = 1, last_digits_only = 0;
	enum name_why why;

	if (len == 0)
		return (WHY_EMPTY);
	if (len > NAME_DOMAIN_MAX)
		return (WHY_TOO_LONG);
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == start)
				return (i == len ? WHY_TRAILING_DOT :
				    WHY_EMPTY_LABEL);
			if (i - start > NAME_LABEL_MAX)
				return (WHY_LABEL_TOO_LONG);
			if (s[start] == '-' || s[i - 1] == '-')
				return (WHY_HYPHEN);
			labels++;
			last_digits_only = digits_only;
			digits_only = 1;
			start = i + 1;
			continue;
		}
		c = (unsigned char)s[i];
		if ((why = byte_why(c)) != WHY_NONE)
			return (why);
		if (!ascii_alnum(c) && c != '-')
			return (WHY_BAD_CHAR);
		if (!ascii_digit(c))
			digits_only = 0;
	}
	if (labels < 2)
		return (WHY_ONE_LABEL);
	if (last_digits_only)
		return (WHY_NUMERIC_TLD);
	return (WHY_NONE);
}

/*
 * local_why - the first fault of the local part in len bytes at s. The
 * atext of RFC 5322 less '/', which would split a mailbox path.
 */
static enum name_why
local_why(const char *s, size_t len)
{
	size_t i;
	int c;
	enum name_why why;

	if (len == 0)
		return (WHY_EMPTY);
	if (len > NAME_LOCAL_MAX)
		return (WHY_TOO_LONG);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (i == 0)
				return (WHY_LEADING_DOT);
			if (s[i - 1] == '.')
				return (WHY_DOUBLE_DOT);
			continue;
		}
		if ((why = byte_why(c)) != WHY_NONE)
			return (why);
		if (c == '/')
			return (WHY_SLASH);
		if (!ascii_alnum(c) && strchr("!#$%&'*+-=?^_`{|}~", c) == NULL)
			return (WHY_BAD_CHAR);
	}
	if (s[len - 1] == '.')
		return (WHY_ENDING_DOT);
	return (WHY_NONE);
}

/* name_fail - set the reason for why in part; -1 if there is one, else 0 */
static int
name_fail(enum name_why why, enum name_part part, const char **error_r)
{
	if (why == WHY_NONE)
		return (0);
	*error_r = name_reasons[why][part];
	return (-1);
}

/* name_domain_check - is s a valid domain? */
int
name_domain_check(const char *s, const char **error_r)
{
	if (s == NULL)
		return (name_fail(WHY_EMPTY, PART_ALONE, error_r));
	return (name_fail(domain_why(s, strnlen(s, NAME_DOMAIN_MAX + 1)),
	    PART_ALONE, error_r));
}

/* name_local_check - is s a valid local part? */
int
name_local_check(const char *s, const char **error_r)
{
	if (s == NULL)
		return (name_fail(WHY_EMPTY, PART_ALONE, error_r));
	return (name_fail(local_why(s, strnlen(s, NAME_LOCAL_MAX + 1)),
	    PART_ALONE, error_r));
}

/* name_address_check - is s a valid local@domain? */
int
name_address_check(const char *s, const char **error_r)
{
	const char *at;
	size_t len;

	if (s == NULL || (len = strnlen(s, NAME_ADDRESS_MAX + 1)) == 0) {
		*error_r = "empty";
		return (-1);
	}
	if (len > NAME_ADDRESS_MAX) {
		*error_r = "too long";
		return (-1);
	}
	if ((at = strchr(s, '@')) == NULL) {
		*error_r = "missing '@'";
		return (-1);
	}
	if (strchr(at + 1, '@') != NULL) {
		*error_r = "more than one '@'";
		return (-1);
	}
	if (name_fail(local_why(s, (size_t)(at - s)), PART_LOCAL, error_r) < 0)
		return (-1);
	return (name_fail(domain_why(at + 1, len - (size_t)(at - s) - 1),
	    PART_DOMAIN, error_r));
}

/* name_normalize - lower-case copy of s into buf */
int
name_normalize(const char *s, char *buf, size_t size)
{
	size_t i, len = strlen(s);
	int c;

	if (len >= size) {
		if (size > 0)
			buf[0] = '\0';
		return (-1);
	}
	for (i = 0; i <= len; i++) {	/* bounds: len < size; with the NUL */
		c = (unsigned char)s[i];
		buf[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	return (0);
}

/* name_split - split an address at its last '@' */
int
name_split(const char *address, char *local, size_t local_size,
    char *domain, size_t domain_size)
{
	const char *at = strrchr(address, '@');
	size_t local_len, domain_len;

	if (local_size > 0)
		local[0] = '\0';
	if (domain_size > 0)
		domain[0] = '\0';
	if (at == NULL)
		return (-1);
	local_len = (size_t)(at - address);
	domain_len = strlen(at + 1);
	if (local_len >= local_size || domain_len >= domain_size)
		return (-1);
	memcpy(local, address, local_len);
	local[local_len] = '\0';
	memcpy(domain, at + 1, domain_len + 1);
	return (0);
}
