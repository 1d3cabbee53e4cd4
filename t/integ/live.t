# Live progress end to end: `revlens progress-demo` (the stand-in worker) publishes each
# step to Redis and to the request's nchan channel; a subscriber over EventSource and one
# over WebSocket see every step; nginx asks revlens-web whether a subscriber may watch
# (only the users on the request: everyone else, and nobody logged in, gets 403); each
# subscription is recorded in MongoDB realtime_sessions; the JSON status endpoint and the
# Redis hash agree with the end state.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
our $ORIGIN = 'http://127.0.0.1:' . $s->port;
sub enc { my ($v) = @_; $v = encode('UTF-8', $v); $v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge; $v }

my %U = map { $_ => $s->add_user($_) } qw(alice bob);
sub api {
	my ($who, $method, $path, $body) = @_;
	my %h = (authorization => "Bearer $U{$who}{token}");
	$h{'content-type'} = 'application/json' if defined $body;
	my $r = $s->request($method, $path, { headers => \%h, defined $body ? (content => $json->encode($body)) : () });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub new_request {
	my ($n) = @_;
	my $p = api('alice', 'POST', '/api/products', { url => "$n" })->{json}{id};
	return api('alice', 'POST', "/api/products/$p/analyses")->{json}{id};
}

# A raw HTTP/1.1 request on a fresh connection; returns (socket, status, headers-text).
sub open_stream {
	my ($path, %h) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->port, Timeout => 5) or die $!;
	my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1:" . $s->port . "\r\n"
		. join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
	print {$sock} $req;
	my $head = '';
	my $sel = IO::Select->new($sock);
	my $end = time + 5;
	while ($head !~ /\r\n\r\n/ && time < $end) {
		last unless $sel->can_read($end - time);
		my $n = sysread($sock, my $buf, 1) or last;
		$head .= $buf;
	}
	my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
	return ($sock, $status // 0, $head);
}

# Read from $sock until $done->($buffer) or $secs pass; returns what was read.
sub read_until {
	my ($sock, $secs, $done) = @_;
	my $sel = IO::Select->new($sock);
	my $buf = '';
	my $end = time + $secs;
	while (time < $end && !$done->($buf)) {
		last unless $sel->can_read($end - time);
		my $n = sysread($sock, my $chunk, 65536) or last;
		$buf .= $chunk;
	}
	return $buf;
}

# Run progress-demo in the background; returns its pid.
sub demo {
	my ($id) = @_;
	my $pid = fork() // die;
	if (!$pid) {
		my $r = $s->cli('progress-demo', '--step-ms', '200', $id);
		POSIX::_exit($r->{exit});
	}
	return $pid;
}

my @want = (10, 35, 60, 85, 95, 100);

# ------------------------------------------------------------------ who may subscribe
my $id = new_request(9101);
{
	my ($sock, $st) = open_stream("/live/requests/$id", Accept => 'text/event-stream');
	is($st, 403, 'no session: 403');
	($sock, $st) = open_stream("/live/requests/$id", Accept => 'text/event-stream', Cookie => $U{bob}{cookie});
	is($st, 403, "another user's request: 403");
	($sock, $st) = open_stream('/live/requests/999999', Accept => 'text/event-stream', Cookie => $U{alice}{cookie});
	is($st, 403, 'an unknown request: 403 (no hint whether it exists)');
	is($s->get("/_auth/live/$id", { cookie => $U{alice}{cookie} })->{status}, 404,
		'the auth route answers nobody but nginx\'s internal auth server');
}

# ------------------------------------------------------------------ EventSource
{
	my ($sock, $st, $head) = open_stream("/live/requests/$id", Accept => 'text/event-stream',
		Cookie => $U{alice}{cookie});
	is($st, 200, 'the user on the request subscribes over EventSource: 200');
	like($head, qr{content-type: text/event-stream}i, '... an event stream');
	my $pid = demo($id);
	my $buf = read_until($sock, 20, sub { $_[0] =~ /"status":"done"/ });
	waitpid($pid, 0);
	is($? >> 8, 0, 'progress-demo ran to the end');
	my @msgs = map { eval { $json->decode($_) } || () } $buf =~ /^data: (\{.*\})\r?$/mg;
	is_deeply([map { $_->{percent} } @msgs], \@want, 'every step arrived, in order (10 … 100)');
	is_deeply([map { $_->{stage} // '-' } @msgs], [qw(collect collect analyze analyze save -)], '... with its stage');
	is($msgs[-1]{status}, 'done', '... ending done');
	like(decode('UTF-8', encode('UTF-8', $msgs[2]{message} // '')), qr/분석하는 중/, '... and a Korean message');
	close $sock;
	my $r = $s->get("/requests/$id/status", { cookie => $U{alice}{cookie} });
	my $j = eval { $json->decode($r->{content}) } || {};
	is($r->{status}, 200, 'the JSON status endpoint (cookie)');
	is("$j->{status} $j->{percent}", 'done 100', '... agrees: done, 100');
	is($s->get("/requests/$id/status", { cookie => $U{bob}{cookie} })->{status}, 404, "... 404 for another user");
	$r = $s->get("/requests/$id/status");
	is($r->{status}, 401, '... 401 without a session');
	like($r->{content}, qr/"code":"unauthorized"/, '... as a JSON error');
	is($s->redis_cli('HGET', "progress:$id", 'status'), 'done', 'Redis keeps the latest state');
	my $ttl = $s->redis_cli('TTL', "progress:$id");
	ok($ttl > 0 && $ttl <= 86400, "... for a day ($ttl s)");
	my $r2 = $s->cli('progress-demo', $id);
	is($r2->{exit}, 1, 'progress-demo on a finished request fails');
	like($r2->{err}, qr/not queued or running/, '... saying why');
}

# ------------------------------------------------------------------ WebSocket
{
	my $id2 = new_request(9102);
	my ($sock, $st, $head) = open_stream("/live/requests/$id2", Upgrade => 'websocket', Connection => 'Upgrade',
		'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version' => 13,
		Cookie => $U{alice}{cookie});
	is($st, 101, 'the user subscribes over WebSocket: 101');
	like($head, qr/sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i, '... a proper handshake');
	my $pid = demo($id2);
	my $buf = read_until($sock, 20, sub { $_[0] =~ /"status":"done"/ });
	waitpid($pid, 0);
	my @msgs;
	while (length $buf >= 2) {       # server frames: FIN + opcode, unmasked length
		my ($b0, $b1) = unpack('CC', $buf);
		my ($len, $off) = ($b1 & 0x7f, 2);
		if ($len == 126) { $len = unpack('n', substr($buf, 2, 2)); $off = 4 }
		elsif ($len == 127) { $len = unpack('Q>', substr($buf, 2, 8)); $off = 10 }
		last if length $buf < $off + $len;
		my $payload = substr($buf, $off, $len);
		substr($buf, 0, $off + $len) = '';
		push @msgs, eval { $json->decode($payload) } || () if ($b0 & 0x0f) == 1;
	}
	is_deeply([map { $_->{percent} } @msgs], \@want, 'every step arrived over WebSocket, in order');
	is($msgs[-1]{status}, 'done', '... ending done');
	close $sock;
	my ($s3, $st3) = open_stream("/live/requests/$id2", Upgrade => 'websocket', Connection => 'Upgrade',
		'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version' => 13,
		Cookie => $U{bob}{cookie});
	is($st3, 403, "another user's WebSocket: 403");
}

# ------------------------------------------------------------------ subscriptions recorded in MongoDB
{
	my $probe = RevlensTest::builddir() . '/t/unit/mongo_probe';
	my $uri = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';
	my $r = RevlensTest::run_cmd([$probe, $uri, 'revlens', 'find', 'realtime_sessions', 'request_id', $id]);
	is($r->{exit}, 0, 'mongo_probe read realtime_sessions') or diag($r->{err});
	my @docs = map { eval { JSON::PP->new->decode($_) } || () } split /\n/, $r->{out};
	is(scalar @docs, 1, 'one subscription recorded for the request (refusals are not)');
	my $d = $docs[0] || {};
	is($d->{kind}, 'subscription', '... kind subscription');
	is($d->{channel}, "request-$id", '... its channel');
	ok($d->{user_id} && $d->{at} && $d->{last_seen} && $d->{expires_at}, '... user, started, last seen, expiry');
}

# ------------------------------------------------------------------ the page
{
	my $id3 = new_request(9103);
	my $r = $s->get("/requests/$id3", { cookie => $U{alice}{cookie} });
	like($r->{content}, qr/data-live-request="$id3"/, 'the request page is wired for live updates');
	is($s->get('/static/live.js')->{status}, 200, 'its script is served');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
