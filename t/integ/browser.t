# The account pages in headless Chromium: runs t/browser/accounts.mjs (playwright-core
# driving Debian's /usr/bin/chromium) against a private stack and passes its TAP points
# through, one Test::More point each.  Screenshots go to $REVLENS_SCREENSHOTS, or
# $BUILDDIR/screenshots.  A missing browser or node_modules is a failure, not a skip:
# scripts/install-deps installs both.
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use File::Path qw(make_path);

my $src    = RevlensTest::srcdir();
my $script = "$src/t/browser/accounts.mjs";
my $shots  = $ENV{REVLENS_SCREENSHOTS} || RevlensTest::builddir() . '/screenshots';

my @missing;
push @missing, '/usr/bin/chromium (Debian package chromium; run scripts/install-deps)'
	unless -x '/usr/bin/chromium';
push @missing, "$src/t/browser/node_modules/playwright-core (run scripts/install-deps, "
	. "or npm ci --prefix t/browser)"
	unless -f "$src/t/browser/node_modules/playwright-core/package.json";
my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0];
push @missing, 'node (Node.js 18 or later)' unless $node;
if (@missing) {
	fail("browser tests can run: missing $_") for @missing;
	done_testing();
	exit 1;
}

make_path($shots);
my $s = RevlensTest->start(workers => 2);
(my $base = $s->url('/')) =~ s{/\z}{};

# `timeout` is a second bound behind the script's own 120 s watchdog.
# the admin of step j, made the way an operator makes the first admin
my ($admin, $adminpw) = ('admin@example.com', '관리자 비밀번호 열두자리');
my $add = $s->cli({ stdin => "$adminpw\n" }, 'user', 'add', '--admin', '--name', '관리자', $admin);
is($add->{exit}, 0, 'revlens user add --admin') or diag($add->{err});

my $t0 = time;
my $r = RevlensTest::run_cmd(['timeout', '-k', '10', '180', $node, $script, $base, $shots],
	env => { NODE_OPTIONS => undef, PLAYWRIGHT_BROWSERS_PATH => undef,
		REVLENS_ADMIN_EMAIL => $admin, REVLENS_ADMIN_PASSWORD => $adminpw });
my $secs = time - $t0;

my ($plan, $seen) = (undef, 0);
for my $line (split /\n/, $r->{out}) {
	if ($line =~ /^(not )?ok (\d+)(?: - (.*))?$/) {
		my ($bad, $num, $desc) = ($1, $2, $3 // '');
		$seen++;
		ok(!$bad, $desc) or diag("(accounts.mjs point $num)");
	} elsif ($line =~ /^1\.\.(\d+)$/) {
		$plan = $1;
	} elsif ($line =~ /^#\s?(.*)$/) {
		note($1);
	} elsif ($line =~ /\S/) {
		note("accounts.mjs: $line");
	}
}
is($r->{exit}, 0, "accounts.mjs exits 0 (took ${secs} s)")
	or diag("exit $r->{exit}" . ($r->{exit} == 124 ? ' (killed by timeout)' : '')
		. ($r->{err} ne '' ? "; stderr:\n$r->{err}" : ''));
ok(defined $plan && $plan == $seen && $seen > 0,
	'accounts.mjs printed its plan and every point of it')
	or diag('plan ' . ($plan // 'missing') . ", $seen points seen");
is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');

done_testing();
