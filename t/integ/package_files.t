# package_files.t — what `make` builds for an install (etc/local.mk, docs/packaging.md):
# the systemd units made from etc/systemd/*.in with the configured paths and their
# hardening, systemd-analyze verify on them, the cron example, the tmpfiles.d entry,
# the installed configuration (revlens-web -t) and the nginx site made from the stack's
# template (nginx -t inside a Debian-style nginx.conf). No servers: a few seconds.
# scripts/distcheck verifies the installed units; scripts/package-test boots them.
use strict;
use warnings;

use FindBin ();
use lib(($ENV{REVLENS_SRCDIR} // "$FindBin::Bin/../..") . '/t/lib');
use RevlensTest;
use Test::More;
use File::Temp qw(tempdir);

my $B = RevlensTest->builddir;
my $S = RevlensTest->srcdir;

sub slurp { my ($f) = @_; open(my $fh, '<', $f) or return undef; local $/; my $t = <$fh>; return $t }
sub run_out { my $o = `$_[0] 2>&1`; return ($? >> 8, $o) }

my %conf = map { /^(\w+) = (.*)$/ ? ($1 => $2) : () } split /\n/, `make -s -C '$B' -f Makefile -f - print-dirs <<'MK'
print-dirs:
	\@echo bindir = \$(bindir)
	\@echo sysconfdir = \$(sysconfdir)
	\@echo runstatedir = \$(runstatedir)
	\@echo docdir = \$(docdir)
	\@echo NGINX_GROUP = \$(NGINX_GROUP)
	\@echo pkgdatadir = \$(pkgdatadir)
	\@echo nginxlogdir = \$(nginxlogdir)
	\@echo installed = \$(notdir \$(dist_sql_DATA) \$(dist_mongoindex_DATA) \$(dist_static_DATA) \$(dist_staticerrors_DATA))
MK
`;
ok($conf{bindir} && $conf{sysconfdir}, "configured directories: bindir $conf{bindir}, sysconfdir $conf{sysconfdir}")
	or BAIL_OUT('cannot read the build directory\'s Makefile');
my $etc = "$conf{sysconfdir}/revlens";

# what `revlens migrate` and nginx read once installed: every file of sql/,
# mongo-indexes/ and static/ must be in an install list (a migration missing there is
# never applied on an installed host)
my %installed = map { $_ => 1 } split ' ', $conf{installed} // '';
for my $pat ('sql/*.sql', 'mongo-indexes/*.json', 'static/*.*', 'static/errors/*.*') {
	for my $f (glob("$S/$pat")) {
		(my $base = $f) =~ s{.*/}{};
		ok($installed{$base}, "make install installs $pat: $base")
			or diag("add it to its install list (dist_sql_DATA in src/lib/db.mk, dist_mongoindex_DATA, dist_static_DATA in etc/local.mk)");
	}
}

my @services = qw(revlens-web revlens-worker revlens-notifier revlens-crawler revlens-aggregator);
my @units = ((map { "$_.service" } @services), 'revlens-aggregator.timer');
my %prog = (map { $_ => $_ } @services);

for my $u (@units) {
	my $t = slurp("$B/etc/systemd/$u");
	ok(defined $t && length $t, "$u made from etc/systemd/$u.in") or next;
	unlike($t, qr/@\w+@/, "$u: no placeholder left");
	next if $u =~ /\.timer$/;
	(my $name = $u) =~ s/\.service$//;
	like($t, qr{^ExecStart=\Q$conf{bindir}/$prog{$name}\E -c \Q$etc/revlens.conf\E$}m,
		"$u: ExecStart names the configured program and configuration");
	for my $d ('User=revlens', 'Group=revlens', 'NoNewPrivileges=yes', 'ProtectSystem=strict',
		'ProtectHome=yes', 'PrivateTmp=yes', 'PrivateDevices=yes', 'CapabilityBoundingSet=',
		'SystemCallFilter=@system-service', 'SystemCallArchitectures=native',
		'MemoryDenyWriteExecute=yes', 'RestrictNamespaces=yes', 'ProtectKernelTunables=yes') {
		like($t, qr/^\Q$d\E$/m, "$u: $d");
	}
	like($t, qr/^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6( AF_NETLINK)?$/m, "$u: address families restricted");
	unlike($t, qr/^ReadWritePaths=\/(\s|$)/m, "$u: the root is not writable");
}
like(slurp("$B/etc/systemd/revlens-web.service") // '', qr{^ReadWritePaths=\Q$conf{runstatedir}\E/revlens/web$}m,
	'revlens-web may write its socket directory only');
unlike(slurp("$B/etc/systemd/revlens-web.service") // '', qr{^SupplementaryGroups=}m,
	"revlens-web is in no other group (its socket's group comes from the directory)");
like(slurp("$B/etc/systemd/revlens-aggregator.timer") // '', qr/^OnCalendar=\*-\*-\* 03:10:00 Asia\/Seoul$/m,
	'the timer: 03:10 Asia/Seoul');

SKIP: {
	skip 'no systemd-analyze here', 1 unless -x '/usr/bin/systemd-analyze' || -x '/bin/systemd-analyze';
	my $dir = tempdir(CLEANUP => 1);
	system('cp', (map { "$B/etc/systemd/$_" } @units), $dir) == 0 or die "cp: $?";
	my ($rc, $out) = run_out(join ' ', 'systemd-analyze verify', map { "$dir/$_" } @units);
	# the programs are not installed at their configured paths here (make installcheck
	# and scripts/package-test verify installed units): every other complaint fails
	my @other = grep { !/Command \S+ is not executable: No such file or directory/ && /\S/ } split /\n/, $out;
	ok(!@other, 'systemd-analyze verify: nothing but the not-yet-installed programs')
		or diag($out);
}

my $cron = slurp("$B/etc/cron.d/revlens-aggregator") // '';
like($cron, qr{^10 18 \* \* \* revlens out=\$\(\Q$conf{bindir}\E/revlens-aggregator -c \Q$etc\E/revlens\.conf 2>&1\)}m,
	'the cron example runs the configured program as revlens');
my $tmpf = slurp("$B/etc/tmpfiles.d/revlens.conf") // '';
like($tmpf, qr{^d \Q$conf{runstatedir}\E/revlens/web\s+2750 revlens\s+\Q$conf{NGINX_GROUP}\E\s}m,
	'tmpfiles.d: the socket directory, entered by nginx\'s group only, set-group-ID (the socket gets that group)');
like($tmpf, qr{^d \Q$conf{runstatedir}\E/revlens/nginx\s}m, 'tmpfiles.d: the directory of nginx\'s sockets');

# the installed configuration: valid, and naming the paths the units and the site use
my $rc_conf = "$B/etc/revlens.conf";
my ($rc, $out) = run_out("'$B/revlens-web' -c '$rc_conf' -t");
is($rc, 0, 'revlens-web -t accepts the installed configuration') or diag($out);
my $c = slurp($rc_conf) // '';
like($c, qr{^web\.socket = \Q$conf{runstatedir}\E/revlens/web/web\.sock$}m, 'configuration: the socket in the tmpfiles.d directory');
like($c, qr{^web\.socket_group =$}m, 'configuration: no chown of the socket (the directory gives the group)');
like($c, qr{^nchan\.publish_socket = \Q$conf{runstatedir}\E/revlens/nginx/publish\.sock$}m, 'configuration: nginx\'s publisher socket');
like($c, qr{^auth\.jwt_key_file = \Q$etc\E/jwt\.key$}m, 'configuration: the signing key the package makes');

# the nginx site: the stack's locations, the package's paths, and nginx accepts it
my $site = slurp("$B/etc/nginx/revlens.conf") // '';
unlike($site, qr/@\w+@/, 'nginx site: no placeholder left');
like($site, qr{fastcgi_pass unix:\Q$conf{runstatedir}\E/revlens/web/web\.sock;}, 'nginx site: reaches revlens-web\'s socket');
like($site, qr{location ~ \^/live/requests/}, 'nginx site: the live progress location of the template');
like($site, qr{alias \Q$conf{pkgdatadir}\E/static/;}, 'nginx site: the installed static files');
unlike($site, qr/^\s*(sendfile|tcp_nopush|default_type|keepalive_timeout|client_body_temp_path)\b/m,
	'nginx site: nothing nginx.conf already sets at http level');
SKIP: {
	skip 'no nginx with nchan here', 1 unless -x '/usr/sbin/nginx' && -e '/usr/lib/nginx/modules/ngx_nchan_module.so';
	my $dir = tempdir(CLEANUP => 1);
	mkdir "$dir/$_" for qw(nginx web);
	# the site as it is, in the shape of Debian's nginx.conf; only its runtime directory
	# and its log directory move to private ones (nginx -t binds the Unix sockets and
	# opens the log, and a prefix's var/log/nginx may not exist)
	(my $s2 = $site) =~ s{\Q$conf{runstatedir}\E/revlens/}{$dir/}g;
	$s2 =~ s{\Q$conf{nginxlogdir}\E/}{$dir/}g;
	open(my $fh, '>', "$dir/site.conf") or die; print $fh $s2; close $fh;
	open($fh, '>', "$dir/nginx.conf") or die;
	print $fh <<"CONF";
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
user www-data;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 768; }
http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
	ssl_prefer_server_ciphers on;
	access_log $dir/access.log;
	gzip on;
	include $dir/site.conf;
}
CONF
	close $fh;
	($rc, $out) = run_out("nginx -t -q -p '$dir' -e '$dir/error.log' -c '$dir/nginx.conf'");
	is($rc, 0, 'nginx -t: the site inside a Debian-style nginx.conf') or diag($out);
}

done_testing;
