# Ingestion (docs/ingest.md) through nginx and `revlens import`: every rejection reason,
# partial batches, batch limits refused before any write, idempotency (the same batch
# twice, concurrent duplicates, an edited review), prices and survey tags, crawl state
# and its live progress, token scopes (a user token cannot ingest, an ingest token
# cannot read, a revoked token stops at once), CORS, and import from a file and from
# standard input with bad lines in the middle.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use File::Temp qw(tempfile);
use POSIX ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 3);

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

my $u = $s->add_user('collector');
my $other = $s->add_user('reader');
my $tok = $s->ingest_token($u->{email}, name => '내 확장');
my $known_only = $s->ingest_token($u->{email}, create_products => 0);

sub ingest {
	my ($path, $body, $token) = @_;
	$body = $json->encode($body) if ref $body;
	my $r = $s->request('POST', "/api/ingest/$path", { headers => {
		'content-type' => 'application/json', authorization => 'Bearer ' . ($token // $tok) },
		content => $body });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub reviews {
	my ($cp) = @_;
	my $r = $s->cli('reviews', '--coupang', $cp);
	return [] if $r->{exit} != 0;
	return [ map { $json->decode($_) } grep { length } split /\n/, $r->{out} ];
}
sub rev { my (%o) = @_; return { product_id => 700001, rating => 5, content => '좋아요',
	written_at => '2024-05-01T10:00:00+09:00', %o } }

# ---------------------------------------------------------------- validation
my @bad = (
	[ 'not_object', 'just a string' ],
	[ 'missing_field', { product_id => 700001, rating => 5, content => 'x', written_at => '2024-05-01' } ],
	[ 'bad_product_id', rev(review_id => 'a', product_id => -3) ],
	[ 'bad_product_id', rev(review_id => 'a', product_id => '12ab') ],
	[ 'bad_review_id', rev(review_id => 'has space') ],
	[ 'bad_review_id', rev(review_id => 'x' x 65) ],
	[ 'bad_rating', rev(review_id => 'a', rating => 0) ],
	[ 'bad_rating', rev(review_id => 'a', rating => 6) ],
	[ 'bad_rating', rev(review_id => 'a', rating => 4.5) ],
	[ 'bad_date', rev(review_id => 'a', written_at => '2024-02-30') ],
	[ 'bad_date', rev(review_id => 'a', written_at => '어제') ],
	[ 'bad_date', rev(review_id => 'a', written_at => '1999-12-31T14:59:59Z') ],
	[ 'bad_date', rev(review_id => 'a', written_at => 4102444800000) ],
	[ 'bad_type', rev(review_id => 'a', content => 42) ],
	[ 'too_long', rev(review_id => 'a', content => '가' x 6700) ],
	[ 'too_long', rev(review_id => 'a', title => 'x' x 1001) ],
	[ 'missing_field', rev(review_id => 'a', content => undef) ],
);
my @items = ((map { $_->[1] } @bad), rev(review_id => 'good-1'), rev(review_id => 'good-2', content => ''));
my $r = ingest('reviews', { items => \@items });
is($r->{status}, 200, 'a batch with bad items is answered 200');
is($r->{json}{stored}, 2, 'the two good items of the batch are stored');
is_deeply([ map { [ $_->{index}, $_->{code} ] } @{ $r->{json}{rejected} } ],
	[ map { [ $_, $bad[$_][0] ] } 0 .. $#bad ], 'each bad item is rejected by index with its reason');
ok(!grep({ !length($_->{message}) } @{ $r->{json}{rejected} }), 'every rejection carries a message');
like($r->{json}{rejected}[6]{message}, qr/rating/, 'the message names the field');
is(scalar @{ reviews(700001) }, 2, 'exactly the good reviews are in MongoDB');

# NUL and invalid UTF-8 inside strings
$r = ingest('reviews', '{"items":[{"product_id":700001,"review_id":"n","rating":5,"content":"a\u0000b","written_at":"2024-05-01"}]}');
is($r->{json}{rejected}[0]{code}, 'bad_text', 'a NUL inside the text is rejected');
$r = ingest('reviews', qq({"items":[{"product_id":700001,"review_id":"u","rating":5,"content":"\xff\xfe","written_at":"2024-05-01"}]}));
is($r->{status}, 400, 'invalid UTF-8 in the body is refused as bad JSON');

# ---------------------------------------------------------------- whole-batch refusals
my $before = sql("SELECT count(*) FROM products");
$r = ingest('reviews', '{"items": [');
is($r->{status}, 400, 'malformed JSON: 400');
is($r->{json}{error}{code}, 'bad_json', '... bad_json');
$r = ingest('reviews', '{"reviews": []}');
is($r->{json}{error}{code}, 'bad_batch', 'no items array: bad_batch');
$r = ingest('reviews', '[]');
is($r->{json}{error}{code}, 'bad_batch', 'an array body: bad_batch');
$r = ingest('reviews', { collector => 'Bad Name', items => [ rev(review_id => 'c', product_id => 700009) ] });
is($r->{json}{error}{code}, 'bad_batch', 'a bad collector name refuses the batch');
$r = ingest('reviews', { items => [ map { rev(review_id => "m$_", product_id => 700002) } 1 .. 1001 ] });
is($r->{status}, 413, '1,001 items: 413');
is($r->{json}{error}{code}, 'too_many_items', '... too_many_items');
$r = ingest('reviews', { items => [ rev(review_id => 'big', product_id => 700003, content => 'x' x 9_000_000) ] });
is($r->{status}, 413, 'a body over ingest.max_body: 413 from nginx');
like($r->{content}, qr/"error"/, '... as a JSON error');
is($r->{headers}{'access-control-allow-origin'}, '*', '... that an extension may read (CORS)');
$r = $s->request('POST', '/api/ingest/reviews', { headers => { authorization => "Bearer $tok",
	'content-type' => 'text/plain' }, content => '{"items":[]}' });
is($r->{status}, 415, 'a non-JSON content type: 415');
is(sql("SELECT count(*) FROM products"), $before, 'no refused batch created a product');
is(scalar @{ reviews(700002) }, 0, 'no refused batch stored a review');

# ---------------------------------------------------------------- idempotency
my @batch = map { rev(review_id => "idem-$_", product_id => 700010, content => "리뷰 ${_}번 좋아요",
	written_at => 1714500000000 + $_ * 60000) } 1 .. 300;
$r = ingest('reviews', { collector => 'test', items => \@batch });
is_deeply([ @{ $r->{json} }{qw(stored new updated unchanged)} ], [ 300, 300, 0, 0 ], 'first send: 300 new');
$r = ingest('reviews', { collector => 'test', items => \@batch });
is_deeply([ @{ $r->{json} }{qw(stored new updated unchanged)} ], [ 300, 0, 0, 300 ], 'the same batch again: 300 unchanged');
is(scalar @{ reviews(700010) }, 300, 'still 300 stored');

# concurrent duplicates: 6 clients send the same new batch at once
my @race = map { rev(review_id => "race-$_", product_id => 700011, written_at => 1714500000000 + $_) } 1 .. 200;
my $body = $json->encode({ items => \@race });
my @pids;
for my $k (1 .. 6) {
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		my $x = ingest('reviews', $body);
		diag("sender: $x->{status} $x->{content}") unless $x->{status} == 200 && $x->{json}{stored} == 200;
		POSIX::_exit($x->{status} == 200 && $x->{json}{stored} == 200 ? 0 : 1);
	}
	push @pids, $pid;
}
my $okc = 0;
for (@pids) { waitpid($_, 0); $okc++ if $? == 0 }
is($okc, 6, 'six concurrent senders each hear that all 200 are stored');
is(scalar @{ reviews(700011) }, 200, 'and 200 are stored once');
is(sql("SELECT count(*) FROM products WHERE coupang_product_id = 700011"), 1, 'the product was created once');
is(sql("SELECT s.reviews FROM product_review_stats s JOIN products p ON p.id = s.product_id WHERE p.coupang_product_id = 700011"),
	200, 'ingestion counts each of them once for the product');

# an edited review replaces the text and clears the analysis
$r = ingest('reviews', { items => [ { %{ $batch[0] }, content => '한 달 써 보니 별로예요', rating => 2 } ] });
is_deeply([ @{ $r->{json} }{qw(new updated unchanged)} ], [ 0, 1, 0 ], 'an edited review counts as updated');
my ($edited) = grep { $_->{review_id} eq 'idem-1' } @{ reviews(700010) };
is($edited->{text}, '한 달 써 보니 별로예요', 'the new text is stored');
is($edited->{rating}, 2, 'the new rating is stored');
is(scalar @{ reviews(700010) }, 300, 'the edit added no review');
is(sql("SELECT s.reviews || '|' || to_char(s.first_review_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || '|' || "
	. "to_char(s.last_review_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM product_review_stats s "
	. "JOIN products p ON p.id = s.product_id WHERE p.coupang_product_id = 700010"),
	'300|2024-04-30 18:01|2024-04-30 23:00', 'the product counts 300 reviews and their date range');

# ---------------------------------------------------------------- products
my $pid = sql("SELECT id FROM products WHERE coupang_product_id = 700010");
like(sql("SELECT coalesce(name, '(none)') || '|' || url || '|' || added_by FROM products WHERE id = $pid"),
	qr{^\(none\)\|https://www\.coupang\.com/vp/products/700010\|\d+$}, 'a product created by ingestion has the canonical URL, its name unknown yet');
$r = ingest('reviews', { items => [ rev(review_id => 'k1', product_id => 700099) ] }, $known_only);
is($r->{json}{rejected}[0]{code}, 'unknown_product', 'a token without the right to create products: unknown_product');
is(sql("SELECT count(*) FROM products WHERE coupang_product_id = 700099"), 0, '... and no product is created');
$r = ingest('reviews', { items => [ rev(review_id => 'k2', product_id => 700010) ] }, $known_only);
is($r->{json}{stored}, 1, 'the same token may add to a known product');

# ---------------------------------------------------------------- prices
$r = ingest('prices', { collector => 'test', items => [
	{ product_id => 700010, price => 15900, observed_at => '2024-05-01T09:00:00+09:00', name => '맛있는 두유 190ml 24팩',
	  image_url => 'https://img.example.com/a.jpg' },
	{ product_id => 700010, price => 13900, observed_at => '2024-05-03T09:00:00+09:00' },
	{ product_id => 700010, price => -1, observed_at => '2024-05-04' },
	{ product_id => 700010, price => 100, observed_at => '2024-05-04', image_url => 'javascript:alert(1)' },
] });
is_deeply([ map { $_->{code} } @{ $r->{json}{rejected} } ], [qw(bad_price bad_url)], 'bad prices are rejected');
is($r->{json}{stored}, 2, 'two observations stored');
is(sql("SELECT name || '|' || price || '|' || image_url FROM products WHERE id = $pid"),
	'맛있는 두유 190ml 24팩|13900|https://img.example.com/a.jpg', 'the product shows the newest price, the name and the image');
$r = ingest('prices', { collector => 'test', items => [ { product_id => 700010, price => 19900, observed_at => '2024-04-01' } ] });
is(sql("SELECT price FROM products WHERE id = $pid"), 13900, 'an older observation does not replace the current price');
is(sql("SELECT count(*) FROM price_observations WHERE product_id = $pid"), 3, '... but is kept in the history');
$r = ingest('prices', { collector => 'test', items => [ { product_id => 700010, price => 19900, observed_at => '2024-04-01' } ] });
is($r->{json}{unchanged}, 1, 'the same observation again is unchanged');
is(sql("SELECT count(*) FROM price_observations WHERE product_id = $pid"), 3, '... and stored once');
my $api = $s->request('GET', "/api/products/$pid", { headers => { authorization => "Bearer $other->{token}" } });
like($api->{content}, qr/13900/, 'the product API (and its cache) shows the ingested price');

# ---------------------------------------------------------------- survey tags
$r = ingest('keyword-tags', { items => [
	{ product_id => 700010, question => '맛', answer => '아주 맛있어요', percent => 72, observed_at => '2024-05-01T10:00:00+09:00' },
	{ product_id => 700010, question => '맛', answer => '적당해요', percent => 22.5, observed_at => '2024-05-01T10:00:00+09:00', respondents => 120 },
	{ product_id => 700010, question => '맛', answer => '별로', percent => 101, observed_at => '2024-05-01' },
	{ product_id => 700010, question => '', answer => 'x', percent => 1, observed_at => '2024-05-01' },
] });
is_deeply([ map { $_->{code} } @{ $r->{json}{rejected} } ], [qw(bad_percent missing_field)], 'bad tags are rejected');
is($r->{json}{new}, 2, 'two tags stored');
$r = ingest('keyword-tags', { items => [
	{ product_id => 700010, question => '맛', answer => '아주 맛있어요', percent => 70, observed_at => '2024-05-01T08:00:00+09:00' } ] });
is($r->{json}{unchanged}, 1, 'an earlier observation of the same day does not replace a later one');
$r = ingest('keyword-tags', { items => [
	{ product_id => 700010, question => '맛', answer => '아주 맛있어요', percent => 75, observed_at => '2024-05-01T20:00:00+09:00' } ] });
is($r->{json}{updated}, 1, 'a later observation of the same day replaces it');

# ---------------------------------------------------------------- crawl status
my $rid = do {
	my $a = $s->request('POST', "/api/products/$pid/analyses", { headers => {
		authorization => "Bearer $other->{token}", 'content-type' => 'application/json' }, content => '{}' });
	($json->decode($a->{content})->{request} // $json->decode($a->{content}))->{id};
};
ok($rid, 'an analysis request of the product is active');
# the crawlers' service account: an administrator's token
my $svc = 'crawler-svc@example.com';
is($s->cli({ stdin => "crawler service pass 2026\n" }, 'user', 'add', '--admin', $svc)->{exit}, 0, 'an admin account for the crawlers');
my $svc_tok = $s->ingest_token($svc);
$r = ingest('crawl-status', { collector => 'crawler', items => [
	{ product_id => 700010, state => 'running', request_id => $rid + 0, pages => 3, reviews => 30 },
	{ product_id => 700010, state => 'sleeping' } ] }, $svc_tok);
is($r->{json}{stored}, 1, 'a crawl state is stored');
is($r->{json}{rejected}[0]{code}, 'bad_state', 'an unknown state is rejected');
is(sql("SELECT state || '|' || collector || '|' || pages || '|' || reviews || '|' || request_id FROM product_crawl_status WHERE product_id = $pid"),
	"running|crawler|3|30|$rid", 'the product has the crawl state');
like(decode('UTF-8', $s->redis_cli('HGET', "progress:$rid", 'message')), qr/3쪽, 리뷰 30개/, 'the request\'s live progress shows the crawl');
is($s->redis_cli('HGET', "progress:$rid", 'stage'), 'collect', '... at the collect stage');
$r = ingest('crawl-status', { items => [ { product_id => 700010, state => 'blocked',
	message => '쿠팡이 막았습니다. 확장 프로그램으로 보내 주세요.' } ] }, $svc_tok);
is(sql("SELECT state || '|' || message FROM product_crawl_status WHERE product_id = $pid"),
	'blocked|쿠팡이 막았습니다. 확장 프로그램으로 보내 주세요.', 'blocked with the service\'s own message');

# anyone else's collector: its words are not shown, and it reaches only requests its user is on
$r = ingest('crawl-status', { items => [ { product_id => 700010, state => 'running', request_id => $rid + 0,
	pages => 9, reviews => 90, message => '여기를 클릭해 당첨금을 받으세요' } ] });
is($r->{json}{stored}, 1, 'a user\'s collector reports a crawl state');
unlike(sql("SELECT message FROM product_crawl_status WHERE product_id = $pid"), qr/당첨금/, '... its own words are not shown to everyone');
like(sql("SELECT message FROM product_crawl_status WHERE product_id = $pid"), qr/9쪽, 리뷰 90개/, '... revlens says what it reported');
like(decode('UTF-8', $s->redis_cli('HGET', "progress:$rid", 'message')), qr/3쪽, 리뷰 30개/,
	'... and it cannot write into the live progress of a request its user is not on');
my $rid2 = do {
	my $a = $s->request('POST', "/api/products/$pid/analyses", { headers => {
		authorization => "Bearer $u->{token}", 'content-type' => 'application/json' }, content => '{}' });
	($json->decode($a->{content})->{request} // $json->decode($a->{content}))->{id};
};
is($rid2, $rid, 'the collector\'s user joins the request');
ingest('crawl-status', { items => [ { product_id => 700010, state => 'running', request_id => $rid + 0, pages => 5, reviews => 50 } ] });
like(decode('UTF-8', $s->redis_cli('HGET', "progress:$rid", 'message')), qr/5쪽, 리뷰 50개/, '... and now its crawl shows in the progress');
ingest('crawl-status', { items => [ { product_id => 700010, state => 'blocked',
	message => '쿠팡이 막았습니다. 확장 프로그램으로 보내 주세요.' } ] }, $svc_tok);

my $page = decode('UTF-8', $s->get("/products/$pid")->{content});
like($page, qr/쿠팡이 차단함/, 'the product page shows the crawl was blocked');
like($page, qr/쿠팡이 막았습니다\. 확장 프로그램으로 보내 주세요\./, '... with the collector\'s message');
like($page, qr/revlens로 보내기/, '... and points to the extension');
like($page, qr/저장된 리뷰 301개/, '... and how many reviews revlens holds');
like(decode('UTF-8', $s->get('/products/' . sql("SELECT id FROM products WHERE coupang_product_id = 700011"))->{content}),
	qr/저장된 리뷰 200개.*작성일 2024-05-01 ~ 2024-05-01/s, 'a product never crawled but sent reviews shows them');
my $fresh_pid = sql("INSERT INTO products (coupang_product_id, url) VALUES (700012, 'https://www.coupang.com/vp/products/700012') RETURNING id");
like(decode('UTF-8', $s->get("/products/$fresh_pid")->{content}),
	qr/아직 이 상품의 리뷰를 수집한 적이 없습니다/, 'a product nothing was ever sent for says so');

# ---------------------------------------------------------------- tokens and scopes
$r = ingest('reviews', { items => [ rev(review_id => 's1') ] }, $u->{token});
is($r->{status}, 403, 'a user\'s API token cannot ingest');
is($r->{json}{error}{code}, 'insufficient_scope', '... insufficient_scope');
$r = $s->request('GET', '/api/me', { headers => { authorization => "Bearer $tok" } });
is($r->{status}, 403, 'an ingest token cannot read user data');
is(eval { $json->decode($r->{content})->{error}{code} }, 'insufficient_scope', '... insufficient_scope');
$r = $s->request('GET', '/api/watchlist', { headers => { authorization => "Bearer $tok" } });
is($r->{status}, 403, '... nor the watch list');
$r = $s->request('POST', '/api/ingest/reviews', { headers => { 'content-type' => 'application/json' }, content => '{"items":[]}' });
is($r->{status}, 401, 'no token: 401');
$r = ingest('reviews', { items => [] }, 'rli_' . ('A' x 43));
is($r->{status}, 401, 'an unknown ingest token: 401');
my ($tid) = decode('UTF-8', $s->cli('token', 'list', '--user', $u->{email})->{out}) =~ /^(\d+)\s+active.*내 확장/m;
ok($tid, 'token list shows the named token');
is(ingest('reviews', { items => [] })->{status}, 200, 'the token works before it is revoked');
is($s->cli('token', 'revoke', $tid)->{exit}, 0, 'revlens token revoke');
$r = ingest('reviews', { items => [ rev(review_id => 'after-revoke') ] });
is($r->{status}, 401, 'a revoked token stops at once');
is($s->cli('token', 'revoke', $tid)->{exit}, 1, 'revoking twice fails');
is($s->cli('token', 'create', '--user', $u->{email})->{exit}, 2, 'token create without --ingest is a usage error');
is($s->cli('token', 'create', '--ingest', '--user', 'nobody@example.com')->{exit}, 1, 'token create for an unknown user fails');
$tok = $s->ingest_token($u->{email});

# tokens on the profile page
my $ORIGIN = 'http://127.0.0.1:' . $s->port;
my $pg = $s->get('/me/tokens', { cookie => $u->{cookie} });
is($pg->{status}, 200, '/me/tokens');
like(decode('UTF-8', $pg->{content}), qr/수집 토큰/, '... lists the ingest tokens');
$pg = $s->post('/me/tokens', "csrf=$u->{csrf}&name=%ED%99%95%EC%9E%A5&create_products=on",
	{ cookie => $u->{cookie}, origin => $ORIGIN });
is($pg->{status}, 201, 'a user makes a token on /me/tokens');
my ($web_tok) = $pg->{content} =~ /value="(rli_[A-Za-z0-9_-]{43})"/;
ok($web_tok, '... which is shown once');
is($pg->{headers}{'cache-control'}, 'no-store', '... and not cached (as no page is)');
is(ingest('reviews', { items => [ rev(review_id => 'web-1', product_id => 700040) ] }, $web_tok)->{json}{stored}, 1,
	'the token made on the page ingests');
unlike($s->get('/me/tokens', { cookie => $u->{cookie} })->{content}, qr/rli_/, 'the list never shows a token again');
my ($web_tid) = sql("SELECT id FROM ingest_tokens WHERE name = '확장'");
is($s->post("/me/tokens/$web_tid/revoke", "csrf=$other->{csrf}", { cookie => $other->{cookie}, origin => $ORIGIN })->{status},
	404, 'another user cannot revoke it');
is($s->post("/me/tokens/$web_tid/revoke", "csrf=$u->{csrf}", { cookie => $u->{cookie}, origin => $ORIGIN })->{status},
	303, 'its owner revokes it');
is(ingest('reviews', { items => [] }, $web_tok)->{status}, 401, 'and it stops at once');
$pg = $s->post('/me/tokens', "csrf=$u->{csrf}&name=" . ('x' x 101), { cookie => $u->{cookie}, origin => $ORIGIN });
is($pg->{status}, 400, 'a name over 100 characters is refused');
is($s->post('/me/tokens', "name=x", { cookie => $u->{cookie}, origin => $ORIGIN })->{status}, 403, 'making a token needs the CSRF token');

# ---------------------------------------------------------------- CORS
$r = $s->request('OPTIONS', '/api/ingest/reviews', { headers => { origin => 'chrome-extension://abcdef',
	'access-control-request-method' => 'POST', 'access-control-request-headers' => 'authorization,content-type' } });
is($r->{status}, 204, 'a CORS preflight is answered');
is($r->{headers}{'access-control-allow-origin'}, '*', '... for any origin');
like($r->{headers}{'access-control-allow-headers'} // '', qr/Authorization/, '... allowing the Authorization header');
$r = ingest('reviews', { items => [] });
is($r->{headers}{'access-control-allow-origin'}, '*', 'answers carry Access-Control-Allow-Origin');
$s->stop_service('web');
$r = ingest('reviews', { items => [] });
is($r->{status}, 502, 'revlens-web down: 502 from nginx');
is($r->{json}{error}{code}, 'bad_gateway', '... as a JSON error');
is($r->{headers}{'access-control-allow-origin'}, '*', '... with Access-Control-Allow-Origin');
$s->start_service('web');

# ---------------------------------------------------------------- import
my ($fh, $file) = tempfile(UNLINK => 1);
binmode $fh, ':encoding(UTF-8)';
print $fh $json->canonical->utf8(0)->encode({ kind => 'review', %{ rev(review_id => "imp-$_", product_id => 700020) } }), "\n" for 1 .. 5;
print $fh "{not json\n";
print $fh $json->encode({ kind => 'review', %{ rev(review_id => 'imp-bad', product_id => 700020, rating => 9) } }), "\n";
print $fh "\n";
print $fh $json->encode({ kind => 'gossip', product_id => 700020 }), "\n";
print $fh $json->encode({ kind => 'price', product_id => 700020, price => 4500, observed_at => '2024-06-01T12:00:00Z', name => '가져온 상품' }), "\n";
print $fh $json->encode({ kind => 'tag', product_id => 700020, question => '양', answer => '적당해요', percent => 64, observed_at => '2024-06-01' }), "\n";
close $fh;
$json->utf8(1);
my $imp = $s->cli('import', '--collector', 'test-import', $file);
is($imp->{exit}, 1, 'import with bad lines exits 1');
like($imp->{err}, qr/^line 6: bad_json:/m, 'line 6 is reported as bad JSON');
like($imp->{err}, qr/^line 7: bad_rating:/m, 'line 7 is reported with its reason');
like($imp->{err}, qr/^line 9: bad_kind:/m, 'line 9 is reported as an unknown kind');
unlike($imp->{err}, qr/^line 8:/m, 'the empty line is skipped');
like($imp->{out}, qr/^reviews: 5 stored \(5 new/m, 'the five good reviews are stored');
like($imp->{out}, qr/^prices: 1 stored/m, 'the price is stored');
like($imp->{out}, qr/^tags: 1 stored/m, 'the tag is stored');
like($imp->{out}, qr/^rejected: 3 lines$/m, 'three lines rejected');
is(scalar(grep { $_->{collector} eq 'test-import' } @{ reviews(700020) }), 5, 'the reviews carry the collector');
is(sql("SELECT name || '|' || price FROM products WHERE coupang_product_id = 700020"), '가져온 상품|4500', 'the imported price named the product');

open(my $in, '<:raw', $file) or die;
my $stdin = do { local $/; <$in> };
$imp = $s->cli({ stdin => $stdin }, 'import', '--collector', 'test-import', '-');
is($imp->{exit}, 1, 'import from standard input');
like($imp->{out}, qr/^reviews: 5 stored \(0 new, 0 updated, 5 unchanged\)/m, 'a second import stores nothing twice');
$imp = $s->cli({ stdin => $stdin }, 'import', '--dry-run', '-');
like($imp->{out}, qr/^reviews: 5 valid/m, 'import --dry-run checks without storing');
is($s->cli('import', '/nonexistent/file')->{exit}, 2, 'a missing file: exit 2');
is($s->cli('import')->{exit}, 2, 'no file: exit 2');
# a large import crosses batch boundaries
my $big = join('', map { $json->encode({ kind => 'review', %{ rev(review_id => "bulk-$_", product_id => 700030,
	written_at => 1714500000000 + $_) } }) . "\n" } 1 .. 2500);
$imp = $s->cli({ stdin => $big }, 'import', '-');
is($imp->{exit}, 0, 'a 2,500-line import exits 0');
is(scalar @{ reviews(700030) }, 2500, 'and stores 2,500 reviews');

# ---------------------------------------------------------------- crawl requests
my $c = $s->cli('crawl', '--request', $rid, '--deadline', 600, $pid);
is($c->{exit}, 0, 'revlens crawl queues a request') or diag($c->{err});
my @f = split /\n/, $s->redis_cli('XREVRANGE', 'revlens:crawl', '+', '-', 'COUNT', 1);
shift @f;
my %e = @f;
is($e{product_id}, $pid, 'the entry names the product');
is($e{coupang_product_id}, 700010, '... its Coupang id');
is($e{url}, 'https://www.coupang.com/vp/products/700010', '... its URL');
is($e{request_id}, $rid, '... the analysis request');
is($e{known_reviews}, 301, '... how many reviews are stored');
ok($e{newest_review_at} > 1714500000000, '... the newest stored review');
ok($e{deadline} > time + 500 && $e{deadline} <= time + 601, '... and the deadline');
is($s->cli('crawl', 999999)->{exit}, 1, 'crawl of an unknown product fails');

# ---------------------------------------------------------------- days pending for the aggregator
{
	my $cp = 700050;
	sub pending {
		my ($cp) = @_;
		return sql("SELECT coalesce(string_agg(r.day::text, ',' ORDER BY r.day), '') FROM rollup_pending r "
			. "JOIN products p ON p.id = r.product_id WHERE p.coupang_product_id = $cp");
	}
	sub queued { sql("SELECT r.queued_at FROM rollup_pending r JOIN products p ON p.id = r.product_id "
		. "WHERE p.coupang_product_id = $_[0] AND r.day = '$_[1]'") }
	my $r = ingest('reviews', { collector => 't', items => [
		rev(product_id => $cp, review_id => 'd1', written_at => '2026-03-01T23:30:00+09:00'),
		rev(product_id => $cp, review_id => 'd2', written_at => '2026-03-02T00:30:00+09:00'),
		rev(product_id => $cp, review_id => 'd3', written_at => '2026-03-02T08:00:00+09:00') ] });
	is($r->{json}{new}, 3, 'three reviews on two Seoul days');
	is(pending($cp), '2026-03-01,2026-03-02', '... mark those two days pending (Asia/Seoul calendar days)');
	my $q0 = queued($cp, '2026-03-02');
	sql("DELETE FROM rollup_pending");
	ingest('reviews', { collector => 't', items => [
		rev(product_id => $cp, review_id => 'd1', written_at => '2026-03-01T23:30:00+09:00') ] });
	is(pending($cp), '', 'the same review again marks nothing');
	$r = ingest('reviews', { collector => 't', items => [
		rev(product_id => $cp, review_id => 'd1', written_at => '2026-03-05T09:00:00+09:00') ] });
	is($r->{json}{updated}, 1, 'a review whose date changed');
	is(pending($cp), '2026-03-01,2026-03-05', '... marks its old day and its new one');
	$r = ingest('reviews', { collector => 't', items => [
		rev(product_id => $cp, review_id => 'd2', content => '고쳤어요', written_at => '2026-03-02T00:30:00+09:00') ] });
	is(pending($cp), '2026-03-01,2026-03-02,2026-03-05', 'an edited text marks its day');
	my $q1 = queued($cp, '2026-03-01');
	ingest('reviews', { collector => 't', items => [
		rev(product_id => $cp, review_id => 'd4', written_at => '2026-03-01T12:00:00+09:00') ] });
	ok(queued($cp, '2026-03-01') gt $q1, 'new data for a pending day moves its queued_at (a run in progress leaves it pending)');

	sql("DELETE FROM rollup_pending");
	$r = ingest('prices', { collector => 't', items => [
		{ product_id => $cp, price => 10000, observed_at => '2026-03-07T23:59:00+09:00' },
		{ product_id => $cp, price => 10000, observed_at => '2026-03-08T00:01:00+09:00' } ] });
	is($r->{json}{new}, 2, 'two prices');
	is(pending($cp), '2026-03-07,2026-03-08', '... mark their days');
	sql("DELETE FROM rollup_pending");
	ingest('prices', { collector => 't', items => [
		{ product_id => $cp, price => 10000, observed_at => '2026-03-07T23:59:00+09:00' } ] });
	is(pending($cp), '', 'the same price again marks nothing');
	ingest('prices', { collector => 't', items => [
		{ product_id => $cp, price => 9000, observed_at => '2026-03-07T23:59:00+09:00' } ] });
	is(pending($cp), '2026-03-07', 'a corrected price marks its day');

	sql("DELETE FROM rollup_pending");
	$r = ingest('keyword-tags', { collector => 't', items => [
		{ product_id => $cp, question => '맛', answer => '좋아요', percent => 50, observed_at => '2026-03-09T10:00:00+09:00' } ] });
	is(pending($cp), '2026-03-09', 'a survey snapshot marks its day');
	sql("DELETE FROM rollup_pending");
	ingest('keyword-tags', { collector => 't', items => [
		{ product_id => $cp, question => '맛', answer => '좋아요', percent => 50, observed_at => '2026-03-09T09:00:00+09:00' } ] });
	is(pending($cp), '', 'an older observation of the same day marks nothing');

	# another zone: revlens import with aggregator.timezone = UTC
	sql("DELETE FROM rollup_pending");
	my $utc = $s->rundir . '/utc.conf';
	RevlensTest::write_file($utc, RevlensTest::read_file($s->conf) . "\naggregator.timezone = UTC\n");
	my $line = $json->encode({ kind => 'review', product_id => $cp, review_id => 'u1', rating => 4,
		content => '좋네요', written_at => '2026-03-02T01:00:00+09:00' }) . "\n";
	my $imp = RevlensTest::run_cmd([RevlensTest::builddir() . '/revlens', '-c', $utc, 'import', '-'], stdin => $line);
	is($imp->{exit}, 0, 'an import with aggregator.timezone = UTC') or diag($imp->{err});
	is(pending($cp), '2026-03-01', '... marks the UTC day of 2026-03-02T01:00+09:00');
}

# PostgreSQL restarted under the web workers: no request fails on a stale connection
is_deeply([ map { ingest('reviews', { items => [] })->{status} } 1 .. 12 ], [ (200) x 12 ],
	'every web worker holds a PostgreSQL connection');
$s->stop_service('postgres');
$s->start_service('postgres');
my @st = map { ingest('reviews', { items => [] })->{status} } 1 .. 12;
is_deeply(\@st, [ (200) x 12 ], 'after a PostgreSQL restart every worker reconnects before its next statement');

is_deeply([ $s->log_alarms ], [], 'no alarms in the logs');
done_testing();
