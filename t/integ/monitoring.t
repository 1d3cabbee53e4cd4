# Monitoring end to end (docs/monitoring.md): `scripts/stack up --monitoring` on a stack
# starts the analysis worker with its metrics endpoint, Prometheus and the Debian
# exporters on private loopback ports (a 2 s scrape and rule interval: with PostgreSQL
# down the postgres exporter takes about 1 s to answer pg_up 0); Prometheus scrapes
# every target (revlens-web, revlens-worker, postgres, one per Redis server,
# nginx, node, itself) and all are up; MongoDB's serverStatus gauges are there; the
# aggregator's last-run metrics equal the aggregator_runs row of a real run (and a run
# with MongoDB stopped shows as failed, with RevlensAggregatorLastRunFailed firing in
# Prometheus and revlens_mongodb_up 0); the worker's oldest-job ages equal the ages of
# the stream entries of a running and a waiting job; stopping Redis makes
# RevlensRedisDown pending or firing in Prometheus itself; with PostgreSQL stopped the
# web's /metrics still answers, with revlens_aggregator_runs_up 0, and
# RevlensPostgresDown is pending; `scripts/stack down` stops monitoring too.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use JSON::PP;
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

for my $p (qw(prometheus promtool prometheus-postgres-exporter prometheus-redis-exporter
	prometheus-nginx-exporter prometheus-node-exporter)) {
	plan skip_all => "$p is not installed (scripts/install-deps)" unless `command -v $p 2>/dev/null`;
}

my $SRC = RevlensTest::srcdir();
my $B = RevlensTest::builddir();
my $json = JSON::PP->new->utf8->canonical;
my $http = HTTP::Tiny->new(timeout => 10);

# Nine free loopback ports (Prometheus, the worker, postgres, nginx, node, 4 x Redis)
# below the range RevlensTest draws stacks from (20000 and up).
sub free_block {
	for (1 .. 200) {
		my $base = 10000 + 10 * int(rand(999));
		my (@held, $ok);
		$ok = 1;
		for my $p ($base .. $base + 8) {
			my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p, Proto => 'tcp',
				Listen => 1, ReuseAddr => 1);
			if (!$sock) { $ok = 0; last }
			push @held, $sock;
		}
		close $_ for @held;
		return $base if $ok;
	}
	die "no free block of 9 ports";
}

# One analysis process that waits up to 60 s for a crawl nobody answers: a job stays
# pending, the next one waits.
my $s = RevlensTest->start(workers => 2, worker => 0,
	conf_append => "worker.processes = 1\nworker.collect_timeout = 60\n");
my $R = $s->rundir;
my $M = free_block();
my %env = (%{ $s->stack_env }, REVLENS_STACK_WORKER => 1,
	REVLENS_MONITORING_PORT => $M, REVLENS_MONITORING_INTERVAL => '2s');
my $PROM = "http://127.0.0.1:$M";

my $up = RevlensTest::run_stack(\%env, 'up', '--monitoring');
is($up->{exit}, 0, 'scripts/stack up --monitoring on the stack') or diag($up->{out} . $up->{err});
like($up->{out}, qr{Prometheus http://127\.0\.0\.1:$M/}, '... prints the Prometheus URL');
like(RevlensTest::read_file("$R/worker/worker.conf"), qr/^worker\.metrics_listen = 127\.0\.0\.1:@{[$M + 1]}$/m,
	'the worker it started serves its metrics on the monitoring block');
my $st = RevlensTest::run_cmd(["$SRC/scripts/monitoring", 'status', $R]);
is($st->{exit}, 0, 'scripts/monitoring status: every part running') or diag($st->{out} . $st->{err});

sub prom_get {
	my ($path, %q) = @_;
	my $r = $http->get("$PROM$path" . (%q ? '?' . $http->www_form_urlencode(\%q) : ''));
	return undef unless $r->{success};
	my $d = eval { $json->decode($r->{content}) };
	return $d && $d->{status} eq 'success' ? $d->{data} : undef;
}
sub query {     # instant query: { "k=v,…" => value }
	my ($q) = @_;
	my $d = prom_get('/api/v1/query', query => $q) or return {};
	my %r;
	for my $x (@{ $d->{result} }) {
		my $m = $x->{metric};
		$r{ join(',', map { "$_=$m->{$_}" } grep { $_ ne '__name__' } sort keys %$m) } = $x->{value}[1];
	}
	return \%r;
}
sub wait_for {  # poll CODE every 0.25 s until it returns true, at most SECONDS
	my ($secs, $code) = @_;
	my $t0 = time;
	while (time - $t0 < $secs) {
		my $v = $code->();
		return $v if $v;
		sleep 0.25;
	}
	return $code->();
}

# ---------------------------------------------------------------- every target up
my %redis_addr;
for my $role (qw(sessions cache queue pubsub)) {
	my ($v) = RevlensTest::read_file($s->conf) =~ /^redis\.$role = (.*)$/m;
	$redis_addr{$v} = 1;
}
my %want = ('revlens-web' => 1, 'revlens-worker' => 1, postgres => 1, redis => scalar(keys %redis_addr),
	nginx => 1, node => 1, prometheus => 1);
my $targets = wait_for(30, sub {
	my $d = prom_get('/api/v1/targets') or return;
	my @t = @{ $d->{activeTargets} };
	return (@t && !grep { $_->{health} ne 'up' } @t) ? \@t : undef;
});
ok($targets, 'Prometheus scrapes every target and all are healthy')
	or diag(explain(prom_get('/api/v1/targets')));
my %jobs;
$jobs{ $_->{labels}{job} }++ for @{ $targets || [] };
is_deeply(\%jobs, \%want, 'the targets: revlens-web, revlens-worker, postgres, one per Redis server, nginx, node, prometheus');
my $ups = query('up');
is(scalar(grep { $_ == 1 } values %$ups), scalar(@{ $targets || [] }), 'up == 1 for each of them') or diag(explain($ups));
is_deeply([sort values %{ query('redis_up') }], [(1) x keys %redis_addr], 'redis_up 1 from every Redis exporter');
is_deeply(query('pg_up'), { "instance=127.0.0.1:@{[$M + 2]},job=postgres" => 1 }, 'pg_up 1');
is_deeply(query('nginx_up'), { "instance=127.0.0.1:@{[$M + 3]},job=nginx" => 1 }, 'nginx_up 1 (stub_status)');
ok(scalar(keys %{ query('node_filesystem_avail_bytes') }), 'node_filesystem_avail_bytes (disk alerts) is there');

# ---------------------------------------------------------------- MongoDB serverStatus
my $mongo = wait_for(15, sub { my $q = query('revlens_mongodb_up'); (values %$q)[0] ? $q : undef });
is((values %{ $mongo || {} })[0], 1, 'revlens_mongodb_up 1');
like(join(' ', keys %{ query('revlens_mongodb_info') }), qr/process=java/, 'revlens_mongodb_info names the stand-in (process java)');
ok((values %{ query('revlens_mongodb_uptime_seconds') })[0] > 0, 'revlens_mongodb_uptime_seconds');
ok(defined((values %{ query('revlens_mongodb_connections{state="current"}') })[0]), 'revlens_mongodb_connections{state="current"}');
ok(defined((values %{ query('revlens_mongodb_cursors_open') })[0]), 'revlens_mongodb_cursors_open');
is_deeply(query('revlens_mongodb_opcounters_total'), {}, 'no opcounters: the stand-in does not report them');

# ---------------------------------------------------------------- the aggregator's last run
sub alert_state {       # the state of ALERTNAME in Prometheus ('' when it is not there)
	my ($name) = @_;
	my $d = prom_get('/api/v1/alerts') or return '';
	my ($a) = grep { $_->{labels}{alertname} eq $name } @{ $d->{alerts} };
	return $a ? $a->{state} : '';
}
is(wait_for(15, sub { alert_state('RevlensAggregatorStale') }), 'pending',
	'no nightly run recorded yet: RevlensAggregatorStale is pending (last success 0)');
my $jsonl = join '', map { $json->encode($_) . "\n" } (
	{ kind => 'review', product_id => 8100001, review_id => 'm1', rating => 5, content => '배송이 빠르고 맛있어요',
	  written_at => '2026-11-01T03:00:00Z' },
	{ kind => 'review', product_id => 8100001, review_id => 'm2', rating => 2, content => '너무 짜요',
	  written_at => '2026-11-02T03:00:00Z' },
	{ kind => 'price', product_id => 8100001, price => 12900, observed_at => '2026-11-02T04:00:00Z' });
my $imp = $s->cli({ stdin => $jsonl }, 'import', '-');
is($imp->{exit}, 0, 'reviews and a price imported') or diag($imp->{out} . $imp->{err});
my $agg = RevlensTest::run_cmd(["$B/revlens-aggregator", '-c', "$R/aggregator.conf"]);
is($agg->{exit}, 0, 'revlens-aggregator rolls them up') or diag($agg->{out} . $agg->{err});
my @row = split /\|/, $s->psql("SELECT id, outcome, extract(epoch FROM started_at), extract(epoch FROM finished_at), "
	. "products, products_failed, days_written, days_unchanged, months_written, reviews, prices "
	. "FROM aggregator_runs ORDER BY id DESC LIMIT 1");
my %run;
@run{qw(id outcome start end products failed days_w days_u months_w reviews prices)} = @row;
is($run{outcome}, 'ok', 'aggregator_runs: outcome ok');
my $seen = wait_for(20, sub { (values %{ query('revlens_aggregator_last_run_id') })[0] // 0 } ) ;
is($seen, $run{id}, 'Prometheus has revlens_aggregator_last_run_id of that run');
sub one { (values %{ query($_[0]) })[0] }
cmp_ok(abs(one('revlens_aggregator_last_success_timestamp_seconds') - $run{end}), '<', 0.002,
	'last success = finished_at of the run');
cmp_ok(abs(one('revlens_aggregator_last_run_end_timestamp_seconds') - $run{end}), '<', 0.002, 'last run end = finished_at');
cmp_ok(abs(one('revlens_aggregator_last_run_start_timestamp_seconds') - $run{start}), '<', 0.002, 'last run start = started_at');
cmp_ok(abs(one('revlens_aggregator_last_run_duration_seconds') - ($run{end} - $run{start})), '<', 0.004,
	'duration = finished_at - started_at');
is(one('revlens_aggregator_last_run_outcome{outcome="ok"}'), 1, 'outcome ok is 1');
is(one('sum(revlens_aggregator_last_run_outcome)'), 1, '... and the other outcomes 0');
is(one('revlens_aggregator_last_run_products'), $run{products}, "products = $run{products}");
ok($run{products} >= 1, '... the imported product');
is(one('revlens_aggregator_last_run_products_failed'), $run{failed}, "products failed = $run{failed}");
is(one('revlens_aggregator_last_run_daily_documents{result="written"}'), $run{days_w}, "days written = $run{days_w}");
ok($run{days_w} >= 2, '... both days of the reviews');
is(one('revlens_aggregator_last_run_daily_documents{result="unchanged"}'), $run{days_u}, 'days unchanged');
is(one('revlens_aggregator_last_run_monthly_documents{result="written"}'), $run{months_w}, "months written = $run{months_w}");
is(one('revlens_aggregator_last_run_reviews'), $run{reviews}, "reviews = $run{reviews}");
is(one('revlens_aggregator_last_run_prices'), $run{prices}, "prices = $run{prices}");
is(one('revlens_aggregator_runs_up'), 1, 'revlens_aggregator_runs_up 1');
is(wait_for(15, sub { alert_state('RevlensAggregatorStale') eq '' }), 1, 'RevlensAggregatorStale is gone after the run');
# both expositions, with every family the stack has now, pass promtool's parser and lint
for (['revlens-web', $s->url('/metrics')], ['revlens-worker', 'http://127.0.0.1:' . ($M + 1) . '/metrics']) {
	my ($name, $url) = @$_;
	my $body = $http->get($url)->{content} // '';
	my $c = RevlensTest::run_cmd(['promtool', 'check', 'metrics'], stdin => $body);
	is($c->{exit}, 0, "promtool check metrics: $name") or diag($c->{out} . $c->{err});
}

# ---------------------------------------------------------------- the queue's oldest job
my $u = $s->add_user('monitor');
my %auth = (authorization => "Bearer $u->{token}", 'content-type' => 'application/json');
my @rids;
for my $cp (8100011, 8100012) {
	my $p = $s->request('POST', '/api/products', { headers => \%auth,
		content => $json->encode({ url => "https://www.coupang.com/vp/products/$cp?itemId=1" }) });
	my $pid = eval { my $d = $json->decode($p->{content}); ($d->{product} // $d)->{id} };
	my $a = $s->request('POST', "/api/products/$pid/analyses", { headers => \%auth, content => '{}' });
	push @rids, eval { my $d = $json->decode($a->{content}); ($d->{request} // $d)->{id} };
	# the first job is taken (and waits in collect) before the second is queued
	wait_for(15, sub { $s->psql("SELECT status FROM analysis_requests WHERE id = " . ($rids[0] // 0)) eq 'running' })
		if @rids == 1;
}
ok($rids[0] && $rids[1], 'two analysis requests') or diag(explain(\@rids));
my %entry;      # request id -> entry id
my @x = split /\n/, $s->redis_cli('XRANGE', 'revlens:jobs', '-', '+');
my $cur;
for (my $i = 0; $i < @x; $i++) {      # an entry id, then its field/value lines
	if ($x[$i] =~ /^\d+-\d+$/) { $cur = $x[$i]; next }
	$entry{ $x[++$i] // '' } = $cur if defined $cur && $x[$i] eq 'request_id';
}
my $worker_url = 'http://127.0.0.1:' . ($M + 1) . '/metrics';
my ($t0, $t1, %wm);
my $ok = wait_for(15, sub {
	$t0 = time;
	my $r = $http->get($worker_url);
	$t1 = time;
	%wm = map { /^(revlens_worker_\S+) (\S+)$/ ? ($1, $2) : () } split /\n/, $r->{content} // '';
	return ($wm{revlens_worker_queue_pending} // 0) == 1 && ($wm{revlens_worker_queue_depth} // 0) == 1;
});
ok($ok, 'one job running (pending), one waiting') or diag(explain(\%wm));
for ([pending => $rids[0]], [waiting => $rids[1]]) {
	my ($state, $rid) = @$_;
	my ($ms) = ($entry{$rid} // '0-0') =~ /^(\d+)-/;
	my $age = $wm{"revlens_worker_queue_oldest_age_seconds{state=\"$state\"}"};
	ok(defined $age && $age >= $t0 - $ms / 1000 - 0.002 && $age <= $t1 - $ms / 1000 + 0.002,
		"oldest $state age = the age of request $rid\'s entry $entry{$rid}")
		or diag("age ", $age // 'absent', ", scrape between ", $t0 - $ms / 1000, " and ", $t1 - $ms / 1000);
}

# ---------------------------------------------------------------- Redis down
my $stop = $s->stack('stop-service', 'redis');
is($stop->{exit}, 0, 'the Redis of sessions and the queue stopped') or diag($stop->{out} . $stop->{err});
my $alert = wait_for(30, sub {
	my $d = prom_get('/api/v1/alerts') or return;
	my ($a) = grep { $_->{labels}{alertname} eq 'RevlensRedisDown' } @{ $d->{alerts} };
	return $a && $a->{state} =~ /^(pending|firing)$/ ? $a : undef;
});
ok($alert, 'RevlensRedisDown is ' . ($alert ? $alert->{state} : 'not there') . ' in Prometheus');
like($alert->{labels}{roles} // '', qr/queue/, '... for the server holding the queue role');
like($alert->{annotations}{summary} // '', qr/Redis 응답 없음/, '... with its Korean summary');
is($s->stack('start-service', 'redis')->{exit}, 0, 'Redis started again');
ok(wait_for(20, sub { my $q = query('redis_up'); keys %$q && !grep { $_ != 1 } values %$q }), 'redis_up 1 again');

# ---------------------------------------------------------------- PostgreSQL down
is($s->stack('stop-service', 'postgres')->{exit}, 0, 'PostgreSQL stopped');
my $wm = wait_for(15, sub {    # each web worker keeps what it read for 5 s
	my $r = $s->get('/metrics');
	return $r->{status} == 200 && $r->{content} =~ /^revlens_aggregator_runs_up 0$/m ? $r->{content} : undef;
});
ok($wm, "revlens-web's /metrics still answers, with revlens_aggregator_runs_up 0");
unlike($wm // '', qr/^revlens_aggregator_last/m, '... and no aggregator series');
like($wm // '', qr/^revlens_mongodb_up 1$/m, '... while MongoDB is still reported');
is(wait_for(20, sub { alert_state('RevlensPostgresDown') }), 'pending', 'RevlensPostgresDown is pending in Prometheus');
is($s->stack('start-service', 'postgres')->{exit}, 0, 'PostgreSQL started again');
is(wait_for(20, sub { one('revlens_aggregator_runs_up') }), 1, 'revlens_aggregator_runs_up 1 again');

# ---------------------------------------------------------------- MongoDB down: a failed run
is($s->stack('stop-service', 'mongo')->{exit}, 0, 'MongoDB stopped');
$agg = RevlensTest::run_cmd(["$B/revlens-aggregator", '-c', "$R/aggregator.conf"]);
is($agg->{exit}, 1, 'revlens-aggregator fails without MongoDB (exit 1)');
my $fid = $s->psql("SELECT id FROM aggregator_runs WHERE outcome = 'failed' ORDER BY id DESC LIMIT 1");
ok($fid, 'aggregator_runs records the failed run');
is(wait_for(20, sub { one('revlens_aggregator_last_run_id') == $fid }), 1, 'Prometheus sees it as the last run');
is(one('revlens_aggregator_last_run_outcome{outcome="failed"}'), 1, '... outcome failed');
cmp_ok(abs(one('revlens_aggregator_last_success_timestamp_seconds') - $run{end}), '<', 0.002,
	'the last success is still the ok run');
my $fired = wait_for(20, sub { (values %{ query('ALERTS{alertname="RevlensAggregatorLastRunFailed",alertstate="firing"}') })[0] });
is($fired, 1, 'RevlensAggregatorLastRunFailed fires');
is(wait_for(20, sub { my $v = one('revlens_mongodb_up'); defined $v && $v == 0 ? 'zero' : undef }), 'zero',
	'revlens_mongodb_up 0 while MongoDB is down');
is_deeply(query('revlens_mongodb_uptime_seconds'), {}, '... and no other MongoDB gauge');
is($s->stack('start-service', 'mongo')->{exit}, 0, 'MongoDB started again');

# ---------------------------------------------------------------- shards and run kinds
# Only nightly runs count (mode pending over every product), per shard, for shards seen
# in the last 30 days; a shard that never succeeded reports 0.
my $failed_id = $fid;
$s->psql("INSERT INTO aggregator_runs (started_at, finished_at, host, pid, mode, range_from, range_to, product_id, shard, "
	. "outcome, products, products_failed) VALUES "
	. "(now(), now() + interval '1 s', 'h', 1, 'range', '2026-01-01', '2026-01-02', NULL, NULL, 'ok', 5, 0), "
	. "(now(), now() + interval '1 s', 'h', 2, 'dry-run', NULL, NULL, NULL, NULL, 'ok', 5, 0), "
	. "(now(), now() + interval '1 s', 'h', 3, 'pending', NULL, NULL, 1, NULL, 'ok', 1, 0), "
	. "(now() - interval '2 h', now() - interval '2 h' + interval '30 s', 'h', 4, 'pending', NULL, NULL, NULL, '0/2', 'ok', 7, 0), "
	. "(now() - interval '1 h', now() - interval '1 h' + interval '45 s', 'h', 5, 'pending', NULL, NULL, NULL, '0/2', 'partial', 4, 3), "
	. "(now(), NULL, 'h', 6, 'pending', NULL, NULL, NULL, '0/2', NULL, 0, 0), "
	. "(now() - interval '3 days', now() - interval '3 days' + interval '5 s', 'h', 7, 'pending', NULL, NULL, NULL, '1/2', 'failed', 0, 0), "
	. "(now() - interval '40 days', now() - interval '40 days' + interval '5 s', 'h', 8, 'pending', NULL, NULL, NULL, '0/3', 'ok', 1, 0)");
my %want_end = map { split /\|/ } split /\n/, $s->psql("SELECT pid, extract(epoch FROM finished_at) FROM aggregator_runs WHERE host = 'h' AND finished_at IS NOT NULL");
my %wid = map { split /\|/ } split /\n/, $s->psql("SELECT pid, id FROM aggregator_runs WHERE host = 'h'");
my $text = wait_for(15, sub {
	my $r = $s->get('/metrics');
	return $r->{status} == 200 && $r->{content} =~ /shard="1\/2"/ ? $r->{content} : undef;
});
my %m = map { /^(revlens_aggregator_\S+) (\S+)$/ ? ($1, $2) : () } split /\n/, $text // '';
is($m{revlens_aggregator_last_run_id}, $failed_id, 'unsharded: the last run is still the failed nightly run (range, dry and --product runs do not count)');
is($m{'revlens_aggregator_last_run_id{shard="0/2"}'}, $wid{5}, 'shard 0/2: the last finished run is the partial one (an unfinished run does not count)');
is($m{'revlens_aggregator_last_run_outcome{shard="0/2",outcome="partial"}'}, 1, '... outcome partial');
is($m{'revlens_aggregator_last_run_products_failed{shard="0/2"}'}, 3, '... 3 products failed');
is($m{'revlens_aggregator_last_run_products{shard="0/2"}'}, 4, '... 4 done');
cmp_ok(abs(($m{'revlens_aggregator_last_success_timestamp_seconds{shard="0/2"}'} // 0) - $want_end{4}), '<', 0.002,
	'... its last success is the ok run before');
cmp_ok(abs(($m{'revlens_aggregator_last_run_duration_seconds{shard="0/2"}'} // 0) - 45), '<', 0.002, '... which took 45 s');
is($m{'revlens_aggregator_last_success_timestamp_seconds{shard="1/2"}'}, '0.000', 'shard 1/2 never succeeded: last success 0');
is($m{'revlens_aggregator_last_run_outcome{shard="1/2",outcome="failed"}'}, 1, '... its last run failed');
ok(!grep(/shard="0\/3"/, keys %m), 'shard 0/3, last seen 40 days ago, is not reported');
my $stale = wait_for(20, sub {
	my $d = prom_get('/api/v1/alerts') or return;
	return scalar grep { $_->{labels}{alertname} eq 'RevlensAggregatorStale' && ($_->{labels}{shard} // '') eq '1/2' } @{ $d->{alerts} };
});
ok($stale, 'Prometheus: RevlensAggregatorStale for shard 1/2');

# ---------------------------------------------------------------- a worker without its endpoint
# scripts/monitoring up on a stack whose worker runs without worker.metrics_listen gives
# it the line and a HUP; a second `up` is harmless (Prometheus reloads).
unlink "$R/monitoring/revlens.conf";
is($s->stack('stop-service', 'worker')->{exit}, 0, 'worker stopped');
is($s->stack('start-service', 'worker')->{exit}, 0, '... and started without the monitoring settings');
unlike(RevlensTest::read_file("$R/worker/worker.conf"), qr/metrics_listen/, '... so without a metrics endpoint');
my $again = RevlensTest::run_cmd(["$SRC/scripts/monitoring", 'up', $R]);
is($again->{exit}, 0, 'scripts/monitoring up again') or diag($again->{out} . $again->{err});
like($again->{out}, qr/revlens-worker \(pid \d+\) reloads to serve its metrics on 127\.0\.0\.1:@{[$M + 1]}/,
	'... sends the worker HUP to serve its metrics');
is($http->get($worker_url)->{status}, 200, '... which it does');
ok(wait_for(20, sub { my $t = prom_get('/api/v1/targets') or return;
	!grep { $_->{health} ne 'up' } @{ $t->{activeTargets} } }), 'every target up again');

# ---------------------------------------------------------------- down
my @pids = map { RevlensTest::read_file($_) =~ /(\d+)/ } glob("$R/monitoring/run/*.pid");
ok(@pids >= 6, scalar(@pids) . ' monitoring processes');
my $down = RevlensTest::run_stack(\%env, 'down');
is($down->{exit}, 0, 'scripts/stack down') or diag($down->{out} . $down->{err});
like($down->{out}, qr/revlens monitoring: down/, '... stops monitoring first');
is_deeply([grep { -e "/proc/$_" && (RevlensTest::read_file("/proc/$_/stat") !~ /\) Z /) } @pids], [],
	'no monitoring process is left');
ok(!IO::Socket::INET->new(PeerAddr => "127.0.0.1:$M", Proto => 'tcp'), 'the Prometheus port is closed');
is(RevlensTest::run_cmd(["$SRC/scripts/monitoring", 'status', $R])->{exit}, 3, 'scripts/monitoring status: exit 3');

is_deeply([$s->log_alarms], [], 'no alarms in the logs');
my $wout = -r "$R/logs/worker.out" ? RevlensTest::read_file("$R/logs/worker.out") : '';
unlike($wout, qr/AddressSanitizer|runtime error:|LeakSanitizer/, 'no sanitizer reports from the worker');
done_testing();
