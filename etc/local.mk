# etc/local.mk — packaging (docs/packaging.md): the systemd units, the tmpfiles.d entry,
# the nginx site, the installed configuration and the cron example, all made from their
# .in templates with the configured directories; what `make install` puts where; what
# the release tarball carries beyond the sources automake knows of; `make distcheck`.

# ---------------------------------------------------------------- templates
# Substituted at make time (not by configure), so that `make prefix=...` and the
# directories of `make install` agree.
pkgsysconfdir = $(sysconfdir)/revlens
nginxlogdir = $(localstatedir)/log/nginx
REVLENS_EDIT = sed \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@pkgsysconfdir[@]|$(pkgsysconfdir)|g' \
	-e 's|@pkgdatadir[@]|$(pkgdatadir)|g' \
	-e 's|@localstatedir[@]|$(localstatedir)|g' \
	-e 's|@runstatedir[@]|$(runstatedir)|g' \
	-e 's|@docdir[@]|$(docdir)|g' \
	-e 's|@NGINX_GROUP[@]|$(NGINX_GROUP)|g' \
	-e 's|@NGINX_LOGDIR[@]|$(nginxlogdir)|g' \
	-e 's|@RUNDIR[@]|$(runstatedir)/revlens|g' \
	-e 's|@STATICDIR[@]|$(pkgdatadir)/static|g' \
	-e 's|@HTTP_PORT[@]|8480|g' \
	-e 's|@REDIS_PORT[@]|6379|g' \
	-e 's|@MAX_BODY[@]|1048576|g' \
	-e 's|@INGEST_MAX_BODY[@]|8388608|g'
# every placeholder must be filled: a leftover one fails the build. Reads REVLENS_IN
# (default: the rule's first prerequisite, the template).
REVLENS_IN = $<
REVLENS_GEN = $(AM_V_GEN)$(REVLENS_FILL)
REVLENS_FILL = $(MKDIR_P) $(@D) && rm -f $@ $@.tmp && \
	$(REVLENS_EDIT) $(REVLENS_IN) > $@.tmp && \
	if grep -n '@[A-Za-z_]*@' $@.tmp >&2; then echo "$@: unfilled placeholder" >&2; rm -f $@.tmp; exit 1; fi && \
	mv -f $@.tmp $@

REVLENS_UNITS = etc/systemd/revlens-web.service etc/systemd/revlens-worker.service \
	etc/systemd/revlens-notifier.service etc/systemd/revlens-crawler.service \
	etc/systemd/revlens-aggregator.service etc/systemd/revlens-aggregator.timer
REVLENS_GENERATED = $(REVLENS_UNITS) etc/tmpfiles.d/revlens.conf etc/cron.d/revlens-aggregator \
	etc/nginx/revlens.conf etc/revlens.conf

etc/systemd/%: $(srcdir)/etc/systemd/%.in Makefile
	$(REVLENS_GEN)
etc/tmpfiles.d/revlens.conf: $(srcdir)/etc/tmpfiles.d/revlens.conf.in Makefile
	$(REVLENS_GEN)
etc/cron.d/revlens-aggregator: $(srcdir)/etc/cron.d/revlens-aggregator.in Makefile
	$(REVLENS_GEN)
# the site: the http block of the stack's template (etc/nginx/site.awk), placeholders filled
etc/nginx/revlens.conf: REVLENS_IN = $@.awk
etc/nginx/revlens.conf: $(srcdir)/nginx/revlens.conf.in $(srcdir)/etc/nginx/site.awk Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@.awk && \
	{ printf '%s\n' '# revlens — the nginx site of an installed revlens (docs/packaging.md), made by' \
		'# etc/nginx/site.awk from nginx/revlens.conf.in. nginx reaches revlens-web over' \
		'# @RUNDIR@/web/web.sock; the nchan module must be loaded (libnginx-mod-nchan).' && \
	  $(AWK) -f $(srcdir)/etc/nginx/site.awk $(srcdir)/nginx/revlens.conf.in; } > $@.awk && \
	$(REVLENS_FILL); rc=$$?; rm -f $@.awk; exit $$rc
# the installed configuration: the example with the paths of an installed revlens
etc/revlens.conf: $(srcdir)/etc/revlens.conf.example Makefile
	$(AM_V_GEN)$(MKDIR_P) $(@D) && rm -f $@.tmp && \
	{ printf '%s\n' '# revlens configuration of this host (installed by make install or the package;' \
		'# see docs/packaging.md). Every key with its type, range and default is in the example' \
		'# file, $(docdir)/examples/revlens.conf.example.' '' && \
	  sed -e '/^# revlens configuration — every key/d' \
	    -e 's|^web\.socket = .*|web.socket = $(runstatedir)/revlens/web/web.sock|' \
	    -e 's|^postgres\.conninfo = .*|postgres.conninfo = host=/var/run/postgresql dbname=revlens user=revlens|' \
	    -e 's|^nchan\.publish_socket = .*|nchan.publish_socket = $(runstatedir)/revlens/nginx/publish.sock|' \
	    -e 's|^auth\.jwt_key_file =.*|auth.jwt_key_file = $(pkgsysconfdir)/jwt.key|' \
	    -e 's|^crawler\.token_file =.*|crawler.token_file = $(pkgsysconfdir)/crawler.token|' \
	    $(srcdir)/etc/revlens.conf.example; } > $@.tmp && \
	for k in 'web.socket = $(runstatedir)/' 'web.socket_group =' 'postgres.conninfo = host=/' \
	    'nchan.publish_socket = $(runstatedir)/' 'auth.jwt_key_file = /' 'crawler.token_file = /'; do \
	  grep -q "^$$k" $@.tmp || { echo "$@: etc/revlens.conf.example lost the line $$k..." >&2; rm -f $@.tmp; exit 1; }; \
	done && mv -f $@.tmp $@

all-local: $(REVLENS_GENERATED)
CLEANFILES += $(REVLENS_GENERATED)

# ---------------------------------------------------------------- install
if HAVE_SYSTEMD_UNITS
systemdunit_DATA = $(REVLENS_UNITS)
endif
if HAVE_TMPFILES
tmpfiles_DATA = etc/tmpfiles.d/revlens.conf
endif
# the site; the Debian package also installs it as /etc/nginx/sites-available/revlens
revlensnginxdir = $(pkgdatadir)/nginx
revlensnginx_DATA = etc/nginx/revlens.conf
# examples: the annotated configuration, the cron line (for hosts without the timer)
revlensexamplesdir = $(docdir)/examples
revlensexamples_DATA = etc/cron.d/revlens-aggregator
dist_revlensexamples_DATA = etc/revlens.conf.example
# what nginx serves as /static/ (and the pages of its own errors)
staticdir = $(pkgdatadir)/static
dist_static_DATA = static/favicon.svg static/live.js static/notify.js static/revlens.css static/robots.txt
staticerrorsdir = $(pkgdatadir)/static/errors
dist_staticerrors_DATA = $(wildcard $(srcdir)/static/errors/*.html $(srcdir)/static/errors/*.json)
dist_doc_DATA = README.md $(wildcard $(srcdir)/docs/*.md)

# $(sysconfdir)/revlens/revlens.conf: installed when there is none, never over an
# operator's file; uninstall removes it only while it is still the shipped one.
install-data-local: etc/revlens.conf
	$(MKDIR_P) $(DESTDIR)$(pkgsysconfdir)
	@if test -f $(DESTDIR)$(pkgsysconfdir)/revlens.conf; then \
	  echo "keeping $(DESTDIR)$(pkgsysconfdir)/revlens.conf (the new defaults are in etc/revlens.conf)"; \
	else \
	  echo " $(INSTALL_DATA) etc/revlens.conf $(DESTDIR)$(pkgsysconfdir)/revlens.conf"; \
	  $(INSTALL_DATA) etc/revlens.conf $(DESTDIR)$(pkgsysconfdir)/revlens.conf; \
	fi
uninstall-local:
	@if test -f $(DESTDIR)$(pkgsysconfdir)/revlens.conf && cmp -s etc/revlens.conf $(DESTDIR)$(pkgsysconfdir)/revlens.conf; then \
	  echo " rm -f $(DESTDIR)$(pkgsysconfdir)/revlens.conf"; rm -f $(DESTDIR)$(pkgsysconfdir)/revlens.conf; \
	  rmdir $(DESTDIR)$(pkgsysconfdir) 2>/dev/null || :; \
	fi

# ---------------------------------------------------------------- the tarball
# Everything the build, the tests, the benchmarks and the package need that automake
# does not know of. Whole directories where everything in them belongs (new files come
# along without a line here); patterns where a directory also holds build output
# (t/browser/node_modules, tools/mongo-stand-in/target).
EXTRA_DIST += etc/systemd etc/tmpfiles.d etc/cron.d etc/nginx/site.awk \
	scripts .ci docs bench sql mongo-indexes nginx static collector data fuzz \
	t/lib t/integ t/kr t/fake-coupang t/tap.h \
	$(wildcard $(srcdir)/t/browser/*.mjs $(srcdir)/t/browser/*.json) \
	tools/mongo-stand-in/pom.xml tools/mongo-stand-in/src tools/make-demo-data \
	debian m4/.gitkeep

# `make distcheck`: the tarball configures, builds, installs (units and tmpfiles under
# the private prefix), uninstalls and rebuilds its own tarball. Its `make check` runs
# what DISTCHECK_TESTS names (scripts/distcheck passes the short list: the whole suite
# a second time does not fit CI's time).
# ($$dc_install_base is the distcheck's shell variable, expanded when configure runs:
# quoted, it would reach the Makefile as an empty make variable and the units would go
# to the host's /lib/systemd/system.)
AM_DISTCHECK_CONFIGURE_FLAGS = --with-systemdunitdir=$$dc_install_base/lib/systemd/system \
	--with-tmpfilesdir=$$dc_install_base/lib/tmpfiles.d

# The directories above are copied whole, from the source tree and from the build tree
# (automake copies both): drop whatever is not a source file — build output in the
# build tree (.deps, objects, the files made from etc/*.in, bench/kr_bench) and in an
# in-tree build.
REVLENS_DIST_DIRS = etc scripts .ci docs bench sql mongo-indexes nginx static collector data fuzz \
	t/lib t/integ t/kr t/fake-coupang tools/mongo-stand-in debian
dist-hook:
	@cd $(distdir) && for f in `find $(REVLENS_DIST_DIRS) -type f -print`; do \
	  test -f "$(abs_srcdir)/$$f" || rm -f "$$f"; \
	done && \
	find $(REVLENS_DIST_DIRS) \( -name .deps -o -name '*.dirstamp' \) -prune -exec rm -rf {} + && \
	find $(REVLENS_DIST_DIRS) \( -name '*.o' -o -name '*.a' -o -name '*.log' -o -name '*.trs' \) -exec rm -f {} + && \
	for f in $(REVLENS_GENERATED) bench/kr_bench; do rm -f "$$f"; done && \
	find $(REVLENS_DIST_DIRS) -depth -type d -empty -exec rmdir {} \;

# installcheck (make distcheck runs it on the installed tree): systemd-analyze verify on
# the installed units, whose ExecStart names the installed programs, when this host has
# systemd-analyze; the installed configuration passes revlens-web -t.
installcheck-local:
	$(DESTDIR)$(bindir)/revlens-web -c $(DESTDIR)$(pkgsysconfdir)/revlens.conf -t
if HAVE_SYSTEMD_UNITS
	@if command -v systemd-analyze >/dev/null && test -z "$(DESTDIR)"; then \
	  echo " systemd-analyze verify $(systemdunitdir)/revlens-*"; \
	  systemd-analyze verify $(systemdunitdir)/revlens-*.service $(systemdunitdir)/revlens-*.timer || exit 1; \
	else echo "installcheck: no systemd-analyze here (or DESTDIR set): units not verified"; fi
endif
