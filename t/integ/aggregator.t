# revlens-aggregator (docs/aggregator.md) against a real stack: every daily and monthly
# document compared field by field with an independent computation in Perl from the
# data the test generated (labels, keywords and aspects from `revlens analyze`, days and
# months by KST arithmetic here): day boundaries at 23:59:59/00:00 +09:00, a leap
# February, months of 30 and 31 days, a year boundary, empty days (no document), a
# survey-only day (no document), prices with no reviews and reviews with no price,
# price_prev across gaps; a second run does nothing (exit 3) and leaves every document
# untouched; --dry-run prints what would change and writes nothing; late data for old
# days is picked up by the next run, with the next price day depending on it;
# --from/--to recomputes what pending rows no longer say (a day that lost its data
# loses its document); --product and --shard; retention; the run lock (held: exit 5;
# a killed run's lock expires after aggregator.lock_ttl); TERM finishes the product in
# hand and exits 4; SIGKILL mid-run, then a run: the right documents; the run log.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use JSON::PP;
use Encode qw(encode decode);
use POSIX qw(strftime WNOHANG);
use Time::Local qw(timegm);
use Time::HiRes qw(sleep);

my $s = RevlensTest->start(workers => 1);
my $B = RevlensTest::builddir();
my $AGG = "$B/revlens-aggregator";
my $PROBE = "$B/t/unit/aggregator_probe";
my $R = $s->rundir;
my $json = JSON::PP->new->canonical->utf8;     # bytes in, bytes out
my $conf = "$R/aggregator-test.conf";    # scripts/stack aggregate writes aggregator.conf
my $LOG = "$R/logs/aggregator.log";
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\naggregator.lock_ttl = 30\nlog.file = $LOG\n");
my $MONGO = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';

my @ERRS;       # what every run said on standard error (sanitizer reports end up there)
sub agg { my $r = RevlensTest::run_cmd([$AGG, @_]); push @ERRS, $r->{err}; $r }
sub run_agg { agg('-c', $conf, @_) }
sub sql { $s->psql($_[0]) }
sub probe {
	my $r = RevlensTest::run_cmd([$PROBE, $MONGO, 'revlens', @_]);
	die "aggregator_probe @_: $r->{err}" if $r->{exit} != 0;
	return $r->{out};
}

# ------------------------------------------------------------------ the data, kept here
my (@reviews, @prices, @tags);
my %pid;        # coupang id -> revlens id
my $rid = 0;

# "2024-02-29 23:59:59" (KST) -> epoch seconds
sub kst {
	my ($y, $m, $d, $H, $M, $S) = $_[0] =~ /^(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)$/ or die "bad time $_[0]";
	return timegm($S, $M, $H, $d, $m - 1, $y) - 9 * 3600;
}
sub kst_day { strftime('%Y-%m-%d', gmtime($_[0] + 9 * 3600)) }
sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0])) }
sub day_start { my ($y, $m, $d) = split /-/, $_[0]; timegm(0, 0, 0, $d, $m - 1, $y) - 9 * 3600 }

my @TEXTS = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다', '가격 대비 최고예요 강추',
	'냄새가 이상해서 반품했어요', '양이 적고 품질이 나빠요', '아이가 잘 먹어요 재구매 의사 있어요');

sub review {
	my ($cp, $when, $i) = @_;
	my $r = { cp => $cp, id => 'r' . ++$rid, rating => 1 + $i % 5, text => $TEXTS[$i % @TEXTS], at => kst($when) };
	push @reviews, $r;
	return { kind => 'review', product_id => $cp, review_id => $r->{id}, rating => $r->{rating},
		content => $r->{text}, written_at => iso($r->{at}) };
}
sub price {
	my ($cp, $when, $p) = @_;
	my $o = { cp => $cp, price => $p, at => kst($when) };
	push @prices, $o;
	return { kind => 'price', product_id => $cp, price => $p, observed_at => iso($o->{at}) };
}
sub tag {
	my ($cp, $when, $q, $a, $pct) = @_;
	my $t = { cp => $cp, q => $q, a => $a, pct => $pct, day => kst_day(kst($when)) };
	push @tags, $t;
	return { kind => 'tag', product_id => $cp, question => $q, answer => $a, percent => $pct,
		observed_at => iso(kst($when)) };
}
sub import_items {
	my $r = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @_) }, 'import', '-');
	die "revlens import: $r->{out}$r->{err}" if $r->{exit} != 0;
	for my $cp (keys %{ { map { $_->{product_id} => 1 } @_ } }) {
		$pid{$cp} //= sql("SELECT id FROM products WHERE coupang_product_id = $cp");
	}
}

# The library's reading of each text, independently of the aggregator.
my %an;
{
	my $r = RevlensTest::run_cmd([ "$B/revlens", 'analyze', '--model', RevlensTest::srcdir() . '/data/kr/sentiment.model' ],
		stdin => encode('UTF-8', join("\n", @TEXTS) . "\n"));
	die "revlens analyze: $r->{err}" if $r->{exit} != 0;
	my @lines = grep { /\S/ } split /\n/, $r->{out};
	$an{ $TEXTS[$_] } = $json->decode($lines[$_]) for 0 .. $#TEXTS;
}

# ------------------------------------------------------------------ the independent rollup
sub rnd { my ($v, $p) = @_; defined $v ? sprintf("%.${p}f", $v) : undef }
my %PLACES = (rating_avg => 2, positive_share => 4, negative_share => 4, neutral_share => 4, price_change_pct => 2);
# numbers as numbers, rounded ones as their text, updated_at dropped
sub norm {
	my ($v, $k) = @_;
	if (ref $v eq 'HASH') {
		return { map { ($_ => norm($v->{$_}, $_)) } grep { $_ ne 'updated_at' } keys %$v };
	}
	return [ map { norm($_) } @$v ] if ref $v eq 'ARRAY';
	return $v if !defined $v || ref $v;
	return rnd($v, $PLACES{$k}) if defined $k && $PLACES{$k};
	return $v =~ /^-?[\d.]+(?:e[-+]?\d+)?$/i ? 0 + $v : $v;
}

sub review_fields {
	my ($d, @rs) = @_;
	my @ratings = (0) x 5;
	my (%lab, %kw, %asp);
	$ratings[ $_->{rating} - 1 ]++ for @rs;
	for my $r (@rs) {
		my $a = $an{ $r->{text} };
		$lab{ $a->{label} }++;
		for my $k (@{ $a->{keywords} }) {
			my $e = $kw{ $k->{stem} } //= { keyword => $k->{stem}, count => 0, positive => 0, negative => 0, neutral => 0 };
			$e->{count}++;
			$e->{ { pos => 'positive', neg => 'negative' }->{ $k->{polarity} } // 'neutral' }++;
		}
		for my $h (@{ $a->{aspects} }) {
			my $e = $asp{ $h->{aspect} } //= { aspect => $h->{aspect}, reviews => 0, positive => 0, negative => 0, neutral => 0 };
			$e->{reviews}++;
			$e->{ { pos => 'positive', neg => 'negative' }->{ $h->{polarity} } // 'neutral' }++;
		}
	}
	my $n = @rs;
	my $rated = 0; my $sum = 0;
	for my $i (0 .. 4) { $rated += $ratings[$i]; $sum += ($i + 1) * $ratings[$i] }
	%$d = (%$d, review_count => $n, ratings => \@ratings, rating_avg => $rated ? $sum / $rated : undef,
		positive => $lab{pos} // 0, negative => $lab{neg} // 0, neutral => $lab{neutral} // 0,
		positive_share => $n ? ($lab{pos} // 0) / $n : undef, negative_share => $n ? ($lab{neg} // 0) / $n : undef,
		neutral_share => $n ? ($lab{neutral} // 0) / $n : undef,
		keywords => [ sort { $b->{count} <=> $a->{count} || $a->{keyword} cmp $b->{keyword} } values %kw ],
		aspects => [ sort { $b->{reviews} <=> $a->{reviews} || $a->{aspect} cmp $b->{aspect} } values %asp ]);
}

sub price_fields {
	my ($d, $cp, $from, $to, @ps) = @_;     # observations in [from, to)
	return unless @ps;
	@ps = sort { $a->{at} <=> $b->{at} } @ps;
	my $sum = 0; $sum += $_->{price} for @ps;
	my ($min, $max) = (sort { $a <=> $b } map { $_->{price} } @ps)[0, -1];
	my @before = sort { $a->{at} <=> $b->{at} } grep { $_->{cp} == $cp && $_->{at} < $from } @prices;
	%$d = (%$d, price_count => scalar @ps, price_sum => $sum, price_min => $min, price_max => $max,
		price_avg => int((2 * $sum + @ps) / (2 * @ps)), price_last => $ps[-1]{price}, price_last_at => iso($ps[-1]{at}));
	if (@before) {
		my $prev = $before[-1]{price};
		%$d = (%$d, price_prev => $prev, price_change => $ps[-1]{price} - $prev,
			price_change_pct => 100 * ($ps[-1]{price} - $prev) / $prev);
	}
}

sub survey_of {
	my ($cp, $day) = @_;
	my @t = grep { $_->{cp} == $cp && $_->{day} eq $day } @tags;
	return undef unless @t;
	my %q;
	push @{ $q{ $_->{q} } }, $_ for @t;
	return { snapshot_date => $day, questions => [ map { { question => $_, answers => [
		map { { answer => $_->{a}, percent => $_->{pct} } }
		sort { $b->{pct} <=> $a->{pct} || $a->{a} cmp $b->{a} } @{ $q{$_} } ] } } sort keys %q ] };
}

# {date => doc} and {month => doc} of product cp
sub expected {
	my ($cp) = @_;
	my (%rv, %pr, %days, %months);
	push @{ $rv{ kst_day($_->{at}) } }, $_ for grep { $_->{cp} == $cp } @reviews;
	push @{ $pr{ kst_day($_->{at}) } }, $_ for grep { $_->{cp} == $cp } @prices;
	for my $day (keys %{ { %rv, %pr } }) {
		my $d = { _x => 1 };
		delete $d->{_x};
		%$d = (product_id => 0 + $pid{$cp}, date => $day, zone => 'Asia/Seoul');
		review_fields($d, @{ $rv{$day} || [] });
		price_fields($d, $cp, day_start($day), day_start($day) + 86400, @{ $pr{$day} || [] });
		my $sv = survey_of($cp, $day);
		$d->{survey} = $sv if $sv;
		$days{$day} = $d;
	}
	my %bym;
	push @{ $bym{ substr($_, 0, 7) } }, $_ for sort keys %days;
	for my $m (keys %bym) {
		my @ds = @{ $bym{$m} };
		my $d = { product_id => 0 + $pid{$cp}, month => $m, zone => 'Asia/Seoul', days => scalar @ds };
		review_fields($d, grep { substr(kst_day($_->{at}), 0, 7) eq $m } grep { $_->{cp} == $cp } @reviews);
		my ($y, $mo) = split /-/, $m;
		my $from = timegm(0, 0, 0, 1, $mo - 1, $y) - 9 * 3600;
		my $to = timegm(0, 0, 0, 1, $mo % 12, $y + ($mo == 12)) - 9 * 3600;
		price_fields($d, $cp, $from, $to, grep { $_->{cp} == $cp && $_->{at} >= $from && $_->{at} < $to } @prices);
		my ($last) = grep { $days{$_}{survey} } reverse @ds;
		$d->{survey} = $days{$last}{survey} if $last;
		$months{$m} = $d;
	}
	return (\%days, \%months);
}

sub stored {
	my ($cp, @opt) = @_;
	my $r = $s->cli('rollups', @opt, $pid{$cp});
	die "revlens rollups: $r->{err}" if $r->{exit} != 0;
	return $r->{out};
}
sub stored_docs {
	my ($cp, $month) = @_;
	my $out = stored($cp, $month ? ('--month') : ());
	return { map { my $o = $json->decode($_); (($o->{date} // $o->{month}) => $o) } grep { /\S/ } split /\n/, $out };
}
sub check {
	my ($cp, $what) = @_;
	my ($days, $months) = expected($cp);
	my $gd = stored_docs($cp, 0);
	my $gm = stored_docs($cp, 1);
	is_deeply(norm($gd), norm($days), "$what: daily documents of $cp as computed here ("
		. scalar(keys %$days) . ' days)') or diag(explain [ norm($gd), norm($days) ]);
	is_deeply(norm($gm), norm($months), "$what: monthly documents of $cp as computed here ("
		. scalar(keys %$months) . ' months)');
}
sub pending { sql("SELECT count(*) FROM rollup_pending WHERE product_id = $pid{$_[0]}") }
sub last_run { my @f = split /\|/, sql("SELECT id, mode, outcome, products, days_written, days_unchanged, days_deleted, "
	. "months_written, reviews, prices, coalesce(message, '') FROM aggregator_runs ORDER BY id DESC LIMIT 1"); \@f }

# ------------------------------------------------------------------ usage
{
	is(agg()->{exit}, 2, 'no -c: exit 2');
	like(agg()->{err}, qr/-c CONF is required/, '... saying so');
	is(run_agg('--from', '2024-01-01')->{exit}, 2, '--from without --to: exit 2');
	is(run_agg('--from', '2024-02-30', '--to', '2024-03-01')->{exit}, 2, 'a date that does not exist: exit 2');
	is(run_agg('--shard', '2/2')->{exit}, 2, '--shard 2/2: exit 2');
	is(run_agg('--bogus')->{exit}, 2, 'an unknown argument: exit 2');
	RevlensTest::write_file("$R/bad.conf", RevlensTest::read_file($conf) . "worker.model_file = $R/none.model\n");
	my $r = agg('-c', "$R/bad.conf");
	is($r->{exit}, 2, 'a missing model: exit 2');
	like($r->{err}, qr/worker\.model_file/, '... naming the key to set');
	$r = run_agg();
	is($r->{exit}, 3, 'nothing pending: exit 3');
	is(last_run()->[2], 'nothing', '... recorded as nothing');
}

# ------------------------------------------------------------------ one product, by day and month
my $P1 = 8101;
import_items(
	review($P1, '2023-12-31 23:59:59', 0), review($P1, '2024-01-01 00:00:00', 1),
	review($P1, '2024-01-31 23:59:59', 2), review($P1, '2024-02-01 00:00:00', 3),
	review($P1, '2024-02-28 23:59:59', 4), review($P1, '2024-02-29 00:00:00', 5),
	review($P1, '2024-02-29 12:00:00', 6), review($P1, '2024-02-29 23:59:59', 7),
	review($P1, '2024-03-01 00:00:00', 8),
	(map { review($P1, sprintf('2024-03-15 %02d:00:00', 8 + $_), $_) } 0 .. 8),
	review($P1, '2024-03-31 23:59:00', 1), review($P1, '2024-04-30 23:59:00', 2), review($P1, '2024-05-01 00:00:00', 3),
	price($P1, '2024-01-15 10:00:00', 15000), price($P1, '2024-01-15 20:00:00', 14000),
	price($P1, '2024-02-10 09:00:00', 13000),
	price($P1, '2024-02-29 00:00:00', 12500), price($P1, '2024-02-29 23:59:59', 12900),
	price($P1, '2024-03-01 00:00:00', 12900), price($P1, '2024-04-30 12:00:00', 11000),
	tag($P1, '2024-02-29 10:00:00', '맛', '아주 맛있어요', 72), tag($P1, '2024-02-29 10:00:00', '맛', '적당해요', 22),
	tag($P1, '2024-02-29 10:00:00', '양', '적당해요', 60), tag($P1, '2024-02-29 10:00:00', '양', '많아요', 40),
	tag($P1, '2024-03-01 09:00:00', '맛', '아주 맛있어요', 70), tag($P1, '2024-02-15 09:00:00', '맛', '적당해요', 50));
ok(pending($P1) > 0, 'precondition: the imported days are pending');
{
	my $r = run_agg();
	is($r->{exit}, 0, 'a run over the pending days: exit 0') or diag($r->{err});
	check($P1, 'first run');
	is(pending($P1), 0, '... its pending days are cleared');
	my ($days) = expected($P1);
	my $run = last_run();
	is_deeply([ @$run[1 .. 9] ], [ 'pending', 'ok', 1, scalar(keys %$days), 0, 0, 6,
		scalar(grep { $_->{cp} == $P1 } @reviews), scalar(grep { $_->{cp} == $P1 } @prices) ],
		'the run is recorded: mode, outcome, products, days written, months written, reviews, prices');
	like(RevlensTest::read_file($LOG), qr/aggregator run $run->[0]: ok: 1 products, \d+ days \(\d+ written, 0 unchanged, 0 deleted\), 6 months \(6 written, 0 unchanged, 0 deleted\), \d+ reviews, 7 prices in [\d.]+ s/,
		'... and logged in one line');
	ok(!exists stored_docs($P1, 0)->{'2024-02-15'}, 'a day with only a survey snapshot has no document');
	ok(!exists stored_docs($P1, 0)->{'2024-02-14'}, 'an empty day has none');
}
my $before = stored($P1) . stored($P1, '--month');
{
	my $r = run_agg();
	is($r->{exit}, 3, 'a second run: nothing to do, exit 3');
	is(stored($P1) . stored($P1, '--month'), $before, '... every document untouched, updated_at included');
	$r = run_agg('--from', '2023-12-01', '--to', '2024-05-31');
	is($r->{exit}, 0, 'a back-fill over unchanged data: exit 0');
	is(stored($P1) . stored($P1, '--month'), $before, '... writes nothing either');
	my $run = last_run();
	is_deeply([ @$run[1, 2, 4, 6, 7] ], [ 'range', 'ok', 0, 0, 0 ], '... recorded as a range run that wrote nothing');
}

# ------------------------------------------------------------------ late data; --dry-run first
import_items(review($P1, '2024-01-31 12:00:00', 5), price($P1, '2024-02-05 09:00:00', 13500));
{
	my $r = run_agg('--dry-run');
	is($r->{exit}, 0, '--dry-run: exit 0') or diag($r->{err});
	my $id = $pid{$P1};
	is_deeply([ sort grep { /^(new|changed|deleted) / } split /\n/, $r->{out} ],
		[ sort "changed $id 2024-01-31", "new $id 2024-02-05", "changed $id 2024-02-10", "changed $id 2024-01", "changed $id 2024-02" ],
		'... prints the days and months that would change, the next price day included');
	is(stored($P1) . stored($P1, '--month'), $before, '... writes nothing');
	is(pending($P1), 2, '... and clears nothing');
	is(last_run()->[1], 'dry-run', '... recorded as a dry run');
}
{
	my $r = run_agg();
	is($r->{exit}, 0, 'late data: the next run exit 0') or diag($r->{err});
	check($P1, 'late data');
	my ($days) = expected($P1);
	is($days->{'2024-02-10'}{price_prev}, 13500, 'precondition of the check: 2024-02-10 follows the late price');
	my $d = stored_docs($P1, 0);
	my $old = { map { my $o = $json->decode($_); (($o->{date} // $o->{month}) => $o) } grep { /\S/ } split /\n/, $before };
	is($d->{'2024-04-30'}{updated_at}, $old->{'2024-04-30'}{updated_at}, 'an unchanged day keeps its updated_at');
	is(pending($P1), 0, 'nothing pending');
}

# ------------------------------------------------------------------ --from/--to
# a review whose pending row is lost, and a price day whose observations are deleted
import_items(review($P1, '2024-04-10 10:00:00', 6));
@prices = grep { !($_->{cp} == $P1 && kst_day($_->{at}) eq '2024-02-10') } @prices;
sql("DELETE FROM price_observations WHERE product_id = $pid{$P1} AND observed_at = '2024-02-10 09:00:00+09'");
sql("DELETE FROM rollup_pending");
{
	is(run_agg()->{exit}, 3, 'lost pending rows: the next run sees nothing to do');
	ok(!exists stored_docs($P1, 0)->{'2024-04-10'}, 'precondition: the review of 2024-04-10 is not rolled up');
	my $r = run_agg('--from', '2024-02-01', '--to', '2024-04-30');
	is($r->{exit}, 0, '--from/--to: exit 0') or diag($r->{err});
	check($P1, 'back-fill');
	ok(!exists stored_docs($P1, 0)->{'2024-02-10'}, 'a day that lost its data lost its document');
	is(last_run()->[6], 1, '... counted as deleted');
}

# ------------------------------------------------------------------ --product and --shard
my ($P2, $P3) = (8102, 8103);
import_items(review($P2, '2024-06-01 10:00:00', 0), price($P2, '2024-06-02 10:00:00', 9000));
import_items(review($P3, '2024-06-01 11:00:00', 1), review($P3, '2024-06-03 11:00:00', 2));
{
	my $r = run_agg('--product', $pid{$P2});
	is($r->{exit}, 0, '--product: exit 0') or diag($r->{err});
	check($P2, '--product');
	is(stored($P3), '', '... the other product is left alone');
	ok(pending($P3) > 0, '... and pending');
	my $k = $pid{$P3} % 3;
	is(run_agg('--shard', (($k + 1) % 3) . '/3')->{exit}, 3, '--shard K/3 without the product: nothing to do');
	is(stored($P3), '', '... and nothing written');
	$s->redis_cli('SET', "revlens:aggregator:lock:$k/3", 'otherhost:2:y', 'PX', '60000');
	is(run_agg('--shard', "$k/3")->{exit}, 5, "a shard's lock held by another run: exit 5");
	$s->redis_cli('DEL', "revlens:aggregator:lock:$k/3");
	$s->redis_cli('SET', 'revlens:aggregator:lock', 'otherhost:3:z', 'PX', '60000');
	$s->redis_cli('SET', 'revlens:aggregator:lock:' . (($k + 1) % 3) . '/3', 'otherhost:4:w', 'PX', '60000');
	$r = run_agg('--shard', "$k/3");
	is($r->{exit}, 0, "--shard $k/3 with it: exit 0, whatever other shards and unsharded runs hold") or diag($r->{err});
	$s->redis_cli('DEL', 'revlens:aggregator:lock', 'revlens:aggregator:lock:' . (($k + 1) % 3) . '/3');
	check($P3, '--shard');
	is(last_run()->[3], 1, '... one product');
}

# ------------------------------------------------------------------ retention
{
	probe('insert', 'realtime_sessions', '{"_id": "agg-old", "kind": "subscription", "expires_at": {"$date": "2020-01-01T00:00:00Z"}}');
	probe('insert', 'realtime_sessions', '{"_id": "agg-new", "kind": "subscription", "expires_at": {"$date": "2099-01-01T00:00:00Z"}}');
	sql("INSERT INTO aggregator_runs (started_at, finished_at, host, pid, mode, outcome) VALUES "
		. "(now() - interval '200 days', now() - interval '200 days', 'old', 1, 'pending', 'ok'), "
		. "(now() - interval '100 days', now() - interval '100 days', 'recent', 1, 'pending', 'ok')");
	my $u = $s->add_user('retention');
	my $uid = sql("SELECT id FROM users WHERE email = '$u->{email}'");
	for my $d ([ 'delivered', 40 ], [ 'abandoned', 40 ], [ 'pending', 40 ], [ 'delivered', 10 ]) {
		my $n = sql("INSERT INTO notifications (user_id, product_id, price, target_price, created_at) VALUES "
			. "($uid, $pid{$P1}, 900, 1000, now() - interval '$d->[1] days') RETURNING id");
		sql("INSERT INTO webhook_deliveries (notification_id, user_id, status, delivered_at, created_at) VALUES "
			. "($n, $uid, '$d->[0]', " . ($d->[0] eq 'delivered' ? 'now()' : 'NULL') . ", now() - interval '$d->[1] days')");
	}
	is(run_agg()->{exit}, 3, 'a run with nothing to do');
	is(sql("SELECT string_agg(status || ':' || extract(day FROM now() - created_at)::int, ',' ORDER BY status, created_at) "
		. "FROM webhook_deliveries WHERE user_id = $uid"), 'delivered:10,pending:40',
		'... deletes webhook deliveries finished more than 30 days ago, keeps pending and recent ones');
	my @ids = grep { /^agg-/ } split /\n/, probe('ids', 'realtime_sessions');
	is_deeply(\@ids, ['agg-new'], '... deletes the expired realtime session, keeps the live one');
	is(sql("SELECT string_agg(host, ',' ORDER BY host) FROM aggregator_runs WHERE host IN ('old', 'recent')"), 'recent',
		'... and the runs older than 180 days');
	# price alerts at the end of a run: a price that crossed a target while nobody
	# checked (stored behind ingestion's back here) fires on the next run, once
	sql("UPDATE products SET price = 2000 WHERE id = $pid{$P1}");
	sql("INSERT INTO watch_list (user_id, product_id, target_price) VALUES ($uid, $pid{$P1}, 1500)");
	sql("UPDATE products SET price = 1400 WHERE id = $pid{$P1}");
	my $before = sql("SELECT count(*) FROM notifications WHERE user_id = $uid AND price = 1400");
	is(run_agg()->{exit}, 3, 'a run with nothing to roll up');
	is(sql("SELECT count(*) FROM notifications WHERE user_id = $uid AND price = 1400") - $before, 1,
		'... still checks the price alerts: the crossing fires');
	run_agg();
	is(sql("SELECT count(*) FROM notifications WHERE user_id = $uid AND price = 1400") - $before, 1,
		'... once, not again on the next run');
	# the job stream: acknowledged entries older than 7 days go, never a pending one nor
	# one not yet delivered
	my $q = sub { $s->redis_cli(@_) };
	$q->('DEL', 'revlens:jobs');
	$q->('XADD', 'revlens:jobs', "$_-0", 'request_id', $_, 'product_id', 1) for 1000, 2000, 3000, 4000;
	is(run_agg()->{exit}, 3, 'a run over a job stream no worker has read');
	is($q->('XLEN', 'revlens:jobs'), 4, '... trims nothing (no group: nothing was delivered)');
	$q->('XGROUP', 'CREATE', 'revlens:jobs', 'workers', '0');
	$q->('XREADGROUP', 'GROUP', 'workers', 'w1', 'COUNT', 3, 'STREAMS', 'revlens:jobs', '>');
	$q->('XACK', 'revlens:jobs', 'workers', '1000-0', '3000-0');
	my $recent = $q->('XADD', 'revlens:jobs', '*', 'request_id', 9, 'product_id', 1);
	run_agg();
	is(join(' ', grep { /^\d+-\d+$/ } split /\n/, $q->('XRANGE', 'revlens:jobs', '-', '+')),
		"2000-0 3000-0 4000-0 $recent",
		'... then an old acknowledged job goes; the oldest pending one (2000-0) and all after it stay');
	$q->('XACK', 'revlens:jobs', 'workers', '2000-0');
	run_agg();
	is(join(' ', grep { /^\d+-\d+$/ } split /\n/, $q->('XRANGE', 'revlens:jobs', '-', '+')), "4000-0 $recent",
		'... acknowledged, they go too; the job not yet delivered (4000-0) and the recent one stay');
	is(run_agg('--dry-run')->{exit}, 3, 'a dry run');
	probe('insert', 'realtime_sessions', '{"_id": "agg-old2", "expires_at": {"$date": "2020-01-01T00:00:00Z"}}');
	run_agg('--dry-run');
	ok(scalar(grep { $_ eq 'agg-old2' } split /\n/, probe('ids', 'realtime_sessions')), '... deletes nothing');
	run_agg();
}

# ------------------------------------------------------------------ the lock
{
	$s->redis_cli('SET', 'revlens:aggregator:lock', 'otherhost:1:x', 'PX', '60000');
	import_items(review($P2, '2024-06-05 10:00:00', 3));
	my $r = run_agg();
	is($r->{exit}, 5, 'the lock held by another run: exit 5');
	like($r->{err}, qr/otherhost:1:x/, '... naming the holder');
	is(pending($P2), 1, '... nothing done');
	is($s->redis_cli('GET', 'revlens:aggregator:lock'), 'otherhost:1:x', "... and the other run's lock left alone");
	$s->redis_cli('DEL', 'revlens:aggregator:lock');
	is(run_agg()->{exit}, 0, 'once released: exit 0');
	check($P2, 'after the lock');
	is($s->redis_cli('EXISTS', 'revlens:aggregator:lock'), '0', 'a run releases its lock');
}

# ------------------------------------------------------------------ stopping a run mid-way
# Products made in order (ids rise, the order a run takes them); a psql session holding
# the pending rows of one of them makes the run wait there, deterministically.
sub products {
	my ($first, $n) = @_;
	my @cps = ($first .. $first + $n - 1);
	for my $cp (@cps) {
		$pid{$cp} = sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
			. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
	}
	import_items(map { my $cp = $_; (map { review($cp, sprintf('2024-07-%02d 1%d:00:00', 1 + $_ * 3, $_), $cp + $_) } 0 .. 2),
		price($cp, '2024-07-02 10:00:00', 1000 + $cp) } @cps);
	return @cps;
}
my $PSQL = -x '/usr/lib/postgresql/15/bin/psql' ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
sub hold_rows {
	my ($pid) = @_;
	open(my $h, '|-', $PSQL, '-X', '-q', '-o', '/dev/null', '-h', '127.0.0.1', '-p', $s->port('pg'), '-U', 'revlens', '-d', 'revlens')
		or die "psql: $!";
	$h->autoflush(1);
	print $h "BEGIN;\nSELECT 1 FROM rollup_pending WHERE product_id = $pid FOR UPDATE;\n";
	wait_for(sub { sql("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'") >= 1 },
		'the holding session');
	return $h;
}
sub release_rows { my ($h) = @_; print $h "COMMIT;\n"; close $h }
sub wait_for {
	my ($cond, $what, $secs) = @_;
	for (1 .. ($secs // 60) * 20) { return 1 if $cond->(); sleep 0.05 }
	die "gave up waiting for $what";
}
sub spawn {
	my $out = "$R/agg.$$." . int(rand(1e9));
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', "$out.out"); open(STDERR, '>', "$out.err");
		exec($AGG, '-c', $conf) or exit 127;
	}
	return $pid;
}
sub blocked { sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM rollup_pending%'") >= 1 }

{
	my @cps = products(8201, 5);
	my $h = hold_rows($pid{ $cps[2] });
	my $run = spawn();
	wait_for(\&blocked, 'the run to reach the third product');
	kill 'TERM', $run;
	release_rows($h);
	waitpid($run, 0);
	is($? >> 8, 4, 'TERM mid-run: exit 4');
	is(last_run()->[2], 'interrupted', '... recorded as interrupted');
	is_deeply([ map { pending($_) } @cps ], [ 0, 0, 0, 4, 4 ], '... the product in hand finished, the rest still pending');
	is_deeply([ map { stored($_) ne '' ? 1 : 0 } @cps ], [ 1, 1, 1, 0, 0 ], '... and only the finished ones rolled up');
	is($s->redis_cli('EXISTS', 'revlens:aggregator:lock'), '0', '... its lock released');
	is(run_agg()->{exit}, 0, 'the next run: exit 0');
	check($_, 'after TERM') for @cps;
}
{
	my @cps = products(8301, 5);
	my $h = hold_rows($pid{ $cps[2] });
	my $run = spawn();
	wait_for(\&blocked, 'the run to reach the third product');
	my $r = run_agg();
	is($r->{exit}, 5, 'two runs at once: the second exits 5');
	kill 'KILL', $run;
	waitpid($run, 0);
	release_rows($h);
	# the killed run's DELETE of the third product's rows was waiting in PostgreSQL, which
	# carries it out once the rows are free: its documents were all written by then
	is_deeply([ map { pending($_) } @cps ], [ 0, 0, 0, 4, 4 ], 'SIGKILL mid-run: the products after it still pending');
	is_deeply([ map { stored($_) ne '' ? 1 : 0 } @cps ], [ 1, 1, 1, 0, 0 ], '... and not rolled up');
	is(run_agg()->{exit}, 5, "the killed run's lock still holds");
	my $ttl = $s->redis_cli('PTTL', 'revlens:aggregator:lock');
	ok($ttl > 0 && $ttl <= 30000, "... with aggregator.lock_ttl's expiry ($ttl ms)");
	wait_for(sub { $s->redis_cli('EXISTS', 'revlens:aggregator:lock') eq '0' }, 'the lock to expire', 40);
	$r = run_agg();
	is($r->{exit}, 0, 'once it expired, a run: exit 0') or diag($r->{err});
	check($_, 'after SIGKILL') for @cps;
	is(sql("SELECT count(*) FROM rollup_pending"), 0, 'nothing left pending');
	is(sql("SELECT count(*) FROM aggregator_runs WHERE finished_at IS NULL"), 1, "the killed run's row stays unfinished");
}

# ------------------------------------------------------------------ scripts/stack aggregate
{
	my $r = $s->stack('aggregate');
	is($r->{exit}, 3, 'scripts/stack aggregate: nothing to do, exit 3') or diag($r->{err});
	import_items(review($P3, '2024-06-04 10:00:00', 4));
	$r = $s->stack('aggregate');
	is($r->{exit}, 0, 'scripts/stack aggregate with a day pending: exit 0') or diag($r->{err});
	check($P3, 'scripts/stack aggregate');
}

# ------------------------------------------------------------------ the index of each day's reviews
# (lib/review_days.h) what pending runs read instead of a scan: every review's _id under
# its Korean day; a review moved to another day leaves the old one; stale and duplicate
# entries are skipped; a lost document is rebuilt by a range run; another zone's day
# is read from the index days it overlaps.
sub index_doc {
	my ($cp, $day) = @_;
	my $out = probe('get', 'review_days', "$pid{$cp}:$day");
	return $out =~ /\S/ ? $json->decode($out) : undef;
}
sub last_log_line { (RevlensTest::read_file($LOG) =~ /([^\n]*)\n\z/)[0] // '' }
sub index_ids { my $d = index_doc(@_); $d ? [ sort @{ $d->{ids} } ] : [] }
sub want_ids {
	my ($cp, $day) = @_;
	[ sort map { "$pid{$cp}:$_->{id}" } grep { $_->{cp} == $cp && kst_day($_->{at}) eq $day } @reviews ]
}
{
	is_deeply(index_ids($P1, '2024-02-29'), want_ids($P1, '2024-02-29'),
		"the index: a day's document holds its reviews' ids, 00:00:00 to 23:59:59 KST");
	is(scalar @{ want_ids($P1, '2024-02-29') }, 3, '... three of them');
	is(index_doc($P1, '2024-02-29')->{product_id}, $pid{$P1}, '... with the product');
	my @days = sort keys %{ { map { (kst_day($_->{at}) => 1) } grep { $_->{cp} == $P1 } @reviews } };
	is_deeply([ grep { /^$pid{$P1}:/ } split /\n/, probe('ids', 'review_days') ], [ map { "$pid{$P1}:$_" } @days ],
		'... one document for each day with reviews, none for the others');

	# a review moved to another day (the collector sent a corrected date)
	my ($m) = grep { $_->{cp} == $P1 && kst_day($_->{at}) eq '2024-03-01' } @reviews;
	$m->{at} = kst('2024-03-02 10:00:00');
	my $r = $s->cli({ stdin => $json->encode({ kind => 'review', product_id => $P1, review_id => $m->{id},
		rating => $m->{rating}, content => $m->{text}, written_at => iso($m->{at}) }) . "\n" }, 'import', '-');
	is($r->{exit}, 0, 'a review moved to another day: imported') or diag($r->{err});
	is_deeply(index_ids($P1, '2024-03-01'), [], '... it left its old day in the index');
	is_deeply(index_ids($P1, '2024-03-02'), ["$pid{$P1}:$m->{id}"], '... and is on its new one');
	is(run_agg()->{exit}, 0, '... a run: exit 0');
	check($P1, 'a review moved to another day');
	is(stored_docs($P1, 0)->{'2024-03-01'}{review_count} // 0, 0, '... its old day counts no review any more');

	# stale entries: a review of 03-15 also listed on 03-14, and ids of no review
	my $d15 = index_ids($P1, '2024-03-15');
	probe('insert', 'review_days', $json->encode({ _id => "$pid{$P1}:2024-03-14", product_id => $pid{$P1} + 0,
		day => '2024-03-14', ids => [ $d15->[0], "$pid{$P1}:no-such-review", "$pid{$P1}:$m->{id}" ] }));
	sql("INSERT INTO rollup_pending (product_id, day) VALUES ($pid{$P1}, '2024-03-14'), ($pid{$P1}, '2024-03-15')");
	$r = run_agg();
	is($r->{exit}, 0, 'stale and duplicate index entries: exit 0') or diag($r->{err});
	check($P1, 'stale and duplicate index entries (each review counted once, on its own day)');
	is(last_run()->[8], @$d15 + @{ want_ids($P1, '2024-04-30') },
		'... the run read the reviews of 03-15 (and of 04-30, the next price day) once each');

	# a lost index document: a range run puts it back
	probe('delete', 'review_days', "$pid{$P1}:2024-02-29");
	$r = run_agg('--from', '2024-02-29', '--to', '2024-02-29');
	is($r->{exit}, 0, 'a lost index document: a range run, exit 0') or diag($r->{err});
	is_deeply(index_ids($P1, '2024-02-29'), want_ids($P1, '2024-02-29'), '... put its ids back');
	like(last_log_line(), qr/aggregator run \d+: ok: .* \(3 reviews added to the day index\)/,
		'... and said so in its log line');
	$r = run_agg('--from', '2024-02-29', '--to', '2024-02-29');
	unlike(last_log_line(), qr/added to the day index/,
		'... a second range run has nothing to add');
	sql("INSERT INTO rollup_pending (product_id, day) VALUES ($pid{$P1}, '2024-02-29')");
	is(run_agg()->{exit}, 0, '... then a pending run of that day: exit 0');
	check($P1, 'a pending run after the index was rebuilt');
}
{
	# New York: 2024-03-10 lasts 23 hours (05:00Z to 04:00Z next day) and overlaps two
	# Korean days, 03-10 from 14:00 and 03-11 to 13:00
	my $ny = "$R/aggregator-ny.conf";
	RevlensTest::write_file($ny, RevlensTest::read_file($conf) . "aggregator.timezone = America/New_York\n");
	my $P9 = 8109;
	my @at = (timegm(59, 59, 4, 10, 2, 2024), timegm(0, 0, 5, 10, 2, 2024), timegm(0, 0, 16, 10, 2, 2024),
		timegm(59, 59, 3, 11, 2, 2024), timegm(0, 0, 4, 11, 2, 2024));
	my $r = RevlensTest::run_cmd([ "$B/revlens", '-c', $ny, 'import', '-' ], stdin => join('', map {
		$json->encode({ kind => 'review', product_id => $P9, review_id => "ny$_", rating => 5, content => $TEXTS[0],
			written_at => iso($at[$_]) }) . "\n" } 0 .. $#at));
	is($r->{exit}, 0, 'another zone: imported') or diag($r->{err});
	$pid{$P9} = sql("SELECT id FROM products WHERE coupang_product_id = $P9");
	is(sql("SELECT string_agg(day::text, ',' ORDER BY day) FROM rollup_pending WHERE product_id = $pid{$P9}"),
		'2024-03-09,2024-03-10,2024-03-11', '... ingestion marked its New York days pending');
	is_deeply([ index_ids($P9, '2024-03-10'), index_ids($P9, '2024-03-11') ],
		[ [ map { "$pid{$P9}:ny$_" } 0, 1 ], [ map { "$pid{$P9}:ny$_" } 2 .. 4 ] ], '... the index holds Korean days');
	$r = agg('-c', $ny, '--product', $pid{$P9});
	is($r->{exit}, 0, '... a pending run in New York time: exit 0') or diag($r->{err});
	my $got = stored_docs($P9, 0);
	is_deeply({ map { ($_ => $got->{$_}{review_count}) } keys %$got },
		{ '2024-03-09' => 1, '2024-03-10' => 3, '2024-03-11' => 1 },
		"... each New York day's reviews, the 23-hour day read from two Korean index days");
	my $before = stored($P9) . stored($P9, '--month');
	$r = agg('-c', $ny, '--product', $pid{$P9}, '--from', '2024-03-01', '--to', '2024-03-31');
	is($r->{exit}, 0, '... a range run (reviews read by date): exit 0') or diag($r->{err});
	is(stored($P9) . stored($P9, '--month'), $before, '... agrees with the pending run (reviews read through the index)');
}

# ------------------------------------------------------------------ a store down
{
	import_items(review($P3, '2024-06-05 10:00:00', 5));
	$s->stop_service('redis');
	my $r = run_agg();
	is($r->{exit}, 1, 'Redis down: exit 1');
	like($r->{err}, qr/Redis/, '... saying which store');
	$s->start_service('redis');
	$s->stop_service('postgres');
	$r = run_agg();
	is($r->{exit}, 1, 'PostgreSQL down: exit 1');
	like($r->{err}, qr/PostgreSQL/, '... saying which store');
	is($s->redis_cli('EXISTS', 'revlens:aggregator:lock'), '0', '... and the lock released');
	$s->start_service('postgres');
	is(run_agg()->{exit}, 0, 'both back: exit 0');
	check($P3, 'after the stores came back');
}

is_deeply([ $s->log_alarms ], [], 'no alarms in the logs');
is_deeply([ grep { /AddressSanitizer|runtime error:|LeakSanitizer/ } map { split /\n/ } @ERRS ], [],
	'no sanitizer reports from the aggregator');
done_testing();
