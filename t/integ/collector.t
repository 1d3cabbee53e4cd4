# The browser-extension collector (collector/) end to end: headless Chromium with the
# unpacked extension, www.coupang.com mapped to the fake Coupang server
# (t/fake-coupang/server.mjs via t/lib/FakeCoupang.pm), a private revlens stack and a
# user's ingest token.  t/browser/collector.mjs sets the options page, presses
# "revlens로 보내기" on the fake's scenarios (1001 normal, 1002 empty, 1003 edited and
# collected again, 1004 rate-limited, 1005 blocked, 1006 malformed page, 1007 server
# error; then 1006 again under a page cap of 1) and reads the panel; this file passes its TAP through and then checks what
# revlens stored (reviews, prices, survey tags, crawl states) and what the fake Coupang
# was asked (size=10 only, one review request a second at most, no retry storm).
# Screenshots go to $REVLENS_SCREENSHOTS, or $BUILDDIR/screenshots.
#
# No `use utf8`: the Korean strings below are UTF-8 bytes, compared with psql's and the
# CLI's output as they are.
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use FakeCoupang;
use Test::More;
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use JSON::PP;

my $src   = RevlensTest::srcdir();
my $shots = $ENV{REVLENS_SCREENSHOTS} || RevlensTest::builddir() . '/screenshots';
my $probe = RevlensTest::builddir() . '/t/unit/mongo_probe';

my @missing;
push @missing, '/usr/bin/chromium (Debian package chromium; run scripts/install-deps)'
	unless -x '/usr/bin/chromium';
push @missing, "$src/t/browser/node_modules/playwright-core (run scripts/install-deps, "
	. "or npm ci --prefix t/browser)"
	unless -f "$src/t/browser/node_modules/playwright-core/package.json";
my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0];
push @missing, 'node (Node.js 18 or later)' unless $node;
push @missing, "$probe (make check builds it, or make t/unit/mongo_probe)" unless -x $probe;
for my $tool (qw(openssl curl)) {
	push @missing, "$tool (Debian package $tool)"
		unless grep { -x "$_/$tool" } split /:/, $ENV{PATH} // '';
}
if (@missing) {
	fail("the collector test can run: missing $_") for @missing;
	done_testing();
	exit 1;
}

make_path($shots);
my $s = RevlensTest->start(workers => 2);
(my $base = $s->url('/')) =~ s{/\z}{};
my $tmp = tempdir('collector.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $fc = FakeCoupang->start(dir => "$tmp/fake");

my $email = 'collector@example.com';
my $add = $s->cli({ stdin => "수집기 사용자 비밀번호 2026\n" }, 'user', 'add', $email);
is($add->{exit}, 0, 'revlens user add') or diag($add->{err});
my $token = $s->ingest_token($email, name => '브라우저 확장');
like($token, qr/^rli_[A-Za-z0-9_-]{43}$/, 'an ingest token for the user');

# ------------------------------------------------------------------ the browser run
my %env = (NODE_OPTIONS => undef, PLAYWRIGHT_BROWSERS_PATH => undef,
	REVLENS_COLLECTOR => "$src/collector", REVLENS_FAKE_PORT => $fc->port,
	REVLENS_FAKE_SPKI => $fc->spki, REVLENS_FAKE_CA => $fc->ca, REVLENS_INGEST_TOKEN => $token);
{
	my $t0 = time;
	my $r = RevlensTest::run_cmd(['timeout', '-k', '10', '200', $node, "$src/t/browser/collector.mjs",
		$base, $shots], env => \%env);
	my $secs = time - $t0;
	my ($plan, $seen) = (undef, 0);
	for my $line (split /\n/, $r->{out}) {
		if ($line =~ /^(not )?ok (\d+)(?: - (.*))?$/) {
			$seen++;
			ok(!$1, $3 // '') or diag("(collector.mjs point $2)");
		} elsif ($line =~ /^1\.\.(\d+)$/) {
			$plan = $1;
		} elsif ($line =~ /^#\s?(.*)$/) {
			note($1);
		} elsif ($line =~ /\S/) {
			note("collector.mjs: $line");
		}
	}
	is($r->{exit}, 0, "collector.mjs exits 0 (took ${secs} s)")
		or diag("exit $r->{exit}" . ($r->{exit} == 124 ? ' (killed by timeout)' : '')
			. ($r->{err} ne '' ? "; stderr:\n$r->{err}" : ''));
	ok(defined $plan && $plan == $seen && $seen > 0, 'collector.mjs printed its plan and every point of it')
		or diag('plan ' . ($plan // 'missing') . ", $seen points seen");
}

# ------------------------------------------------------------------ what revlens stored
my $json = JSON::PP->new;    # bytes in, bytes out (no `use utf8` here)
my $mongo = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';
sub pid_of { $s->psql("SELECT min(id) FROM products WHERE coupang_product_id = $_[0]") }
sub mongo_find {
	my ($coll, $pid) = @_;
	my $m = RevlensTest::run_cmd([$probe, $mongo, 'revlens', 'find', $coll, 'product_id', $pid]);
	diag("mongo_probe: $m->{err}") if $m->{exit} != 0;
	return map { $json->decode($_) } grep { /\S/ } split /\n/, $m->{out};
}
sub num { my ($v) = @_; ref $v eq 'HASH' ? (values %$v)[0] : $v }   # {"$numberLong": "…"}

my %want = (1001 => 35, 1002 => 0, 1003 => 12, 1004 => 25, 1006 => 15);
my %pid = map { $_ => pid_of($_) } (1001 .. 1007);
like($pid{$_}, qr/^\d+$/, "Coupang product $_ became a revlens product") for sort keys %pid;

# reviews, through the operator's CLI
for my $cid (sort keys %want) {
	my $r = $s->cli('reviews', '--coupang', $cid);
	is($r->{exit}, 0, "revlens reviews --coupang $cid") or diag($r->{err});
	my @lines = grep { /\S/ } split /\n/, $r->{out};
	is(scalar @lines, $want{$cid}, "$cid: $want{$cid} reviews stored");
}
my @raw = mongo_find('product_reviews_raw', $pid{1001});
is(scalar @raw, 35, '1001: 35 documents in product_reviews_raw');
my ($first) = grep { num($_->{review_id}) eq '801001000' || ($_->{review_id} // '') eq '801001000' } @raw;
ok($first, '1001: the first review is there by its Coupang reviewId') or diag(substr($json->encode(\@raw), 0, 600));
if ($first) {
	is(num($first->{rating}), 5, '... its rating');
	like($first->{text}, qr/^초등학생 아들이 학교 다녀와서/, '... its content');
	is($first->{title}, '아이 간식으로 딱이에요', '... its title');
	is($first->{author}, '김*연', '... its author (member.name)');
	is($first->{option}, '오리지널 190ml × 24개', '... its option (itemName)');
	is($first->{collector}, 'extension', '... collected by "extension"');
}
my ($edited) = grep { (num($_->{review_id}) // '') eq '801003004' } mongo_find('product_reviews_raw', $pid{1003});
ok($edited, '1003: the edited review is stored');
if ($edited) {
	is(num($edited->{rating}), 4, '1003: the second collection stored its new rating');
	like($edited->{text}, qr/^\(수정\) /, '1003: and its new content');
}
is(scalar(mongo_find('product_reviews_raw', $pid{$_})), 0, "$_: no reviews stored") for (1005, 1007);

# price, name and image
is($s->psql("SELECT price || '|' || name || '|' || image_url FROM products WHERE id = $pid{1001}"),
	'12900|매일두유 오리지널 190ml, 24개|https://www.coupang.com/image/soymilk.svg',
	'1001: products.price, name and image_url from the page');
is($s->psql("SELECT count(*) || '|' || min(price) || '|' || min(source) FROM price_observations WHERE product_id = $pid{1001}"),
	'1|12900|extension', '1001: one price observation, 12900 won, source extension');
is($s->psql("SELECT count(*) FROM price_observations WHERE product_id = $pid{1003}"), 2,
	'1003: collected twice, two price observations');
is($s->psql("SELECT price FROM products WHERE id = $pid{1005}"), 17480, '1005: the price is stored although the reviews were blocked');

# survey tags
my @tags = mongo_find('coupang_keyword_tags', $pid{1001});
is(scalar @tags, 9, '1001: 9 survey tags (맛, 양, 포장 × 3 answers)');
# (stored as category / tag; question / answer accepted too)
my ($tasty) = grep { ($_->{category} // $_->{question} // '') eq '맛'
	&& ($_->{tag} // $_->{answer} // '') eq '아주 맛있어요' } @tags;
ok($tasty, '1001: 맛 / 아주 맛있어요 is stored') or diag(substr($json->encode(\@tags), 0, 600));
if ($tasty) {
	is(num($tasty->{percent}), 72, '... with 72%');
	is(num($tasty->{respondents}), 1284, '... and 1,284 respondents');
	is($tasty->{collector}, 'extension', '... collected by "extension"');
}
is(scalar(mongo_find('coupang_keyword_tags', $pid{1002})), 0, '1002: no survey, no tags');

# crawl states
my %state = (1001 => 'done', 1002 => 'done', 1003 => 'done', 1004 => 'done', 1005 => 'blocked',
	1006 => 'done', 1007 => 'failed');
for my $cid (sort keys %state) {
	is($s->psql("SELECT state || '|' || collector FROM product_crawl_status WHERE product_id = $pid{$cid}"),
		"$state{$cid}|extension", "$cid: crawl status $state{$cid}, collector extension");
}
like($s->psql("SELECT message FROM product_crawl_status WHERE product_id = $pid{1005}"), qr/차단/,
	'1005: the blocked state carries the Korean message');
is($s->psql("SELECT pages || '|' || reviews FROM product_crawl_status WHERE product_id = $pid{1001}"), '4|35',
	'1001: the done state counts 4 pages and 35 reviews');

# ------------------------------------------------------------------ what Coupang was asked
my @asked = sort { $a->{at_ms} <=> $b->{at_ms} } grep { $_->{path} eq '/next-api/review' } @{ $fc->log };
my %per;
$per{ $_->{query}{productId} }++ for @asked;
is_deeply(\%per, { 1001 => 4, 1002 => 1, 1003 => 4, 1004 => 5, 1005 => 1, 1006 => 5, 1007 => 3 },
	'review requests per product: the pages (1006: 1 more under a cap of 1), 1004 page 2 three times, 1005 once (no retry storm), '
	. '1006 page 2 twice, 1007 three times') or diag(explain(\%per));
is_deeply([grep { $_->{query}{size} ne '10' } @asked], [], 'every review request asked size=10');
is_deeply([grep { ($_->{query}{sortBy} // '') ne 'ORDER_SCORE_ASC' } @asked], [], '... sorted ORDER_SCORE_ASC');
my @close;
for my $i (1 .. $#asked) {
	my $gap = $asked[$i]{at_ms} - $asked[$i - 1]{at_ms};
	push @close, "$asked[$i-1]{query}{productId}/$asked[$i-1]{query}{page} → "
		. "$asked[$i]{query}{productId}/$asked[$i]{query}{page}: $gap ms" if $gap < 900;
}
is_deeply(\@close, [], 'review requests were at least 0.9 s apart');
my @late = grep { $_->{query}{productId} eq '1004' && $_->{query}{page} eq '2' } @asked;
ok(@late == 3 && $late[2]{at_ms} - $late[1]{at_ms} >= 900 && $late[1]{at_ms} - $late[0]{at_ms} >= 900,
	'1004: page 2 asked again only after Retry-After');

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
$fc->stop;
done_testing();
