# stack.t — the local stack (scripts/stack), the nginx template and the test harness.
use strict;
use warnings;

use FindBin ();
use lib(($ENV{REVLENS_SRCDIR} // "$FindBin::Bin/../..") . '/t/lib');
use RevlensTest;
use Test::More;
use File::Temp qw(tempdir);
use File::Path qw(remove_tree);
use IO::Socket::INET;
use IO::Socket::UNIX;

plan skip_all => 'needs root (services run as postgres and www-data)' unless $> == 0;

my @SERVICES = qw(postgres redis mongo nginx web);
my $with_web = RevlensTest->have_web;
diag($with_web ? 'revlens-web found: the web step is tested'
	: 'revlens-web not built: running the stack with REVLENS_STACK_NO_WEB=1');

my $s = RevlensTest->start(web => $with_web, migrate => 0, max_body => 65536, workers => 2);
my $run = $s->rundir;

sub port_open {
	my ($port) = @_;
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
		Timeout => 2);
	return defined $c;
}

sub pids {
	my %p;
	for (["postgres", "$run/pg/data/postmaster.pid"], ["redis", "$run/redis/redis.pid"],
		["mongo", "$run/mongo/mongo.pid"], ["nginx", "$run/nginx/nginx.pid"],
		["web", "$run/web/revlens-web.pid"]) {
		my ($name, $f) = @$_;
		open(my $fh, '<', $f) or next;
		my $l = <$fh>;
		($p{$name}) = $l =~ /^(\d+)/ if defined $l;
	}
	return \%p;
}

# Live (non-zombie) processes whose command line names the rundir.
sub rundir_procs {
	my ($dir) = @_;
	my @found;
	opendir(my $dh, '/proc') or die;
	for my $pid (grep { /^\d+$/ } readdir $dh) {
		next if $pid == $$;
		open(my $fh, '<', "/proc/$pid/cmdline") or next;
		local $/;
		my $cmd = <$fh> // '';
		$cmd =~ tr/\0/ /;
		next unless index($cmd, $dir) >= 0;
		open(my $st, '<', "/proc/$pid/stat") or next;
		my $stat = <$st> // '';
		next if $stat =~ /\)\s+Z\s/;
		push @found, "$pid $cmd";
	}
	return @found;
}

sub unix_http {
	my ($path, $req) = @_;
	my $c = IO::Socket::UNIX->new(Peer => $path, Type => SOCK_STREAM) or return "connect: $!";
	print {$c} $req;
	local $/;
	my $resp = <$c>;
	return $resp // '';
}

# ---- status and a second `up`
my $st = $s->stack('status');
is($st->{exit}, 0, 'status exits 0 when everything runs') or diag($st->{out}, $st->{err});
for my $svc (@SERVICES) {
	my ($line) = grep { /^\Q$svc\E\s/ } split /\n/, $st->{out};
	ok(defined $line, "status has a line for $svc");
	my $want = ($svc eq 'web' && !$with_web) ? qr/skipped/ : qr/running/;
	like($line // '', $want, "status: $svc " . ($svc eq 'web' && !$with_web ? 'skipped' : 'running'));
}
like($st->{out}, qr/^postgres\s+${\ $s->port('pg')}\s/m, 'status names the postgres port');
like($st->{out}, qr/^nginx\s+${\ $s->port('http')}\s/m, 'status names the http port');

my $before = pids();
is(scalar(keys %$before), $with_web ? 5 : 4, 'every service wrote a pidfile');
my $again = $s->stack('up');
is($again->{exit}, 0, 'a second up exits 0') or diag($again->{out}, $again->{err});
is_deeply(pids(), $before, 'a second up leaves every service alone (same PIDs)');

# ---- generated configuration
open(my $cf, '<', $s->conf) or die "open conf: $!";
my $conf = do { local $/; <$cf> };
like($conf, qr/^web\.max_body = 65536$/m, 'revlens.conf: web.max_body from max_body');
like($conf, qr/^web\.workers = 2$/m, 'revlens.conf: web.workers from workers');
like($conf, qr{^postgres\.conninfo = host=127\.0\.0\.1 port=${\ $s->port('pg')} dbname=revlens user=revlens$}m,
	'revlens.conf: postgres.conninfo on the private port');
like($conf, qr{^mongodb\.uri = mongodb://127\.0\.0\.1:${\ $s->port('mongo')}/}m, 'revlens.conf: stand-in URI');
like($conf, qr{^nchan\.publish_socket = \Q$run\E/nginx/publish\.sock$}m, 'revlens.conf: publish socket');

# ---- the services answer
is($s->psql('SELECT current_user'), 'revlens', 'psql as revlens on the stack database');
is($s->redis_cli('ping'), 'PONG', 'redis answers');
ok(port_open($s->port('mongo')), 'the Mongo stand-in listens');

# ---- nginx: static files and security headers
my $r = $s->get('/static/robots.txt');
is($r->{status}, 200, 'GET /static/robots.txt is 200');
like($r->{content}, qr/^User-agent:/m, 'robots.txt content is served');
my %want_headers = (
	'content-security-policy' => qr/default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'/,
	'x-content-type-options'  => qr/^nosniff$/,
	'x-frame-options'         => qr/^DENY$/,
	'referrer-policy'         => qr/^same-origin$/,
);
for my $h (sort keys %want_headers) {
	like($r->{headers}{$h} // '', $want_headers{$h}, "static response has $h");
}
is($r->{headers}{server}, 'nginx', 'server_tokens off: no version in Server');

$r = $s->get('/no-such-page-' . $$);
like($r->{headers}{'x-frame-options'} // '', qr/^DENY$/, 'security headers also on non-2xx FastCGI answers');

$r = $s->post('/login', 'x' x 70000);
is($r->{status}, 413, 'a body above max_body is refused by nginx with 413');

# ---- nchan: the internal publisher, and subscriptions the app has not authorised
my $pub = unix_http("$run/nginx/publish.sock",
	"POST /pub/request-1 HTTP/1.0\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nprogress 50");
like($pub, qr{^HTTP/1\.\d 20[12] }, 'publishing on the internal socket answers 201 or 202')
	or diag($pub);
like($s->redis_cli('--scan', '--pattern', '*request-1*'), qr/request-1/, 'the channel lives in Redis');
$r = $s->post('/pub/request-1', 'x');
unlike($r->{status}, qr/^20[12]$/, 'no publisher over TCP');
# The app has no /_auth/live/ route yet (or is not running): every subscription is
# refused with 403, and nginx must survive it (nchan 1.3.6 crashed here before the
# auth hop; log_alarms below catches a worker killed by a signal).
for my $try (1 .. 3) {
	$r = $s->get('/live/requests/1', { Accept => 'text/event-stream' });
	is($r->{status}, 403, "an unauthorised EventSource subscription is refused with 403 ($try)")
		or diag(substr($r->{content} // '', 0, 200));
}
$r = $s->get('/live/requests/1', { Connection => 'Upgrade', Upgrade => 'websocket',
	'Sec-WebSocket-Version' => 13, 'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==' });
is($r->{status}, 403, 'an unauthorised WebSocket subscription is refused with 403');
$r = $s->get('/_auth/live/1/127.0.0.1');
is($r->{status}, 404, 'the authorisation location is internal');

# ---- stop-service / start-service
$s->stop_service('redis');
ok(!port_open($s->port('redis')), 'stop-service redis closes its port');
$st = $s->stack('status');
is($st->{exit}, 3, 'status exits 3 with a service down');
like($st->{out}, qr/^redis\s+\d+\s+stopped/m, 'status shows redis stopped');
$s->start_service('redis');
is($s->redis_cli('ping'), 'PONG', 'start-service redis brings it back');
is($s->stack('status')->{exit}, 0, 'status exits 0 again');

# ---- a port already taken: clear error, nothing started
{
	my $base = RevlensTest::free_base_port();
	my $blocker = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $base + 1,
		Listen => 5, ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
	my $dir = tempdir('revlens-test.XXXXXX', DIR => '/var/tmp', CLEANUP => 0);
	chmod 0755, $dir;
	my $res = RevlensTest::run_stack({ REVLENS_RUNDIR => $dir, REVLENS_PORT => $base,
		REVLENS_MONGO_BACKEND => 'memory', REVLENS_STACK_NO_WEB => 1 }, 'up');
	isnt($res->{exit}, 0, 'up with a port taken fails');
	like($res->{err}, qr/port ${\ ($base + 1)} \(postgresql\) is already in use/,
		'the error names the port and the service') or diag($res->{err});
	is_deeply([rundir_procs($dir)], [], 'nothing was started');
	close $blocker;
	RevlensTest::run_stack({ REVLENS_RUNDIR => $dir, REVLENS_PORT => $base }, 'down');
	remove_tree($dir);
}

# ---- a missing revlens-web is an error unless explicitly skipped
{
	my $dir = tempdir('revlens-test.XXXXXX', DIR => '/var/tmp', CLEANUP => 1);
	my $empty = tempdir('revlens-test-build.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $res = RevlensTest::run_stack({ REVLENS_RUNDIR => "$dir/run",
		REVLENS_PORT => RevlensTest::free_base_port(), REVLENS_BUILDDIR => $empty }, 'up');
	isnt($res->{exit}, 0, 'up without revlens-web fails');
	like($res->{err}, qr/revlens-web not found.*REVLENS_STACK_NO_WEB=1/, 'and says how to build or skip it');
	is_deeply([rundir_procs("$dir/run")], [], 'nothing was started');
}

# ---- down: no process left, every port closed; up again reuses the data
is_deeply([$s->log_alarms], [], 'no [alert], [emerg] or sanitizer lines in the logs');
my $down = $s->stack('down');
is($down->{exit}, 0, 'down exits 0') or diag($down->{out}, $down->{err});
is_deeply([rundir_procs($run)], [], 'down leaves no process naming the rundir');
for my $p (qw(http pg redis mongo)) {
	ok(!port_open($s->port($p)), "down closed the $p port " . $s->port($p));
}
ok(!-e "$run/nginx/publish.sock", 'down removed the publish socket');
is($s->stack('status')->{exit}, 3, 'status exits 3 after down');
is($s->stack('down')->{exit}, 0, 'down twice is harmless');

my $up = $s->stack('up');
is($up->{exit}, 0, 'up after down') or diag($up->{out}, $up->{err});
is($s->psql('SELECT current_user'), 'revlens', 'the database survives down/up');
is($s->stack('status')->{exit}, 0, 'status exits 0 after the restart');

$s->stop;
ok(!-d $run, 'stop removes the rundir');
is_deeply([rundir_procs($run)], [], 'stop leaves no process naming the rundir');

done_testing;
