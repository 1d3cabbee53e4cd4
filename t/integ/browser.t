# The account, product, request, watch-list and result pages in headless Chromium: runs
# t/browser/accounts.mjs, t/browser/products.mjs, t/browser/requests.mjs (which runs
# `revlens progress-demo` itself), then t/browser/results.mjs — playwright-core driving
# Debian's /usr/bin/chromium — against a private stack and passes their TAP points through, one Test::More point each;
# each script's exit status and plan are checked too.  Screenshots go to $REVLENS_SCREENSHOTS,
# or $BUILDDIR/screenshots.  A missing browser or node_modules is a failure, not a skip:
# scripts/install-deps installs both.
#
# No `use utf8`: the Korean strings below are UTF-8 bytes, passed as they are to the
# CLI, to psql and to the scripts' environment.
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use File::Path qw(make_path);

my $src    = RevlensTest::srcdir();
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

# the admin of accounts.mjs step j, made the way an operator makes the first admin
my ($admin, $adminpw) = ('admin@example.com', '관리자 비밀번호 열두자리');
my $add = $s->cli({ stdin => "$adminpw\n" }, 'user', 'add', '--admin', '--name', '관리자', $admin);
is($add->{exit}, 0, 'revlens user add --admin') or diag($add->{err});

# the user of products.mjs
my ($user, $userpw, $username) = ('shopper@example.com', '두유 좋아하는 사람 비밀번호', '두유러버');
$add = $s->cli({ stdin => "$userpw\n" }, 'user', 'add', '--name', $username, $user);
is($add->{exit}, 0, 'revlens user add (the products user)') or diag($add->{err});

# products.mjs searches these: 25 named with 두유, priced 9900 + 1000 N won, and three others
$s->psql(<<'SQL');
INSERT INTO products (coupang_product_id, url, name, price)
SELECT 9100000000 + g, 'https://www.coupang.com/vp/products/' || (9100000000 + g),
	'매일두유 오리지널 190ml ' || g || '팩', 9900 + 1000 * g
FROM generate_series(1, 25) AS g;
INSERT INTO products (coupang_product_id, url, name, price) VALUES
	(9200000001, 'https://www.coupang.com/vp/products/9200000001', '비비고 왕교자 1.05kg', 12980),
	(9200000002, 'https://www.coupang.com/vp/products/9200000002', '제주 삼다수 2L 12병', 11900),
	(9200000003, 'https://www.coupang.com/vp/products/9200000003', 'Apple 에어팟 프로 2세대 USB-C', 329000);
SQL
is($s->psql("SELECT count(*) FROM products WHERE name LIKE '%두유%'"), 25, '25 두유 products inserted');

# requests.mjs asks for analyses of these two (nobody else does), and watches the first
my $req_products = join ',', split /\n/, $s->psql(
	"SELECT id FROM products WHERE coupang_product_id IN (9200000001, 9200000002) ORDER BY coupang_product_id");
like($req_products, qr/^\d+,\d+\z/, 'the two products of requests.mjs');

my %env = (NODE_OPTIONS => undef, PLAYWRIGHT_BROWSERS_PATH => undef,
	REVLENS_ADMIN_EMAIL => $admin, REVLENS_ADMIN_PASSWORD => $adminpw,
	REVLENS_USER_EMAIL => $user, REVLENS_USER_PASSWORD => $userpw, REVLENS_USER_NAME => $username,
	REVLENS_PRODUCT_IDS => $req_products,
	REVLENS_CLI => RevlensTest::builddir() . '/revlens', REVLENS_CONF => $s->conf);

# Run t/browser/$name and pass its TAP through; its exit status and plan are points too.
# `timeout` is a second bound behind the script's own 120 s watchdog.
sub run_script {
	my ($name) = @_;
	my $t0 = time;
	my $r = RevlensTest::run_cmd(['timeout', '-k', '10', '180', $node, "$src/t/browser/$name",
		$base, $shots], env => \%env);
	my $secs = time - $t0;

	my ($plan, $seen) = (undef, 0);
	for my $line (split /\n/, $r->{out}) {
		if ($line =~ /^(not )?ok (\d+)(?: - (.*))?$/) {
			my ($bad, $num, $desc) = ($1, $2, $3 // '');
			$seen++;
			ok(!$bad, $desc) or diag("($name point $num)");
		} elsif ($line =~ /^1\.\.(\d+)$/) {
			$plan = $1;
		} elsif ($line =~ /^#\s?(.*)$/) {
			note($1);
		} elsif ($line =~ /\S/) {
			note("$name: $line");
		}
	}
	is($r->{exit}, 0, "$name exits 0 (took ${secs} s)")
		or diag("exit $r->{exit}" . ($r->{exit} == 124 ? ' (killed by timeout)' : '')
			. ($r->{err} ne '' ? "; stderr:\n$r->{err}" : ''));
	ok(defined $plan && $plan == $seen && $seen > 0,
		"$name printed its plan and every point of it")
		or diag('plan ' . ($plan // 'missing') . ", $seen points seen");
}

run_script($_) for qw(accounts.mjs products.mjs requests.mjs);

# results.mjs reads a finished analysis of a product of its own (made after products.mjs,
# which counts the products), asked for by the products user, written as revlens-worker
# writes it: t/browser/result-summary.json as the summary of 1,234 reviews
$s->psql("INSERT INTO products (coupang_product_id, url, name, price) VALUES (9300000001, "
	. "'https://www.coupang.com/vp/products/9300000001', '고소한 검은콩 음료 190ml 24팩', 15900)");
my $res_product = $s->psql('SELECT id FROM products WHERE coupang_product_id = 9300000001');
my $res_request = $s->psql("INSERT INTO analysis_requests (user_id, product_id, status, progress, finished_at) "
	. "SELECT id, $res_product, 'done', 100, now() FROM users WHERE email = '$user' RETURNING id");
$s->psql("INSERT INTO analysis_request_users (request_id, user_id) SELECT $res_request, id FROM users WHERE email = '$user'");
my $summary = RevlensTest::read_file("$src/t/browser/result-summary.json");
$s->psql("INSERT INTO analysis_results (request_id, product_id, review_count, positive_count, negative_count, "
	. "neutral_count, positive_ratio, avg_rating, date_from, date_to, summary, model_version) VALUES ($res_request, "
	. "$res_product, 1234, 876, 222, 136, 0.7099, 4.21, '2024-01-03', '2024-06-30', \$j\$$summary\$j\$::jsonb, "
	. "'kr-sentiment-2026.11 sha256:0f3a')");
@env{qw(REVLENS_RESULT_REQUEST REVLENS_RESULT_PRODUCT)} = ($res_request, $res_product);
run_script('results.mjs');
is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');

done_testing();
