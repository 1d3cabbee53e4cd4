# The demo data of scripts/dev (data/demo/demo.jsonl.gz through scripts/load-demo, i.e.
# `revlens import --collector demo -`) on a fresh stack: the seven products exist with
# their names and the newest price of the file, every review of the file is stored under
# its product, every daily price and survey tag too; a second load stores nothing new;
# the product pages show the names.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use IO::Uncompress::Gunzip qw($GunzipError);
use JSON::PP;

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
plan skip_all => 'revlens is not built' unless RevlensTest::have_cli();
my $src = RevlensTest::srcdir();
my $json = JSON::PP->new->utf8->canonical;

# ------------------------------------------------------------------ what the file holds
my $file = "$src/data/demo/demo.jsonl.gz";
my $z = IO::Uncompress::Gunzip->new($file) or BAIL_OUT("$file: $GunzipError");
my (%name, %last_price, %last_at, %reviews, %prices, %tags, %tag_days, @lines);
while (my $line = <$z>) {
	next if $line =~ /^\s*$/;
	my $o = $json->decode($line);
	push @lines, $o;
	my $pid = $o->{product_id};
	if ($o->{kind} eq 'review') {
		$reviews{$pid}{ $o->{review_id} } = $o;
	} elsif ($o->{kind} eq 'price') {
		$prices{$pid}++;
		$name{$pid} = $o->{name};
		if (!defined $last_at{$pid} || $o->{observed_at} gt $last_at{$pid}) {
			($last_at{$pid}, $last_price{$pid}) = ($o->{observed_at}, $o->{price});
		}
	} elsif ($o->{kind} eq 'tag') {
		$tags{$pid}++;
		$tag_days{$pid}{ substr($o->{observed_at}, 0, 10) } = 1;
	} else {
		BAIL_OUT("$file: unknown kind $o->{kind}");
	}
}
my @pids = sort keys %name;
is(scalar @pids, 7, 'the demo file names seven products, each with a name on its prices');
is_deeply([sort keys %reviews], \@pids, '... each with reviews');
ok(!(grep { keys %{ $reviews{$_} } < 150 } @pids), '... at least 150 each');
is(scalar(map { keys %$_ } values %reviews), 2700, '... 2,700 reviews with distinct ids');

# the committed file is what tools/make-demo-data builds (when the source reviews are here)
SKIP: {
	my $dir = $ENV{REVLENS_REVIEWS_DIR} || '/work/shared/data/reviews';
	skip "no source reviews in $dir (REVLENS_REVIEWS_DIR)", 1 unless -r "$dir/shopping_train.tsv";
	my $c = RevlensTest::run_cmd(['python3', "$src/tools/make-demo-data", '--reviews', $dir,
		'--out', $file, '--check']);
	is($c->{exit}, 0, 'tools/make-demo-data rebuilds the committed file byte for byte')
		or diag($c->{out} . $c->{err});
}

# ------------------------------------------------------------------ the first load
my $s = RevlensTest->start(workers => 2);
sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
sub load_demo {
	my $r = RevlensTest::run_cmd(["$src/scripts/load-demo", $s->conf],
		env => { REVLENS_BUILDDIR => RevlensTest::builddir() });
	$r->{out} = decode('UTF-8', $r->{out});
	$r->{err} = decode('UTF-8', $r->{err});
	return $r;
}
my $in = join ',', @pids;

my $r = load_demo();
is($r->{exit}, 0, 'scripts/load-demo: exit 0') or diag($r->{out} . $r->{err});
like($r->{out}, qr/^데모 데이터: 상품 7개, 리뷰 2700개, 가격 1715건, 설문 태그 240건을 불러왔습니다/,
	'... one line saying what was loaded');

my %db;
for my $row (split /\n/, sql("SELECT coupang_product_id, id, name, price FROM products "
		. "WHERE coupang_product_id IN ($in) ORDER BY coupang_product_id")) {
	my ($cp, $id, $nm, $price) = split /\|/, $row;
	$db{$cp} = { id => $id, name => $nm, price => $price };
}
is_deeply([sort keys %db], \@pids, 'the seven products exist');
for my $pid (@pids) {
	is($db{$pid}{name}, $name{$pid}, "$pid: named $name{$pid}");
	is($db{$pid}{price}, $last_price{$pid}, "... current price $last_price{$pid} (observed $last_at{$pid})");
}

# reviews, through `revlens reviews --coupang ID`
for my $pid (@pids) {
	my $c = $s->cli('reviews', '--coupang', $pid);
	is($c->{exit}, 0, "revlens reviews --coupang $pid") or diag($c->{err});
	my @got = map { $json->decode($_) } grep { /\S/ } split /\n/, $c->{out};
	is(scalar @got, scalar keys %{ $reviews{$pid} }, '... as many reviews as the file has');
	my %byid = map { ($_->{review_id} // '') => $_ } @got;
	is_deeply([sort keys %byid], [sort keys %{ $reviews{$pid} }], '... the same review ids');
	my $bad = 0;
	for my $rid (keys %byid) {
		my ($want, $have) = ($reviews{$pid}{$rid}, $byid{$rid});
		$bad++ unless ($have->{rating} // -1) == $want->{rating}
			&& ($have->{text} // $have->{content} // '') eq $want->{content};
	}
	is($bad, 0, '... each with the rating and text of the file');
}

# prices: one row per line, from collector "demo"
my %pc = map { split /\|/ } split /\n/, sql("SELECT p.coupang_product_id, count(*) FROM price_observations o "
	. "JOIN products p ON p.id = o.product_id WHERE p.coupang_product_id IN ($in) GROUP BY 1");
is_deeply(\%pc, \%prices, 'every daily price is stored');
is(sql("SELECT string_agg(DISTINCT o.source, ',') FROM price_observations o "
	. "JOIN products p ON p.id = o.product_id WHERE p.coupang_product_id IN ($in)"), 'demo',
	'... as collector "demo"');

# survey tags, in MongoDB coupang_keyword_tags (keyed by products.id)
my $probe = RevlensTest::builddir() . '/t/unit/mongo_probe';
SKIP: {
	skip 't/unit/mongo_probe is not built (make check builds it)', 2 * @pids unless -x $probe;
	my $uri = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';
	for my $pid (@pids) {
		my $m = RevlensTest::run_cmd([$probe, $uri, 'revlens', 'find', 'coupang_keyword_tags',
			'product_id', $db{$pid}{id}]);
		my @docs = map { JSON::PP->new->decode($_) } grep { /\S/ } split /\n/, $m->{out};
		is(scalar @docs, $tags{$pid}, "$pid: its $tags{$pid} survey tags are stored") or diag($m->{err});
		my %days = map { ($_->{snapshot_date} // '') => 1 } @docs;
		is_deeply([sort keys %days], [sort keys %{ $tag_days{$pid} }], '... on its snapshot days');
	}
}

# ------------------------------------------------------------------ a second load
$r = load_demo();
is($r->{exit}, 0, 'a second load: exit 0') or diag($r->{out} . $r->{err});
my %kinds;
$kinds{ $_->{kind} }++ for @lines;
for my $k (sort keys %kinds) {
	like($r->{out}, qr/\b${k}s: $kinds{$k} stored \(0 new, 0 updated, $kinds{$k} unchanged\)/,
		"... the import reports all $kinds{$k} ${k}s unchanged") or diag($r->{out});
}
like($r->{out}, qr/rejected: 0 lines/, '... and no line rejected');
is(sql("SELECT count(*) FROM price_observations o JOIN products p ON p.id = o.product_id "
	. "WHERE p.coupang_product_id IN ($in)"), 1715, '... no price stored twice');
is(sql("SELECT count(*) FROM products WHERE coupang_product_id IN ($in)"), 7, '... no product made twice');
{
	my $c = $s->cli('reviews', '--coupang', $pids[0]);
	is(scalar(grep { /\S/ } split /\n/, $c->{out}), scalar keys %{ $reviews{ $pids[0] } },
		'... no review stored twice');
}

# ------------------------------------------------------------------ the product pages
for my $pid (@pids) {
	my $p = $s->get("/products/$db{$pid}{id}");
	my $text = decode('UTF-8', $p->{content} // '');
	is($p->{status}, 200, "/products/$db{$pid}{id}: 200");
	(my $won = reverse $last_price{$pid}) =~ s/(\d{3})(?=\d)/$1,/g;
	$won = reverse $won;
	like($text, qr/\Q$name{$pid}\E/, "... shows $name{$pid}");
	like($text, qr/\Q$won\E원/, "... and its price ${won}원");
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
