# revlens-replay-crawler: crawl requests answered from a JSON-lines file (the `revlens
# import` format) — reviews, a price and a survey tag of one product stored, another
# product's lines only for it, a product the file lacks `done` with 0, bad lines left
# out at indexing, an item revlens rejects counted, usage errors.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $B = RevlensTest::builddir();
die "$B/revlens-replay-crawler is not built (run make)\n" unless -x "$B/revlens-replay-crawler";

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
my $tok = $s->service_token('replay');
my $R = $s->rundir;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

RevlensTest::write_file("$R/replay.token", "$tok\n", 0600);
(my $revlens = $s->url('')) =~ s{/+$}{};
my $conf = "$R/replay.conf";
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\nlog.file = -\ncrawler.revlens_url = $revlens\n"
	. "crawler.token_file = $R/replay.token\ncrawler.backoff_ms = 100\n");

my %P;
for my $cp (2001, 2002, 2003) {
	$P{$cp} = sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
}

# the replay file: 2001's lines between 2002's, bad lines among them
my @lines = (
	{ kind => 'review', product_id => 2001, review_id => 'a1', rating => 5, content => '아주 맛있어요',
	  written_at => '2025-02-01T10:00:00+09:00', title => '재구매', author => '김**', option => '1kg' },
	{ kind => 'review', product_id => 2002, review_id => 7, rating => 2, content => '별로예요',
	  written_at => 1738371600000 },
	'this is not JSON',
	{ kind => 'review', product_id => 2001, review_id => 'a2', rating => 4, content => '괜찮아요',
	  written_at => '2025-02-02' },
	'',
	{ kind => 'bogus', product_id => 2001 },
	{ kind => 'review', product_id => 'x', review_id => 'a9', rating => 4, content => '', written_at => '2025-02-02' },
	{ kind => 'price', product_id => 2001, price => 15900, observed_at => '2025-02-03T09:00:00+09:00',
	  name => '제주 감귤 3kg' },
	{ kind => 'tag', product_id => 2001, question => '맛', answer => '아주 맛있어요', percent => 72.5,
	  observed_at => '2025-02-03', respondents => 120 },
	{ kind => 'review', product_id => 2001, review_id => 'a3', rating => 9, content => '별이 아홉 개',
	  written_at => '2025-02-04' },
	{ kind => 'review', product_id => 2001, review_id => 'a4', rating => 3, content => '보통',
	  written_at => '2025-02-05' },
);
RevlensTest::write_file("$R/replay.jsonl", join('', map { (ref $_ ? $json->encode($_) : encode('UTF-8', $_)) . "\n" } @lines));

sub replay {
	my $r = RevlensTest::run_cmd(["$B/revlens-replay-crawler", @_]);
	$r->{err} = decode('UTF-8', $r->{err});
	return $r;
}
sub status {
	my ($cp) = @_;
	my $row = sql("SELECT state || '|' || collector || '|' || coalesce(reviews::text, '') || '|' "
		. "|| coalesce(message, '') FROM product_crawl_status WHERE product_id = $P{$cp}");
	my %st;
	@st{qw(state collector reviews message)} = split /\|/, $row, 4;
	return \%st;
}
sub reviews {
	my ($cp) = @_;
	my $r = $s->cli('reviews', '--coupang', $cp);
	die "revlens reviews --coupang $cp: $r->{err}" if $r->{exit} != 0;
	return [ sort { $a->{review_id} cmp $b->{review_id} } map { $json->decode($_) } grep { /\S/ } split /\n/, $r->{out} ];
}

# ------------------------------------------------------------------ usage
{
	my $r = replay('-c', $conf, '--once');
	is($r->{exit}, 2, 'without --file: exit 2');
	like($r->{err}, qr/--file FILE is required/, '... saying so');
	$r = replay('-c', $conf, '--once', '--file', "$R/missing.jsonl");
	is($r->{exit}, 2, 'a missing file: exit 2');
	like($r->{err}, qr{\Q$R\E/missing\.jsonl: No such file}, '... naming it');
	$r = replay('-c', $conf, '--file');
	is($r->{exit}, 2, '--file without a value: exit 2');
}

# ------------------------------------------------------------------ three requests
for my $cp (2001, 2002, 2003) {
	my $r = $s->cli('crawl', $P{$cp});
	is($r->{exit}, 0, "revlens crawl $cp") or diag $r->{err};
}
my $r = replay('-c', $conf, '--once', '--file', "$R/replay.jsonl");
is($r->{exit}, 0, 'revlens-replay-crawler --once exits 0') or diag $r->{err};
like($r->{err}, qr/7 lines indexed, 3 left out/, 'the file indexed once: 7 good lines, 3 bad ones left out (and an empty one)');
like($r->{err}, qr/line 3: not a JSON object/, 'a bad line is reported by number');
like($r->{err}, qr/line 6: "kind" is not review, price or tag/, 'an unknown kind too');
like($r->{err}, qr/line 7: no positive integer "product_id"/, 'a bad product id too');
like($r->{err}, qr/item \d+ rejected: bad_rating/, 'the item revlens rejected is logged with its code');
like($r->{err}, qr/3 crawl requests handled/, 'three requests handled');
is($s->redis_cli('XPENDING', 'revlens:crawl', 'crawlers') =~ /^(\d+)/ ? $1 : -1, 0, 'all acknowledged');

{
	my $rv = reviews(2001);
	is_deeply([ map { $_->{review_id} } @$rv ], ['a1', 'a2', 'a4'], '2001: its three good reviews stored');
	is($rv->[0]{text}, '아주 맛있어요', '2001: the text');
	is($rv->[0]{author}, '김**', '2001: the author');
	is($rv->[0]{collector}, 'replay', '2001: collector replay');
	my $st = status(2001);
	is($st->{state}, 'done', '2001: done');
	is($st->{collector}, 'replay', '2001: reported by the replay crawler');
	is($st->{reviews}, 3, '2001: 3 reviews');
	like($st->{message}, qr/리뷰 3개, 가격 1개, 설문 1개를 보냈습니다/, '2001: the message counts each kind');
	like($st->{message}, qr/일부 줄은 revlens가 받지 않았습니다/, '2001: ... and the rejected line');
	is(sql("SELECT price || '|' || name FROM products WHERE id = $P{2001}"), '15900|제주 감귤 3kg',
		'2001: the price and name from the price line');
	is(sql("SELECT count(*) FROM price_observations WHERE product_id = $P{2001} AND source = 'replay'"), 1,
		'2001: one price observation by the replay collector');
}
{
	my $rv = reviews(2002);
	is_deeply([ map { $_->{review_id} } @$rv ], ['7'], '2002: only its own review');
	is(status(2002)->{state}, 'done', '2002: done');
}
{
	is_deeply(reviews(2003), [], '2003: nothing stored');
	my $st = status(2003);
	is($st->{state}, 'done', '2003 (not in the file): done');
	is($st->{reviews}, 0, '2003: 0 reviews');
	like($st->{message}, qr/재생 파일에 이 상품의 리뷰가 없습니다/, '2003: the message says the file lacks it');
}

# ------------------------------------------------------------------ again: idempotent
{
	my $c = $s->cli('crawl', $P{2001});
	is($c->{exit}, 0, 'revlens crawl 2001 again');
	my $r2 = replay('-c', $conf, '--once', '--file', "$R/replay.jsonl");
	is($r2->{exit}, 0, 'a second replay exits 0') or diag $r2->{err};
	is(scalar @{ reviews(2001) }, 3, '2001: still 3 reviews');
}

# ------------------------------------------------------------------ a thousand long reviews
# 1,000 reviews of 9,500 bytes: one batch of them would pass ingest.max_body (8 MiB) and be
# refused whole (413); they go in batches small enough
{
	my $cp = 2004;
	$P{$cp} = sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
	RevlensTest::write_file("$R/long.jsonl", join('', map {
		$json->encode({ kind => 'review', product_id => $cp, review_id => "L$_", rating => 1 + $_ % 5,
			content => sprintf('%04d ', $_) . ('x' x 9495), written_at => 1738371600000 + $_ * 1000 }) . "\n"
	} 1 .. 1000));
	my $c = $s->cli('crawl', $P{$cp});
	is($c->{exit}, 0, "revlens crawl $cp") or diag $c->{err};
	my $r3 = replay('-c', $conf, '--once', '--file', "$R/long.jsonl");
	is($r3->{exit}, 0, 'a thousand reviews of 9.5 KB: exits 0') or diag $r3->{err};
	unlike($r3->{err}, qr/refused \(413\)/, '... no batch refused as too large');
	my $st = status($cp);
	is($st->{state}, 'done', "$cp: done");
	is($st->{reviews}, 1000, "$cp: 1000 reviews");
	is(scalar @{ reviews($cp) }, 1000, "$cp: 1000 reviews stored");
}

is_deeply([$s->log_alarms], [], 'no alarms in the logs');
done_testing();
