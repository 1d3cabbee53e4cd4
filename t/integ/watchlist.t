# The watch list through nginx: add from the product page or the API, target prices
# (field errors for anything but a positive whole number of won), the "target reached"
# mark, changing and removing entries, one entry per user and product, isolation (404).
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
our $ORIGIN = 'http://127.0.0.1:' . $s->port;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
sub enc { my ($v) = @_; $v = encode('UTF-8', $v); $v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge; $v }

my %U = map { $_ => $s->add_user($_) } qw(alice bob);
sub api {
	my ($who, $method, $path, $body) = @_;
	my %h = (authorization => "Bearer $U{$who}{token}");
	$h{'content-type'} = 'application/json' if defined $body;
	my $r = $s->request($method, $path, { headers => \%h,
		defined $body ? (content => ref $body ? $json->encode($body) : $body) : () });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub page { my ($who, $path) = @_; my $r = $s->get($path, { cookie => $U{$who}{cookie} }); $r->{text} = decode('UTF-8', $r->{content} // ''); $r }
sub form {
	my ($who, $path, %f) = @_;
	my $body = join '&', "csrf=$U{$who}{csrf}", map { enc($_) . '=' . enc($f{$_}) } sort keys %f;
	my $r = $s->post($path, $body, { cookie => $U{$who}{cookie}, origin => $ORIGIN });
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}

my $p1 = api('alice', 'POST', '/api/products', { url => '8001' })->{json}{id};
my $p2 = api('alice', 'POST', '/api/products', { url => '8002' })->{json}{id};
sql("UPDATE products SET name = '매일두유 190ml 24팩', price = 15900 WHERE id = $p1");

# ------------------------------------------------------------------ the page
{
	my $r = page('alice', '/watchlist');
	is($r->{status}, 200, '/watchlist');
	like($r->{text}, qr/관심 상품이 없습니다/, '... empty at first');
	like(page('alice', "/products/$p1")->{text}, qr/action="\/watchlist"/, 'the product page offers 관심 상품에 추가');
	$r = form('alice', '/watchlist', product_id => $p1, target_price => '16,000원');
	is($r->{status}, 303, 'add with a target "16,000원"');
	is(sql("SELECT target_price FROM watch_list WHERE product_id = $p1"), 16000, '... stored as 16000 won');
	$r = page('alice', '/watchlist?saved=1');
	like($r->{text}, qr/매일두유 190ml 24팩/, 'listed with its name');
	like($r->{text}, qr/15,900원/, '... its current price');
	like($r->{text}, qr/value="16000"/, '... its target');
	like($r->{text}, qr/목표가 도달/, '... and the mark: 15,900 is at or below 16,000');
	$r = form('alice', '/watchlist', product_id => $p2, target_price => '');
	is($r->{status}, 303, 'add without a target');
	ok(sql("SELECT target_price IS NULL FROM watch_list WHERE product_id = $p2") eq 't', '... none stored');
	like(page('alice', '/watchlist')->{text}, qr/아직 수집되지 않음/, 'a price not collected yet says so');
	$r = form('alice', '/watchlist', product_id => $p1, target_price => '15000');
	is(sql("SELECT count(*) || ' ' || max(target_price) FROM watch_list WHERE product_id = $p1"), '1 15000',
		'adding again sets the target: one entry per product');
	unlike(page('alice', '/watchlist')->{text}, qr/목표가 도달/, 'above the target: no mark');
	my $wid = sql("SELECT id FROM watch_list WHERE product_id = $p1");
	for my $bad ('0', '-5', '12.5', 'abc', '99999999999', '1 2') {
		$r = form('alice', "/watchlist/$wid", target_price => $bad);
		is($r->{status}, 422, "target \"$bad\": 422");
		like($r->{text}, qr/목표가는 1원 이상 10억 원 이하의 정수로/, '... a Korean message beside it');
	}
	like($r->{text}, qr/value="1 2" aria-invalid="true"/, 'the typed value is kept');
	is(sql("SELECT target_price FROM watch_list WHERE id = $wid"), 15000, 'nothing changed');
	is(form('alice', '/watchlist', product_id => $p1, target_price => 'x')->{status}, 422, 'adding with a bad target: 422');
	$r = form('alice', "/watchlist/$wid", target_price => '20000');
	is($r->{status}, 303, 'change the target');
	is(sql("SELECT target_price FROM watch_list WHERE id = $wid"), 20000, '... stored');
	is(form('alice', '/watchlist', product_id => 999999, target_price => '')->{status}, 404, 'an unknown product: 404');
	is(form('alice', '/watchlist', product_id => 'abc')->{status}, 404, 'a product id that is no number: 404');
	is($s->post('/watchlist', "product_id=$p1", { cookie => $U{alice}{cookie}, origin => $ORIGIN })->{status},
		403, 'no CSRF token: 403');
}

# ------------------------------------------------------------------ the API
{
	my $r = api('bob', 'POST', '/api/watchlist', { product_id => $p1, target_price => 20000 });
	is($r->{status}, 201, 'POST /api/watchlist: 201');
	is($r->{json}{product_id}, $p1, '... "product_id"');
	is($r->{json}{target_price}, 20000, '... "target_price"');
	is($r->{json}{price}, 15900, '... the current price');
	ok($r->{json}{target_reached}, '... target_reached');
	my $bid = $r->{json}{id};
	$r = api('bob', 'POST', '/api/watchlist', { product_id => $p1, target_price => 10000 });
	is($r->{status}, 200, 'again: 200, the target updated');
	is($r->{json}{id}, $bid, '... the same entry');
	ok(!$r->{json}{target_reached}, '... no longer reached');
	$r = api('bob', 'POST', '/api/watchlist', { product_id => $p2 });
	is($r->{status}, 201, 'without a target');
	ok(!defined $r->{json}{target_price}, '... target_price null');
	is(api('bob', 'POST', '/api/watchlist', { product_id => $p2, target_price => 0 })->{status}, 422, 'target 0: 422');
	is(api('bob', 'POST', '/api/watchlist', { product_id => $p2, target_price => -3 })->{status}, 422, 'negative: 422');
	is(api('bob', 'POST', '/api/watchlist', { product_id => $p2, target_price => '12900' })->{status}, 422, 'a string: 422');
	is(api('bob', 'POST', '/api/watchlist', { product_id => $p2, target_price => 1.5 })->{status}, 422, 'a fraction: 422');
	is(api('bob', 'POST', '/api/watchlist', { product_id => 'x' })->{status}, 400, 'product_id not a number: 400');
	is(api('bob', 'POST', '/api/watchlist', { product_id => 999999 })->{status}, 404, 'unknown product: 404');
	$r = api('bob', 'GET', '/api/watchlist');
	is(scalar @{ $r->{json}{items} }, 2, "GET /api/watchlist: bob's two entries");
	# isolation
	my $aid = sql("SELECT w.id FROM watch_list w JOIN users u ON u.id = w.user_id WHERE u.email = 'alice\@example.com' LIMIT 1");
	is(api('bob', 'GET', "/api/watchlist/$aid")->{status}, 404, "bob reading alice's entry: 404");
	is(api('bob', 'DELETE', "/api/watchlist/$aid")->{status}, 404, "bob deleting it: 404");
	is(form('bob', "/watchlist/$aid", target_price => '1')->{status}, 404, '... changing it through the form: 404');
	is(form('bob', "/watchlist/$aid/delete")->{status}, 404, '... removing it through the form: 404');
	is(sql("SELECT count(*) FROM watch_list w JOIN users u ON u.id = w.user_id WHERE u.email = 'alice\@example.com'"),
		2, "alice's entries are untouched");
	unlike(page('bob', '/watchlist')->{text}, qr/value="20000"/, "alice's targets are not on bob's page");
	is(api('bob', 'DELETE', "/api/watchlist/$bid")->{status}, 204, 'DELETE /api/watchlist/{id}: 204');
	is(api('bob', 'GET', "/api/watchlist/$bid")->{status}, 404, '... gone');
	my $wid = sql("SELECT w.id FROM watch_list w JOIN users u ON u.id = w.user_id WHERE u.email = 'alice\@example.com' AND w.product_id = $p2");
	$r = form('alice', "/watchlist/$wid/delete");
	is($r->{status}, 303, 'remove through the form');
	like(page('alice', '/watchlist?removed=1')->{text}, qr/관심 상품에서 뺐습니다/, '... says so');
	for my $bad ('0', '-1', 'abc', '99999999999999999999') {
		is(api('alice', 'GET', "/api/watchlist/$bad")->{status}, 404, "GET /api/watchlist/$bad: 404");
	}
	is($s->get('/api/watchlist')->{status}, 401, 'the API needs a token');
	is($s->get('/watchlist')->{status}, 303, 'a visitor is sent to log in');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
