/*
 * param - configuration parameters: one table, defaults, estuary.conf.
 *
 * Every parameter of the suite is a row of param_table[] (param_table.c,
 * the only place a default is written): name, type, default, range, the
 * variable it sets and a one-line doc. estuary.conf holds "name = value"
 * lines; '#' starts a comment line; blank lines are ignored; a line that
 * starts with white space continues the previous one. A value may refer to
 * another parameter as $name or ${name}, expanded after the whole file is
 * read (so order does not matter); "$$" is a literal "$". Unknown names,
 * malformed lines, bad values, out-of-range numbers and reference loops
 * stop the load with "file:line: parameter: what is wrong (range)".
 *
 * Times take s, m, h, d, w (none = seconds); sizes take k, M, G.
 */
#ifndef PARAM_H
#define PARAM_H

#include <stdint.h>

#include "sbuf.h"

enum param_type {
	PARAM_STR,			/* char * */
	PARAM_INT,			/* int, [min, max] */
	PARAM_TIME,			/* int seconds, [min, max] */
	PARAM_SIZE,			/* uint64_t bytes, [min, max] */
	PARAM_BOOL,			/* int 0/1: yes/no */
};

struct param_def {
	const char *name;
	enum param_type type;
	const char *def;		/* default, as it would be written */
	uint64_t min;			/* numeric types only */
	uint64_t max;
	void   *target;			/* char **, int *, or uint64_t * */
	const char *doc;		/* one line, for "estuaryctl config -d" */
};

/* The table (param_table.c); ends with a row whose name is NULL. */
extern const struct param_def param_table[];

/*
 * param_defaults - set every variable to its default (expanded). Safe to
 * call again; strings from an earlier load are freed.
 */
void	param_defaults(void);

/*
 * param_load - param_defaults(), then read path and apply it. 0, or -1
 * with *error_r ("path:line: ..."); a missing file is an error unless
 * missing_ok. On error the variables hold the defaults.
 */
int	param_load(const char *path, int missing_ok, const char **error_r);

/*
 * param_set - set one parameter from text as if read from a file (value is
 * expanded against the current values). 0, or -1 with *error_r.
 */
int	param_set(const char *name, const char *value, const char **error_r);

/* param_find - the row for name, or NULL */
const struct param_def *param_find(const char *name);

/* param_value - the current value of a row as text (static until next call) */
const char *param_value(const struct param_def *def);

/* param_raw - the value text as written in the file, or NULL if not set */
const char *param_raw(const struct param_def *def);

/* param_is_set - non-zero if the loaded file set this parameter */
int	param_is_set(const struct param_def *def);

/*
 * param_check_value - would value be accepted for def (type and range)?
 * 0, or -1 with *error_r. Pure: changes nothing.
 */
int	param_check_value(const struct param_def *def, const char *value,
	    const char **error_r);

#endif
