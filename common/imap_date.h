/*
 * imap_date - IMAP date-time and date (RFC 3501 section 9) and the RFC 5322
 * Date: header, for APPEND, INTERNALDATE and SEARCH's date keys.
 *
 * Times are seconds since 1970-01-01 00:00:00 UTC (int64_t, so any year
 * 1..9999 fits) plus the zone the text named, in minutes east of UTC; a
 * date alone is a day number counted the same way (0 is 1970-01-01). The
 * calendar is proleptic Gregorian and computed here, so nothing depends on
 * the process's time zone or locale.
 *
 * The IMAP forms are strict: date-time is exactly "17-Jul-1996 02:44:25
 * -0700" or " 7-Jul-1996 ..." (date-day-fixed; the surrounding quotes are
 * the command parser's business), date is "1-Feb-1994" or "01-Feb-1994";
 * month names in any case. The Date: header takes the RFC 5322 grammar
 * with its obsolete forms (section 4.3): comments and folding white space
 * anywhere between tokens, an optional day name (not checked against the
 * date, as many senders get it wrong), two- and three-digit years (50..99
 * and three digits are 19xx, 00..49 are 20xx), seconds optional, and the
 * zones UT, GMT, the US zones (EST, EDT, CST, CDT, MST, MDT, PST, PDT)
 * and the military letters, which RFC 5322 says to take as -0000 (0).
 * Pure functions: no I/O, no globals, nothing logged.
 */
#ifndef IMAP_DATE_H
#define IMAP_DATE_H

#include <stddef.h>
#include <stdint.h>

#define IMAP_DATE_TIME_SIZE	27	/* "17-Jul-1996 02:44:25 -0700" NUL */
#define IMAP_DATE_SIZE		12	/* "17-Jul-1996" NUL */

enum imap_date_status {
	IMAP_DATE_OK = 0,
	IMAP_DATE_BAD_SYNTAX,	/* not the grammar */
	IMAP_DATE_BAD_VALUE,	/* 31-Feb, 24:00, year 0 or past 9999 */
	IMAP_DATE_BAD_ZONE,	/* missing, unknown or out of range zone */
};

/*
 * imap_date_time_parse - an IMAP date-time s[0..n) (no quotes) into *t_r
 * (UTC seconds) and *zone_r (minutes east); both unchanged on failure.
 */
enum imap_date_status imap_date_time_parse(const char *s, size_t n,
	    int64_t *t_r, int *zone_r);

/*
 * imap_date_time_format - t shown in zone (minutes east, within +-99:59)
 * as an IMAP date-time with a two-digit day, NUL-terminated in out.
 * IMAP_DATE_BAD_VALUE (out "") when the year is outside 1..9999 or the
 * zone out of range.
 */
enum imap_date_status imap_date_time_format(int64_t t, int zone,
	    char out[IMAP_DATE_TIME_SIZE]);

/* imap_date_parse - an IMAP date s[0..n) into a day number in *day_r */
enum imap_date_status imap_date_parse(const char *s, size_t n,
	    int64_t *day_r);

/* imap_date_format - a day number as "1-Feb-1994" (no leading zero) */
enum imap_date_status imap_date_format(int64_t day,
	    char out[IMAP_DATE_SIZE]);

/*
 * imap_date_rfc5322_parse - the value of a Date: header s[0..n) into *t_r
 * and *zone_r, as imap_date_time_parse().
 */
enum imap_date_status imap_date_rfc5322_parse(const char *s, size_t n,
	    int64_t *t_r, int *zone_r);

/*
 * imap_date_day_of - the day number of t as seen in zone. SEARCH compares
 * days "disregarding time and timezone": SENTBEFORE and friends take the
 * Date: header's day in its own zone, BEFORE and friends the internal
 * date's day in the zone the server shows it in.
 */
int64_t	imap_date_day_of(int64_t t, int zone);

/* imap_date_status_name - a status as a short word, for logs */
const char *imap_date_status_name(enum imap_date_status st);

#endif /* IMAP_DATE_H */
