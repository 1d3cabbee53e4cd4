# `revlens jobs` and `revlens jobs retry` (docs/worker.md, "Operations") against a real
# stack: an empty queue says so before any worker made the group; requests created
# through the API are listed queued; a worker without its model dead-letters them and
# the listing shows them dead with the error; an entry read by hand is shown running
# with its consumer; a request queued with no job says so; --json lines parse; retry
# refuses an unknown id, an unknown entry, a done request, a failure that was not
# dead-lettered, a product with another active request, and a second retry; a retry
# whose XADD cannot be written (Redis writes paused) puts the request back to failed
# with its reason and keeps the dead letter; retries by request id and by entry id
# re-queue the same request (attempts reset, dead entry gone, progress "queued"), and
# the worker then runs each to done with exactly one result; the trigger still refuses
# failed -> queued from anyone else.
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
my $SRC = RevlensTest::srcdir();
die "$B/revlens-worker is not built (run make)\n" unless -x "$B/revlens-worker";

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
my $R = $s->rundir;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

my $stderr = '';    # every run's standard error, checked for sanitizer reports at the end
sub jobs {
	my (@args) = @_;
	my $r = $s->cli('jobs', @args);
	$r->{out} = decode('UTF-8', $r->{out});
	$r->{err} = decode('UTF-8', $r->{err});
	$stderr .= $r->{err};
	return $r;
}
sub jobs_json {
	my $r = jobs('--json');
	return [] if $r->{exit} != 0;     # the checks on its lines then fail
	return [ map { $json->decode(encode('UTF-8', $_)) } grep { /\S/ } split /\n/, $r->{out} ];
}
# the listing's line of request $rid in state $state (human output)
sub line_of {
	my ($out, $state, $rid) = @_;
	return (grep { /^\Q$state\E\s+\S+\s+\Q$rid\E\s/ } split /\n/, $out)[0] // '';
}

# the worker's configuration, as t/integ/worker.t writes it; a second one without its model
my $conf = "$R/worker.conf";
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\nlog.file = $R/worker.log\n"
	. "worker.model_file = $SRC/data/kr/sentiment.model\nworker.collect_timeout = 0\n"
	. "worker.processes = 1\nworker.batch_size = 10\nworker.retry_backoff_ms = 50\n"
	. "worker.visibility_timeout = 10\n");
my $badconf = "$R/badmodel.conf";
RevlensTest::write_file($badconf, RevlensTest::read_file($conf) . "worker.model_file = $R/missing.model\n");
sub worker {
	my ($c) = @_;
	my $r = RevlensTest::run_cmd(["$B/revlens-worker", '-c', $c, '--once']);
	$stderr .= decode('UTF-8', $r->{err});
	return $r;
}

my $alice = $s->add_user('alice');
sub api {
	my ($method, $path, $body) = @_;
	my $r = $s->request($method, $path, { headers => { authorization => "Bearer $alice->{token}",
		'content-type' => 'application/json' }, $method eq 'POST' ? (content => $json->encode($body // {})) : () });
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
my @texts = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다');
# a product created through the API, with $n reviews imported
sub product {
	my ($cp, $n) = @_;
	my $r = api('POST', '/api/products', { url => "https://www.coupang.com/vp/products/$cp" });
	die "POST /api/products: $r->{status} $r->{content}" unless $r->{status} == 201 || $r->{status} == 200;
	import_lines(map { { kind => 'review', product_id => $cp, review_id => "p$cp-$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts], written_at => sprintf('2026-06-%02dT10:00:00+09:00', 1 + $_) } } 0 .. $n - 1)
		if $n > 0;
	return $r->{json}{id};
}
# a step the checks build on (not a check itself: it holds without revlens jobs too)
sub need {
	my ($ok, $what) = @_;
	die "setup failed: $what\n" unless $ok;
}
sub dead_rids {
	my $out = $s->redis_cli('XRANGE', 'revlens:jobs:dead', '-', '+');
	return [ $out =~ /^request_id\n(\d+)$/mg ];
}

# ------------------------------------------------------------------ usage, empty
{
	my $r = jobs('--bogus');
	is($r->{exit} . '|' . ($r->{err} =~ /usage: revlens \[-c CONF\] jobs \[--json\]/ ? 'usage' : $r->{err}), '2|usage',
		'an unknown argument: exit 2 with the usage');
	$r = jobs('retry');
	is($r->{exit} . '|' . ($r->{err} =~ /^revlens jobs retry: give one request id/ ? 'says' : $r->{err}), '2|says',
		'retry without an id: exit 2, saying what it takes');
	$r = jobs('retry', 'abc');
	is($r->{exit} . '|' . ($r->{err} =~ /request id, or a dead-letter entry id/ ? 'says' : $r->{err}), '2|says',
		'retry with a malformed id: exit 2, saying what it takes');
	$r = jobs('retry', '1', '2');
	is($r->{exit} . '|' . ($r->{err} =~ /^revlens jobs retry: give one request id/ ? 'says' : $r->{err}), '2|says',
		'retry with two ids: exit 2, saying what it takes');
	like($s->cli('--help')->{out}, qr/^\s+jobs\s+list queued, running and dead-lettered/m, 'revlens --help lists jobs');

	need($s->redis_cli('EXISTS', 'revlens:jobs') == 0, 'no job stream yet (no request, no worker)');
	$r = jobs();
	is($r->{exit}, 0, 'an empty queue: exit 0');
	like($r->{out}, qr/^no jobs/m, '... "no jobs"');
	$r = jobs('--json');
	is($r->{exit} . '|' . $r->{out}, '0|', '--json on an empty queue: exit 0, no lines');
}

# ------------------------------------------------------------------ queued, before any worker
my $pA = product(4101, 12);
my $pB = product(4102, 12);
my $rA = analyse($pA);
my $rB = analyse($pB);
need($rA && $rB && $rA != $rB, "two requests through the API");
{
	my $r = jobs();
	is($r->{exit}, 0, 'jobs with two queued: exit 0');
	like($r->{out}, qr/^STATE\s+ENTRY\s+REQUEST\s+PRODUCT\s+STATUS\s+STAGE\s+TRIES\s+DETAIL$/m, '... a header');
	like(line_of($r->{out}, 'queued', $rA), qr/^queued\s+\d+-\d+\s+$rA\s+$pA\s+queued\s+-\s+0\s+waiting for a worker/,
		"request $rA is queued with its entry, product and status");
	like(line_of($r->{out}, 'queued', $rB), qr/^queued\s+\d+-\d+\s+$rB\s+$pB\s+queued/, "request $rB too");
	like($r->{out}, qr/^2 queued, 0 running, 0 dead \(no worker has made the group workers yet\)$/m,
		'... counted, and the missing group is not an error');
	my $j = jobs_json();
	is(scalar @$j, 2, '--json: one line per job');
	my ($ja) = grep { ($_->{request_id} // 0) == $rA } @$j;
	ok($ja && $ja->{state} eq 'queued' && $ja->{status} eq 'queued' && $ja->{product_id} == $pA
		&& $ja->{coupang_product_id} == 4101 && $ja->{attempts} == 0 && $ja->{entry} =~ /^\d+-\d+$/,
		'... with state, entry, request, product and status');
}

# ------------------------------------------------------------------ dead letters
my $pH = product(4103, 4);
my $rH = analyse($pH);
{
	my $w = worker($badconf);
	need($w->{exit} == 0 && sql("SELECT string_agg(status, ',' ORDER BY id) FROM analysis_requests WHERE id IN ($rA, $rB, $rH)")
		eq 'failed,failed,failed' && join(',', sort { $a <=> $b } @{ dead_rids() }) eq join(',', sort { $a <=> $b } $rA, $rB, $rH),
		'a worker without its model dead-letters the three requests');
	my $r = jobs();
	note($r->{out});
	is($r->{exit}, 0, 'jobs: exit 0');
	like(line_of($r->{out}, 'dead', $rA),
		qr/^dead\s+\d+-\d+\s+$rA\s+$pA\s+failed\s+\S+\s+1\s+failed at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ after 1 attempt: model: .*missing\.model/,
		"request $rA is listed dead with its failure time, attempts and error");
	like(line_of($r->{out}, 'dead', $rB), qr/missing\.model/, "request $rB too");
	is(line_of($r->{out}, 'queued', $rA) . '|' . ($r->{out} =~ /^dead\s+\S+\s+$rA\s/m ? 'dead' : ''), '|dead',
		'... and no longer queued');
	like($r->{out}, qr/^0 queued, 0 running, 3 dead$/m, '... counted');
	my ($jb) = grep { ($_->{request_id} // 0) == $rB } @{ jobs_json() };
	ok($jb && $jb->{state} eq 'dead' && $jb->{status} eq 'failed' && $jb->{dead_attempts} == 1
		&& $jb->{error} =~ /^model: .*missing\.model/ && $jb->{failed_at} =~ /^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
		'--json: the dead line has error, dead_attempts and failed_at');
}

# ------------------------------------------------------------------ running, and queued with no job
my $pD = product(4104, 3);
my $rD = analyse($pD);
my $pE = product(4105, 0);
my $rE = sql("INSERT INTO analysis_requests (user_id, product_id) SELECT id, $pE FROM users "
	. "WHERE email = 'alice\@example.com' RETURNING id");
{
	my $read = $s->redis_cli('XREADGROUP', 'GROUP', 'workers', 'test-consumer', 'COUNT', '1', 'STREAMS', 'revlens:jobs', '>');
	need($read =~ /request_id\n$rD\n/, "an entry of request $rD read by hand: pending for consumer test-consumer");
	my $r = jobs();
	note($r->{out});
	like(line_of($r->{out}, 'running', $rD),
		qr/^running\s+\d+-\d+\s+$rD\s+$pD\s+queued\s+-\s+0\s+consumer test-consumer, idle \d+\.\d s, delivered 1 time\b/,
		'jobs lists it running with its consumer, idle time and deliveries');
	like(line_of($r->{out}, 'queued', $rE), qr/^queued\s+-\s+$rE\s+$pE\s+queued\s+.*no job on revlens:jobs: no worker will run it .*revlens jobs retry $rE queues it/,
		"a request queued in PostgreSQL with no job on the stream is listed, saying how to queue it");
	my $j = jobs_json();
	my ($jd) = grep { $_->{state} eq 'running' } @$j;
	ok($jd && $jd->{request_id} == $rD && $jd->{consumer} eq 'test-consumer' && $jd->{deliveries} == 1
		&& $jd->{idle_ms} >= 0, '--json: running with consumer, deliveries and idle_ms');
	my ($je) = grep { ($_->{request_id} // 0) == $rE } @$j;
	ok($je && $je->{state} eq 'queued' && !defined $je->{entry}, '--json: the request with no job has entry null');
	is(scalar(grep { $_->{state} eq 'dead' } @$j), 3, '--json: still the three dead ones');
	note(jobs('--json')->{out});
	# the queue lost its job (as after a restore of Redis from an older backup): retry queues it
	$r = jobs('retry', $rE);
	is($r->{exit}, 0, 'retry of a queued request with no job: exit 0') or diag($r->{err});
	like($r->{out}, qr/request $rE of product $pE queued again: job \d+-\d+ on revlens:jobs/, '... its job is on the stream');
	like(line_of(jobs()->{out}, 'queued', $rE), qr/^queued\s+\d+-\d+\s+$rE\s+$pE\s+queued\s+-\s+0\s+waiting for a worker/,
		'... and jobs lists it waiting for a worker');
	$r = jobs('retry', $rE);
	is($r->{exit}, 1, '... a second retry: exit 1, its job is on the queue already');
	# tidy: the hand-read entry acknowledged, both requests cancelled, the new job dropped
	my ($entry) = $read =~ /^(\d+-\d+)$/m;
	$s->redis_cli('XACK', 'revlens:jobs', 'workers', $entry);
	need(api('POST', "/api/requests/$rD/cancel")->{status} == 200, "request $rD cancelled");
	sql("UPDATE analysis_requests SET status = 'cancelled' WHERE id = $rE");
}

# ------------------------------------------------------------------ refusals
my $pF = product(4106, 5);
my $rF = analyse($pF);
my $pG = product(4107, 0);
my $rG = analyse($pG);
need(worker($conf)->{exit} == 0 && sql("SELECT status FROM analysis_requests WHERE id = $rF") . '|'
	. sql("SELECT status FROM analysis_requests WHERE id = $rG") eq 'done|failed',
	"a worker with its model: request $rF done, $rG (no reviews) failed without a dead letter");
{
	my $r = jobs('retry', '999999');
	is($r->{exit}, 1, 'retry of an unknown request: exit 1');
	like($r->{err}, qr/no request 999999/, '... saying there is no such request');
	$r = jobs('retry', '1-0');
	is($r->{exit}, 1, 'retry of an unknown dead-letter entry: exit 1');
	like($r->{err}, qr/no entry 1-0 in revlens:jobs:dead/, '... saying so');
	$r = jobs('retry', $rF);
	is($r->{exit}, 1, 'retry of a done request: exit 1');
	like($r->{err}, qr/request $rF is done, not failed/, '... saying it is done, not failed');
	$r = jobs('retry', $rG);
	is($r->{exit}, 1, 'retry of a failure that was not dead-lettered: exit 1');
	like($r->{err}, qr/request $rG failed without a dead-letter entry/, '... saying so');

	my $rA2 = analyse($pA);
	need($rA2 && $rA2 != $rA, "a new request of product $pA (its request $rA is dead)");
	$r = jobs('retry', $rA);
	is($r->{exit} . '|' . sql("SELECT status FROM analysis_requests WHERE id = $rA"), '1|failed',
		'retry while the product has another active request: exit 1, the request stays failed');
	like($r->{err}, qr/product $pA already has request $rA2 queued/, '... naming that request');
	need(api('POST', "/api/requests/$rA2/cancel")->{status} == 200, "request $rA2 cancelled");
	is(join(',', $r->{exit}, sort { $a <=> $b } @{ dead_rids() }), join(',', 1, sort { $a <=> $b } $rA, $rB, $rH),
		'refusals left the dead letters alone');
}

# ------------------------------------------------------------------ the job cannot be queued
{
	my $before = sql("SELECT status || '|' || error_message || '|' || attempts || '|' || (finished_at IS NOT NULL) "
		. "FROM analysis_requests WHERE id = $rB");
	$s->redis_cli('CLIENT', 'PAUSE', '60000', 'WRITE');    # reads answer, writes wait past the CLI's timeout
	my $r = jobs('retry', $rB);
	$s->redis_cli('CLIENT', 'UNPAUSE');
	like($r->{err}, qr/request $rB is failed again, as before, and keeps its dead-letter entry/,
		'retry while Redis takes no writes says the request is as before');
	is(join('#', $r->{exit}, sql("SELECT status || '|' || error_message || '|' || attempts || '|' || (finished_at IS NOT NULL) "
		. "FROM analysis_requests WHERE id = $rB"), scalar(grep { $_ == $rB } @{ dead_rids() })), "1#$before#1",
		'... exit 1; it is failed with its reason and attempts, and its dead letter is still there');
}

# ------------------------------------------------------------------ retry
{
	my $r = jobs('retry', $rA);
	is($r->{exit}, 0, "retry $rA (by request id): exit 0") or diag($r->{err});
	like($r->{out}, qr/request $rA of product $pA queued again: job \d+-\d+ on revlens:jobs \(1 dead-letter entry removed\)/,
		'... saying where the job is');
	is(sql("SELECT status || '|' || attempts || '|' || coalesce(error_message, '-') || '|' || coalesce(stage, '-') || '|' "
		. "|| (finished_at IS NULL) || '|' || (started_at IS NULL) FROM analysis_requests WHERE id = $rA"),
		'queued|0|-|-|true|true', 'the same request is queued again: attempts 0, no error, stage or times');
	is_deeply([ sort { $a <=> $b } @{ dead_rids() } ], [ sort { $a <=> $b } $rB, $rH ], 'its dead letter is gone, the others stay');
	like(line_of(jobs()->{out}, 'queued', $rA), qr/^queued\s+\d+-\d+\s+$rA\s+$pA\s+queued\s+-\s+0\s+waiting for a worker/,
		'jobs lists it queued with a job on the stream');
	is(decode('UTF-8', $s->redis_cli('HGET', "progress:$rA", 'status')), 'queued', 'its live progress says queued');
	like(decode('UTF-8', $s->redis_cli('HGET', "progress:$rA", 'message')), qr/다시 대기열에 넣었습니다/, '... with a Korean message');

	$r = jobs('retry', $rA);
	is($r->{exit}, 1, 'retry of it again: exit 1');
	like($r->{err}, qr/request $rA is queued, not failed/, '... it is queued, not failed');

	my ($entry) = map { $_->{entry} } grep { $_->{state} eq 'dead' && $_->{request_id} == $rB } @{ jobs_json() };
	ok($entry, "the dead-letter entry of request $rB: $entry");
	$r = jobs('retry', $entry);
	is($r->{exit}, 0, "retry by the dead-letter entry id: exit 0") or diag($r->{err});
	like($r->{out}, qr/request $rB of product $pB queued again/, "... re-queues request $rB");
	is(sql("SELECT status || '|' || attempts FROM analysis_requests WHERE id = $rB"), 'queued|0', '... queued, attempts 0');
	is_deeply(dead_rids(), [ $rH ], 'its dead letter is gone');

	# a retry that stopped after its commit, before its XADD: queued, no job, the dead letter kept
	sql("SELECT set_config('revlens.retry', 'on', true); UPDATE analysis_requests SET status = 'queued', "
		. "error_message = NULL, finished_at = NULL, attempts = 0 WHERE id = $rH");
	like(line_of(jobs()->{out}, 'queued', $rH), qr/^queued\s+-\s+$rH\s+$pH\s+queued\s+.*no job on revlens:jobs: a retry stopped before queueing it; revlens jobs retry $rH finishes it/,
		"an interrupted retry: request $rH is listed queued with no job");
	$r = jobs('retry', $rH);
	is($r->{exit}, 0, 'retry finishes it: exit 0') or diag($r->{err});
	like($r->{out}, qr/request $rH of product $pH queued again: job \d+-\d+/, '... the job is on the stream');
	is_deeply(dead_rids(), [], 'no dead letters left');
	like(line_of(jobs()->{out}, 'queued', $rH), qr/^queued\s+\d+-\d+\s+$rH\s+.*waiting for a worker/, '... listed with its entry');

	need(worker($conf)->{exit} == 0, 'the worker runs');
	is(sql("SELECT string_agg(status || ':' || attempts, ',' ORDER BY id) FROM analysis_requests WHERE id IN ($rA, $rB, $rH)"),
		'done:1,done:1,done:1', 'the retried requests are done, after one attempt each');
	is(sql("SELECT string_agg(n::text, ',' ORDER BY request_id) FROM (SELECT request_id, count(*) AS n FROM analysis_results "
		. "WHERE request_id IN ($rA, $rB, $rH) GROUP BY request_id) x"), '1,1,1', '... with exactly one result each');
	is(sql("SELECT review_count FROM analysis_results WHERE request_id = $rA"), 12, '... of all 12 reviews');
	$r = jobs();
	is($r->{exit} . '|' . ($r->{out} =~ /^no jobs/m ? 'none' : $r->{out}), '0|none', 'and the queue is empty again');
}

# ------------------------------------------------------------------ nobody else re-queues a failed request
{
	eval { sql("UPDATE analysis_requests SET status = 'queued' WHERE id = $rG") };
	my $failed = $@;
	eval { sql("UPDATE analysis_requests SET status = 'queued' WHERE id = $rF") };
	like("$failed|$@", qr/failed -> queued is not allowed.*HINT:\s+a failed request is re-queued only by revlens jobs retry.*\|.*done -> queued is not allowed/s,
		'the trigger refuses failed -> queued outside revlens jobs retry (saying so), and done stays final');
}

# ------------------------------------------------------------------ more entries than one round trip reads
{
	my $cmds = join('', map { "XADD revlens:jobs:dead * request_id " . (900000 + $_) . " product_id 1 error e$_ attempts 3 failed_at 1700000000\n" } 1 .. 1203)
		. join('', map { "XADD revlens:jobs * request_id " . (800000 + $_) . " product_id 1\n" } 1 .. 701);
	my $p = RevlensTest::run_cmd(['redis-cli', '-h', '127.0.0.1', '-p', $s->port('redis')], stdin => $cmds);
	need($p->{exit} == 0, 'redis-cli wrote 1,203 dead letters and 701 jobs');
	my $j = jobs_json();
	my %seen;
	my @dead = grep { $_->{state} eq 'dead' } @$j;
	my @queued = grep { $_->{state} eq 'queued' } @$j;
	is(scalar(@dead) . '|' . scalar(grep { !$seen{ $_->{entry} }++ } @dead), '1203|1203', 'jobs lists all 1,203 dead letters, each once');
	%seen = ();     # the two streams may give the same id
	is(scalar(@queued) . '|' . scalar(grep { !$seen{ $_->{entry} }++ } @queued), '701|701', '... and all 701 queued entries, each once');
	is_deeply([ map { $_->{request_id} } @dead[0, -1] ], [ 900001, 901203 ], '... in stream order');
	like($queued[0]{detail}, qr/request 800001 no longer exists/, 'a job whose request is gone says so');
	is(jobs('retry', '900001')->{exit}, 1, 'retry of a dead letter whose request is gone: exit 1');
}

# a sanitizer build's reports fail the test (nothing to check otherwise)
fail("sanitizer reports:\n$1") if $stderr =~ /((?:AddressSanitizer|runtime error:|LeakSanitizer).*)/s;
done_testing();
