/*
 * imap_date - IMAP and RFC 5322 dates and times.
 *
 * Calendar arithmetic is Howard Hinnant's days-from-civil algorithm (eras
 * of 400 years), exact for every day of years 1..9999. The RFC 5322
 * parser reads a token at a time (word, number, one punctuation
 * character) with comments and folding white space skipped between
 * tokens; the IMAP forms are fixed layouts read a byte at a time. Nothing
 * is logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "imap_date.h"

static const char *const month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const char *const day_names[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
};

/* days_from_civil - day number of y-m-d (m 1..12) */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* civil_from_days - y-m-d of a day number */
static void
civil_from_days(int64_t z, int64_t *y_r, int *m_r, int *d_r)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = yoe + era * 400 + (*m_r <= 2);
}

/* days_in_month - 28..31 */
static int
days_in_month(int64_t y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return (29);
	return (days[m - 1]);
}

/* month_of - 1..12 for a three-letter month name, or 0 */
static int
month_of(const char *s, size_t n)
{
	int i;

	if (n != 3)
		return (0);
	for (i = 0; i < 12; i++)
		if (strncasecmp(s, month_names[i], 3) == 0)
			return (i + 1);
	return (0);
}

/* digits - the value of exactly n digits at s, or -1 */
static int64_t
digits(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	return (v);
}

/* make_time - check the fields and compute UTC seconds */
static enum imap_date_status
make_time(int64_t y, int mon, int64_t d, int64_t h, int64_t mi, int64_t s,
    int zone, int64_t *t_r)
{
	if (y < 1 || y > 9999 || mon < 1 || mon > 12 || d < 1
	    || d > days_in_month(y, mon) || h > 23 || mi > 59 || s > 60)
		return (IMAP_DATE_BAD_VALUE);
	*t_r = days_from_civil(y, mon, (int)d) * 86400 + h * 3600 + mi * 60
	    + s - (int64_t)zone * 60;
	return (IMAP_DATE_OK);
}

/* zone_value - "+hhmm" or "-hhmm" at s into minutes east, or -1 */
static int
zone_value(const char *s, int *zone_r)
{
	int64_t hh = digits(s + 1, 2), mm = digits(s + 3, 2);

	if ((s[0] != '+' && s[0] != '-') || hh < 0 || mm < 0 || mm > 59)
		return (-1);
	*zone_r = (int)(hh * 60 + mm) * (s[0] == '-' ? -1 : 1);
	return (0);
}

/* imap_date_time_parse - "dd-Mon-yyyy hh:mm:ss +zzzz" */
enum imap_date_status
imap_date_time_parse(const char *s, size_t n, int64_t *t_r, int *zone_r)
{
	int64_t d, y, h, mi, sec, t;
	enum imap_date_status st;
	int mon, zone;

	/* bounds: every offset below is < 26 == n */
	if (n != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' '
	    || s[14] != ':' || s[17] != ':' || s[20] != ' ')
		return (IMAP_DATE_BAD_SYNTAX);
	d = s[0] == ' ' ? digits(s + 1, 1) : digits(s, 2);
	mon = month_of(s + 3, 3);
	y = digits(s + 7, 4);
	h = digits(s + 12, 2);
	mi = digits(s + 15, 2);
	sec = digits(s + 18, 2);
	if (d < 0 || mon == 0 || y < 0 || h < 0 || mi < 0 || sec < 0)
		return (IMAP_DATE_BAD_SYNTAX);
	if (zone_value(s + 21, &zone) < 0)
		return (IMAP_DATE_BAD_ZONE);
	if ((st = make_time(y, mon, d, h, mi, sec, zone, &t)) != IMAP_DATE_OK)
		return (st);
	*t_r = t;
	*zone_r = zone;
	return (IMAP_DATE_OK);
}

/* imap_date_day_of - the local day number of t in zone */
int64_t
imap_date_day_of(int64_t t, int zone)
{
	int64_t local = t + (int64_t)zone * 60;

	return (local >= 0 ? local / 86400 : -((-local + 86399) / 86400));
}

/* imap_date_time_format - t in zone as an IMAP date-time */
enum imap_date_status
imap_date_time_format(int64_t t, int zone, char out[IMAP_DATE_TIME_SIZE])
{
	int64_t day, y, secs;
	int m, d, az = zone < 0 ? -zone : zone, k;

	out[0] = '\0';
	if (zone < -(99 * 60 + 59) || zone > 99 * 60 + 59)
		return (IMAP_DATE_BAD_VALUE);
	/* the local time must fall in years 1..9999; no overflow so far */
	if (t < days_from_civil(1, 1, 1) * 86400 - 86400
	    || t > days_from_civil(10000, 1, 1) * 86400 + 86400)
		return (IMAP_DATE_BAD_VALUE);
	day = imap_date_day_of(t, zone);
	if (day < days_from_civil(1, 1, 1)
	    || day >= days_from_civil(10000, 1, 1))
		return (IMAP_DATE_BAD_VALUE);
	secs = t + (int64_t)zone * 60 - day * 86400;
	civil_from_days(day, &y, &m, &d);
	k = snprintf(out, IMAP_DATE_TIME_SIZE,
	    "%02d-%s-%04d %02d:%02d:%02d %c%02d%02d", d, month_names[m - 1],
	    (int)y, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60), zone < 0 ? '-' : '+', az / 60, az % 60);
	if (k != IMAP_DATE_TIME_SIZE - 1) {
		out[0] = '\0';
		return (IMAP_DATE_BAD_VALUE);
	}
	return (IMAP_DATE_OK);
}

/* imap_date_parse - "d-Mon-yyyy" or "dd-Mon-yyyy" */
enum imap_date_status
imap_date_parse(const char *s, size_t n, int64_t *day_r)
{
	size_t dl;
	int64_t d, y, t;
	int mon;
	enum imap_date_status st;

	if (n == 10 && s[1] == '-')
		dl = 1;
	else if (n == 11 && s[2] == '-')
		dl = 2;
	else
		return (IMAP_DATE_BAD_SYNTAX);
	/* bounds: n == dl + 9 */
	if (s[dl + 4] != '-')
		return (IMAP_DATE_BAD_SYNTAX);
	d = digits(s, dl);
	mon = month_of(s + dl + 1, 3);
	y = digits(s + dl + 5, 4);
	if (d < 0 || mon == 0 || y < 0)
		return (IMAP_DATE_BAD_SYNTAX);
	if ((st = make_time(y, mon, d, 0, 0, 0, 0, &t)) != IMAP_DATE_OK)
		return (st);
	*day_r = t / 86400;
	return (IMAP_DATE_OK);
}

/* imap_date_format - a day number as an IMAP date */
enum imap_date_status
imap_date_format(int64_t day, char out[IMAP_DATE_SIZE])
{
	int64_t y;
	int m, d, k;

	out[0] = '\0';
	if (day < days_from_civil(1, 1, 1) || day >= days_from_civil(10000,
	    1, 1))
		return (IMAP_DATE_BAD_VALUE);
	civil_from_days(day, &y, &m, &d);
	k = snprintf(out, IMAP_DATE_SIZE, "%d-%s-%04d", d, month_names[m - 1],
	    (int)y);
	if (k < 0 || k >= IMAP_DATE_SIZE) {
		out[0] = '\0';
		return (IMAP_DATE_BAD_VALUE);
	}
	return (IMAP_DATE_OK);
}

/* RFC 5322 tokens. */
enum tok_type {
	T_END, T_WORD, T_NUM, T_PUNCT, T_BAD,
};

struct tok {
	enum tok_type type;
	const char *s;
	size_t	n;
};

/* skip_cfws - skip blanks, line breaks and (nested) comments; -1 if bad */
static int
skip_cfws(const char *s, size_t n, size_t *i)
{
	size_t depth = 0;

	while (*i < n) {
		char c = s[*i];

		if (depth > 0) {
			if (c == '\\') {
				if (++(*i) >= n)
					return (-1);
			} else if (c == '(') {
				if (++depth > 100)
					return (-1);
			} else if (c == ')')
				depth--;
			else if (c == '\0')
				return (-1);
			(*i)++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			(*i)++;
		else if (c == '(') {
			depth = 1;
			(*i)++;
		} else
			break;
	}
	return (depth == 0 ? 0 : -1);
}

/* next_tok - the next token after comments and white space */
static struct tok
next_tok(const char *s, size_t n, size_t *i)
{
	struct tok t = { T_END, NULL, 0 };
	size_t start;

	if (skip_cfws(s, n, i) < 0) {
		t.type = T_BAD;
		return (t);
	}
	if (*i >= n)
		return (t);
	start = *i;
	t.s = s + start;
	if ((s[*i] >= 'A' && s[*i] <= 'Z') || (s[*i] >= 'a' && s[*i] <= 'z')) {
		while (*i < n && ((s[*i] >= 'A' && s[*i] <= 'Z')
		    || (s[*i] >= 'a' && s[*i] <= 'z')))
			(*i)++;
		t.type = T_WORD;
	} else if (s[*i] >= '0' && s[*i] <= '9') {
		while (*i < n && s[*i] >= '0' && s[*i] <= '9')
			(*i)++;
		t.type = T_NUM;
	} else if (s[*i] == ',' || s[*i] == ':' || s[*i] == '+'
	    || s[*i] == '-') {
		(*i)++;
		t.type = T_PUNCT;
	} else {
		(*i)++;
		t.type = T_BAD;
	}
	t.n = *i - start;
	return (t);
}

/* obs_zone - minutes east for an obsolete zone name, or -1 unknown */
static int
obs_zone(const char *s, size_t n, int *zone_r)
{
	static const struct {
		const char *name;
		int	hours;
	} zones[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "EST", -5 }, { "EDT", -4 },
		{ "CST", -6 }, { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 },
		{ "PST", -8 }, { "PDT", -7 },
	};
	size_t k;

	for (k = 0; k < sizeof(zones) / sizeof(zones[0]); k++)
		if (strlen(zones[k].name) == n
		    && strncasecmp(s, zones[k].name, n) == 0) {
			*zone_r = zones[k].hours * 60;
			return (0);
		}
	/* Military zones, any letter but J: RFC 5322 says take as -0000. */
	if (n == 1 && s[0] != 'J' && s[0] != 'j') {
		*zone_r = 0;
		return (0);
	}
	return (-1);
}

/* is_num - a number token of min..max digits? */
static int
is_num(const struct tok *t, size_t min, size_t max)
{
	return (t->type == T_NUM && t->n >= min && t->n <= max);
}

/* is_punct - the punctuation token c? */
static int
is_punct(const struct tok *t, char c)
{
	return (t->type == T_PUNCT && t->s[0] == c);
}

/* imap_date_rfc5322_parse - a Date: header's value */
enum imap_date_status
imap_date_rfc5322_parse(const char *s, size_t n, int64_t *t_r, int *zone_r)
{
	struct tok t;
	size_t i = 0, k;
	int64_t d, y, h, mi, sec = 0, tt;
	int mon, zone = 0, found;
	enum imap_date_status st;

	t = next_tok(s, n, &i);
	if (t.type == T_WORD) {
		for (found = 0, k = 0; k < 7; k++)
			if (t.n == 3 && strncasecmp(t.s, day_names[k], 3) == 0)
				found = 1;
		if (!found)
			return (IMAP_DATE_BAD_SYNTAX);
		t = next_tok(s, n, &i);
		if (!is_punct(&t, ','))
			return (IMAP_DATE_BAD_SYNTAX);
		t = next_tok(s, n, &i);
	}
	if (!is_num(&t, 1, 2))
		return (IMAP_DATE_BAD_SYNTAX);
	d = digits(t.s, t.n);
	t = next_tok(s, n, &i);
	if (t.type != T_WORD || (mon = month_of(t.s, t.n)) == 0)
		return (IMAP_DATE_BAD_SYNTAX);
	t = next_tok(s, n, &i);
	if (!is_num(&t, 2, 4))
		return (IMAP_DATE_BAD_SYNTAX);
	y = digits(t.s, t.n);
	if (t.n == 2)
		y += y < 50 ? 2000 : 1900;
	else if (t.n == 3)
		y += 1900;
	t = next_tok(s, n, &i);
	if (!is_num(&t, 1, 2))
		return (IMAP_DATE_BAD_SYNTAX);
	h = digits(t.s, t.n);
	t = next_tok(s, n, &i);
	if (!is_punct(&t, ':'))
		return (IMAP_DATE_BAD_SYNTAX);
	t = next_tok(s, n, &i);
	if (!is_num(&t, 2, 2))
		return (IMAP_DATE_BAD_SYNTAX);
	mi = digits(t.s, t.n);
	t = next_tok(s, n, &i);
	if (is_punct(&t, ':')) {
		t = next_tok(s, n, &i);
		if (!is_num(&t, 2, 2))
			return (IMAP_DATE_BAD_SYNTAX);
		sec = digits(t.s, t.n);
		t = next_tok(s, n, &i);
	}
	if (t.type == T_PUNCT && (t.s[0] == '+' || t.s[0] == '-')) {
		/* the sign and its four digits are one token's worth */
		if (i + 4 > n || zone_value(t.s, &zone) < 0
		    || (i + 4 < n && s[i + 4] >= '0' && s[i + 4] <= '9'))
			return (IMAP_DATE_BAD_ZONE);
		i += 4;
	} else if (t.type == T_WORD) {
		if (obs_zone(t.s, t.n, &zone) < 0)
			return (IMAP_DATE_BAD_ZONE);
	} else
		return (t.type == T_END ? IMAP_DATE_BAD_ZONE :
		    IMAP_DATE_BAD_SYNTAX);
	t = next_tok(s, n, &i);
	if (t.type != T_END)
		return (IMAP_DATE_BAD_SYNTAX);
	if ((st = make_time(y, mon, d, h, mi, sec, zone, &tt))
	    != IMAP_DATE_OK)
		return (st);
	*t_r = tt;
	*zone_r = zone;
	return (IMAP_DATE_OK);
}

/* imap_date_status_name - a status as a word */
const char *
imap_date_status_name(enum imap_date_status st)
{
	switch (st) {
	case IMAP_DATE_OK:
		return ("ok");
	case IMAP_DATE_BAD_SYNTAX:
		return ("bad-syntax");
	case IMAP_DATE_BAD_VALUE:
		return ("bad-value");
	case IMAP_DATE_BAD_ZONE:
		return ("bad-zone");
	}
	return ("unknown");
}
