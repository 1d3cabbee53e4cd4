# revlens-worker against stores that fail under it (issue 12, "Faults"), on a stack whose
# MongoDB stand-in keeps its data across a restart (the H2 backend):
#  - MongoDB stopped mid-job (the worker frozen between two batches while it stops):
#    the job is retried with back-off and, MongoDB back, finishes with exactly one
#    result counting every review once;
#  - PostgreSQL stopped at the summary step (the worker's INSERT of the result waits
#    on a lock when PostgreSQL goes down): the same;
#  - the keyword documents after each: one per keyword, with the counts of the stored
#    reviews (`revlens keywords`), however many runs wrote them.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
plan skip_all => 'revlens is not built' unless RevlensTest::have_web() && RevlensTest::have_cli();
my $B = RevlensTest::builddir();
my $SRC = RevlensTest::srcdir();
my $json = JSON::PP->new->utf8->canonical;

my $s = RevlensTest->start(workers => 1, mongo_backend => 'h2');
my $R = $s->rundir;
sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
my $conf = "$R/worker.conf";
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\nlog.file = $R/worker.log\n"
	. "worker.model_file = $SRC/data/kr/sentiment.model\nworker.collect_timeout = 0\n"
	. "worker.processes = 1\nworker.batch_size = 10\nworker.retry_backoff_ms = 200\n"
	. "worker.max_attempts = 20\nworker.visibility_timeout = 60\n");
sub wlog { decode('UTF-8', RevlensTest::read_file("$R/worker.log")) }

my $alice = $s->add_user('alice');
sub analyse {
	my ($pid) = @_;
	my $r = $s->request('POST', "/api/products/$pid/analyses", { headers => {
		authorization => "Bearer $alice->{token}", 'content-type' => 'application/json' }, content => '{}' });
	my $j = eval { $json->decode($r->{content}) } || {};
	return ($j->{request} // $j)->{id};
}
my @texts = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다', '가격 대비 최고예요 강추',
	'냄새가 이상해서 반품했어요', '보통이에요', '아이가 잘 먹어요 재구매 의사 있어요',
	'양이 적고 품질이 나빠요');
sub product_with_reviews {
	my ($cp, $n) = @_;
	my $pid = sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
	my @items = map { { kind => 'review', product_id => $cp, review_id => "f$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts] . " ${_}번째", written_at => '2026-05-01T10:00:00+09:00' } } 1 .. $n;
	my $r = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
	die "revlens import: $r->{err}" if $r->{exit} != 0;
	return $pid;
}
sub start_worker {
	my $w = fork() // die "fork: $!";
	if ($w == 0) {
		open(STDERR, '>>', "$R/worker.stderr");
		exec("$B/revlens-worker", '-c', $conf, '--once') or POSIX::_exit(127);
	}
	return $w;
}
sub wait_for {
	my ($secs, $what, $cond) = @_;
	my $t0 = time;
	until ($cond->()) {
		if (time - $t0 > $secs) { diag("timed out waiting for $what"); return 0 }
		sleep 0.02;
	}
	return 1;
}
# The keyword documents of a product must be exactly the keywords of its stored reviews,
# one document each, with their counts.
sub keywords_match {
	my ($pid, $cp, $name) = @_;
	my $r = $s->cli('reviews', '--coupang', $cp);
	my %want;
	for my $o (map { $json->decode($_) } grep { /\S/ } split /\n/, $r->{out}) {
		for my $k (@{ $o->{keywords} }) {
			my $w = $want{ $k->{stem} } //= { frequency => 0, positive => 0, negative => 0, neutral => 0 };
			$w->{frequency}++;
			$w->{ $k->{polarity} eq 'pos' ? 'positive' : $k->{polarity} eq 'neg' ? 'negative' : 'neutral' }++;
		}
	}
	my $k = $s->cli('keywords', $pid);
	is($k->{exit}, 0, "$name: revlens keywords") or diag($k->{err});
	my (%got, $dups);
	for my $o (map { $json->decode($_) } grep { /\S/ } split /\n/, $k->{out}) {
		$dups++ if $got{ $o->{keyword} };
		$got{ $o->{keyword} } = { map { $_ => $o->{$_} } qw(frequency positive negative neutral) };
	}
	ok(!$dups, "$name: one keyword document per keyword");
	is_deeply(\%got, \%want, "$name: the keyword documents count the stored reviews' keywords once")
		or diag(scalar(keys %got), ' documents, ', scalar(keys %want), ' keywords');
}

# ------------------------------------------------------------------ MongoDB stopped mid-job
{
	my $N = 2000;
	my $pid = product_with_reviews(4001, $N);
	my $rid = analyse($pid);
	ok($rid, 'a request');
	my $w = start_worker();
	ok(wait_for(60, 'the job to be part done', sub {
		sql("SELECT status || '|' || progress FROM analysis_requests WHERE id = $rid") =~ /^running\|([1-9]\d*)$/ }),
		'the worker is analysing');
	kill 'STOP', $w;
	my $pct = sql("SELECT progress FROM analysis_requests WHERE id = $rid");
	$s->stop_service('mongo');
	kill 'CONT', $w;
	ok(wait_for(60, 'a failed attempt', sub { wlog() =~ /request $rid: attempt \d+ failed: MongoDB.*retrying in/ }),
		"MongoDB stopped at $pct%: the attempt fails and is retried with back-off") or diag(wlog());
	$s->start_service('mongo');
	waitpid($w, 0);
	is($? >> 8, 0, '... MongoDB back, the worker finishes and exits 0');
	is(sql("SELECT status || '|' || (attempts > 1)::text FROM analysis_requests WHERE id = $rid"), 'done|true',
		'... the request is done, after more than one attempt');
	is(sql("SELECT count(*) || '|' || min(review_count) || '|' || min(positive_count + negative_count + neutral_count) "
		. "FROM analysis_results WHERE request_id = $rid"), "1|$N|$N", "... with exactly one result counting the $N reviews once");
	my $r = $s->cli('reviews', '--coupang', 4001);
	my @rv = map { $json->decode($_) } grep { /\S/ } split /\n/, $r->{out};
	is(scalar(grep { $_->{sentiment} && $_->{sentiment}{label} } @rv), $N, '... every stored review analysed');
	keywords_match($pid, 4001, 'after the MongoDB fault');
}

# ------------------------------------------------------------------ PostgreSQL stopped at the summary step
{
	my $N = 300;
	my $pid = product_with_reviews(4002, $N);
	my $rid = analyse($pid);
	# A session that holds analysis_results: the worker's INSERT of the summary waits.
	my $psql = -x '/usr/lib/postgresql/15/bin/psql' ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
	open(my $lock, '|-', $psql, '-X', '-q', '-h', '127.0.0.1', '-p', $s->port('pg'), '-U', 'revlens',
		'-d', 'revlens') or die "psql: $!";
	select((select($lock), $| = 1)[0]);
	print {$lock} "BEGIN;\nLOCK TABLE analysis_results IN ACCESS EXCLUSIVE MODE;\nSELECT pg_sleep(600);\n";
	ok(wait_for(20, 'the lock', sub { sql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
		. "WHERE c.relname = 'analysis_results' AND l.mode = 'AccessExclusiveLock' AND l.granted") == 1 }),
		'a session locks analysis_results');
	my $w = start_worker();
	ok(wait_for(60, 'the summary to wait', sub { sql("SELECT count(*) FROM pg_stat_activity WHERE "
		. "wait_event_type = 'Lock' AND query LIKE 'INSERT INTO analysis_results%'") == 1 }),
		'the worker reaches the summary step and waits there');
	$s->stop_service('postgres');
	{ local $SIG{PIPE} = 'IGNORE'; close($lock); }
	ok(wait_for(60, 'a failed attempt', sub { wlog() =~ /request $rid: attempt \d+ failed: PostgreSQL.*retrying in/ }),
		'PostgreSQL stopped at the summary: the attempt fails and is retried') or diag(wlog());
	$s->start_service('postgres');
	waitpid($w, 0);
	is($? >> 8, 0, '... PostgreSQL back, the worker finishes and exits 0');
	is(sql("SELECT status || '|' || (attempts > 1)::text FROM analysis_requests WHERE id = $rid"), 'done|true',
		'... the request is done, after more than one attempt');
	is(sql("SELECT count(*) || '|' || min(review_count) FROM analysis_results WHERE request_id = $rid"), "1|$N",
		"... with exactly one result of the $N reviews");
	keywords_match($pid, 4002, 'after the PostgreSQL fault');
}

# ------------------------------------------------------------------ keyword documents follow the reviews
{
	# one review's text changes: the keywords it no longer has lose their count or go
	my $cp = 4002;
	my $pid = sql("SELECT id FROM products WHERE coupang_product_id = $cp");
	my @items = map { { kind => 'review', product_id => $cp, review_id => "f$_", rating => 3,
		content => "완전히 새로운 문장 독특한낱말$_", written_at => '2026-05-01T10:00:00+09:00' } } 1 .. 50;
	my $r = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
	is($r->{exit}, 0, '50 reviews edited');
	my $rid = analyse($pid);
	my $w = start_worker();
	waitpid($w, 0);
	is(sql("SELECT status FROM analysis_requests WHERE id = $rid"), 'done', 'analysed again');
	like(wlog(), qr/request $rid: done: 300 reviews \(50 analysed, 250 unchanged\)/, '... only the edited reviews');
	keywords_match($pid, $cp, 'after edits');
	my $k = $s->cli('keywords', $pid);
	like(decode('UTF-8', $k->{out}), qr/"keyword":"독특한낱말/, '... new keywords are there');
	$rid = analyse($pid);
	waitpid(start_worker(), 0);
	like(wlog(), qr/request $rid: done: 300 reviews \(0 analysed, 300 unchanged\).*\(0 written\)/,
		'a run over unchanged reviews writes no keyword document');
}

my $err = -e "$R/worker.stderr" ? RevlensTest::read_file("$R/worker.stderr") : '';
unlike($err, qr/AddressSanitizer|runtime error:|LeakSanitizer/, 'no sanitizer report from the workers');
is_deeply([$s->log_alarms], [], 'no alarms in the logs');
done_testing();
