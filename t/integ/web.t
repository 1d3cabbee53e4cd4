# revlens-web through nginx against the real servers: health, metrics, errors,
# limits, and the master's supervision (SIGKILL, HUP, QUIT).
use strict;
use warnings;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

my $json = JSON::PP->new->utf8;

# PIDs of the children of $pid, from /proc (procps may be absent).
sub children_of {
	my ($pid) = @_;
	my @kids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		open(my $fh, '<', $stat) or next;
		my $line = <$fh> // next;
		push @kids, $1 if $line =~ /^(\d+) \(.*\) \S+ (\d+) / && $2 == $pid;
	}
	@kids = sort { $a <=> $b } @kids;
	return @kids;
}

sub wait_until {
	my ($cond, $secs) = @_;
	my $end = time + ($secs // 10);
	while (time < $end) {
		return 1 if $cond->();
		sleep 0.05;
	}
	return $cond->();
}

sub slurp { open(my $fh, '<', $_[0]) or return ''; local $/; <$fh> // '' }

# One FastCGI request straight to the app socket (bypassing nginx), via cgi-fcgi.
sub fcgi {
	my ($s, %env) = @_;
	my $sock = $s->rundir . '/web/web.sock';
	my %base = (REQUEST_METHOD => 'GET', SERVER_PROTOCOL => 'HTTP/1.1', REMOTE_ADDR => '127.0.0.1');
	my $r = RevlensTest::run_cmd(['/usr/bin/cgi-fcgi', '-bind', '-connect', $sock],
		env => { %base, %env }, stdin => '');
	return $r->{out};
}

my $s = RevlensTest->start(workers => 2, max_body => 65536, migrate => 0);

# ---- health
my $r = $s->get('/healthz');
is($r->{status}, 200, 'GET /healthz is 200 with every dependency up');
my $h = eval { $json->decode($r->{content}) } || {};
is($h->{status}, 'ok', 'status ok');
for my $dep (qw(postgres mongodb redis.sessions redis.cache redis.queue redis.pubsub)) {
	is($h->{dependencies}{$dep}{status}, 'ok', "$dep ok");
	like($h->{dependencies}{$dep}{latency_ms} // '', qr/^\d+(\.\d+)?$/, "$dep latency reported");
}
like($r->{headers}{'content-type'}, qr{^application/json}, 'JSON content type');
is($r->{headers}{'x-content-type-options'}, 'nosniff', 'security headers from nginx');
like($r->{headers}{'content-security-policy'} // '', qr/frame-ancestors 'none'/, 'CSP with frame-ancestors');

$s->stop_service('redis');
$r = $s->get('/healthz');
is($r->{status}, 503, '/healthz is 503 when Redis is down');
$h = eval { $json->decode($r->{content}) } || {};
is_deeply($h->{failed}, [qw(redis.sessions redis.cache redis.queue redis.pubsub)],
	'503 names every Redis role that failed');
is($h->{dependencies}{postgres}{status}, 'ok', 'the others still report ok');
like($h->{dependencies}{'redis.sessions'}{error} // '', qr/redis sessions: .*(refused|no such file)/i,
	'a loopback client is told why');
my $raw503 = fcgi($s, REQUEST_URI => '/healthz', REMOTE_ADDR => '203.0.113.7');
like($raw503, qr/^Status: 503 .*"failed":\["redis\.sessions"/s, 'a remote client gets the status too');
unlike($raw503, qr/"error"|refused|127\.0\.0\.1/, 'but no internal error text');
$s->start_service('redis');
is($s->get('/healthz')->{status}, 200, 'back to 200 once Redis is up again (reconnects)');

# ---- routing and errors
$r = $s->get('/no/such/page');
is($r->{status}, 404, 'unknown page 404');
like($r->{content}, qr/페이지를 찾을 수 없습니다/, 'HTML error page in Korean');
like($r->{headers}{'content-type'}, qr{^text/html}, 'as HTML');
$r = $s->get('/api/no-such-thing');
is($r->{status}, 404, 'unknown API path 404');
$h = eval { $json->decode($r->{content}) } || {};
is($h->{error}{code}, 'not_found', 'API errors are JSON with a code');
ok(length($h->{error}{message} // ''), 'and a message');
$r = $s->post('/healthz', 'x=1');
is($r->{status}, 405, 'POST to a GET route is 405');
is($r->{headers}{allow}, 'GET, HEAD', 'with an Allow header');
$r = $s->post('/api/version', 'x' x 60000);
is($r->{status}, 405, 'a body the route never reads is drained');
like($r->{content}, qr/^\{"error":\{"code":"method_not_allowed"/, 'and the answer arrives whole');
$r = $s->request('HEAD', '/healthz');
is($r->{status}, 200, 'HEAD works');
is($r->{content} // '', '', 'HEAD has no body');

$r = $s->get('/api/version');
is($r->{status}, 200, 'GET /api/version');
like($r->{content}, qr/^\{"name":"revlens","version":"\d+\.\d+\.\d+","api":1\}$/, 'names the service and API version');

# ---- limits: 413 before the body is read
$r = $s->post('/healthz', 'x' x 70000);
is($r->{status}, 413, 'a body over web.max_body gets 413 through nginx');
my $raw = fcgi($s, REQUEST_METHOD => 'POST', REQUEST_URI => '/healthz', CONTENT_LENGTH => 70000);
like($raw, qr/^Status: 413 /m, 'the app itself answers 413 from Content-Length alone');
$raw = fcgi($s, REQUEST_URI => '/api/x', CONTENT_LENGTH => '12abc');
like($raw, qr/^Status: 400 .*"bad_content_length"/s, 'malformed Content-Length is 400');
$raw = fcgi($s, REQUEST_URI => '/' . ('a' x 5000));
like($raw, qr/^Status: 414 /m, 'an over-long URI is 414');

# ---- metrics
$r = $s->get('/metrics');
is($r->{status}, 200, '/metrics from loopback');
like($r->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4}, 'Prometheus text format');
like($r->{content}, qr/^revlens_http_requests_total\{route="\/healthz",status="200"\} [1-9]\d*$/m,
	'requests by route and status');
like($r->{content}, qr/^revlens_http_requests_total\{route="\/healthz",status="503"\} 2$/m,
	'the 503 was counted');
like($r->{content}, qr/^revlens_http_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\} \d+$/m,
	'latency histogram');
like($r->{content}, qr/^revlens_web_worker_restarts_total 0$/m, 'no restarts yet');
$raw = fcgi($s, REQUEST_URI => '/metrics', REMOTE_ADDR => '203.0.113.7');
like($raw, qr/^Status: 403 /m, '/metrics refuses a non-loopback client');

# ---- a worker killed with SIGKILL is replaced while requests keep succeeding
my $master = $s->web_pid;
ok($master && kill(0, $master), 'master is running');
my @before = children_of($master);
is(scalar @before, 2, 'two workers');
my ($n, @bad) = (0);
for my $round (1 .. 4) {
	my @kids = children_of($master);
	kill 'KILL', $kids[0];
	# A connection the dying worker had just accepted dies with it; wait until it is gone.
	wait_until(sub { !-e "/proc/$kids[0]" });
	for (1 .. 5) {
		$n++;
		my $res = $s->get('/healthz');
		push @bad, "$res->{status} $res->{content}" if $res->{status} != 200;
	}
}
is_deeply(\@bad, [], "all $n requests succeeded while 4 workers were killed");
ok(wait_until(sub { my @k = children_of($master); @k == 2 }), 'back to two workers');
my %old = map { $_ => 1 } @before;
my @after = children_of($master);
ok(!grep({ $old{$_} } @after) || @after == 2, 'replacements are new processes');
ok(wait_until(sub { $s->get('/metrics')->{content} =~ /^revlens_web_worker_restarts_total 4$/m }),
	'restarts counted');
like(slurp($s->rundir . '/logs/web.log'), qr/killed by signal 9 while idle/, 'the death is logged');

# ---- SIGUSR1 (a log-reopen habit) must not wedge a worker
my @w = children_of($master);
kill 'USR1', @w;
my @st = map { $s->get('/healthz')->{status} } 1 .. 6;
is_deeply(\@st, [(200) x 6], 'workers keep serving after SIGUSR1');
is_deeply([children_of($master)], \@w, 'and are the same processes');

# ---- HUP reloads the configuration by replacing the workers
my $conf = $s->conf;
open(my $fh, '>>', $conf) or die;
print {$fh} "web.workers = 3\n";
close $fh;
kill 'HUP', $master;
ok(wait_until(sub { scalar(my @k = children_of($master)) == 3 }), 'HUP: three workers after reload');
ok(wait_until(sub { slurp($s->rundir . '/logs/web.log') =~ /reloaded .* generation 2 with 3 workers/ }),
	'reload logged');
is($s->get('/healthz')->{status}, 200, 'serving after reload');
open($fh, '>>', $conf) or die;
print {$fh} "web.wrokers = 5\n";
close $fh;
kill 'HUP', $master;
ok(wait_until(sub { slurp($s->rundir . '/logs/web.log') =~ /reload failed, keeping the running configuration: .*revlens\.conf:\d+: unknown key "web\.wrokers"/ }),
	'a bad file on HUP is refused with file:line');
is(scalar(my @k = children_of($master)), 3, 'and the running workers stay');
is($s->get('/healthz')->{status}, 200, 'still serving');
like($s->get('/metrics')->{content}, qr/^revlens_web_worker_crashes_total 4$/m,
	'workers the master drained on reload are not counted as crashes');

# A file that parses but whose workers cannot start: the old generation stays.
open($fh, '>', $conf . '.new') or die;
print {$fh} grep { !/^web\.wrokers/ } do { open(my $c, '<', $conf) or die; <$c> };
print {$fh} "postgres.password_file = /nonexistent/revlens-pw\n";
close $fh;
rename $conf . '.new', $conf or die;
my @gen2 = children_of($master);
kill 'HUP', $master;
ok(wait_until(sub { slurp($s->rundir . '/logs/web.log') =~ /reload failed: the new workers did not become ready/ }, 20),
	'workers that cannot start make the reload fail');
ok(wait_until(sub { my @k = children_of($master); "@k" eq "@gen2" }), 'the running workers are kept');
kill 'KILL', $gen2[0];
ok(wait_until(sub { my @k = children_of($master); @k == 3 && !grep { $_ == $gen2[0] } @k }),
	'a worker dying after the failed reload is replaced');
my @s3 = map { $s->get('/healthz')->{status} } 1 .. 4;
is_deeply(\@s3, [(200) x 4], 'by one running the old configuration');
is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
$s->stop;

# ---- a second stack whose MongoDB never answers, so /healthz is slow (~1.5 s):
#      what a crashed worker was serving is logged, and QUIT drains in-flight requests.
my $silent = IO::Socket::INET->new(Listen => 8, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp')
	or die "listen: $!";
my $sp = $silent->sockport;
$s = RevlensTest->start(workers => 1, migrate => 0, conf_append =>
	"mongodb.uri = mongodb://127.0.0.1:$sp/\nhealth.timeout_ms = 1500\n");
$master = $s->web_pid;

# Start a slow request in a child; returns the child's PID and the file its result lands in.
sub slow_request {
	my ($stack) = @_;
	my $out = $stack->rundir . "/slow.$$." . int(rand(1e9));
	my $pid = fork() // die;
	if ($pid == 0) {
		my $res = HTTP::Tiny->new(timeout => 20)->get($stack->url('/healthz'));
		open(my $o, '>', $out) or POSIX::_exit(1);
		print {$o} "$res->{status}\n$res->{content}";
		close $o;
		POSIX::_exit(0);
	}
	return ($pid, $out);
}

my ($cpid, $out) = slow_request($s);
sleep 0.5;
my ($w) = children_of($master);
kill 'KILL', $w;
waitpid($cpid, 0);
like(slurp($out), qr/^502/, 'the client of a killed worker gets 502 from nginx');
ok(wait_until(sub { slurp($s->rundir . '/logs/web.log') =~ /killed by signal 9 while serving "GET \/healthz"/ }),
	'the master logs what the dead worker was serving');
ok(wait_until(sub { scalar(my @k = children_of($master)) == 1 }), 'the worker was replaced');

($cpid, $out) = slow_request($s);
sleep 0.5;
my $t0 = time;
kill 'QUIT', $master;
waitpid($cpid, 0);
my $got = slurp($out);
like($got, qr/^503\n/, 'QUIT: the in-flight request still completes');
like($got, qr/"failed":\["mongodb"\]/, 'with its full body');
ok(wait_until(sub { !kill(0, $master) }, 10), 'the master exits after draining');
ok(!-e $s->rundir . '/web/web.sock', 'and removes its socket');
like(slurp($s->rundir . '/logs/web.log'), qr/QUIT: draining 1 workers/, 'drain logged');
is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
$s->stop;

done_testing();
