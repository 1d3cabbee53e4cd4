# revlens-worker (docs/worker.md) against a real stack: a request created through the
# API is carried to `done` with a result whose counts equal an independent count of
# the stored reviews' labels; the summary has its documented shape and the survey tags
# of the imported snapshot; a job seen again is skipped (one result); unchanged reviews
# keep their analysis and an edited one is analysed again; a product without reviews
# fails with the Korean message; a cancelled request is skipped; usage errors exit 2;
# a worker killed mid-job is finished by another with exactly one result; a cancel
# mid-job stops it; a second entry of a running request is skipped; collect waits for
# the replay crawler; PostgreSQL down means retries, then done; the master restarts,
# reloads (HUP), survives a Redis restart and stops (TERM); TERM during a batch leaves
# the job pending for the next worker; HUP during a job lets it finish first.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $B = RevlensTest::builddir();
my $SRC = RevlensTest::srcdir();
die "$B/revlens-worker is not built (run make)\n" unless -x "$B/revlens-worker";

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
my $R = $s->rundir;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

# the worker's configuration: the stack's, later lines override
my $conf = "$R/worker.conf";
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\nlog.file = $R/worker.log\n"
	. "worker.model_file = $SRC/data/kr/sentiment.model\nworker.collect_timeout = 0\n"
	. "worker.processes = 1\nworker.batch_size = 10\nworker.retry_backoff_ms = 50\n"
	. "worker.visibility_timeout = 10\n");

my $stderr = '';    # every run's standard error, checked for sanitizer reports at the end
sub worker {
	my (@args) = @_;
	my $r = RevlensTest::run_cmd(["$B/revlens-worker", @args]);
	$r->{err} = decode('UTF-8', $r->{err});
	$stderr .= $r->{err};
	return $r;
}
sub once { worker('-c', $conf, '--once') }

my $alice = $s->add_user('alice');
sub api {
	my ($method, $path) = @_;
	my $r = $s->request($method, $path, $method eq 'POST' ? { headers => { authorization => "Bearer $alice->{token}",
		'content-type' => 'application/json' }, content => '{}' } : { headers => { authorization => "Bearer $alice->{token}" } });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub analyse {
	my ($pid) = @_;
	my $r = api('POST', "/api/products/$pid/analyses");
	return ($r->{json}{request} // $r->{json})->{id};
}
sub import_lines {
	my (@items) = @_;
	my $r = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
	die "revlens import: $r->{err}" if $r->{exit} != 0;
}
sub reviews {
	my ($cp) = @_;
	my $r = $s->cli('reviews', '--coupang', $cp);
	die "revlens reviews --coupang $cp: $r->{err}" if $r->{exit} != 0;
	return { map { my $o = $json->decode($_); ($o->{review_id} => $o) } grep { /\S/ } split /\n/, $r->{out} };
}
sub product {
	my ($cp) = @_;
	return sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
}
sub result_json {
	my ($rid) = @_;
	return $json->decode(encode('UTF-8', sql("SELECT summary FROM analysis_results WHERE request_id = $rid")));
}

# ------------------------------------------------------------------ usage
{
	my $r = worker();
	is($r->{exit}, 2, 'no -c: exit 2');
	like($r->{err}, qr/-c CONF is required/, '... saying what is missing');
	$r = worker('-c', $conf, '--bogus');
	is($r->{exit}, 2, 'an unknown argument: exit 2');
	RevlensTest::write_file("$R/bad.conf", "worker.processes = 0\n");
	$r = worker('-c', "$R/bad.conf", '--once');
	is($r->{exit}, 2, 'an out-of-range key: exit 2');
	like($r->{err}, qr/bad\.conf:1/, '... naming file and line');
}

# ------------------------------------------------------------------ a product with reviews
my @texts = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다', '가격 대비 최고예요 강추',
	'냄새가 이상해서 반품했어요', '보통이에요', '아이가 잘 먹어요 재구매 의사 있어요',
	'양이 적고 품질이 나빠요');
my $CP = 3001;
my $pid = product($CP);
my @items;
for my $i (0 .. 24) {
	push @items, { kind => 'review', product_id => $CP, review_id => "r$i", rating => 1 + $i % 5,
		content => $texts[$i % @texts], written_at => sprintf('2026-03-%02dT10:00:00+09:00', 1 + $i) };
}
push @items,
	{ kind => 'tag', product_id => $CP, question => '맛', answer => '적당해요', percent => 22,
	  observed_at => '2026-03-20T09:00:00+09:00' },
	{ kind => 'tag', product_id => $CP, question => '맛', answer => '아주 맛있어요', percent => 72,
	  observed_at => '2026-03-20T09:00:00+09:00' },
	{ kind => 'tag', product_id => $CP, question => '양', answer => '많아요', percent => 40,
	  observed_at => '2026-03-20T09:00:00+09:00' },
	{ kind => 'tag', product_id => $CP, question => '양', answer => '적당해요', percent => 60,
	  observed_at => '2026-03-20T09:00:00+09:00' },
	{ kind => 'tag', product_id => $CP, question => '맛', answer => '옛날 답', percent => 99,
	  observed_at => '2026-03-01T09:00:00+09:00' };
import_lines(@items);

my $rid = analyse($pid);
ok($rid, 'a request is created through the API');
is(sql("SELECT status FROM analysis_requests WHERE id = $rid"), 'queued', '... queued');
my $r = once();
is($r->{exit}, 0, 'revlens-worker --once exits 0') or diag($r->{err}, RevlensTest::read_file("$R/worker.log"));
is(sql("SELECT status || '|' || stage || '|' || progress || '|' || attempts FROM analysis_requests WHERE id = $rid"),
	'done|summarise|100|1', 'the request is done after one attempt');

my $rv = reviews($CP);
is(scalar(keys %$rv), 25, 'the product has its 25 reviews');
my %lab = (pos => 0, neg => 0, neutral => 0);
my $all_analysed = 1;
for my $o (values %$rv) {
	$all_analysed = 0 unless $o->{sentiment} && $o->{sentiment}{label} && $o->{analyzed_at}
		&& $o->{sentiment}{hash} eq $o->{hash} && ref $o->{keywords} eq 'ARRAY' && ref $o->{aspects} eq 'ARRAY';
	$lab{ $o->{sentiment}{label} // 'none' }++;
}
ok($all_analysed, 'every review has a sentiment (with its hash), keywords, aspects and analyzed_at');
ok($lab{pos} > 0 && $lab{neg} > 0, "both polarities occur (pos $lab{pos}, neg $lab{neg}, neutral $lab{neutral})");
is(sql("SELECT review_count || '|' || positive_count || '|' || negative_count || '|' || neutral_count "
	. "FROM analysis_results WHERE request_id = $rid"), "25|$lab{pos}|$lab{neg}|$lab{neutral}",
	'the result\'s counts equal the stored labels');
is(sql("SELECT avg_rating || '|' || date_from || '|' || date_to || '|' || positive_ratio FROM analysis_results WHERE request_id = $rid"),
	sprintf('3.00|2026-03-01|2026-03-25|%.4f', $lab{pos} / 25), 'average rating, Seoul date range and positive ratio');
like(sql("SELECT model_version FROM analysis_results WHERE request_id = $rid"), qr/^sentiment\.model:[0-9a-f]{16}$/,
	'model_version names the model file and its checksum');

my $sum = result_json($rid);
is_deeply([ sort keys %$sum ], [ sort qw(shares rating_avg first_review_at last_review_at keywords aspects survey_tags representative) ],
	'the summary has the documented members');
is($sum->{shares}{positive}, sprintf('%.4f', $lab{pos} / 25) + 0, 'shares.positive');
ok(abs($sum->{shares}{positive} + $sum->{shares}{negative} + $sum->{shares}{neutral} - 1) < 0.001, 'shares add up to 1');
is($sum->{rating_avg}, 3, 'rating_avg');
is($sum->{first_review_at}, '2026-03-01T01:00:00Z', 'first_review_at (UTC)');
is($sum->{last_review_at}, '2026-03-25T01:00:00Z', 'last_review_at');
{
	my %kw;     # independent count of keyword mentions from the stored reviews
	for my $o (values %$rv) { $kw{ $_->{stem} }++ for @{ $o->{keywords} } }
	my $k0 = $sum->{keywords}[0];
	ok($k0 && $k0->{count} == (sort { $b <=> $a } values %kw)[0], 'the first keyword is the most frequent one');
	ok(!grep({ $_->{count} != $kw{ $_->{keyword} } || $_->{positive} + $_->{negative} + $_->{neutral} != $_->{count} } @{ $sum->{keywords} }),
		'every keyword\'s count equals its mentions and its polarity counts add up');
	ok(@{ $sum->{keywords} } <= 30, 'at most 30 keywords');
	my %asp;
	for my $o (values %$rv) { $asp{ $_->{aspect} }++ for @{ $o->{aspects} } }
	my $delivery = (grep { $_->{aspect} eq '배송' } @{ $sum->{aspects} })[0];
	ok($delivery && $delivery->{reviews} == $asp{'배송'}, "aspect 배송 counts its reviews ($asp{'배송'})");
	ok($delivery && defined $delivery->{share} && defined $delivery->{positive_share}, '... with its share and positive share');
	ok($delivery && ($delivery->{examples}{positive} || $delivery->{examples}{negative})
		&& ($delivery->{examples}{positive} // $delivery->{examples}{negative})->{text} =~ /배송/, '... and an example sentence about it');
}
is_deeply($sum->{survey_tags}, [ { question => '맛', observed_on => '2026-03-20', answers => [
	{ answer => '아주 맛있어요', percent => 72 }, { answer => '적당해요', percent => 22 } ] },
	{ question => '양', observed_on => '2026-03-20', answers => [
	{ answer => '적당해요', percent => 60 }, { answer => '많아요', percent => 40 } ] } ],
	'survey tags: the latest snapshot, questions by text, answers by percent');
ok(@{ $sum->{representative}{positive} } >= 1 && @{ $sum->{representative}{positive} } <= 5
	&& !grep({ $rv->{ $_->{review_id} }{sentiment}{label} ne 'pos' } @{ $sum->{representative}{positive} }),
	'representative positive reviews are positive ones');
ok(!grep({ $rv->{ $_->{review_id} }{sentiment}{label} ne 'neg' } @{ $sum->{representative}{negative} }),
	'representative negative reviews are negative ones');
like(decode('UTF-8', $s->redis_cli('HGET', "progress:$rid", 'status')), qr/^done$/, 'the live progress says done');
ok(sql("SELECT count(*) FROM analysis_results WHERE request_id = $rid") == 1, 'one result row');

# what users read: the summary API and the request page, from this result
{
	my $a = api('GET', "/api/products/$pid/summary");
	is($a->{status}, 200, 'GET /api/products/{id}/summary answers the result');
	is($a->{json}{review_count}, 25, '... review_count');
	ok(abs($a->{json}{positive_share} - $lab{pos} / 25) < 0.001, '... positive_share');
	is($a->{json}{request_id}, $rid, '... of this request');
	is(scalar @{ $a->{json}{survey_tags} }, 2, '... with the survey tags');
	my $page = decode('UTF-8', $s->get("/requests/$rid", { cookie => $alice->{cookie} })->{content} // '');
	like($page, qr/25\s*개 기준/, 'the request page states the sample: 25 reviews');
}

# ------------------------------------------------------------------ the same job again
my $created = sql("SELECT created_at FROM analysis_results WHERE request_id = $rid");
$s->redis_cli('XADD', 'revlens:jobs', '*', 'request_id', $rid, 'product_id', $pid);
$r = once();
is($r->{exit}, 0, 'the worker runs again');
is(sql("SELECT count(*) || '|' || created_at FROM analysis_results WHERE request_id = $rid GROUP BY created_at"),
	"1|$created", 'a job of a done request is skipped: still one result, unchanged');
like(RevlensTest::read_file("$R/worker.log"), qr/request $rid is done; skipped/, '... and the log says why');

# ------------------------------------------------------------------ re-analysis only of changed reviews
my %before = map { ($_ => $rv->{$_}{analyzed_at}) } keys %$rv;
sleep 1.1;  # analyzed_at has second resolution in `revlens reviews`
import_lines({ kind => 'review', product_id => $CP, review_id => 'r3', rating => 1,
	content => '최악이에요. 환불하고 싶어요', written_at => '2026-03-04T10:00:00+09:00' });
ok(!exists reviews($CP)->{r3}{sentiment}, 'the edited review lost its analysis');
my $rid2 = analyse($pid);
ok($rid2 && $rid2 != $rid, 'a second request of the product');
is(once()->{exit}, 0, '... is handled');
is(sql("SELECT status FROM analysis_requests WHERE id = $rid2"), 'done', '... and done');
my $rv2 = reviews($CP);
my @changed = grep { $rv2->{$_}{analyzed_at} ne $before{$_} } sort keys %before;
is_deeply(\@changed, ['r3'], 'only the edited review was analysed again');
is($rv2->{r3}{sentiment}{label}, 'neg', '... with its new text\'s label');
my %lab2 = (pos => 0, neg => 0, neutral => 0);
$lab2{ $_->{sentiment}{label} }++ for values %$rv2;
is(sql("SELECT review_count || '|' || positive_count || '|' || negative_count || '|' || neutral_count "
	. "FROM analysis_results WHERE request_id = $rid2"), "25|$lab2{pos}|$lab2{neg}|$lab2{neutral}",
	'unchanged reviews are still counted in the new result');
like(RevlensTest::read_file("$R/worker.log"), qr/request $rid2: done: 25 reviews \(1 analysed, 24 unchanged\)/,
	'the log counts 1 analysed, 24 unchanged');

# ------------------------------------------------------------------ no reviews
my $empty = product(3002);
my $rid3 = analyse($empty);
is(once()->{exit}, 0, 'a product without reviews: the worker exits 0');
is(sql("SELECT status || '|' || error_message FROM analysis_requests WHERE id = $rid3"),
	'failed|수집된 리뷰가 없어 분석할 수 없습니다. 잠시 후 다시 요청하거나 브라우저 확장 프로그램 ‘revlens로 보내기’로 리뷰를 보내 주세요.',
	'... the request failed with the Korean message');
is(sql("SELECT count(*) FROM analysis_results WHERE request_id = $rid3"), 0, '... and no result');

# ------------------------------------------------------------------ cancelled before it ran
my $rid4 = analyse($pid);
is(api('POST', "/api/requests/$rid4/cancel")->{status}, 200, 'a request is cancelled through the API');
is(once()->{exit}, 0, 'the worker runs');
is(sql("SELECT status || '|' || coalesce(started_at::text, 'never') FROM analysis_requests WHERE id = $rid4"),
	'cancelled|never', 'the cancelled request was skipped, never started');
like(RevlensTest::read_file("$R/worker.log"), qr/request $rid4 is cancelled; skipped/, '... the log says so');
is($s->redis_cli('XLEN', 'revlens:jobs:dead'), 0, 'nothing went to the dead-letter stream');
is($s->redis_cli('XPENDING', 'revlens:jobs', 'workers') =~ /^0/ ? 0 : 1, 0, 'no job is left pending');

# ------------------------------------------------------------------ permanent error: model missing
{
	my $bad = "$R/badmodel.conf";
	RevlensTest::write_file($bad, RevlensTest::read_file($conf) . "worker.model_file = $R/missing.model\n");
	my $rid5 = analyse($pid);
	my $w = worker('-c', $bad, '--once');
	is($w->{exit}, 0, 'a worker without its model runs');
	my $row = sql("SELECT status || '|' || error_message FROM analysis_requests WHERE id = $rid5");
	like($row, qr/^failed\|분석하지 못했습니다 \(model: .*missing\.model/, 'the request failed, saying the model is missing');
	like($s->redis_cli('XRANGE', 'revlens:jobs:dead', '-', '+'), qr/request_id\n$rid5\n.*error\nmodel: .*attempts\n1\nfailed_at/s,
		'the job is in the dead-letter stream with its error and attempts');
}

# ------------------------------------------------------------------ SIGKILL mid-job
SKIP: {
	my $CPK = 3003;
	my $pk = product($CPK);
	my @big = map { { kind => 'review', product_id => $CPK, review_id => "k$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts] . " $_", written_at => '2026-04-01T10:00:00+09:00' } } 1 .. 3000;
	import_lines(@big);
	my $ridk = analyse($pk);
	my $pidw = fork() // die "fork: $!";
	if ($pidw == 0) {
		exec("$B/revlens-worker", '-c', $conf, '--once') or POSIX::_exit(127);
	}
	# wait until the job is part done, then kill the worker without a chance to clean up
	my $t0 = time;
	while (time - $t0 < 60) {
		my $st = sql("SELECT status || '|' || progress FROM analysis_requests WHERE id = $ridk");
		last if $st =~ /^running\|(\d+)$/ && $1 > 10;
		last if $st =~ /^done/;
		sleep 0.05;
	}
	my $st = sql("SELECT status FROM analysis_requests WHERE id = $ridk");
	skip "the job finished before it could be killed ($st)", 4 if $st ne 'running';
	kill 'KILL', $pidw;
	waitpid($pidw, 0);
	is(sql("SELECT status FROM analysis_requests WHERE id = $ridk"), 'running', 'killed mid-job: the request is still running');
	is(once()->{exit}, 0, 'a second worker at once');
	is(sql("SELECT status FROM analysis_requests WHERE id = $ridk"), 'running', '... leaves it to its owner within the visibility timeout');
	sleep 10.5;
	is(once()->{exit}, 0, 'after the visibility timeout another worker runs');
	is(sql("SELECT status || '|' || attempts FROM analysis_requests WHERE id = $ridk"), 'done|2', '... reclaims the job and finishes it');
	is(sql("SELECT count(*) || '|' || min(review_count) FROM analysis_results WHERE request_id = $ridk"), '1|3000',
		'... with exactly one result of all 3,000 reviews');
	like(RevlensTest::read_file("$R/worker.log"), qr/reclaiming job/, '... the log says it reclaimed the job');
}

# ------------------------------------------------------------------ cancelled while running
{
	my $CPC = 3004;
	my $pc = product($CPC);
	import_lines(map { { kind => 'review', product_id => $CPC, review_id => "c$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts] . " $_", written_at => '2026-05-01T10:00:00+09:00' } } 1 .. 2000);
	my $ridc = analyse($pc);
	my $w = fork() // die "fork: $!";
	if ($w == 0) {
		exec("$B/revlens-worker", '-c', $conf, '--once') or POSIX::_exit(127);
	}
	my $t0 = time;
	my $st = '';
	while (time - $t0 < 60) {
		$st = sql("SELECT status || '|' || progress FROM analysis_requests WHERE id = $ridc");
		last if ($st =~ /^running\|(\d+)$/ && $1 > 10) || $st =~ /^done/;
		sleep 0.05;
	}
	like($st, qr/^running/, 'a long job is running');
	is(api('POST', "/api/requests/$ridc/cancel")->{status}, 200, '... when its only user cancels it');
	waitpid($w, 0);
	is($? >> 8, 0, 'the worker stops the job and exits 0');
	is(sql("SELECT status || '|' || (SELECT count(*) FROM analysis_results WHERE request_id = $ridc) "
		. "FROM analysis_requests WHERE id = $ridc"), 'cancelled|0', '... the request stays cancelled, no result');
	my $rc = reviews($CPC);
	my $left = grep { !$_->{sentiment} } values %$rc;
	ok($left > 0, "... and it stopped at the next batch ($left of 2000 reviews not analysed)");
	like(RevlensTest::read_file("$R/worker.log"), qr/request $ridc: cancelled; stopped/, '... the log says so');
}

# ------------------------------------------------------------------ one worker per request
{
	my $CPD = 3005;
	my $pd = product($CPD);
	import_lines(map { { kind => 'review', product_id => $CPD, review_id => "d$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts] . " $_", written_at => '2026-05-02T10:00:00+09:00' } } 1 .. 2000);
	my $ridd = analyse($pd);
	my $w = fork() // die "fork: $!";
	if ($w == 0) {
		exec("$B/revlens-worker", '-c', $conf, '--once') or POSIX::_exit(127);
	}
	my $t0 = time;
	my $st = '';
	while (time - $t0 < 60) {
		$st = sql("SELECT status || '|' || progress FROM analysis_requests WHERE id = $ridd");
		last if ($st =~ /^running\|(\d+)$/ && $1 > 10) || $st =~ /^done/;
		sleep 0.05;
	}
	like($st, qr/^running/, 'a job is running');
	$s->redis_cli('XADD', 'revlens:jobs', '*', 'request_id', $ridd, 'product_id', $pd);
	is(once()->{exit}, 0, 'a second worker meets the same request on the stream');
	like(RevlensTest::read_file("$R/worker.log"), qr/request $ridd is being analysed by another worker; skipped/,
		'... and leaves it to the worker running it');
	waitpid($w, 0);
	is(sql("SELECT status || '|' || attempts || '|' || (SELECT count(*) || ':' || min(review_count) "
		. "FROM analysis_results WHERE request_id = $ridd) FROM analysis_requests WHERE id = $ridd"),
		'done|1|1:2000', 'the first worker finishes it: one run, one result');
}

# ------------------------------------------------------------------ collect: the replay crawler
SKIP: {
	skip 'revlens-replay-crawler is not built', 6 unless -x "$B/revlens-replay-crawler";
	my $tok = $s->service_token('replay');
	RevlensTest::write_file("$R/replay.token", "$tok\n", 0600);
	(my $revlens = $s->url('')) =~ s{/+$}{};
	my $rconf = "$R/replay.conf";
	RevlensTest::write_file($rconf, RevlensTest::read_file($s->conf) . "\nlog.file = $R/replay.log\n"
		. "crawler.revlens_url = $revlens\ncrawler.token_file = $R/replay.token\ncrawler.backoff_ms = 100\n");
	my $CPR = 3006;
	my $pr = product($CPR);
	RevlensTest::write_file("$R/replay.jsonl", join('', map { $json->encode({ kind => 'review', product_id => $CPR,
		review_id => "p$_", rating => 1 + $_ % 5, content => $texts[$_ % @texts], written_at => '2026-06-01' }) . "\n" } 1 .. 12));
	my $cconf = "$R/collect.conf";
	RevlensTest::write_file($cconf, RevlensTest::read_file($conf) . "worker.collect_timeout = 60\n");
	my $crawls = $s->redis_cli('XLEN', 'revlens:crawl');
	my $ridr = analyse($pr);
	my $w = fork() // die "fork: $!";
	if ($w == 0) {
		exec("$B/revlens-worker", '-c', $cconf, '--once') or POSIX::_exit(127);
	}
	my $t0 = time;
	sleep 0.05 while time - $t0 < 20 && $s->redis_cli('XLEN', 'revlens:crawl') == $crawls;
	is($s->redis_cli('XLEN', 'revlens:crawl'), $crawls + 1, 'collect: the worker puts a crawl request on the stream');
	is(sql("SELECT status || '|' || stage FROM analysis_requests WHERE id = $ridr"), 'running|collect', '... and waits in stage collect');
	my $c = RevlensTest::run_cmd(["$B/revlens-replay-crawler", '-c', $rconf, '--once', '--file', "$R/replay.jsonl"]);
	is($c->{exit}, 0, 'the replay crawler answers it') or diag $c->{err};
	waitpid($w, 0);
	is($? >> 8, 0, 'the worker exits 0');
	is(sql("SELECT status || '|' || (SELECT review_count FROM analysis_results WHERE request_id = $ridr) "
		. "FROM analysis_requests WHERE id = $ridr"), 'done|12', 'the request is done with the 12 collected reviews');
	like(RevlensTest::read_file("$R/worker.log"), qr/request $ridr: crawl done/, '... after the crawl reported done');
}

# ------------------------------------------------------------------ PostgreSQL down: retry
{
	my $rconf = "$R/retry.conf";
	RevlensTest::write_file($rconf, RevlensTest::read_file($conf) . "worker.retry_backoff_ms = 300\nworker.max_attempts = 10\n");
	my $ridp = analyse($pid);
	$s->stop_service('postgres');
	my $w = fork() // die "fork: $!";
	if ($w == 0) {
		exec("$B/revlens-worker", '-c', $rconf, '--once') or POSIX::_exit(127);
	}
	my $t0 = time;
	sleep 0.1 while time - $t0 < 20 && RevlensTest::read_file("$R/worker.log") !~ /request $ridp: attempt 1 failed: PostgreSQL/;
	like(RevlensTest::read_file("$R/worker.log"), qr/request $ridp: attempt 1 failed: PostgreSQL.*retrying in 300 ms/,
		'PostgreSQL down: the job is retried with back-off');
	$s->start_service('postgres');
	waitpid($w, 0);
	is($? >> 8, 0, 'the worker exits 0');
	is(sql("SELECT status || '|' || (SELECT count(*) FROM analysis_results WHERE request_id = $ridp) "
		. "FROM analysis_requests WHERE id = $ridp"), 'done|1', '... and PostgreSQL back, the request is done with one result');
}

# ------------------------------------------------------------------ the master
{
	my $mconf = "$R/master.conf";
	RevlensTest::write_file($mconf, RevlensTest::read_file($conf) . "worker.processes = 2\nworker.pidfile = $R/worker.pid\n");
	my $rid6 = analyse($empty);
	my $m = fork() // die "fork: $!";
	if ($m == 0) {
		exec("$B/revlens-worker", '-c', $mconf) or POSIX::_exit(127);
	}
	my $t0 = time;
	sleep 0.1 while time - $t0 < 30 && sql("SELECT status FROM analysis_requests WHERE id = $rid6") =~ /^(queued|running)$/;
	is(sql("SELECT status FROM analysis_requests WHERE id = $rid6"), 'failed', 'the master\'s processes take jobs');
	my @kids = grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
	is(scalar(@kids), 2, 'the master runs worker.processes = 2 processes');
	kill 'KILL', $kids[0];
	$t0 = time;
	my @now;
	while (time - $t0 < 10) {
		@now = grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
		last if @now == 2 && !grep { $_ == $kids[0] } @now;
		sleep 0.1;
	}
	ok(@now == 2 && !grep({ $_ == $kids[0] } @now), 'a killed process is replaced');
	kill 'HUP', $m;
	$t0 = time;
	my @after;
	while (time - $t0 < 10) {
		@after = grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
		last if @after == 2 && !grep { my $k = $_; grep { $_ == $k } @now } @after;
		sleep 0.1;
	}
	ok(@after == 2 && !grep({ my $k = $_; grep { $_ == $k } @now } @after), 'HUP replaces every process');
	# Redis restarted under the running processes: they reconnect, no job is lost (nchan
	# may hold each progress message for its 2 s timeout while it reconnects itself)
	$s->stop_service('redis');
	sleep 1.5;
	$s->start_service('redis');
	my $rid7 = analyse($empty);
	$t0 = time;
	sleep 0.1 while time - $t0 < 30 && sql("SELECT status FROM analysis_requests WHERE id = $rid7") =~ /^(queued|running)$/;
	is(sql("SELECT status FROM analysis_requests WHERE id = $rid7"), 'failed', 'after a Redis restart the processes take the next job')
		or diag(join("\n", (split /\n/, RevlensTest::read_file("$R/worker.log"))[-30 .. -1]));
	# a Redis that lost the stream and its group: the processes make the group again
	$s->redis_cli('DEL', 'revlens:jobs');
	my $rid8 = analyse($empty);
	$t0 = time;
	sleep 0.1 while time - $t0 < 30 && sql("SELECT status FROM analysis_requests WHERE id = $rid8") =~ /^(queued|running)$/;
	is(sql("SELECT status FROM analysis_requests WHERE id = $rid8"), 'failed', 'the stream and group lost: the processes make the group again and take the job');
	kill 'TERM', $m;
	$t0 = time;
	my $gone = 0;
	while (time - $t0 < 10) {
		if (waitpid($m, POSIX::WNOHANG()) == $m) { $gone = 1; last }
		sleep 0.1;
	}
	ok($gone && $? == 0, 'TERM stops the master and its processes, exit 0');
	ok(!-e "$R/worker.pid", '... and removes its pidfile');
}

# A master on $conf in the middle of analysing 2,000 reviews of Coupang product $cp
# (review ids "$prefix<n>", written on $day): returns (master pid, request id, the
# request's "status|progress" when it was caught running).
sub master_mid_job {
	my ($cp, $prefix, $day) = @_;
	my $pid = product($cp);
	import_lines(map { { kind => 'review', product_id => $cp, review_id => "$prefix$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts] . " $_", written_at => "${day}T10:00:00+09:00" } } 1 .. 2000);
	my $rid = analyse($pid);
	my $m = fork() // die "fork: $!";
	if ($m == 0) {
		exec("$B/revlens-worker", '-c', $conf) or POSIX::_exit(127);
	}
	my $t0 = time;
	my $st = '';
	while (time - $t0 < 60) {
		$st = sql("SELECT status || '|' || progress FROM analysis_requests WHERE id = $rid");
		last if ($st =~ /^running\|(\d+)$/ && $1 > 10) || $st =~ /^done/;
		sleep 0.05;
	}
	return ($m, $rid, $st);
}

# ------------------------------------------------------------------ TERM during a batch
{
	my ($m, $ridt, $st) = master_mid_job(3007, 't', '2026-05-03');
	like($st, qr/^running/, 'TERM during a batch: a job is running');
	kill 'TERM', $m;
	waitpid($m, 0);
	is($?, 0, '... the master exits 0');
	is(sql("SELECT status || '|' || (SELECT count(*) FROM analysis_results WHERE request_id = $ridt) "
		. "FROM analysis_requests WHERE id = $ridt"), 'queued|0', '... the request is back in the queue, no result');
	like($s->redis_cli('XPENDING', 'revlens:jobs', 'workers'), qr/^1\n/, '... its job stays pending');
	sleep 10.5;
	is(once()->{exit}, 0, 'after the visibility timeout a worker runs');
	is(sql("SELECT status || '|' || attempts || '|' || (SELECT count(*) || ':' || min(review_count) "
		. "FROM analysis_results WHERE request_id = $ridt) FROM analysis_requests WHERE id = $ridt"),
		'done|2|1:2000', '... and finishes the job: one result of all 2,000 reviews');
}

# ------------------------------------------------------------------ HUP during a job
{
	my ($m, $ridh, $st) = master_mid_job(3008, 'h', '2026-05-04');
	my $t0;
	like($st, qr/^running/, 'HUP during a job: a job is running');
	my @before = grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
	kill 'HUP', $m;
	$t0 = time;
	sleep 0.1 while time - $t0 < 60 && sql("SELECT status FROM analysis_requests WHERE id = $ridh") eq 'running';
	is(sql("SELECT status || '|' || attempts || '|' || (SELECT count(*) || ':' || min(review_count) "
		. "FROM analysis_results WHERE request_id = $ridh) FROM analysis_requests WHERE id = $ridh"),
		'done|1|1:2000', '... the process finishes it first (one attempt, one result)');
	$t0 = time;
	my @after;
	while (time - $t0 < 10) {
		@after = grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
		last if @after == 1 && $after[0] != $before[0];
		sleep 0.1;
	}
	ok(@after == 1 && @before == 1 && $after[0] != $before[0], '... and is then replaced');
	kill 'TERM', $m;
	waitpid($m, 0);
	is($?, 0, 'the master stops');
}

# ------------------------------------------------------------------ nginx down
{
	my $pt = sql("SELECT id FROM products WHERE coupang_product_id = 3007");
	my $ridn = analyse($pt);
	$s->stop_service('nginx');
	my $w = once();
	$s->start_service('nginx');
	is($w->{exit}, 0, 'nginx down: the worker runs a job of 200 batches');
	is(sql("SELECT status FROM analysis_requests WHERE id = $ridn"), 'done', '... and finishes it');
	my $n = () = RevlensTest::read_file("$R/worker.log") =~ /request $ridn: progress: nchan/g;
	ok($n >= 1 && $n <= 5, "... trying the publisher again only now and then ($n failed publishes, not one per batch)");
	is(decode('UTF-8', $s->redis_cli('HGET', "progress:$ridn", 'status')), 'done', '... the progress hash is still kept');
}

my @alarms = grep { /Sanitizer|runtime error:/ } split /\n/, RevlensTest::read_file("$R/worker.log") . $stderr;
is(scalar(@alarms), 0, 'no sanitizer reports from the worker') or diag(join("\n", @alarms));

done_testing();
