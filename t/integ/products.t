# Products through nginx: registration by URL (every accepted and refused form, one row
# per Coupang product also under concurrency), the product page, search (Korean and
# Latin, partial words, pagination), search history and its isolation between users,
# the JSON API, bad ids and over-long input.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use POSIX ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
our $ORIGIN = 'http://127.0.0.1:' . $s->port;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
# what product_invalidate() does, for changes made behind the app's back
sub invalidate { $s->redis_cli('INCR', 'c:gen') }
sub enc {
	my ($v) = @_;
	$v = encode('UTF-8', $v);
	$v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge;
	return $v;
}

# users, with a browser session (cookie + CSRF token) and an API token each
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
sub page {
	my ($who, $path) = @_;
	my $r = $s->get($path, $who ? { cookie => $U{$who}{cookie} } : {});
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}
sub form {
	my ($who, $path, %f) = @_;
	my $body = join '&', map { enc($_) . '=' . enc($f{$_}) } sort keys %f;
	$body = "csrf=$U{$who}{csrf}&$body";
	my $r = $s->post($path, $body, { cookie => $U{$who}{cookie}, origin => $ORIGIN });
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}

# ------------------------------------------------------------------ URL forms
my @accepted = (
	['https://www.coupang.com/vp/products/7335597976', 7335597976, undef, undef],
	['https://www.coupang.com/vp/products/7335597975?itemId=18693648420&vendorItemId=85834568412',
		7335597975, 18693648420, 85834568412],
	['https://www.coupang.com/vp/products/7335597977?vendorItemId=85834568413&itemId=18693648421&q=%EB%91%90%EC%9C%A0&itemsCount=36&searchId=abc&rank=1&isAddedCart=',
		7335597977, 18693648421, 85834568413],
	['http://www.coupang.com/vp/products/1000001', 1000001, undef, undef],
	['https://coupang.com/vp/products/1000002', 1000002, undef, undef],
	['www.coupang.com/vp/products/1000003', 1000003, undef, undef],
	['https://m.coupang.com/vm/products/1000004', 1000004, undef, undef],
	['https://m.coupang.com/vm/products/1000005?itemId=77&vendorItemId=88', 1000005, 77, 88],
	['1000006', 1000006, undef, undef],
	['  https://www.coupang.com/vp/products/1000007/#sdpReview  ', 1000007, undef, undef],
	['HTTPS://WWW.COUPANG.COM/vp/products/1000008', 1000008, undef, undef],
);
for my $a (@accepted) {
	my ($url, $pid, $iid, $vid) = @$a;
	my $r = api('alice', 'POST', '/api/products', { url => $url });
	is($r->{status}, 201, "accepted: $url") or diag($r->{content});
	is($r->{json}{coupang_product_id}, $pid, "... product id $pid");
	is($r->{json}{coupang_item_id}, $iid, '... item id') if defined $iid;
	is($r->{json}{coupang_vendor_item_id}, $vid, '... vendor item id') if defined $vid;
	is($r->{json}{url}, "https://www.coupang.com/vp/products/$pid", '... canonical URL');
	ok(!defined $r->{json}{name} && !defined $r->{json}{price}, '... name and price unknown yet');
}
my $before = sql('SELECT count(*) FROM products');
my @refused = (
	['https://evil.example/vp/products/1', qr/쿠팡 상품 주소가 아닙니다/],
	['https://www.coupang.com.evil.example/vp/products/1', qr/쿠팡 상품 주소가 아닙니다/],
	['https://link.coupang.com/a/bQx1yz', qr/link\.coupang\.com/],
	['https://www.coupang.com/np/search?q=%EB%91%90%EC%9C%A0', qr/상품/],
	['https://www.coupang.com/vp/products/', qr/상품/],
	['https://www.coupang.com/vp/products/abc', qr/상품 번호/],
	['https://www.coupang.com/vp/products/0', qr/상품 번호/],
	['https://www.coupang.com/vp/products/01234', qr/상품 번호/],
	['https://www.coupang.com/vp/products/1234567890123456', qr/상품 번호/],
	['https://www.coupang.com/vp/products/99999999999999999999', qr/상품 번호/],
	['https://www.coupang.com/vp/products/123?itemId=x1', qr/번호/],
	['javascript:alert(1)', qr/주소/],
	['ftp://www.coupang.com/vp/products/1', qr/주소/],
	['', qr/주소|입력/],
	['https://www.coupang.com/vp/products/1' . ('?a=b' x 600), qr/깁니다/],
);
for my $x (@refused) {
	my ($url, $msg) = @$x;
	my $r = api('alice', 'POST', '/api/products', { url => $url });
	is($r->{status}, 422, 'refused: ' . substr($url, 0, 70));
	is($r->{json}{error}{code}, 'invalid_url', '... invalid_url');
	like(decode('UTF-8', encode('UTF-8', $r->{json}{error}{message} // '')), $msg, '... a Korean message naming the problem');
}
is(sql('SELECT count(*) FROM products'), $before, 'none of them created a product');
is(api('alice', 'POST', '/api/products', '{"url": 5}')->{status}, 400, 'url not a string: 400');
is(api('alice', 'POST', '/api/products', '{"url":')->{status}, 400, 'malformed JSON: 400');

# ------------------------------------------------------------------ one row per product
{
	my $first = sql('SELECT id FROM products WHERE coupang_product_id = 7335597975');
	my $r = api('bob', 'POST', '/api/products', { url => 'https://m.coupang.com/vm/products/7335597975?itemId=1' });
	is($r->{status}, 200, 'the same product in another form, by another user: 200, not a new row');
	is($r->{json}{id}, $first, '... the same id');
	is($r->{json}{coupang_item_id}, 18693648420, '... item ids already known are kept');
	$r = api('bob', 'POST', '/api/products', { url => 'https://www.coupang.com/vp/products/7335597976?itemId=42' });
	is($r->{json}{coupang_item_id}, 42, '... and item ids still unknown are filled in');
	# concurrent registrations of one product in several forms
	my @forms = ('https://www.coupang.com/vp/products/5550001', 'http://coupang.com/vp/products/5550001?itemId=9',
		'm.coupang.com/vm/products/5550001', '5550001', 'https://www.coupang.com/vp/products/5550001?src=1');
	my @kids;
	for my $i (0 .. 11) {
		pipe(my $rd, my $wr) or die;
		my $pid = fork() // die;
		if (!$pid) {
			close $rd;
			my $http = HTTP::Tiny->new(timeout => 60);
			my $x = $http->request('POST', $s->url('/api/products'), { headers => {
				authorization => "Bearer $U{alice}{token}", 'content-type' => 'application/json' },
				content => $json->encode({ url => $forms[$i % @forms] }) });
			print {$wr} "$x->{status} " . (eval { $json->decode($x->{content})->{id} } // '-');
			close $wr;
			POSIX::_exit(0);
		}
		close $wr;
		push @kids, [$pid, $rd];
	}
	my (%status, %ids);
	for (@kids) {
		my ($pid, $rd) = @$_;
		my ($st, $id) = split / /, (<$rd> // 'none -');
		waitpid($pid, 0);
		$status{$st}++;
		$ids{$id}++;
	}
	is($status{201} // 0, 1, '12 concurrent registrations: exactly one made the row');
	is($status{200} // 0, 11, '... the others found it') or diag(explain \%status);
	is(scalar(keys %ids), 1, '... all answered with one id');
	is(sql('SELECT count(*) FROM products WHERE coupang_product_id = 5550001'), 1, 'one row');
}

# ------------------------------------------------------------------ the form and the page
{
	my $r = form('alice', '/products', url => 'https://www.coupang.com/vp/products/6660001?itemId=5');
	is($r->{status}, 303, 'register through the form: 303');
	my $id = sql('SELECT id FROM products WHERE coupang_product_id = 6660001');
	is($r->{headers}{location}, "/products/$id?new=1", '... to the new product page');
	$r = page('alice', "/products/$id?new=1");
	is($r->{status}, 200, 'the product page');
	like($r->{text}, qr/상품을 등록했습니다/, '... says it was registered');
	like($r->{text}, qr/쿠팡 상품 6660001 <small class="muted">이름 아직 수집되지 않음/, '... the name is not collected yet');
	like($r->{text}, qr/<dt>가격<\/dt><dd><span class="muted">아직 수집되지 않음/, '... nor the price');
	like($r->{text}, qr/href="https:\/\/www\.coupang\.com\/vp\/products\/6660001"/, '... links to Coupang');
	like($r->{text}, qr/아직 분석한 적이 없습니다/, '... and has no analysis yet');
	$r = form('alice', '/products', url => 'https://link.coupang.com/a/xyz');
	is($r->{status}, 422, 'a short link through the form: 422');
	like($r->{text}, qr/id="e-url">link\.coupang\.com/, '... the reason beside the field');
	like($r->{text}, qr/value="https:\/\/link\.coupang\.com\/a\/xyz"/, '... the input kept');
	$r = form('alice', '/products', url => '"><script>alert(1)</script>');
	unlike($r->{text}, qr/<script>alert/, 'markup in the URL field is escaped');
	$r = $s->post('/products', 'url=1234', { cookie => $U{alice}{cookie}, origin => $ORIGIN });
	is($r->{status}, 403, 'registering without a CSRF token: 403');
	$r = $s->post('/products', 'url=1234', { origin => $ORIGIN });
	is($r->{status}, 303, 'a visitor is sent to log in');
	like($r->{headers}{location} // '', qr{^/login}, '... at /login');
	is(sql('SELECT count(*) FROM products WHERE coupang_product_id = 1234'), 0, 'nothing registered');
	# names are escaped on the page
	sql("UPDATE products SET name = '<b>굵게</b> & \"따옴표\"', price = 12900 WHERE id = $id");
	$r = page(undef, "/products/$id");
	like($r->{text}, qr/이름 아직 수집되지 않음/, 'a change behind the app\'s back: the cached summary is served');
	ok($s->redis_cli('TTL', "c:p:$id") > 0, '... from the cache role, with a TTL');
	invalidate($id);
	$r = page(undef, "/products/$id");
	is($r->{status}, 200, 'a visitor may look at a product');
	like($r->{text}, qr/&lt;b&gt;굵게&lt;\/b&gt; &amp; &quot;따옴표&quot;/, 'the name is escaped');
	like($r->{text}, qr/12,900원/, 'the price in won, with thousands separators');
	for my $bad ('0', '-1', 'abc', '99999999999999999999', '1.5', '00' . $id) {
		is(page('alice', "/products/$bad")->{status}, 404, "/products/$bad: 404");
	}
	is(page('alice', '/products/999999')->{status}, 404, 'an unknown product: 404');
	is(api('alice', 'GET', '/api/products/999999')->{status}, 404, 'GET /api/products/{unknown}: 404');
	is(api('alice', 'GET', "/api/products/$id")->{json}{name}, '<b>굵게</b> & "따옴표"', 'GET /api/products/{id}');
	is($s->get("/api/products/$id")->{status}, 401, 'the API needs a token');
}

# ------------------------------------------------------------------ search
{
	my $before = api('alice', 'GET', '/api/products?q=' . enc('캐시확인'))->{json}{total};
	sql("INSERT INTO products (coupang_product_id, url, name) VALUES (8800001, "
		. "'https://www.coupang.com/vp/products/8800001', '캐시확인 상품')");
	is(api('alice', 'GET', '/api/products?q=' . enc('캐시확인'))->{json}{total}, $before,
		'a page of results is cached (a row added behind the app\'s back is not seen yet)');
	my $gen = $s->redis_cli('GET', 'c:gen');
	api('alice', 'POST', '/api/products', { url => '1000006' });
	is($s->redis_cli('GET', 'c:gen'), $gen, 'registering a known product again changes nothing: the cache stays');
	api('alice', 'POST', '/api/products', { url => '8800002' });
	is(api('alice', 'GET', '/api/products?q=' . enc('캐시확인'))->{json}{total}, $before + 1,
		'registering a new product invalidates cached searches');
	sql("DELETE FROM products WHERE coupang_product_id IN (8800001, 8800002)");
	invalidate(0);
}
{
	my @names = map { ("매일두유 오리지널 190ml ${_}팩", "Soy Milk Unsweetened $_ pack") } 1 .. 23;
	my $n = 8000000;
	for my $name (@names, '삼다수 2L 12병', '무선 이어폰 블루투스 5.3') {
		$n++;
		sql("INSERT INTO products (coupang_product_id, url, name) VALUES ($n, "
			. "'https://www.coupang.com/vp/products/$n', '$name')");
	}
	invalidate(0);
	my $r = api('alice', 'GET', '/api/products?q=' . enc('두유'));
	is($r->{status}, 200, 'search');
	is($r->{json}{total}, 23, 'a two-syllable Korean word finds its 23 products');
	is(scalar @{ $r->{json}{items} }, 20, 'first page of 20');
	$r = api('alice', 'GET', '/api/products?q=' . enc('두유') . '&page=2');
	is(scalar @{ $r->{json}{items} }, 3, 'second page of 3');
	$r = api('alice', 'GET', '/api/products?q=soy+MILK');
	is($r->{json}{total}, 23, 'Latin, any case, partial words');
	$r = api('alice', 'GET', '/api/products?q=' . enc('  두유 '));
	is($r->{json}{total}, 23, 'spaces around the query are ignored');
	api('alice', 'GET', '/api/products?q=' . enc('두유'));
	$r = api('alice', 'GET', '/api/products?q=' . enc('이어폰'));
	is($r->{json}{total}, 1, 'a word inside a name');
	is($r->{json}{items}[0]{name}, '무선 이어폰 블루투스 5.3', '... the right one');
	$r = api('alice', 'GET', '/api/products?q=' . enc('100%'));
	is($r->{json}{total}, 0, 'LIKE wildcards are searched for literally');
	$r = api('alice', 'GET', '/api/products?q=_');
	is($r->{json}{total}, 0, '... the underscore too');
	$r = api('alice', 'GET', '/api/products?q=' . enc('가' x 101));
	is($r->{status}, 422, 'a query over 100 characters: 422');
	is(api('alice', 'GET', '/api/products?page=0')->{status}, 400, 'page 0: 400');
	is(api('alice', 'GET', '/api/products?page=x')->{status}, 400, 'page x: 400');
	$r = page('bob', '/products?q=' . enc('두유'));
	is($r->{status}, 200, 'the search page');
	like($r->{text}, qr/‘두유’ 검색 결과 23개/, '... counts the results');
	like($r->{text}, qr/href="\/products\?q=%EB%91%90%EC%9C%A0&amp;page=2"/, '... links the next page');
	$r = page('bob', '/products?q=' . enc('두유') . '&page=2');
	like($r->{text}, qr/2 \/ 2쪽/, 'page 2 of 2');
	is(page('bob', '/products?page=9999')->{status}, 404, 'a page beyond the limit: 404');
	$r = api('alice', 'GET', '/api/products?q=' . enc('두유') . '&page=5');
	is(scalar @{ $r->{json}{items} }, 0, 'a page past the last one is empty');
	is($r->{json}{total}, 23, '... and still says how many there are');
	$r = page('bob', '/products?q=' . enc('가' x 101));
	is($r->{status}, 422, 'an over-long query on the page: 422');
	like($r->{text}, qr/검색어는 100자 이내로/, '... with a Korean message');
	$r = page(undef, '/products?q=' . enc('<script>'));
	like($r->{text}, qr/‘&lt;script&gt;’ 검색 결과 0개/, 'the query is escaped on the page');
	like($r->{text}, qr/로그인<\/a>하면/, 'a visitor is invited to log in to register');
}

# ------------------------------------------------------------------ history and its isolation
{
	my $r = api('alice', 'GET', '/api/history');
	my @q = map { $_->{query} } @{ $r->{json}{items} };
	ok((grep { $_ eq '두유' } @q) && (grep { $_ eq 'soy MILK' } @q), "alice's searches are in her history");
	is($r->{json}{items}[0]{result_count} // -1, 0, 'with their result counts (newest first)');
	ok(!(grep { $_ eq '<script>' } @q), "a visitor's search is nobody's history");
	is(scalar(grep { $_ eq '두유' } @q), 1, 'a query searched three times is one entry');
	my @bq = map { $_->{query} } @{ api('bob', 'GET', '/api/history')->{json}{items} };
	is_deeply(\@bq, ['두유'], "bob's history holds only bob's search");
	my $aid = $r->{json}{items}[0]{id};
	is(api('bob', 'DELETE', "/api/history/$aid")->{status}, 404, "bob cannot delete alice's entry: 404");
	my $bp = page('bob', '/history');
	unlike($bp->{text}, qr/soy MILK/, "alice's searches are not on bob's page");
	$r = form('bob', "/history/$aid/delete");
	is($r->{status}, 404, "... nor through the form: 404");
	is(sql("SELECT count(*) FROM search_history WHERE id = $aid"), 1, "alice's entry is still there");
	$r = page('alice', '/history');
	is($r->{status}, 200, 'the history page');
	like($r->{text}, qr/href="\/products\?q=%EB%91%90%EC%9C%A0">두유<\/a>/, 'links each search again');
	$r = form('alice', "/history/$aid/delete");
	is($r->{status}, 303, 'delete one entry');
	is(sql("SELECT count(*) FROM search_history WHERE id = $aid"), 0, '... gone');
	is(api('alice', 'DELETE', "/api/history/$aid")->{status}, 404, 'deleting it again: 404');
	my $id2 = api('alice', 'GET', '/api/history')->{json}{items}[0]{id};
	is(api('alice', 'DELETE', "/api/history/$id2")->{status}, 204, 'DELETE /api/history/{id}: 204');
	$r = api('alice', 'DELETE', '/api/history');
	is($r->{status}, 200, 'DELETE /api/history clears it');
	ok($r->{json}{deleted} >= 1, '... says how many');
	is(scalar @{ api('alice', 'GET', '/api/history')->{json}{items} }, 0, "alice's history is empty");
	is(scalar @{ api('bob', 'GET', '/api/history')->{json}{items} }, 1, "bob's is untouched");
	$r = form('bob', '/history/clear');
	is($r->{status}, 303, 'clear through the form');
	like(page('bob', '/history?deleted=1')->{text}, qr/아직 검색한 기록이 없습니다/, 'the page says it is empty');
	is(page(undef, '/history')->{status}, 303, 'a visitor has no history page');
	is($s->get('/api/history')->{status}, 401, 'and no history API');
}

# ------------------------------------------------------------------ a cache outage costs database reads only
{
	my $id = sql('SELECT min(id) FROM products');
	open(my $fh, '>>', $s->conf) or die;
	print {$fh} "redis.cache = 127.0.0.1:1\n";       # nothing listens there
	close $fh;
	kill 'HUP', $s->web_pid;
	my $ok = 0;
	for (1 .. 100) {
		select(undef, undef, undef, 0.1);
		last if ($ok = ($s->get('/healthz')->{status} == 503));
	}
	ok($ok, 'revlens-web reloaded with an unreachable cache (healthz says so)');
	my $r = api('alice', 'GET', "/api/products/$id");
	is($r->{status}, 200, 'the product summary still answers');
	is($r->{json}{id}, $id, '... from the database');
	$r = api('alice', 'GET', '/api/products?q=' . enc('두유'));
	is($r->{json}{total}, 23, 'search still answers');
	is(page('alice', "/products/$id")->{status}, 200, 'and so do the pages');
	is(page('alice', '/products?q=' . enc('두유'))->{status}, 200, '... the search page too');
	is(api('alice', 'POST', '/api/products', { url => '8800003' })->{status}, 201, 'registering still works');
	like(RevlensTest::_slurp($s->rundir . '/logs/web.log'), qr/cache read: .*reading the database instead/,
		'the outage is logged');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
