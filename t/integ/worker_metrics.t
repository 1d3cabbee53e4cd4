# revlens-worker's metrics (docs/worker.md "## Metrics") against a real stack: the
# master serves GET /metrics on worker.metrics_listen; the queue's depth, pending
# entries and dead letters are Redis' own numbers at scrape time; job outcomes,
# reviews (analysed, unchanged), stage durations, restarts, reclaims and reloads equal
# the facts of the jobs the test ran; a killed process is restarted and no counter
# goes backwards; a silent client does not stop the master from supervising or
# answering the next scrape; 404, 405, 400 and 431; Redis down means redis_up 0 and
# no queue gauges; a non-loopback or malformed worker.metrics_listen exits 2.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use HTTP::Tiny;
use IO::Socket::INET;
use IO::Socket::IP;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $B = RevlensTest::builddir();
my $SRC = RevlensTest::srcdir();
die "$B/revlens-worker is not built (run make)\n" unless -x "$B/revlens-worker";

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
my $R = $s->rundir;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

# a free loopback port for the metrics
my $port = do {
	my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)
		or die "no free port: $!";
	my $p = $sock->sockport;
	close $sock;
	$p;
};
my $base = RevlensTest::read_file($s->conf) . "\nlog.file = $R/worker.log\n"
	. "worker.model_file = $SRC/data/kr/sentiment.model\nworker.processes = 1\nworker.batch_size = 10\n"
	. "worker.retry_backoff_ms = 50\nworker.visibility_timeout = 10\nworker.pidfile = $R/worker.pid\n"
	. "worker.metrics_listen = 127.0.0.1:$port\n";
my $conf = "$R/worker.conf";
sub set_conf { my ($extra) = @_; RevlensTest::write_file($conf, $base . $extra) }

my $stderr = '';
sub worker {
	my (@args) = @_;
	my $r = RevlensTest::run_cmd(["$B/revlens-worker", @args]);
	$r->{err} = decode('UTF-8', $r->{err});
	$stderr .= $r->{err};
	return $r;
}

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
sub product {
	my ($cp) = @_;
	return sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
}
sub status { my ($rid) = @_; sql("SELECT status FROM analysis_requests WHERE id = $rid") }
# a step the checks stand on, which holds without the metrics too: not a check, the
# test stops when it does not hold
sub need {
	my ($ok, $what) = @_;
	return if $ok;
	diag(join("\n", (split /\n/, RevlensTest::read_file("$R/worker.log"))[-30 .. -1]));
	die "precondition failed: $what\n";
}
sub wait_for {
	my ($what, $secs) = @_;
	my $t0 = time;
	until ($what->()) {
		return 0 if time - $t0 > ($secs // 30);
		sleep 0.1;
	}
	return 1;
}

# ------------------------------------------------------------------ the scrape
my $http = HTTP::Tiny->new(timeout => 10);
my $url = "http://127.0.0.1:$port/metrics";
my $last_text = '';
# GET /metrics: { 'name{labels}' => value }, with every family's HELP and TYPE checked
my $families_ok = 1;
sub scrape {
	my $r = $http->get($url);
	return undef unless $r->{status} == 200;
	$last_text = $r->{content};
	my (%m, %help, %type);
	for (split /\n/, $r->{content}) {
		if (/^# HELP (\w+) \S/) { $help{$1} = 1; next }
		if (/^# TYPE (\w+) (counter|gauge|histogram)$/) { $type{$1} = $2; next }
		if (/^(\w+)(\{[^}]*\})? (\S+)$/) {
			my ($name, $labels, $v) = ($1, $2 // '', $3);
			$m{ $name . $labels } = $v;
			my $fam = $name;
			$fam =~ s/_(bucket|sum|count)$// unless $type{$fam};
			$families_ok = 0 unless $help{$fam} && $type{$fam};
			next;
		}
		$families_ok = 0;
	}
	$m{_ctype} = $r->{headers}{'content-type'};
	return \%m;
}
sub metric { my ($name) = @_; my $m = scrape() or return undef; $m->{$name} }
sub wait_metric {
	my ($name, $want, $secs) = @_;
	wait_for(sub { my $v = metric($name); defined $v && $v == $want }, $secs);
	return metric($name);
}
sub children {
	my ($m) = @_;
	return grep { /^\d+$/ } split /\s+/, `pgrep -P $m`;
}
# raw bytes to the endpoint: the whole answer
sub raw {
	my ($bytes) = @_;
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 5)
		or return "connect: $!";
	print {$c} $bytes;
	local $/;
	my $ans = <$c> // '';
	close $c;
	return $ans;
}

# ------------------------------------------------------------------ configuration errors
for my $bad ('0.0.0.0:9464', '192.0.2.1:9464', '[::]:9464', '127.0.0.1', '127.0.0.1:0', 'localhost:99999', 'nonsense') {
	RevlensTest::write_file("$R/bad.conf", $base . "worker.metrics_listen = $bad\n");
	my $r = worker('-c', "$R/bad.conf", '--once');
	is($r->{exit}, 2, "worker.metrics_listen = $bad: exit 2");
	like($r->{err}, qr/bad\.conf:\d+: worker\.metrics_listen: "\Q$bad\E" is not a loopback HOST:PORT/,
		'... naming the key and saying what it must be');
}

# ------------------------------------------------------------------ products and reviews
my @texts = ('배송이 빠르고 맛있어요. 또 살게요', '맛이 별로예요. 너무 짜고 비싸요', '그냥 그래요',
	'포장이 꼼꼼하고 신선해요', '배송이 너무 늦었어요. 실망입니다', '가격 대비 최고예요 강추');
my $CP = 4001;
my $p1 = product($CP);
my $N = 25;
{
	my $in = join('', map { $json->encode({ kind => 'review', product_id => $CP, review_id => "m$_", rating => 1 + $_ % 5,
		content => $texts[$_ % @texts], written_at => sprintf('2026-03-%02dT10:00:00+09:00', 1 + $_) }) . "\n" } 0 .. $N - 1);
	my $r = $s->cli({ stdin => $in }, 'import', '-');
	die "revlens import: $r->{err}" if $r->{exit} != 0;
}
my $p2 = product(4002);     # no reviews

# ------------------------------------------------------------------ the master; a job waiting in collect
# worker.collect_timeout = 60 and no crawler: a job waits in stage collect until the
# test writes its product's crawl state, so the process is busy for as long as needed
set_conf("worker.collect_timeout = 60\n");
my $ridA = analyse($p1);
need($ridA, 'a request of a product with reviews');
my $m = fork() // die "fork: $!";
if ($m == 0) {
	exec("$B/revlens-worker", '-c', $conf) or POSIX::_exit(127);
}
ok(wait_for(sub { defined scrape() }, 20), 'the master answers GET /metrics on worker.metrics_listen')
	or diag(RevlensTest::read_file("$R/worker.log"));
need(wait_for(sub { sql("SELECT status || '|' || coalesce(stage, '') FROM analysis_requests WHERE id = $ridA") eq 'running|collect' }),
	'its process takes the job and waits in collect');
my $ridB = analyse($p2);
need($ridB, 'a second request while the only process is busy');
my $m0 = scrape();
like($m0->{_ctype} // '', qr{^text/plain; version=0\.0\.4}, 'the Prometheus text format');
is($m0->{revlens_worker_queue_depth}, 1, 'queue depth 1: the second job is not delivered to any process');
is($m0->{revlens_worker_queue_pending}, 1, 'one job pending: the one in collect');
is($m0->{revlens_worker_busy}, 1, 'one process busy');
is($m0->{revlens_worker_processes}, 1, 'one process running (worker.processes = 1)');
is($m0->{revlens_worker_redis_up}, 1, 'Redis up');
is($m0->{revlens_worker_dead_letters}, 0, 'no dead letters');
is($m0->{'revlens_worker_jobs_total{outcome="done"}'}, 0, 'no job done yet');
is($m0->{revlens_worker_restarts_total}, 0, 'no restart yet');
ok($m0->{revlens_worker_start_time_seconds} > 1.7e9, 'the master\'s start time');

# ------------------------------------------------------------------ a process killed: restarted, reclaimed
need(api('POST', "/api/requests/$ridB/cancel")->{status} == 200, 'the second request is cancelled (its job will be skipped)');
{
	# a client that connects and says nothing holds the one connection while the
	# master must notice the killed process and start another
	my $silent = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp') or die "connect: $!";
	my @kids = children($m);
	need(@kids == 1, 'one process');
	kill 'KILL', $kids[0];
	my @now;
	ok(wait_for(sub { @now = children($m); @now == 1 && $now[0] != $kids[0] }, 20),
		'a process killed while a silent client holds the metrics connection is replaced');
	my $buf = '';
	my $eof = wait_for(sub { my $n = sysread($silent, $buf, 100); defined $n && $n == 0 }, 10);
	ok($eof, 'the master closes the silent connection (read timeout)');
	close $silent;
}
my $m1 = scrape();
ok($m1, 'the next scrape is answered');
is($m1->{revlens_worker_restarts_total}, 1, 'restarts_total 1');
is($m1->{revlens_worker_processes}, 1, 'one process running again');
my @back = grep { /_total\b|_count\b|_sum\b|_bucket\b/ && ($m1->{$_} // 0) < $m0->{$_} } sort keys %$m0;
is_deeply(\@back, [], 'no counter went backwards over the restart');
# the replacement skips the cancelled job and, after worker.visibility_timeout,
# reclaims the killed one, which waits in collect again
need(wait_for(sub { sql("SELECT status || '|' || attempts FROM analysis_requests WHERE id = $ridA") eq 'running|2' }, 40),
	'the killed job is reclaimed (a second attempt)');
is(wait_metric('revlens_worker_reclaims_total', 1), 1, 'reclaims_total 1');
sql("INSERT INTO product_crawl_status (product_id, state, collector, updated_at) VALUES ($p1, 'done', 'test', now()) "
	. "ON CONFLICT (product_id) DO UPDATE SET state = 'done', updated_at = now()");
need(wait_for(sub { status($ridA) eq 'done' }), 'its crawl reported, the job is done');
is(wait_metric('revlens_worker_jobs_total{outcome="skipped"}', 1), 1, 'jobs_total{skipped} 1: the cancelled job');
# the request is done before its process has written the keywords and acknowledged
# the job: the counters follow
is(wait_metric('revlens_worker_jobs_total{outcome="done"}', 1), 1, 'jobs_total{done} 1');
wait_metric('revlens_worker_busy', 0);
my $m2 = scrape();
is($m2->{'revlens_worker_reviews_total{result="analysed"}'}, $N, "reviews_total{analysed} $N: every imported review");
is($m2->{'revlens_worker_reviews_total{result="unchanged"}'}, 0, 'reviews_total{unchanged} 0');
need(sql("SELECT review_count FROM analysis_results WHERE request_id = $ridA") == $N, 'the result counts every review');
is($m2->{'revlens_worker_stage_duration_seconds_count{stage="collect"}'}, 1,
	'one collect stage ended (the killed process never ended its own)');
is($m2->{'revlens_worker_stage_duration_seconds_count{stage="analyse"}'}, 1, 'one analyse stage');
is($m2->{'revlens_worker_stage_duration_seconds_count{stage="summarise"}'}, 1, 'one summarise stage');
is($m2->{'revlens_worker_stage_duration_seconds_bucket{stage="analyse",le="+Inf"}'}, 1, '... in the histogram\'s +Inf bucket');
ok($m2->{'revlens_worker_stage_duration_seconds_sum{stage="collect"}'} > 0, 'time spent in collect');
ok(defined $m2->{revlens_worker_last_job_reviews_per_second} && $m2->{revlens_worker_last_job_reviews_per_second} > 0,
	'the last job\'s reviews per second');
is($m2->{revlens_worker_queue_depth}, 0, 'queue depth 0');
is($m2->{revlens_worker_queue_pending}, 0, 'nothing pending');
is($m2->{revlens_worker_busy}, 0, 'no process busy');
is($m2->{'revlens_worker_jobs_total{outcome="released"}'}, 0, 'nothing released');

# ------------------------------------------------------------------ HUP: collect off; the same job again, and a failure
set_conf("worker.collect_timeout = 0\n");
{
	my @before = children($m);
	kill 'HUP', $m;
	is(wait_metric('revlens_worker_reloads_total', 1), 1, 'HUP: reloads_total 1');
	need(wait_for(sub { my @k = children($m); @k == 1 && $k[0] != $before[0] }), 'HUP replaces the process');
}
my $ridC = analyse($p1);
need(wait_for(sub { status($ridC) eq 'done' }), 'the same product analysed again');
is(wait_metric('revlens_worker_jobs_total{outcome="done"}', 2), 2, 'jobs_total{done} 2 (counters kept over the reload)');
my $m3 = scrape();
is($m3->{'revlens_worker_reviews_total{result="unchanged"}'}, $N, "reviews_total{unchanged} $N: every review kept its analysis");
is($m3->{'revlens_worker_reviews_total{result="analysed"}'}, $N, "reviews_total{analysed} still $N");
is($m3->{'revlens_worker_stage_duration_seconds_count{stage="collect"}'}, 2, 'two collect stages (the second one skips the crawl)');
my $ridE = analyse($p2);
need(wait_for(sub { status($ridE) eq 'failed' }), 'a product without reviews fails');
is(wait_metric('revlens_worker_jobs_total{outcome="failed"}', 1), 1, 'jobs_total{failed} 1');

# ------------------------------------------------------------------ a dead letter: the model missing
set_conf("worker.collect_timeout = 0\nworker.model_file = $R/missing.model\n");
{
	my @before = children($m);
	kill 'HUP', $m;
	need(wait_for(sub { my @k = children($m); @k == 1 && $k[0] != $before[0] }), 'HUP to a configuration without the model file');
}
my $ridD = analyse($p1);
need(wait_for(sub { status($ridD) eq 'failed' }), 'the job fails: no model');
is(wait_metric('revlens_worker_jobs_total{outcome="dead"}', 1), 1, 'jobs_total{dead} 1');
my $m4 = scrape();
is($m4->{revlens_worker_dead_letters}, $s->redis_cli('XLEN', 'revlens:jobs:dead'), 'dead_letters equals the dead-letter stream\'s length');
is($m4->{revlens_worker_dead_letters}, 1, '... 1');
is($m4->{revlens_worker_reloads_total}, 2, 'reloads_total 2');
my @back2 = grep { /_total\b|_count\b|_sum\b|_bucket\b/ && ($m4->{$_} // 0) < $m2->{$_} } sort keys %$m2;
is_deeply(\@back2, [], 'no counter went backwards over two reloads');
ok($families_ok, 'every sample belongs to a family with HELP and TYPE lines') or diag $last_text;

# ------------------------------------------------------------------ a second kill, counters in hand
{
	my @kids = children($m);
	need(@kids == 1, 'one process');
	kill 'KILL', $kids[0];
	my @now;
	need(wait_for(sub { @now = children($m); @now == 1 && $now[0] != $kids[0] }, 20), 'the killed process is replaced');
	need(wait_for(sub { RevlensTest::read_file("$R/worker.log") =~ /consumer \S+-$now[0] of revlens:jobs\/workers ready/ }),
		'the new process is ready');
	my $m6 = scrape();
	is($m6->{revlens_worker_restarts_total}, 2, 'a second kill: restarts_total 2');
	my @back3 = grep { /_total\b|_count\b|_sum\b|_bucket\b/ && ($m6->{$_} // 0) < $m4->{$_} } sort keys %$m4;
	is_deeply(\@back3, [], '... and the counters the killed process had added are still there');
	is($m6->{'revlens_worker_jobs_total{outcome="done"}'}, 2, '... jobs_total{done} 2');
}

# ------------------------------------------------------------------ not /metrics
like(raw("GET /other HTTP/1.1\r\nHost: x\r\n\r\n"), qr{^HTTP/1\.1 404 .*\r\nConnection: close\r\n}s, 'another path: 404');
like(raw("GET /metricsx HTTP/1.0\r\n\r\n"), qr{^HTTP/1\.1 404 }, '/metricsx: 404');
like(raw("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), qr{^HTTP/1\.1 200 .*revlens_worker_jobs_total}s, 'a query string is ignored: 200');
my $post = raw("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
like($post, qr{^HTTP/1\.1 405 }, 'POST: 405');
like($post, qr{\r\nAllow: GET, HEAD\r\n}, '... with Allow');
like(decode('UTF-8', $post), qr/GET \/metrics 로 요청해 주세요/, '... saying what to do, in Korean');
my $head = raw("HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
like($head, qr{^HTTP/1\.1 200 .*Content-Length: [1-9]\d*\r\n}s, 'HEAD: 200 with the length');
like($head, qr{\r\n\r\n\z}, '... and no body');
like(raw("hello\r\n\r\n"), qr{^HTTP/1\.1 400 }, 'garbage: 400');
like(raw("GET /metrics HTTP/9.9\r\n\r\n"), qr{^HTTP/1\.1 400 }, 'an unknown HTTP version: 400');
like(raw("GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n"), qr{^HTTP/1\.1 400 }, 'a malformed header line: 400');
like(raw("GET /metrics HTTP/1.1\r\nX-Long: " . ('a' x 5000) . "\r\n\r\n"), qr{^HTTP/1\.1 431 }, 'a head over 4 KiB: 431');
like(raw("\x00\x01\x02 binary\n"), qr{^HTTP/1\.1 400 }, 'binary: 400');
ok(scrape(), 'the endpoint still answers after all that');

# ------------------------------------------------------------------ Redis down
$s->stop_service('redis');
my $m5 = scrape();
$s->start_service('redis');
ok($m5, 'Redis down: GET /metrics still answers');
is($m5->{revlens_worker_redis_up}, 0, '... with redis_up 0');
ok(!exists $m5->{revlens_worker_queue_depth} && !exists $m5->{revlens_worker_queue_pending}
	&& !exists $m5->{revlens_worker_dead_letters}, '... and no queue gauges');
is($m5->{'revlens_worker_jobs_total{outcome="done"}'}, 2, '... the counters still there');
is(wait_metric('revlens_worker_redis_up', 1), 1, 'Redis back: redis_up 1');

# ------------------------------------------------------------------ TERM
{
	my $open = defined scrape();
	kill 'TERM', $m;
	need(wait_for(sub { waitpid($m, POSIX::WNOHANG()) == $m }, 40) && $? == 0, 'TERM stops the master, exit 0');
	ok($open && !IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp', Timeout => 2),
		'the metrics port, open until TERM, is closed with the master');
}

# ------------------------------------------------------------------ IPv6 loopback
SKIP: {
	skip 'no IPv6 loopback here', 1 unless IO::Socket::IP->can('new')
		&& IO::Socket::IP->new(LocalHost => '::1', LocalPort => 0, Listen => 1);
	set_conf("worker.collect_timeout = 0\nworker.metrics_listen = [::1]:$port\n");
	my $m6 = fork() // die "fork: $!";
	if ($m6 == 0) {
		exec("$B/revlens-worker", '-c', $conf) or POSIX::_exit(127);
	}
	my $r6;
	wait_for(sub { $r6 = $http->get("http://[::1]:$port/metrics"); $r6->{status} == 200 }, 20);
	like($r6->{content} // '', qr/^revlens_worker_processes 1$/m, 'worker.metrics_listen = [::1]:PORT serves on the IPv6 loopback');
	kill 'TERM', $m6;
	waitpid($m6, 0);
}

my @alarms = grep { /Sanitizer|runtime error:/ } split /\n/, RevlensTest::read_file("$R/worker.log") . $stderr;
is(scalar(@alarms), 0, 'no sanitizer reports from the worker') or diag(join("\n", @alarms));

done_testing();
