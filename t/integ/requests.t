# Analysis requests through nginx: creating one queues one job on the Redis stream, a
# second user joins the active request, 20 concurrent requests make one job, a failed
# enqueue fails the request with its reason, per-user limits, leaving and cancelling,
# the transition rules, the pages, and isolation between users (404, never 403).
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use POSIX ();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 3);
our $ORIGIN = 'http://127.0.0.1:' . $s->port;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
sub enc { my ($v) = @_; $v = encode('UTF-8', $v); $v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge; $v }

my %U;
sub make_user { $U{$_[0]} = $s->add_user($_[0]) }
make_user($_) for qw(alice bob carol);

sub api {
	my ($who, $method, $path, $body) = @_;
	my %h = (authorization => "Bearer $U{$who}{token}");
	$h{'content-type'} = 'application/json' if defined $body;
	my $r = $s->request($method, $path, { headers => \%h, defined $body ? (content => $body) : () });
	$r->{json} = eval { $json->decode($r->{content}) } || {};
	return $r;
}
sub page {
	my ($who, $path) = @_;
	my $r = $s->get($path, { cookie => $U{$who}{cookie} });
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}
sub form {
	my ($who, $path) = @_;
	my $r = $s->post($path, "csrf=$U{$who}{csrf}", { cookie => $U{$who}{cookie}, origin => $ORIGIN });
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}
sub xlen { $s->redis_cli('XLEN', 'revlens:jobs') }
sub product {
	my ($n) = @_;
	return api('alice', 'POST', '/api/products', $json->encode({ url => "https://www.coupang.com/vp/products/$n" }))->{json}{id};
}

my $p1 = product(7001);
my $p2 = product(7002);

# ------------------------------------------------------------------ create, join, one job
my $rid;
{
	my $r = api('alice', 'POST', "/api/products/$p1/analyses");
	is($r->{status}, 201, 'a request: 201');
	$rid = $r->{json}{id};
	ok($rid, '... with its "id"');
	is($r->{json}{product_id}, $p1, '... its "product_id"');
	is($r->{json}{status}, 'queued', '... "status" queued');
	ok(exists $r->{json}{stage} && !defined $r->{json}{stage}, '... "stage" null before it starts');
	is($r->{json}{percent}, 0, '... "percent" 0');
	ok(exists $r->{json}{error_message}, '... and "error_message"');
	is(xlen(), 1, 'one job on the stream');
	like($s->redis_cli('XRANGE', 'revlens:jobs', '-', '+'), qr/request_id\n$rid\nproduct_id\n$p1/,
		'the job names the request and the product');
	$r = api('alice', 'POST', "/api/products/$p1/analyses");
	is($r->{status}, 200, 'asking again: 200, the same request');
	is($r->{json}{id}, $rid, '... same id');
	$r = api('bob', 'POST', "/api/products/$p1/analyses");
	is($r->{status}, 200, 'another user while it is queued: joins it (200)');
	is($r->{json}{id}, $rid, '... the same request');
	is($r->{json}{users}, 2, '... two users on it');
	is(xlen(), 1, 'still one job');
	is(api('alice', 'POST', '/api/products/999999/analyses')->{status}, 404, 'an unknown product: 404');
}

# ------------------------------------------------------------------ 20 concurrent requests, one job
{
	make_user("u$_") for 1 .. 10;
	my $p = product(7003);
	my $before = xlen();
	my @kids;
	for my $i (1 .. 20) {
		pipe(my $rd, my $wr) or die;
		my $pid = fork() // die;
		if (!$pid) {
			close $rd;
			my $who = 'u' . (1 + $i % 10);
			my $x = HTTP::Tiny->new(timeout => 15)->request('POST', $s->url("/api/products/$p/analyses"),
				{ headers => { authorization => "Bearer $U{$who}{token}" } });
			print {$wr} "$x->{status} " . (eval { $json->decode($x->{content})->{id} } // '-');
			close $wr;
			POSIX::_exit(0);
		}
		close $wr;
		push @kids, [$pid, $rd];
	}
	my (%st, %ids);
	for (@kids) { my ($pid, $rd) = @$_; my ($c, $id) = split / /, (<$rd> // '0 -'); waitpid($pid, 0); $st{$c}++; $ids{$id}++ }
	is($st{201} // 0, 1, '20 concurrent requests: one created the request');
	is($st{200} // 0, 19, '... 19 joined it (' . join(', ', map { "$_: $st{$_}" } sort keys %st) . ')');
	is(scalar(keys %ids), 1, '... one id for all');
	is(xlen() - $before, 1, '... and one job on the stream');
	is(sql("SELECT count(*) FROM analysis_request_users aru JOIN analysis_requests ar ON ar.id = aru.request_id WHERE ar.product_id = $p"),
		10, 'ten users on it, each once');
}

# ------------------------------------------------------------------ the queue is down: failed with a reason
{
	my $p = product(7004);
	$s->redis_cli('RENAME', 'revlens:jobs', 'revlens:jobs:saved');
	$s->redis_cli('SET', 'revlens:jobs', 'not a stream');   # XADD now fails (WRONGTYPE)
	my $r = api('carol', 'POST', "/api/products/$p/analyses");
	is($r->{status}, 503, 'a job that cannot be queued: 503');
	like($r->{json}{error}{message} // '', qr/큐에 넣지 못했습니다/, '... saying why, in Korean');
	is(sql("SELECT status || ' ' || (error_message IS NOT NULL) FROM analysis_requests WHERE product_id = $p"),
		'failed true', 'the request is failed with its reason, not left queued');
	$s->redis_cli('DEL', 'revlens:jobs');
	$s->redis_cli('RENAME', 'revlens:jobs:saved', 'revlens:jobs');
	$r = api('carol', 'POST', "/api/products/$p/analyses");
	is($r->{status}, 201, 'asking again once the queue is back: a new request');
	is($r->{json}{status}, 'queued', '... queued');
	my $list = api('carol', 'GET', '/api/requests')->{json}{items};
	is(scalar @$list, 2, 'carol sees both requests');
	is($list->[1]{status}, 'failed', '... the failed one');
	like($list->[1]{error_message} // '', qr/큐/, '... with its error_message');
}

# ------------------------------------------------------------------ leaving and cancelling
{
	my $r = api('carol', 'POST', "/api/requests/$rid/cancel");
	is($r->{status}, 404, "cancelling someone else's request: 404");
	is(api('carol', 'GET', "/api/requests/$rid")->{status}, 404, "reading it: 404");
	is(page('carol', "/requests/$rid")->{status}, 404, '... its page: 404');
	is(form('carol', "/requests/$rid/cancel")->{status}, 404, '... the cancel form: 404');
	$r = api('alice', 'POST', "/api/requests/$rid/cancel");
	is($r->{status}, 200, 'alice cancels');
	is($r->{json}{status}, 'cancelled', '... she sees it cancelled');
	is(sql("SELECT status FROM analysis_requests WHERE id = $rid"), 'queued', '... but bob is still on it: it goes on');
	is(api('bob', 'GET', "/api/requests/$rid")->{json}{status}, 'queued', '... bob sees it queued');
	is(api('alice', 'POST', "/api/requests/$rid/cancel")->{status}, 409, 'cancelling twice: 409');
	$r = form('bob', "/requests/$rid/cancel");
	is($r->{status}, 303, 'bob cancels through the form');
	is(sql("SELECT status || ' ' || (finished_at IS NOT NULL) FROM analysis_requests WHERE id = $rid"),
		'cancelled true', 'nobody is left: the request is cancelled');
	is(api('bob', 'POST', "/api/requests/$rid/cancel")->{status}, 409, 'a finished request cannot be cancelled: 409');
	$r = api('alice', 'POST', "/api/products/$p1/analyses");
	is($r->{status}, 201, 'asking again after it was cancelled: a new request');
	isnt($r->{json}{id}, $rid, '... with a new id');
	# the database refuses illegal transitions whoever writes them
	eval { sql("UPDATE analysis_requests SET status = 'queued' WHERE id = $rid") };
	like($@, qr/cancelled -> queued is not allowed/, 'cancelled -> queued is refused by the database');
	my $nid = $r->{json}{id};
	sql("UPDATE analysis_requests SET status = 'running', stage = 'collect', progress = 40 WHERE id = $nid");
	$r = api('alice', 'GET', "/api/requests/$nid");
	is($r->{json}{status}, 'running', 'running');
	is($r->{json}{stage}, 'collect', '... its stage');
	is($r->{json}{percent}, 40, '... its percent');
	eval { sql("UPDATE analysis_requests SET status = 'failed' WHERE id = $nid") };
	like($@, qr/analysis_requests_failed_reason_check/, 'failed without a reason is refused');
	sql("UPDATE analysis_requests SET status = 'done', progress = 100 WHERE id = $nid");
	is(sql("SELECT finished_at IS NOT NULL FROM analysis_requests WHERE id = $nid"), 't', 'done sets finished_at');
}

# ------------------------------------------------------------------ limits
{
	sql("INSERT INTO system_config (key, value) VALUES ('analysis.max_active', '1')");
	my $p = product(7005);
	my $q = product(7006);
	is(api('bob', 'POST', "/api/products/$p/analyses")->{status}, 201, 'one active request');
	my $r = api('bob', 'POST', "/api/products/$q/analyses");
	is($r->{status}, 429, 'a second while one is active (limit 1): 429');
	is($r->{json}{error}{code}, 'limit_reached', '... limit_reached');
	like($r->{json}{error}{message} // '', qr/진행 중인 분석이 1건입니다/, '... a Korean message');
	# concurrent requests cannot slip past the limit (one user's requests are serialised)
	sql("UPDATE analysis_requests SET status = 'cancelled' WHERE product_id = $p");
	my @ps = map { product(7100 + $_) } 1 .. 8;
	my @kids;
	for my $x (@ps) {
		my $pid = fork() // die;
		if (!$pid) {
			HTTP::Tiny->new(timeout => 15)->request('POST', $s->url("/api/products/$x/analyses"),
				{ headers => { authorization => "Bearer $U{bob}{token}" } });
			POSIX::_exit(0);
		}
		push @kids, $pid;
	}
	waitpid($_, 0) for @kids;
	is(sql("SELECT count(*) FROM analysis_requests ar JOIN analysis_request_users aru ON aru.request_id = ar.id "
		. "JOIN users u ON u.id = aru.user_id WHERE u.email = 'bob\@example.com' AND aru.cancelled_at IS NULL "
		. "AND ar.status IN ('queued', 'running')"), 1, '8 concurrent requests with a limit of 1: one is active');
	sql("UPDATE system_config SET value = '100' WHERE key = 'analysis.max_active'");
	sql("INSERT INTO system_config (key, value) VALUES ('analysis.daily_limit', '2')");
	$r = api('bob', 'POST', "/api/products/$q/analyses");
	is($r->{status}, 429, 'past the daily limit: 429');
	like($r->{json}{error}{message} // '', qr/하루에 요청할 수 있는 분석\(2건\)/, '... says so');
	sql("DELETE FROM system_config");
	is(api('bob', 'POST', "/api/products/$q/analyses")->{status}, 201, 'with the limits lifted: 201');
}

# ------------------------------------------------------------------ pages
{
	my $p = product(7007);
	my $r = page('carol', "/products/$p");
	like($r->{text}, qr/action="\/products\/$p\/analyze"/, 'the product page has the 분석 요청 button');
	$r = form('carol', "/products/$p/analyze");
	is($r->{status}, 303, 'asking through the form: 303');
	my ($id) = ($r->{headers}{location} // '') =~ m{^/requests/(\d+)$};
	ok($id, '... to the request page');
	$r = page('carol', "/requests/$id");
	is($r->{status}, 200, 'the request page');
	like($r->{text}, qr/<span class="status queued">대기 중<\/span>/, '... shows the status');
	like($r->{text}, qr/<progress class="bar" max="100" value="0">/, '... and a progress bar');
	like($r->{text}, qr/<noscript><meta http-equiv="refresh" content="3"><\/noscript>/, '... reloads itself without JavaScript while active');
	like($r->{text}, qr/<script src="\/static\/live\.js" defer><\/script>/, '... and follows it live with it');
	like($r->{text}, qr/action="\/requests\/$id\/cancel"/, '... with a cancel button');
	$r = form('alice', "/products/$p/analyze");
	like($r->{headers}{location} // '', qr{^/requests/$id\?joined=1$}, 'another user joins: the same page');
	like(page('alice', "/requests/$id?joined=1")->{text}, qr/함께했습니다/, '... saying so');
	like(page('carol', "/products/$p")->{text}, qr/진행 중인 분석 보기/, 'the product page shows the active request');
	$r = page('carol', '/requests');
	is($r->{status}, 200, '/requests');
	like($r->{text}, qr/href="\/requests\/$id"/, '... lists it');
	unlike($r->{text}, qr/href="\/requests\/$rid"/, "... but not alice's and bob's");
	form('carol', "/requests/$id/cancel");
	$r = page('carol', "/requests/$id");
	like($r->{text}, qr/<span class="status cancelled">취소됨<\/span>/, 'cancelled for carol');
	unlike($r->{text}, qr/http-equiv="refresh"|live\.js/, '... the page no longer reloads or listens');
	for my $bad ('0', '-1', 'abc', '99999999999999999999', '999999') {
		is(page('carol', "/requests/$bad")->{status}, 404, "/requests/$bad: 404");
		is(api('carol', 'GET', "/api/requests/$bad")->{status}, 404, "GET /api/requests/$bad: 404");
	}
	is($s->post("/products/$p/analyze", '', { origin => $ORIGIN })->{status}, 303, 'a visitor is sent to log in');
	is($s->request('POST', "/api/products/$p/analyses")->{status}, 401, 'the API needs a token');
}

# ------------------------------------------------------------------ the queue role stopped
{
	my $p = product(7010);
	open(my $fh, '>>', $s->conf) or die;
	print {$fh} "redis.queue = 127.0.0.1:1\n";       # the queue's Redis is gone
	close $fh;
	kill 'HUP', $s->web_pid;
	my $ok = 0;
	for (1 .. 100) {
		select(undef, undef, undef, 0.1);
		last if ($ok = ($s->get('/healthz')->{content} // '') =~ /"failed":\["redis\.queue"\]/);
	}
	ok($ok, 'reloaded with the queue role unreachable');
	my $r = api('carol', 'POST', "/api/products/$p/analyses");
	is($r->{status}, 503, 'a request while the queue is down: 503');
	like($r->{json}{error}{message} // '', qr/큐에 넣지 못했습니다/, '... with the reason');
	is(sql("SELECT status FROM analysis_requests WHERE product_id = $p"), 'failed',
		'the request is failed, not left queued');
	like(sql("SELECT error_message FROM analysis_requests WHERE product_id = $p"), qr/큐/,
		'... and says why');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
