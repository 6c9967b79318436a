# Flags every directory builds with.
AM_CPPFLAGS = -I$(top_srcdir)/common -I$(top_builddir) \
	-DESTUARY_CONFDIR='"$(sysconfdir)/estuary"' \
	-DESTUARY_LIBEXECDIR='"$(pkglibexecdir)"' \
	-DESTUARY_SBINDIR='"$(sbindir)"' \
	-DESTUARY_STATEDIR='"$(localstatedir)"'
AM_CFLAGS = $(WARN_CFLAGS) $(SAN_CFLAGS) $(SSL_CFLAGS)
AM_LDFLAGS = $(SAN_LDFLAGS)
COMMON_LIBS = $(top_builddir)/common/libcommon.a $(SSL_LIBS) $(DB_LIBS) $(CRYPT_LIBS)
