# The fake Coupang server (t/fake-coupang/server.mjs, t/lib/FakeCoupang.pm) answers as
# its header documents: the product page and its selectors, the review API's shape and
# paging, every scenario (1001-1007), /__log, /__reset and /__control/edit.  The
# collector tests (collector.t, the crawler's) rely on all of it.
#
# No `use utf8`: Korean strings are compared as UTF-8 bytes, as curl returns them.
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use FakeCoupang;
use Test::More;
use File::Temp qw(tempdir);
use JSON::PP;

my $tmp = tempdir('fake-coupang.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $fc = FakeCoupang->start(dir => $tmp);
like($fc->port, qr/^\d+$/, 'the server reports its port');
like($fc->spki, qr{^[A-Za-z0-9+/]{43}=$}, 'spki.txt holds a base64 SHA-256');
my $v = RevlensTest::run_cmd(['openssl', 'verify', '-CAfile', $fc->ca, "$tmp/server.pem"]);
is($v->{exit}, 0, 'the server certificate is signed by the test CA');
my $san = RevlensTest::run_cmd(['openssl', 'x509', '-in', "$tmp/server.pem", '-noout', '-ext', 'subjectAltName']);
like($san->{out}, qr/DNS:www\.coupang\.com.*DNS:localhost.*IP Address:127\.0\.0\.1/s,
	'it names www.coupang.com, localhost and 127.0.0.1');

my $json = JSON::PP->new->utf8;
sub reviews {
	my ($id, $page, $size) = @_;
	return $fc->get("/next-api/review?productId=$id&page=$page&size=" . ($size // 10)
		. '&sortBy=ORDER_SCORE_ASC&ratingSummary=true&ratings=&market=');
}
sub paging {
	my ($r) = @_;
	my $d = eval { $json->decode($r->{body}) } or return undef;
	return $d->{rData}{paging};
}

# ---- the product page
my $p = $fc->get('/vp/products/1001');
is($p->{status}, 200, 'product page 1001');
like($p->{body}, qr{<h1 class="prod-buy-header__title">매일두유 오리지널 190ml, 24개</h1>}, 'its name');
like($p->{body}, qr{<div class="total-price"><strong>12,900원</strong>}, 'its price');
like($p->{body}, qr{<img class="prod-image__detail" src="/image/soymilk\.svg"}, 'its image');
like($p->{body}, qr{sdp-review__survey__question__title">맛</span>.*?answer__label">아주 맛있어요</span><span class="sdp-review__survey__answer__percent">72%}s,
	'its survey: 맛 / 아주 맛있어요 72%');
is($fc->get('/image/soymilk.svg')->{status}, 200, 'the image is served');
is($fc->get('/vp/products/999')->{status}, 404, 'an unknown product page is 404');
is($fc->get('/vp/products/1005')->{status}, 200, 'the blocked product\'s page itself loads');

# ---- 1001 normal: 35 reviews on 4 pages
my (%ids, @counts);
for my $page (1 .. 5) {
	my $r = reviews(1001, $page);
	is($r->{status}, 200, "1001 page $page: 200");
	my $pg = paging($r);
	push @counts, scalar @{$pg->{contents}};
	is($pg->{totalPage}, 4, "1001 page $page: totalPage 4");
	is($pg->{currentPage}, $page, "1001 page $page: currentPage");
	$ids{$_->{reviewId}}++ for @{$pg->{contents}};
}
is("@counts", '10 10 10 5 0', '1001: pages of 10, 10, 10, 5, then none');
is(scalar keys %ids, 35, '1001: 35 distinct reviewIds');
my $first = paging(reviews(1001, 1))->{contents}[0];
is_deeply([sort keys %$first], [sort qw(reviewId productId itemId vendorItemId itemName rating reviewAt
	title content member helpfulTrueCount attachments)], 'a review carries the documented fields');
is($first->{productId}, 1001, 'productId');
like($first->{reviewAt}, qr/^\d{13}$/, 'reviewAt in epoch ms');
ok(length $first->{member}{name}, 'member.name');
is(reviews(1001, 1, 20)->{status}, 403, 'size=20 is refused with 403');
is(reviews(1001, 1, 100)->{status}, 403, 'size=100 is refused with 403');

# ---- 1002 empty
my $e = paging(reviews(1002, 1));
is($e->{totalPage}, 0, '1002: totalPage 0');
is_deeply($e->{contents}, [], '1002: no contents');

# ---- 1003 edited
my $before = paging(reviews(1003, 1))->{contents}[4];
is(paging(reviews(1003, 2))->{totalPage}, 2, '1003: 12 reviews on 2 pages');
is($fc->control('/__control/edit?productId=1003')->{status}, 200, 'edit 1003');
my $after = paging(reviews(1003, 1))->{contents}[4];
is($after->{reviewId}, $before->{reviewId}, '1003: the edited review keeps its reviewId');
isnt($after->{content}, $before->{content}, '1003: its content changed');
is("$before->{rating}>$after->{rating}", '3>4', '1003: its rating changed from 3 to 4');

# ---- 1004 rate-limited
is(reviews(1004, 1)->{status}, 200, '1004 page 1: 200');
my $r429 = reviews(1004, 2);
is($r429->{status}, 429, '1004 page 2, first time: 429');
is($r429->{headers}{'retry-after'}, '1', 'with Retry-After: 1');
is(reviews(1004, 2)->{status}, 429, '1004 page 2, second time: 429');
is(scalar @{paging(reviews(1004, 2))->{contents}}, 10, '1004 page 2, third time: 10 reviews');
is(scalar @{paging(reviews(1004, 3))->{contents}}, 5, '1004 page 3: 5 reviews');

# ---- 1005 blocked
my $b = reviews(1005, 1);
is($b->{status}, 403, '1005: 403');
like($b->{body}, qr{<TITLE>Access Denied</TITLE>}, '1005: an Akamai-like Access Denied page');
like($b->{headers}{'content-type'}, qr{^text/html}, '1005: as HTML');

# ---- 1006 malformed, 1007 server error
is(scalar @{paging(reviews(1006, 1))->{contents}}, 10, '1006 page 1 is fine');
my $m = reviews(1006, 2);
is($m->{status}, 200, '1006 page 2: 200');
ok(!eval { $json->decode($m->{body}); 1 }, '1006 page 2: not valid JSON');
is(reviews(1007, 1)->{status}, 503, '1007 page 1: 503');
is(reviews(1007, 1)->{status}, 503, '1007 page 1: 503 again');

# ---- bad requests
is($fc->get('/next-api/review?productId=abc&page=1&size=10')->{status}, 400, 'a bad productId: 400');
is(reviews(4242, 1)->{status}, 404, 'an unknown product: 404');

# ---- the log and reset
my $log = $fc->log;
my @rev = grep { $_->{path} eq '/next-api/review' } @$log;
ok(@rev >= 20, 'the log holds the review requests');
is_deeply([sort keys %{$rev[0]}], [qw(at_ms method path query status)], 'log entries: method, path, query, at_ms, status');
is($rev[0]{query}{size}, '10', 'the query is decoded');
ok(!grep({ $_->{path} =~ m{^/__(log|reset)} } @$log), '/__log and /__reset are not logged');
my @codes = map { $_->{status} } grep { ($_->{query}{productId} // '') eq '1004' } @rev;
is("@codes", '200 429 429 200 200', 'the statuses of 1004 as answered');
is($fc->control('/__reset')->{status}, 200, 'reset');
is(scalar @{$fc->log}, 0, 'the log is empty after /__reset');
is(reviews(1004, 2)->{status}, 429, '/__reset restarts 1004\'s rate limit');
is(paging(reviews(1003, 1))->{contents}[4]{rating}, 3, '/__reset undoes the edit of 1003');

$fc->stop;
ok(!kill(0, $fc->{pid}), 'stop ends the server');

done_testing();
