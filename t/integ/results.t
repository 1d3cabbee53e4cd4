# Analysis results on the pages and through the API (issue 12, part 4): rows of
# analysis_results in docs/worker.md's summary shape, written here as the worker would,
# shown on /requests/{id} and the product page (the sample statement, the shares as an
# accessible SVG bar, keywords, aspects with examples, survey tags, representative
# reviews, dates in the viewer's time zone, everything escaped) and answered by
# GET /api/products/{id}/summary under its fixed names; the latest done result wins.
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
sub enc {
	my ($v) = @_;
	$v = encode('UTF-8', $v);
	$v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge;
	return $v;
}

my %U = map { $_ => $s->add_user($_) } qw(alice bob carol);

sub api {
	my ($who, $method, $path) = @_;
	my %h = defined $who ? (authorization => "Bearer $U{$who}{token}") : ();
	my $r = $s->request($method, $path, { headers => \%h });
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
	my $body = join '&', "csrf=$U{$who}{csrf}", map { enc($_) . '=' . enc($f{$_}) } sort keys %f;
	return $s->post($path, $body, { cookie => $U{$who}{cookie}, origin => $ORIGIN });
}
sub uid { my ($who) = @_; sql("SELECT id FROM users WHERE email = '$who\@example.com'") }

# A finished request of product $p for @users (no job: nothing else touches it).
sub done_request {
	my ($p, $status, @users) = @_;
	my $id = sql("INSERT INTO analysis_requests (user_id, product_id, status, progress, finished_at) "
		. "VALUES (" . uid($users[0]) . ", $p, '$status', " . ($status eq 'done' ? 100 : 50) . ", "
		. ($status eq 'done' ? 'now()' : 'NULL') . ") RETURNING id");
	sql("INSERT INTO analysis_request_users (request_id, user_id) VALUES ($id, " . uid($_) . ")") for @users;
	return $id;
}
# What the worker's summary step writes (docs/worker.md, "The summary").
sub insert_result {
	my ($rid, $p, %o) = @_;
	my $j = $json->encode($o{summary});
	$j = decode('UTF-8', $j);
	die 'dollar quote in summary' if $j =~ /\$j\$/;
	sql("INSERT INTO analysis_results (request_id, product_id, review_count, positive_count, negative_count, "
		. "neutral_count, positive_ratio, avg_rating, date_from, date_to, summary, model_version, created_at) VALUES "
		. "($rid, $p, $o{n}, $o{pos}, $o{neg}, $o{neu}, " . ($o{n} ? sprintf('%.4f', $o{pos} / $o{n}) : 'NULL')
		. ", $o{avg}, '$o{from}', '$o{to}', \$j\$$j\$j\$::jsonb, 'kr-sentiment-2026.11 sha256:0f3a', "
		. "now() - interval '$o{age}')");
}

my $SCRIPT = '<script>alert("x")</script> 포장이 & 엉망';
my %S1 = (
	shares => { positive => 0.7099, negative => 0.1799, neutral => 0.1102 },
	rating_avg => 4.21,
	first_review_at => '2024-01-02T15:10:00Z',
	last_review_at => '2024-06-30T09:30:00Z',
	keywords => [
		{ keyword => '배송', aspect => '배송', count => 420, positive => 350, negative => 52, neutral => 18 },
		{ keyword => '고소하다', aspect => '맛', count => 310, positive => 290, negative => 8, neutral => 12 },
		{ keyword => '가성비', aspect => '가격', count => 1205, positive => 1100, negative => 60, neutral => 45 },
		{ keyword => '유통기한', aspect => undef, count => 88, positive => 20, negative => 61, neutral => 7 },
	],
	aspects => [
		{ aspect => '배송', reviews => 300, share => 0.25, positive => 246, negative => 40, neutral => 14,
		  positive_share => 0.82,
		  examples => { positive => { review_id => 'r1', text => '로켓배송이라 다음 날 아침에 바로 왔어요.' },
		                negative => { review_id => 'r2', text => '상자가 찌그러진 채로 도착했습니다.' } } },
		{ aspect => '맛', reviews => 250, share => 0.21, positive => 200, negative => 30, neutral => 20,
		  positive_share => 0.80,
		  examples => { positive => { review_id => 'r3', text => '달지 않고 고소해서 아이도 잘 마셔요.' } } },
		{ aspect => '포장', reviews => 90, share => 0.08, positive => 30, negative => 55, neutral => 5,
		  positive_share => 0.3333,
		  examples => { negative => { review_id => 'r4', text => $SCRIPT } } },
	],
	survey_tags => [
		{ question => '맛 만족도', observed_on => '2024-06-30',
		  answers => [ { answer => '아주 맛있어요', percent => 72.0 }, { answer => '적당해요', percent => 22.0 },
		               { answer => '별로예요', percent => 6.0 } ] },
		{ question => '당도', observed_on => '2024-06-30',
		  answers => [ { answer => '달지 않아요', percent => 64.0 }, { answer => '적당해요', percent => 36.0 } ] },
	],
	representative => {
		positive => [
			{ review_id => 'p1', rating => 5, text => '매일 아침 한 팩씩 마시는데 질리지 않아요. 재구매 의사 있습니다.',
			  written_at => '2024-05-10T16:30:00Z' },
			{ review_id => 'p2', rating => 4, text => '가격 대비 양이 많고 맛도 괜찮습니다.',
			  written_at => '2024-03-01T02:00:00Z' },
		],
		negative => [
			{ review_id => 'n1', rating => 1, text => $SCRIPT, written_at => '2024-06-01T03:00:00Z' },
		],
	},
);

my $p = do {
	my $r = $s->request('POST', '/api/products', { headers => { authorization => "Bearer $U{alice}{token}",
		'content-type' => 'application/json' }, content => '{"url":"https://www.coupang.com/vp/products/8100001"}' });
	eval { $json->decode($r->{content})->{id} };
};
ok($p, "a product ($p)");
sql("UPDATE products SET name = '고소한 검은콩 두유 190ml 24팩' WHERE id = $p");
$s->redis_cli('INCR', 'c:gen');

# ------------------------------------------------------------------ before any result
{
	my $r = api('alice', 'GET', "/api/products/$p/summary");
	is($r->{status}, 404, 'no result yet: 404');
	is($r->{json}{error}{code}, 'no_result', '... no_result');
	like($r->{json}{error}{message} // '', qr/아직 분석 결과가 없습니다.*요청/, '... a Korean message saying what to do');
	is(api(undef, 'GET', "/api/products/$p/summary")->{status}, 401, 'without a token: 401');
	is(api('alice', 'GET', '/api/products/999999/summary')->{status}, 404, 'an unknown product: 404');
	my $pg = page('alice', "/products/$p");
	is($pg->{status}, 200, 'the product page');
	unlike($pg->{text}, qr/리뷰 [\d,]+개 기준/, '... shows no result');
	# a done request whose result is not there (yet)
	my $rid = done_request($p, 'done', 'alice');
	$pg = page('alice', "/requests/$rid");
	is($pg->{status}, 200, 'a done request without a result row: 200');
	like($pg->{text}, qr/결과가 아직 저장되지 않았습니다/, '... says the result is not stored yet');
	is(api('alice', 'GET', "/api/products/$p/summary")->{status}, 404, '... and the API still has none');
	my $q = api('alice', 'GET', "/api/requests/$rid")->{json};
	ok(exists $q->{result} && !defined $q->{result}, '... GET /api/requests/{id} says "result": null');
}

# ------------------------------------------------------------------ one result
my $r1 = done_request($p, 'done', 'alice', 'bob');
insert_result($r1, $p, n => 1234, pos => 876, neg => 222, neu => 136, avg => 4.21,
	from => '2024-01-03', to => '2024-06-30', age => '2 hours', summary => \%S1);
{
	my $r = api('alice', 'GET', "/api/products/$p/summary");
	is($r->{status}, 200, 'the summary API: 200');
	my $j = $r->{json};
	is($j->{request_id}, $r1, '... of the done request');
	is($j->{product_id}, $p, '... product_id');
	is($j->{review_count}, 1234, '... review_count');
	is($j->{positive_count}, 876, '... positive_count');
	is($j->{negative_count}, 222, '... negative_count');
	is($j->{neutral_count}, 136, '... neutral_count');
	ok(abs($j->{positive_share} - 876 / 1234) < 0.0001, "... positive_share $j->{positive_share}");
	ok(abs($j->{negative_share} - 222 / 1234) < 0.0001, "... negative_share $j->{negative_share}");
	ok(abs($j->{neutral_share} - 136 / 1234) < 0.0001, "... neutral_share $j->{neutral_share}");
	ok(abs($j->{positive_share} + $j->{negative_share} + $j->{neutral_share} - 1) < 0.001,
		'... the shares add up to 1');
	ok($j->{$_} >= 0 && $j->{$_} <= 1, "... $_ within 0–1") for qw(positive_share negative_share neutral_share);
	is($j->{rating_avg}, 4.21, '... rating_avg');
	is($j->{first_review_at}, '2024-01-02T15:10:00Z', '... first_review_at');
	is($j->{last_review_at}, '2024-06-30T09:30:00Z', '... last_review_at');
	is($j->{date_from}, '2024-01-03', '... date_from');
	is($j->{date_to}, '2024-06-30', '... date_to');
	is_deeply($j->{keywords}, $S1{keywords}, '... keywords as the worker wrote them');
	is_deeply($j->{aspects}, $S1{aspects}, '... aspects');
	is_deeply($j->{survey_tags}, $S1{survey_tags}, '... survey_tags');
	is_deeply($j->{representative}, $S1{representative}, '... representative');
	like($j->{created_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, '... created_at in UTC');
	like($j->{model_version} // '', qr/^kr-sentiment/, '... model_version');
	like($r->{headers}{'content-type'}, qr{application/json}, '... as JSON');
	is(api('carol', 'GET', "/api/products/$p/summary")->{status}, 200,
		'any user may read a product summary (products are public)');
	my $q = api('bob', 'GET', "/api/requests/$r1")->{json};
	is($q->{status}, 'done', 'GET /api/requests/{id} of the done request');
	is($q->{result}{review_count}, 1234, '... carries its result');
	is_deeply($q->{result}{aspects}, $S1{aspects}, '... the same as the summary API');
	is(api('carol', 'GET', "/api/requests/$r1")->{status}, 404, '... only for the users on the request');
}

# What a page showing result 1 must contain.
sub shows_result1 {
	my ($text, $what) = @_;
	like($text, qr{리뷰 1,234개 기준, <span class="nowrap">2024-01-03 ~ 2024-06-30</span>}, "$what: the sample statement");
	like($text, qr{<svg class="sharebar"[^>]*role="img"[^>]*aria-label="리뷰 감성 비율: 긍정 71%, 중립 11%, 부정 18%"},
		"$what: the shares as an SVG image with its label");
	like($text, qr{<title>리뷰 감성 비율: 긍정 71%, 중립 11%, 부정 18%</title>}, "$what: ... and its title");
	like($text, qr{>긍정 71%</text>}, "$what: ... labelled inside the bar");
	like($text, qr{긍정 <strong>71%</strong>.*중립 <strong>11%</strong>.*부정 <strong>18%</strong>}s,
		"$what: the shares as text");
	like($text, qr/876개/, "$what: the positive count");
	like($text, qr/4\.21/, "$what: the average rating");
	for my $k (@{ $S1{keywords} }) {
		like($text, qr{<th scope="row">\Q$k->{keyword}\E}, "$what: keyword $k->{keyword}");
	}
	like($text, qr{1,205</td>}, "$what: a keyword's mentions with separators");
	like($text, qr{<td class="num pos">1,100</td><td class="num neg">60</td>}, "$what: its positive and negative counts");
	like($text, qr{<h3>배송</h3><span class="aspect-pct">긍정 <strong>82%</strong>}, "$what: aspect 배송 긍정 82%");
	like($text, qr{<h3>맛</h3><span class="aspect-pct">긍정 <strong>80%</strong>}, "$what: aspect 맛 긍정 80%");
	like($text, qr{<h3>포장</h3><span class="aspect-pct">긍정 <strong>33%</strong>}, "$what: aspect 포장 긍정 33%");
	like($text, qr/로켓배송이라 다음 날 아침에 바로 왔어요/, "$what: an aspect's positive example");
	like($text, qr/상자가 찌그러진 채로 도착했습니다/, "$what: an aspect's negative example");
	like($text, qr/<h3>맛 만족도<\/h3>/, "$what: survey question 1");
	like($text, qr/<h3>당도<\/h3>/, "$what: survey question 2");
	like($text, qr{아주 맛있어요</span><span class="answer-pct">72%}, "$what: an answer with its percent");
	like($text, qr{aria-label="달지 않아요 64%"}, "$what: ... and its bar");
	like($text, qr/매일 아침 한 팩씩 마시는데 질리지 않아요/, "$what: a representative positive review");
	like($text, qr/aria-label="별점 5점">★★★★★/, "$what: ... with its stars");
	like($text, qr/aria-label="별점 1점">★☆☆☆☆/, "$what: the negative one's stars");
	unlike($text, qr/<script>alert/, "$what: HTML in review texts is not markup");
	like($text, qr/&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; 포장이 &amp; 엉망/, "$what: ... but escaped text");
}

{
	my $pg = page('alice', "/requests/$r1");
	is($pg->{status}, 200, 'the done request page');
	shows_result1($pg->{text}, 'request page');
	like($pg->{text}, qr{<time datetime="2024-05-10T16:30:00Z">2024-05-11</time>},
		"request page: a review's date in the viewer's zone (Seoul)");
	like($pg->{text}, qr{data-status="done"}, '... the request card is still there');
	is(page('bob', "/requests/$r1")->{status}, 200, 'bob, who is on the request, sees it too');
	is(page('carol', "/requests/$r1")->{status}, 404, 'carol, who is not on the request: 404');
	unlike(page('carol', "/requests/$r1")->{text}, qr/1,234개/, '... and no result in it');

	$pg = page(undef, "/products/$p");
	is($pg->{status}, 200, 'the product page, anonymous');
	shows_result1($pg->{text}, 'product page');
	$pg = page('carol', "/products/$p");
	shows_result1($pg->{text}, 'product page (carol)');

	# bob's time zone is Los Angeles: the review written 2024-05-10 16:30 UTC is on the 10th there
	my $f = form('bob', '/me', nickname => 'bob', timezone => 'America/Los_Angeles');
	is($f->{status}, 303, 'bob moves to Los Angeles');
	like(page('bob', "/requests/$r1")->{text}, qr{<time datetime="2024-05-10T16:30:00Z">2024-05-10</time>},
		"a review's date in bob's zone");
}

# ------------------------------------------------------------------ the latest done result wins
{
	my $r2 = done_request($p, 'done', 'carol');
	my %S2 = (%S1, keywords => [ { keyword => '재구매', aspect => undef, count => 500, positive => 480,
		negative => 10, neutral => 10 } ]);
	insert_result($r2, $p, n => 2000, pos => 1500, neg => 300, neu => 200, avg => 4.5,
		from => '2024-01-03', to => '2024-09-30', age => '1 hour', summary => \%S2);
	# a newer result whose request is not done (yet) is not shown
	my $r3 = done_request($p, 'running', 'alice');
	insert_result($r3, $p, n => 10, pos => 1, neg => 9, neu => 0, avg => 1.5,
		from => '2024-01-03', to => '2024-10-30', age => '1 minute', summary => \%S2);

	my $j = api('alice', 'GET', "/api/products/$p/summary")->{json};
	is($j->{request_id}, $r2, 'two done results: the API answers the latest');
	is($j->{review_count}, 2000, '... its review_count');
	is($j->{positive_share}, 0.75, '... its positive_share');
	is($j->{keywords}[0]{keyword}, '재구매', '... its keywords');
	my $pg = page(undef, "/products/$p");
	like($pg->{text}, qr{리뷰 2,000개 기준, <span class="nowrap">2024-01-03 ~ 2024-09-30</span>}, 'the product page shows the latest');
	unlike($pg->{text}, qr/1,234개 기준/, '... and not the older');
	like($pg->{text}, qr{<th scope="row">재구매}, '... with its keywords');
	like(page('alice', "/requests/$r1")->{text}, qr/리뷰 1,234개 기준/, 'the older request page keeps its own result');
	is(page('alice', "/requests/$r3")->{status}, 200, 'the running request page');
	unlike(page('alice', "/requests/$r3")->{text}, qr/기준,/, '... shows progress, not a result');
}

# ------------------------------------------------------------------ an odd summary
# No reviews, no rating, and parts of the wrong type or missing: the page shows what
# is there, the API answers the fixed names, nothing fails.
{
	my $q = do {
		my $r = $s->request('POST', '/api/products', { headers => { authorization => "Bearer $U{alice}{token}",
			'content-type' => 'application/json' }, content => '{"url":"https://www.coupang.com/vp/products/8100002"}' });
		eval { $json->decode($r->{content})->{id} };
	};
	my $rid = done_request($q, 'done', 'alice');
	my $odd = $json->encode({ keywords => 'x', aspects => [1, undef, { aspect => 5 }, { aspect => '가격' }],
		survey_tags => [{ question => '용량', answers => 'bad' }, 7],
		representative => { positive => [{ text => 5 }, { text => '날짜가 이상한 리뷰', rating => 9,
			written_at => '2024-02-30T10:00:00Z' }], negative => 'x' } });
	sql("INSERT INTO analysis_results (request_id, product_id, review_count, positive_count, negative_count, "
		. "neutral_count, summary, model_version) VALUES ($rid, $q, 0, 0, 0, 0, \$j\$" . decode('UTF-8', $odd)
		. "\$j\$::jsonb, 'kr-test')");
	my $pg = page('alice', "/requests/$rid");
	is($pg->{status}, 200, 'a result with no reviews and an odd summary: the page still answers');
	like($pg->{text}, qr/리뷰 0개 기준/, '... saying it rests on no reviews');
	unlike($pg->{text}, qr/리뷰 0개 기준,/, '... without a date range');
	like($pg->{text}, qr/별점 정보 없음/, '... no rating');
	like($pg->{text}, qr/<h3>가격<\/h3>/, '... the one well-formed aspect');
	like($pg->{text}, qr/자주 나온 말이 없습니다/, '... keywords of the wrong type: none');
	like($pg->{text}, qr/<h3>용량<\/h3>/, '... the survey question without answers');
	like($pg->{text}, qr/날짜가 이상한 리뷰/, '... a review whose written_at is no date, shown');
	like($pg->{text}, qr/aria-label="별점 5점"/, '... its rating clamped to 5');
	unlike($pg->{text}, qr/<time/, '... without a date');
	like($pg->{text}, qr/부정 리뷰가 없습니다/, '... no negative reviews');
	my $r = api('alice', 'GET', "/api/products/$q/summary");
	is($r->{status}, 200, 'the API answers it');
	is($r->{json}{review_count}, 0, '... review_count 0');
	is($r->{json}{positive_share}, 0, '... shares 0');
	is_deeply($r->{json}{keywords}, [], '... keywords: an empty array, not the string');
	ok(!defined $r->{json}{rating_avg} && !defined $r->{json}{first_review_at} && !defined $r->{json}{date_from},
		'... rating_avg, first_review_at and date_from null');
	is(ref $r->{json}{representative}, 'HASH', '... representative an object');
}

# ------------------------------------------------------------------ long lists
# 30 keywords and 8 aspects: the first 12 and 6 at once, the rest behind 더 보기 (a
# <details>, no script), every one of them in the page.
{
	my $q = do {
		my $r = $s->request('POST', '/api/products', { headers => { authorization => "Bearer $U{alice}{token}",
			'content-type' => 'application/json' }, content => '{"url":"https://www.coupang.com/vp/products/8100003"}' });
		eval { $json->decode($r->{content})->{id} };
	};
	my $rid = done_request($q, 'done', 'alice');
	my @kw = map { { keyword => "낱말$_", aspect => undef, count => 100 - $_, positive => 50, negative => 10, neutral => 40 - $_ } } 1 .. 30;
	my @asp = map { { aspect => "항목$_", reviews => 90 - $_, share => 0.1, positive => 50, negative => 20, neutral => 20 - $_,
		positive_share => 0.5 } } 1 .. 8;
	insert_result($rid, $q, n => 100, pos => 60, neg => 30, neu => 10, avg => 3.9, from => '2024-01-03',
		to => '2024-02-03', age => '1 minute', summary => { keywords => \@kw, aspects => \@asp });
	my $t = page('alice', "/requests/$rid")->{text};
	like($t, qr{<details class="more"><summary>키워드 18개 더 보기</summary>}, '30 keywords: 18 behind 더 보기');
	like($t, qr{<th scope="row">낱말12</th>.*</table>\s*<details.*<th scope="row">낱말13</th>}s,
		'... from the 13th on');
	is(scalar(() = $t =~ /<th scope="row">낱말\d+</g), 30, '... all 30 in the page');
	like($t, qr{<summary>다른 항목 2개 더 보기</summary>.*<h3>항목7</h3>.*<h3>항목8</h3>}s, '8 aspects: 2 behind 더 보기');
	unlike($t, qr{<h3>항목7</h3>.*<summary>다른 항목}s, '... the 7th not before it');
	unlike(page('alice', "/requests/$r1")->{text}, qr/더 보기/, 'short lists have no 더 보기');
}

is_deeply([$s->log_alarms], [], 'no alarms in the logs');
done_testing();
