# Trends (docs/aggregator.md, "Trends: API, CSV and the product page") against a real
# stack: generated reviews, prices and survey tags over the last months go in with
# `revlens import -`, revlens-aggregator rolls them up, and then
#  - GET /api/products/{id}/trends answers, day by day and month by month, exactly the
#    points computed here independently (reviews per Seoul day with their labels from
#    `revlens analyze`, price min/max/avg/last per day and the change against the last
#    price before it, shares), in order, with no point for a day without data;
#    target_price is the caller's watch-list target, lowest_price the range's lowest;
#  - the CSV answers (bearer and browser) have the contract's header and one plain line
#    per point; a browser without a session is sent to log in;
#  - bad ranges are 400 bad_range with a Korean message naming the format and limit;
#    an unknown product is 404, no token 401;
#  - the product page has the section: three charts with role="img" and aria-labels
#    that say the numbers, the lowest price and target marks, the 일별/월별 toggle,
#    the tables, a survey answer with <&"> escaped, and the empty state for a product
#    without rollups.
# Then t/browser/trends.mjs checks the same page in headless Chromium (screenshots
# trends-*.png in $REVLENS_SCREENSHOTS or $BUILDDIR/screenshots).
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use JSON::PP;
use Encode qw(encode decode);
use POSIX qw(strftime floor);
use Time::Local qw(timegm);
use File::Path qw(make_path);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $s = RevlensTest->start(workers => 2);
my $B = RevlensTest::builddir();
my $SRC = RevlensTest::srcdir();
my $R = $s->rundir;
my $json = JSON::PP->new->canonical->utf8;
our $ORIGIN = 'http://127.0.0.1:' . $s->port;
sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

my %U = map { $_ => $s->add_user($_) } qw(alice bob);
sub uid { my ($who) = @_; sql("SELECT id FROM users WHERE email = '$who\@example.com'") }

sub api {
	my ($who, $path) = @_;
	my %h = defined $who ? (authorization => "Bearer $U{$who}{token}") : ();
	my $r = $s->request('GET', $path, { headers => \%h });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub page {
	my ($who, $path) = @_;
	my $r = $s->get($path, $who ? { cookie => $U{$who}{cookie} } : {});
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}

# ------------------------------------------------------------------ days in Seoul
sub kst_day { strftime('%Y-%m-%d', gmtime($_[0] + 9 * 3600)) }
sub day_start { my ($y, $m, $d) = split /-/, $_[0]; timegm(0, 0, 0, $d, $m - 1, $y) - 9 * 3600 }
sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }
sub add_days { kst_day(day_start($_[0]) + $_[1] * 86400 + 3600) }
sub add_months { my ($y, $m) = split /-/, $_[0]; my $n = $y * 12 + $m - 1 + $_[1]; sprintf('%04d-%02d', int($n / 12), $n % 12 + 1) }
my $TODAY = kst_day(time);

# ------------------------------------------------------------------ the data
my @TEXTS = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다', '가격 대비 최고예요 강추',
	'냄새가 이상해서 반품했어요', '양이 적고 품질이 나빠요', '아이가 잘 먹어요 재구매 의사 있어요');
my %LABEL;
{
	my $r = RevlensTest::run_cmd([ "$B/revlens", 'analyze', '--model', "$SRC/data/kr/sentiment.model" ],
		stdin => encode('UTF-8', join("\n", @TEXTS) . "\n"));
	die "revlens analyze: $r->{err}" if $r->{exit} != 0;
	my @lines = grep { /\S/ } split /\n/, $r->{out};
	$LABEL{ $TEXTS[$_] } = $json->decode($lines[$_])->{label} for 0 .. $#TEXTS;
}
my ($CP, $CP_EMPTY) = (9300000001, 9300000002);
my $ANSWER_ODD = '별로<&"예요>';
my (@reviews, @prices, @tags, @items);
my $rid = 0;
sub review {
	my ($at, $i) = @_;
	my $r = { id => 'tr' . ++$rid, rating => 1 + ($i * 7 + 3) % 5, text => $TEXTS[$i % @TEXTS], at => $at };
	push @reviews, $r;
	push @items, { kind => 'review', product_id => $CP, review_id => $r->{id}, rating => $r->{rating},
		content => $r->{text}, written_at => iso($at), product_name => '매일두유 오리지널 190ml 24팩' };
}
sub price {
	my ($at, $p) = @_;
	push @prices, { price => $p, at => $at };
	push @items, { kind => 'price', product_id => $CP, price => $p, observed_at => iso($at) };
}
sub tag {
	my ($at, $q, $a, $pct) = @_;
	push @tags, { q => $q, a => $a, pct => $pct, day => kst_day($at) };
	push @items, { kind => 'tag', product_id => $CP, question => $q, answer => $a, percent => $pct,
		observed_at => iso($at) };
}

# The last 80 days: a gap every 7th day (neither reviews nor prices), days with reviews
# and no price, prices and no reviews, reviews at 00:00:00 and 23:59:59 in Seoul, and one
# lowest price (17,900원, 34 days ago).
my $LOW_DAY = add_days($TODAY, -34);
for my $ago (0 .. 80) {
	next if $ago % 7 == 3;
	my $day = add_days($TODAY, -$ago);
	my $t0 = day_start($day);
	my $n = ($ago * 5 + 2) % 6;           # 0..5 reviews
	review($t0 + (0, 43200, 86399, 3600, 72000, 50000)[$_], $ago + $_) for 0 .. $n - 1;
	next if $ago % 4 == 1;                  # no price that day
	next if $ago == 0;                      # (no price observed yet today)
	my $base = 19500 + (($ago * 37) % 11) * 150;
	if ($day eq $LOW_DAY) {
		price($t0 + 8 * 3600, 18400);
		price($t0 + 20 * 3600, 17900);
	} else {
		price($t0 + 9 * 3600, $base + 300);
		price($t0 + 21 * 3600, $base);
		price($t0 + 22 * 3600, $base + 100) if $ago % 5 == 0;
	}
}
# older months: 5 and 13 months ago, and 30 months ago (outside the default 24 months)
for my $ago (150, 151, 400, 900) {
	my $t0 = day_start(add_days($TODAY, -$ago));
	review($t0 + 36000, $ago);
	review($t0 + 40000, $ago + 1);
	price($t0 + 50000, 23000 + $ago);
}
# survey snapshots
for ([40, 60, 30, 10], [20, 68, 24, 8], [5, 72, 20, 8]) {
	my ($ago, @p) = @$_;
	my $at = day_start(add_days($TODAY, -$ago)) + 11 * 3600;
	tag($at, '맛', '아주 맛있어요', $p[0]);
	tag($at, '맛', '보통이에요', $p[1]);
	tag($at, '맛', $ANSWER_ODD, $p[2]);
	tag($at, '배송', '빨라요', 90 - $ago);
}
{
	my $r = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
	die "revlens import: $r->{out}$r->{err}" if $r->{exit} != 0;
}
my $PID = sql("SELECT id FROM products WHERE coupang_product_id = $CP");
sql("INSERT INTO products (coupang_product_id, url, name) VALUES ($CP_EMPTY, "
	. "'https://www.coupang.com/vp/products/$CP_EMPTY', '아직 집계 안 된 상품')");
my $PID_EMPTY = sql("SELECT id FROM products WHERE coupang_product_id = $CP_EMPTY");
my $TARGET = 19000;
sql("INSERT INTO watch_list (user_id, product_id, target_price) VALUES (" . uid('alice') . ", $PID, $TARGET)");

# ------------------------------------------------------------------ the independent rollup
sub fx { my ($v, $p) = @_; defined $v ? sprintf("%.${p}f", $v) : undef }
sub review_part {
	my ($d, @rs) = @_;
	my %lab;
	$lab{ $LABEL{ $_->{text} } }++ for @rs;
	my $n = @rs;
	my $sum = 0; $sum += $_->{rating} for @rs;
	$d->{review_count} = $n;
	$d->{rating_avg} = $n ? fx($sum / $n, 2) : undef;
	$d->{positive_share} = $n ? fx(($lab{pos} // 0) / $n, 4) : undef;
	$d->{negative_share} = $n ? fx(($lab{neg} // 0) / $n, 4) : undef;
	$d->{neutral_share} = $n ? fx(($lab{neutral} // 0) / $n, 4) : undef;
}
sub price_part {
	my ($d, $from, $to) = @_;
	my @ps = sort { $a->{at} <=> $b->{at} } grep { $_->{at} >= $from && $_->{at} < $to } @prices;
	$d->{$_} = undef for qw(price_min price_max price_avg price_last price_change price_change_pct);
	return unless @ps;
	my $sum = 0; $sum += $_->{price} for @ps;
	my @sorted = sort { $a <=> $b } map { $_->{price} } @ps;
	my @before = sort { $a->{at} <=> $b->{at} } grep { $_->{at} < $from } @prices;
	$d->{price_min} = $sorted[0];
	$d->{price_max} = $sorted[-1];
	$d->{price_avg} = int((2 * $sum + @ps) / (2 * @ps));
	$d->{price_last} = $ps[-1]{price};
	if (@before) {
		$d->{price_change} = $ps[-1]{price} - $before[-1]{price};
		$d->{price_change_pct} = fx(100 * $d->{price_change} / $before[-1]{price}, 2);
	}
}
sub survey_part {
	my ($d, @days) = @_;
	my ($day) = grep { my $x = $_; grep { $_->{day} eq $x } @tags } reverse @days;
	$d->{survey} = undef;
	return unless $day;
	my %q;
	push @{ $q{ $_->{q} } }, $_ for grep { $_->{day} eq $day } @tags;
	$d->{survey} = { snapshot_date => $day, questions => [ map { { question => $_, answers => [
		map { { answer => $_->{a}, percent => $_->{pct} } }
		sort { $b->{pct} <=> $a->{pct} || $a->{a} cmp $b->{a} } @{ $q{$_} } ] } } sort keys %q ] };
}
# The points of days $from..$to: a day has one when it has a review or a price.
sub expect_days {
	my ($from, $to) = @_;
	my @pts;
	for (my $day = $from; $day le $to; $day = add_days($day, 1)) {
		my ($a, $b) = (day_start($day), day_start(add_days($day, 1)));
		my @rs = grep { $_->{at} >= $a && $_->{at} < $b } @reviews;
		next unless @rs || grep { $_->{at} >= $a && $_->{at} < $b } @prices;
		my $d = { period => $day };
		review_part($d, @rs);
		price_part($d, $a, $b);
		survey_part($d, $day);
		push @pts, $d;
	}
	return \@pts;
}
sub expect_months {
	my ($from, $to) = @_;
	my @pts;
	for (my $m = $from; $m le $to; $m = add_months($m, 1)) {
		my ($a, $b) = (day_start("$m-01"), day_start(add_months($m, 1) . '-01'));
		my @rs = grep { $_->{at} >= $a && $_->{at} < $b } @reviews;
		next unless @rs || grep { $_->{at} >= $a && $_->{at} < $b } @prices;
		my $d = { period => $m };
		review_part($d, @rs);
		price_part($d, $a, $b);
		my @days;
		for (my $day = "$m-01"; $day lt add_months($m, 1) . '-01'; $day = add_days($day, 1)) {
			push @days, $day if grep { $_->{at} >= day_start($day) && $_->{at} < day_start($day) + 86400 } @reviews, @prices;
		}
		survey_part($d, @days);
		push @pts, $d;
	}
	return \@pts;
}
# The API's points with the rounded numbers as text, as the expectation has them.
sub got_points {
	my ($pts) = @_;
	my %P = (rating_avg => 2, positive_share => 4, negative_share => 4, neutral_share => 4, price_change_pct => 2);
	return [ map { my $p = $_; +{ map { ($_ => $P{$_} ? fx($p->{$_}, $P{$_}) : $p->{$_}) } keys %$p } } @$pts ];
}

# ------------------------------------------------------------------ before the rollup
{
	my $r = api('alice', "/api/products/$PID/trends");
	is($r->{status}, 200, 'before any rollup: 200');
	is_deeply($r->{json}{points}, [], '... with no points (nothing invented)');
	ok(exists $r->{json}{lowest_price} && !defined $r->{json}{lowest_price}, '... and lowest_price null');
}

# ------------------------------------------------------------------ the rollup
{
	my $r = RevlensTest::run_cmd([ "$B/revlens-aggregator", '-c', $s->conf ]);
	die "revlens-aggregator (a precondition) exited $r->{exit}: $r->{err}" if $r->{exit} != 0;
}

# ------------------------------------------------------------------ day view
{
	my $r = api('alice', "/api/products/$PID/trends");
	ok($r->{status} == 200 && ($r->{headers}{'content-type'} // '') =~ m{^application/json},
		'GET /api/products/{id}/trends: 200, JSON');
	my $j = $r->{json};
	my $today = kst_day(time);
	ok($j->{to} eq $TODAY || $j->{to} eq $today, "to defaults to today in Seoul ($j->{to})");
	my $to = $j->{to};
	my $from = add_days($to, -89);
	is_deeply([ @$j{qw(product_id period from zone target_price)} ], [ 0 + $PID, 'day', $from, 'Asia/Seoul', $TARGET ],
		'product_id, period day, from = 90 days back, zone, the caller\'s target_price');
	my $want = expect_days($from, $to);
	cmp_ok(scalar @$want, '>', 50, 'the generated data has over 50 days with data in the range');
	is(scalar @{ $j->{points} }, scalar @$want, 'one point per day with data, none for the empty days ('
		. scalar(@$want) . ' of 90)');
	is_deeply(got_points($j->{points}), $want, 'every point equals the independent computation (counts per Seoul day, '
		. 'ratings, shares, price min/max/avg/last, change against the last earlier price, survey)')
		or diag(explain [ got_points($j->{points})->[0], $want->[0] ]);
	is_deeply([ map { $_->{period} } @{ $j->{points} } ], [ sort map { $_->{period} } @{ $j->{points} } ],
		'points in date order');
	is_deeply($j->{lowest_price}, { price => 17900, date => $LOW_DAY, days => 90 },
		'lowest_price: the lowest price_min of the range with its day');

	my $b = api('bob', "/api/products/$PID/trends");
	is($b->{json}{target_price}, undef, 'another user without a watch-list entry: target_price null');
	is_deeply(got_points($b->{json}{points} // []), $want, '... and the same points');

	my ($f, $t) = (add_days($to, -40), add_days($to, -30));
	my $w = api('alice', "/api/products/$PID/trends?period=day&from=$f&to=$t");
	is_deeply(got_points($w->{json}{points}), expect_days($f, $t), "from=$f&to=$t: the points of those 11 days");
	is_deeply($w->{json}{lowest_price}, { price => 17900, date => $LOW_DAY, days => 11 },
		'... lowest_price over those days (days 11)');
	my $bound = api('alice', "/api/products/$PID/trends?from=" . add_days($to, -365) . "&to=$to");
	is($bound->{status}, 200, '366 days (the limit): 200');
}

# ------------------------------------------------------------------ month view
{
	my $r = api('alice', "/api/products/$PID/trends?period=month");
	is($r->{status}, 200, 'period=month: 200');
	my $j = $r->{json};
	my $to = substr($j->{to}, 0, 7);
	ok($j->{to} eq substr($TODAY, 0, 7) || $j->{to} eq substr(kst_day(time), 0, 7), "to is this month ($j->{to})");
	is($j->{from}, add_months($to, -23), 'from = 24 months back');
	my $want = expect_months($j->{from}, $to);
	is_deeply(got_points($j->{points}), $want, 'monthly points equal the independent computation ('
		. scalar(@$want) . ' months; the 30-month-old data outside)')
		or diag(explain [ got_points($j->{points}), $want ]);
	is($j->{lowest_price}{price}, 17900, 'month view: lowest_price 17,900');
	is($j->{lowest_price}{date}, substr($LOW_DAY, 0, 7), '... in its month');
	my $old = api('alice', "/api/products/$PID/trends?period=month&from=" . add_months($to, -119) . "&to=$to");
	is($old->{status}, 200, '120 months (the limit): 200');
	is(scalar @{ $old->{json}{points} }, scalar @{ expect_months(add_months($to, -119), $to) },
		'... with the 30-month-old data too');
}

# ------------------------------------------------------------------ CSV
sub csv_lines {
	my ($pts) = @_;
	my @l = ('period,review_count,rating_avg,positive_share,negative_share,neutral_share,price_min,price_max,'
		. 'price_avg,price_last,price_change');
	for my $p (@$pts) {
		push @l, join ',', map { $_ // '' } @$p{qw(period review_count rating_avg positive_share negative_share
			neutral_share price_min price_max price_avg price_last price_change)};
	}
	return \@l;
}
{
	my $to = api('alice', "/api/products/$PID/trends")->{json}{to};
	my $from = add_days($to, -89);
	my $r = $s->get("/api/products/$PID/trends.csv", { authorization => "Bearer $U{alice}{token}" });
	is($r->{status}, 200, 'GET /api/products/{id}/trends.csv: 200');
	like($r->{headers}{'content-type'} // '', qr{^text/csv; charset=utf-8}, '... text/csv; charset=utf-8');
	like($r->{headers}{'content-disposition'} // '', qr/attachment; filename="revlens-$PID-trends-day-$from-$to\.csv"/,
		'... saved as a file named after the product and range');
	my @got = split /\r\n/, $r->{content};
	is_deeply(\@got, csv_lines(expect_days($from, $to)), 'the header line, then one line per point: plain numbers, '
		. 'empty fields for nulls');
	ok(@got > 50 && !grep({ /"/ } @got) && (grep { /^\d{4}-\d\d-\d\d,\d+,/ } @got) == @got - 1,
		'every data line starts with the date and a plain count, nothing quoted');

	my $p = page('alice', "/products/$PID/trends.csv?period=month");
	is($p->{status}, 200, 'GET /products/{id}/trends.csv with a browser session: 200');
	my $mj = api('alice', "/api/products/$PID/trends?period=month")->{json};
	is_deeply([ split /\r\n/, $p->{content} ], csv_lines(expect_months($mj->{from}, substr($mj->{to}, 0, 7))),
		'... the month CSV');
	my $anon = $s->get("/products/$PID/trends.csv");
	is($anon->{status}, 303, 'the browser CSV without a session: 303');
	like($anon->{headers}{location} // '', qr{^/login\?next=}, '... to the log-in page');
	my $na = $s->get("/api/products/$PID/trends.csv");
	is($na->{status}, 401, 'the API CSV without a token: 401');
}

# ------------------------------------------------------------------ errors
{
	my $r = api(undef, "/api/products/$PID/trends");
	is($r->{status}, 401, 'no token: 401');
	$r = api('alice', "/api/products/987654321/trends");
	is($r->{status}, 404, 'an unknown product: 404');
	is($r->{json}{error}{code}, 'not_found', '... not_found');
	like($r->{json}{error}{message} // '', qr/없는 상품입니다/, '... saying the product does not exist');
	$r = api('alice', "/api/products/987654321/trends.csv");
	is($r->{status}, 404, 'an unknown product\'s CSV: 404');
	like($r->{json}{error}{message} // '', qr/없는 상품입니다/, '... the same message');
	my $to = $TODAY;
	for my $c (
		[ 'period=week', qr/day.*month/ ],
		[ 'from=2026-02-30&to=2026-03-10', qr/YYYY-MM-DD/ ],
		[ 'from=2026-3-1', qr/YYYY-MM-DD/ ],
		[ 'from=2026-03-10&to=2026-03-01', qr/앞선/ ],
		[ 'from=' . add_days($to, -366) . "&to=$to", qr/366일/ ],
		[ 'period=month&from=2026-01-01', qr/YYYY-MM/ ],
		[ 'period=month&from=2010-01&to=2026-01', qr/120개월/ ],
		[ 'period=day&from=2026-01', qr/YYYY-MM-DD/ ],
	) {
		my ($q, $msg) = @$c;
		my $e = api('alice', "/api/products/$PID/trends?$q");
		is($e->{status}, 400, "?$q: 400");
		is($e->{json}{error}{code}, 'bad_range', '... bad_range');
		like($e->{json}{error}{message} // '', $msg, '... a Korean message saying the format and the limit');
	}
	my $e = api('alice', "/api/products/$PID/trends.csv?period=year");
	is($e->{status}, 400, 'the CSV with a bad period: 400 too');
}

# ------------------------------------------------------------------ the product page
{
	my $p = page('alice', "/products/$PID");
	is($p->{status}, 200, 'the product page: 200');
	my $t = $p->{text};
	like($t, qr{<section class="card trends" id="trends">.*<h2>가격과 평가 추이</h2>}s, 'the 가격과 평가 추이 section');
	my ($sec) = $t =~ m{(<section class="card trends".*?</section>)}s;
	$sec //= '';
	# the page's own range (the day may have turned in Seoul since the data was made)
	my ($PF, $PT) = $sec =~ m{최근 90일 <span class="nowrap">\((\d{4}-\d\d-\d\d) ~ (\d{4}-\d\d-\d\d)\)</span>};
	ok(defined $PT && ($PT eq $TODAY || $PT eq kst_day(time)) && $PF eq add_days($PT, -89),
		'the section says its range: the last 90 days ending today');
	($PF, $PT) = (add_days($TODAY, -89), $TODAY) unless defined $PT;
	like($sec, qr{<a href="/products/$PID\?period=day#trends" class="on" aria-current="page">일별</a>}, 'the 일별 link is current');
	like($sec, qr{<a href="/products/$PID\?period=month#trends">월별</a>}, 'the 월별 link');
	my @svgs = $sec =~ m{<svg class="trend-chart ([a-z-]+)" width="100%" height="\d+" role="img" aria-label="([^"]+)"><title>\2</title><desc>}g;
	my %aria = @svgs;
	is_deeply([ sort keys %aria ], [ sort qw(price-chart volume-chart survey-chart) ],
		'three kinds of chart, each role="img" with an aria-label repeated as <title>, and a <desc>');
	is(scalar(() = $sec =~ /class="trend-chart survey-chart"/g), 2, 'a survey chart per question (맛, 배송)');
	like($aria{'price-chart'}, qr/최근 90일 최저가 17,900원 \($LOW_DAY\)/, 'the price chart\'s label names the lowest price and day');
	my $below = grep { defined $_->{price_min} && $_->{price_min} <= $TARGET }
		@{ expect_days($PF, $PT) };
	like($aria{'price-chart'}, qr/목표가 19,000원 이하였던 기간 ${below}일/, "... and the days at or below the target ($below)");
	my $nrev = 0; $nrev += $_->{review_count} for @{ expect_days($PF, $PT) };
	like($aria{'volume-chart'}, qr/모두 ${nrev}개/, "the volume chart's label says the reviews in the range (${nrev})");
	like($sec, qr{<li class="low"><span>최근 90일 최저가</span><strong>17,900원</strong><small>$LOW_DAY</small></li>},
		'the 최근 90일 최저가 fact');
	like($sec, qr{<li class="target"><span>목표가</span><strong>19,000원</strong><small>이하였던 기간 ${below}일</small></li>},
		'the target fact');
	is(scalar(() = $sec =~ /<circle class="mark target"/g), $below, 'a 목표가 이하 mark per day at or below the target');
	like($sec, qr{<line class="target-line"[^>]*stroke-dasharray}, 'the dashed target line');
	is(scalar(() = $sec =~ /<circle class="mark low"/g), 1, 'one lowest-price mark');
	like($sec, qr{별로&lt;&amp;&quot;예요&gt;}, 'the survey answer <&"> escaped');
	unlike($sec, qr{별로<&"예요>}, '... never raw');
	my ($tbl) = $sec =~ m{(<table class="list trend-table price-table">.*?</table>)}s;
	my @rows = ($tbl // '') =~ m{<tr data-period="([0-9-]+)">}g;
	is_deeply(\@rows, [ reverse map { $_->{period} } @{ expect_days($PF, $PT) } ],
		'the price table has every day with data, newest first');
	like($tbl // '', qr{<tr data-period="$LOW_DAY"><th scope="row">$LOW_DAY <span class="chip low">최저가</span>},
		'... the lowest day marked');
	like($sec, qr{href="/products/$PID/trends\.csv\?period=day&amp;from=[0-9-]+&amp;to=[0-9-]+" download>CSV로 내려받기}, 'the CSV link');

	my $m = page('alice', "/products/$PID?period=month");
	my ($msec) = $m->{text} =~ m{(<section class="card trends".*?</section>)}s;
	like($msec // '', qr{<a href="/products/$PID\?period=month#trends" class="on" aria-current="page">월별</a>}, '?period=month: 월별 is current');
	like($msec // '', qr{최근 24개월 최저가}, '... the 24-month lowest');
	my @mrows = ($msec // '') =~ m{<table class="list trend-table price-table">.*?</table>}s ?
		($msec =~ m{<table class="list trend-table price-table">(.*?)</table>}s)[0] =~ m{<tr data-period="([0-9-]+)">}g : ();
	my $mj = api('alice', "/api/products/$PID/trends?period=month")->{json};
	is_deeply(\@mrows, [ reverse map { $_->{period} } @{ $mj->{points} } ], '... a row per month of the API');

	my $anon = page(undef, "/products/$PID");
	my ($asec) = $anon->{text} =~ m{(<section class="card trends".*?</section>)}s;
	ok($asec && $asec !~ /목표가/ && $asec !~ /CSV로/, 'a visitor: the charts without target marks or the CSV link');

	my $e = page('alice', "/products/$PID_EMPTY");
	ok($e->{text} =~ m{<section class="card trends" id="trends">.*아직 추이 데이터가 없습니다 — 매일 밤 집계됩니다}s
		&& $e->{text} !~ /trend-chart/, 'a product without rollups: the empty state, and no chart');

	my $bad = page('alice', "/products/$PID?period=week");
	is($bad->{status}, 200, 'the page with ?period=week: still the page');
	like($bad->{text}, qr{period는 day\(일별\) 또는 month\(월별\)}, '... saying what period may be');
}

# ------------------------------------------------------------------ in the browser
SKIP: {
	my $shots = $ENV{REVLENS_SCREENSHOTS} || "$B/screenshots";
	make_path($shots);
	my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0];
	ok(-x '/usr/bin/chromium' && $node && -f "$SRC/t/browser/node_modules/playwright-core/package.json",
		'chromium, node and playwright-core are installed (scripts/install-deps)') or last;
	(my $base = $s->url('/')) =~ s{/\z}{};
	my $r = RevlensTest::run_cmd([ $node, "$SRC/t/browser/trends.mjs", $base, $shots ],
		env => { TRENDS_PRODUCT => $PID, TRENDS_EMPTY => $PID_EMPTY, TRENDS_EMAIL => $U{alice}{email},
			TRENDS_PASSWORD => $U{alice}{password}, TRENDS_TOKEN => $U{alice}{token} });
	my @lines = split /\n/, decode('UTF-8', $r->{out});
	my ($plan) = map { /^1\.\.(\d+)/ ? $1 : () } @lines;
	for (@lines) {
		if (/^(not )?ok \d+ - (.*)$/) { ok(!$1, "trends.mjs: $2") }
		elsif (/^#(.*)$/) { note($1) }
	}
	is($r->{exit}, 0, 'trends.mjs exits 0') or diag($r->{err});
	ok($plan && $plan == grep({ /^(?:not )?ok \d+/ } @lines), 'trends.mjs ran its whole plan');
}

is_deeply([ $s->log_alarms ], [], 'no alarms or sanitizer reports in the logs');
done_testing();
