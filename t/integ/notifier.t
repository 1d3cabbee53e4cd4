# revlens-notifier (docs/aggregator.md "Webhooks") against a real stack and a Perl HTTP
# receiver on 127.0.0.1 (webhook.allow_private = 1 on this stack): price alerts fired
# by ingestion are POSTed with the contract's body and an X-Revlens-Signature that
# verifies with Digest::SHA; a receiver answering 500 then 200 gets the same delivery
# again and it is delivered; one that always fails is retried after 1 min, 5 min,
# 30 min, 2 h and 12 h (the test moves next_attempt_at to now instead of waiting:
# the notifier has no test-only schedule) and abandoned after the sixth attempt, which
# the watch-list page says; no answer within webhook.timeout_ms and a redirect (never
# followed) are failed attempts; with allow_private = 0 the address is checked again at
# delivery (a name resolving to loopback is refused without a request); concurrent
# notifiers send each delivery once; TERM stops the daemon cleanly.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use Encode qw(encode decode);
use Fcntl qw(:flock);
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2, conf_append => "webhook.allow_private = 1\nwebhook.timeout_ms = 500\n");
our $ORIGIN = 'http://127.0.0.1:' . $s->port;
my $NOTIFIER = RevlensTest::builddir() . '/revlens-notifier';
die "$NOTIFIER is not built" unless -x $NOTIFIER;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
sub enc { my ($v) = @_; $v = encode('UTF-8', $v); $v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge; $v }

# The notifier's own configuration: the stack's, logging to logs/notifier.log.
my $conf = $s->rundir . '/notifier.conf';
my $log = $s->rundir . '/logs/notifier.log';
RevlensTest::write_file($conf, RevlensTest::read_file($s->conf) . "\nlog.file = $log\n");
my $stderr = '';    # what every run printed (sanitizer reports land here)
sub notify_once {
	my (@conf) = @_;
	my $r = RevlensTest::run_cmd([$NOTIFIER, '-c', @conf ? @conf : $conf, '--once']);
	$stderr .= $r->{err};
	die "revlens-notifier --once failed ($r->{exit}): $r->{err}" if $r->{exit} != 0;
	return $r;
}

# ------------------------------------------------------------------ the receiver
# One process, a child per connection; every request is appended to $hits as one JSON
# line {path, sig, ua, ct, body}. What it answers depends on the path and on how often
# that path was hit before: /ok → 200; /flaky → 500 the first time, then 200; /down →
# 500; /slow → nothing for 3 s (the notifier gives up after 500 ms); /redirect → 302 to
# /ok/redirected.
my $hits = $s->rundir . '/receiver.jsonl';
RevlensTest::write_file($hits, '');
my $lsock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 64, ReuseAddr => 1) or die $!;
my $RPORT = $lsock->sockport;
my $receiver = fork() // die;
if (!$receiver) {
	$SIG{CHLD} = 'IGNORE';
	$SIG{TERM} = 'DEFAULT';    # not RevlensTest's handler: die quietly
	while (my $c = $lsock->accept) {
		my $kid = fork();
		if (defined $kid && $kid == 0) {
			my ($head, $body) = ('', '');
			while ($head !~ /\r\n\r\n/) { sysread($c, my $b, 1) or last; $head .= $b }
			my ($len) = $head =~ /^content-length:\s*(\d+)/mi;
			while (length($body) < ($len // 0)) { sysread($c, my $b, $len - length $body) or last; $body .= $b }
			my ($path) = $head =~ m{^POST (\S+) HTTP};
			my ($sig) = $head =~ /^x-revlens-signature:\s*(\S+)\r$/mi;
			my ($ua) = $head =~ /^user-agent:\s*(.*?)\r$/mi;
			my ($ct) = $head =~ /^content-type:\s*(.*?)\r$/mi;
			open(my $fh, '+<', $hits) or die;
			flock($fh, LOCK_EX);
			my $before = grep { /"path":"\Q$path\E"/ } <$fh>;
			seek($fh, 0, 2);
			print {$fh} JSON::PP->new->ascii->canonical->encode({ path => $path // '', sig => $sig // '', ua => $ua // '',
				ct => $ct // '', body => $body }), "\n";
			close $fh;
			my $st = $path =~ m{^/ok/} ? 200 : $path eq '/flaky' ? ($before ? 200 : 500) : $path eq '/down' ? 500
				: $path eq '/redirect' ? 302 : 200;
			sleep 3 if $path eq '/slow';
			my $extra = $st == 302 ? "Location: http://127.0.0.1:$RPORT/ok/redirected\r\n" : '';
			print {$c} "HTTP/1.1 $st X\r\n${extra}Content-Length: 2\r\nConnection: close\r\n\r\nok";
			close $c;
			POSIX::_exit(0);
		}
		close $c;
	}
	POSIX::_exit(0);
}
close $lsock;
END { kill 'TERM', $receiver if $receiver; }
sub received {
	my ($path) = @_;
	open(my $fh, '<', $hits) or die;
	flock($fh, LOCK_SH);
	return grep { !defined $path || $_->{path} eq $path } map { $json->decode($_) } grep { length } <$fh>;
}

# ------------------------------------------------------------------ alerts with webhooks
my $tok = $s->ingest_token($s->add_user('collector')->{email});
my $cp = 920000;
my $clock = 1_764_000_000;
sub price {
	my ($c, $won) = @_;
	$clock += 60;
	my $r = $s->request('POST', '/api/ingest/prices', { headers => { 'content-type' => 'application/json',
		authorization => "Bearer $tok" }, content => $json->encode({ collector => 'test', items => [
		{ product_id => $c, price => $won, observed_at => $clock * 1000, name => "웹훅 상품 $c" } ] }) });
	die "ingest: $r->{status} $r->{content}" unless $r->{status} == 200;
}
my %U;
sub user {
	my ($name, $url) = @_;
	my $u = $U{$name} = $s->add_user($name);
	my $r = $s->post('/me/webhook', "csrf=$u->{csrf}&action=save&url=" . enc($url), { cookie => $u->{cookie}, origin => $ORIGIN });
	die "webhook of $name: $r->{status}" unless $r->{status} == 201;
	($u->{secret}) = decode('UTF-8', $r->{content}) =~ /value="(rlwh_[A-Za-z0-9_-]{43})"/;
	die "no secret for $name" unless $u->{secret};
	$u->{id} = sql("SELECT id FROM users WHERE email = '$u->{email}'");
	return $u;
}
# A crossing for $name's watch of a new product; returns the notification id.
sub alert {
	my ($name) = @_;
	my $c = ++$cp;
	price($c, 1000);
	my $pid = sql("SELECT id FROM products WHERE coupang_product_id = $c");
	my $u = $U{$name};
	my $r = $s->post('/watchlist', "csrf=$u->{csrf}&product_id=$pid&target_price=900", { cookie => $u->{cookie}, origin => $ORIGIN });
	die "watch: $r->{status}" unless $r->{status} == 303;
	price($c, 850);
	my $n = sql("SELECT id FROM notifications WHERE user_id = $u->{id} AND product_id = $pid");
	die "no notification for $name" unless $n;
	return $n;
}
sub delivery { my ($n) = @_; my %d; @d{qw(status attempts last_status last_error wait)} = split /\|/, sql(
	"SELECT status, attempts, coalesce(last_status::text, ''), coalesce(last_error, ''), "
	. "extract(epoch FROM next_attempt_at - last_attempt_at)::int FROM webhook_deliveries WHERE notification_id = $n"), -1; \%d }
sub due_now { my ($n) = @_; sql("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE notification_id = $n") }
sub verifies {
	my ($hit, $secret) = @_;
	my ($t, $v1) = $hit->{sig} =~ /^t=(\d+),v1=([0-9a-f]{64})$/ or return 0;
	return hmac_sha256_hex("$t.$hit->{body}", $secret) eq $v1 && abs(time - $t) < 300;
}

# ------------------------------------------------------------------ delivered, signed
{
	my $u = user('erin', "http://127.0.0.1:$RPORT/ok/erin");
	my $n = alert('erin');
	is(delivery($n)->{status}, 'pending', 'a crossing queues a delivery');
	notify_once();
	my @h = received('/ok/erin');
	is(scalar @h, 1, 'the receiver got one POST');
	my $h = $h[0] || {};
	is($h->{ct}, 'application/json', '... Content-Type: application/json');
	ok(verifies($h, $u->{secret}) && !verifies($h, $u->{secret} . 'x'),
		'... whose X-Revlens-Signature verifies with hmac_sha256_hex(secret, "t.body"), and not with another secret');
	my $b = eval { $json->decode($h->{body}) } || {};
	my $pid = sql("SELECT product_id FROM notifications WHERE id = $n");
	is_deeply([sort keys %$b], [qw(created_at id price product target_price type)], '... the contract\'s fields');
	is("$b->{id} $b->{type} $b->{price} $b->{target_price}", "$n price_alert 850 900", '... id, type, price, target');
	is($b->{product}{id}, $pid, '... the product');
	is($b->{product}{name}, "웹훅 상품 $cp", '... its name');
	like($b->{product}{url} // '', qr{^https://}, '... its URL');
	like($b->{created_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, '... when');
	my $d = delivery($n);
	is("$d->{status} $d->{attempts} $d->{last_status}", 'delivered 1 200', 'recorded: delivered on attempt 1 (HTTP 200)');
	like(decode('UTF-8', $s->get('/watchlist', { cookie => $u->{cookie} })->{content}), qr/웹훅 전송됨/, 'the watch list says it was sent');
	notify_once();
	is(scalar(received('/ok/erin')), 1, 'a delivered one is not sent again');
}

# ------------------------------------------------------------------ 500 then 200
{
	my $u = user('frank', "http://127.0.0.1:$RPORT/flaky");
	my $n = alert('frank');
	notify_once();
	my $d = delivery($n);
	is("$d->{status} $d->{attempts} $d->{last_status}", 'pending 1 500', 'a 500: still pending after attempt 1');
	is($d->{last_error}, 'HTTP 500 응답', '... with the reason');
	is($d->{wait}, 60, '... the next attempt 1 min later');
	like(decode('UTF-8', $s->get('/watchlist', { cookie => $u->{cookie} })->{content}), qr/웹훅 재시도 대기 \(1번 실패: HTTP 500 응답/,
		'the watch list says a retry is waiting');
	notify_once();
	is(scalar(received('/flaky')), 1, 'not retried before it is due');
	due_now($n);
	notify_once();
	my @h = received('/flaky');
	is(scalar @h, 2, 'due: retried');
	is($h[0]{body}, $h[1]{body}, '... with the same body (same id)');
	ok(verifies($h[1], $u->{secret}), '... signed afresh');
	$d = delivery($n);
	is("$d->{status} $d->{attempts} $d->{last_status}", 'delivered 2 200', '... and delivered on attempt 2');
}

# ------------------------------------------------------------------ always 500: the schedule, then abandoned
{
	my $u = user('gina', "http://127.0.0.1:$RPORT/down");
	my $n = alert('gina');
	my @waits;
	for my $k (1 .. 6) {
		due_now($n) if $k > 1;
		notify_once();
		my $d = delivery($n);
		is($d->{attempts}, $k, "attempt $k made");
		push @waits, $d->{wait} if $k < 6;
		is($d->{status}, $k < 6 ? 'pending' : 'abandoned', $k < 6 ? '... still pending' : '... and then abandoned');
	}
	is_deeply(\@waits, [60, 300, 1800, 7200, 43200], 'retries after 1 min, 5 min, 30 min, 2 h, 12 h');
	due_now($n);
	notify_once();
	is(scalar(received('/down')), 6, 'six POSTs in all; an abandoned delivery is not sent again');
	like(decode('UTF-8', $s->get('/watchlist', { cookie => $u->{cookie} })->{content}), qr/웹훅 전송 포기 \(6번 실패: HTTP 500 응답\)/,
		'the watch list says it was abandoned');
}

# ------------------------------------------------------------------ no answer in time; a redirect
{
	user('hank', "http://127.0.0.1:$RPORT/slow");
	my $n = alert('hank');
	notify_once();
	my $d = delivery($n);
	is("$d->{status} $d->{attempts} $d->{last_status}", 'pending 1 ', 'no answer within webhook.timeout_ms: a failed attempt');
	is($d->{last_error}, '500 ms 안에 응답이 없음', '... saying so');
	user('ivan', "http://127.0.0.1:$RPORT/redirect");
	$n = alert('ivan');
	notify_once();
	$d = delivery($n);
	is("$d->{status} $d->{last_status} " . scalar(received('/redirect')) . ' ' . scalar(received('/ok/redirected')),
		'pending 302 1 0', 'a redirect is a failed attempt, not followed');
}

# ------------------------------------------------------------------ the address checked again at delivery
{
	my $strict = $s->rundir . '/notifier-strict.conf';
	RevlensTest::write_file($strict, RevlensTest::read_file($conf) . "webhook.allow_private = 0\n");
	user('juno', "http://127.0.0.1:$RPORT/ok/juno");
	my $jid = $U{juno}{id};
	# as if saved while the name resolved to a public address
	sql("UPDATE user_webhooks SET url = 'https://localhost:$RPORT/ok/juno' WHERE user_id = $jid");
	my $n = alert('juno');
	notify_once($strict);
	my $d = delivery($n);
	is("$d->{status} $d->{attempts}", 'pending 1', 'allow_private = 0: a name resolving to loopback at delivery fails the attempt');
	ok($d->{last_error} =~ /^허용되지 않은 주소 (127\.0\.0\.1|::1) / && scalar(received('/ok/juno')) == 0,
		'... refused by address before connecting: no request reached the receiver') or diag($d->{last_error});
	sql("UPDATE user_webhooks SET url = 'http://127.0.0.1:$RPORT/ok/juno' WHERE user_id = $jid");
	due_now($n);
	notify_once($strict);
	is(delivery($n)->{last_error}, '웹훅 주소는 https여야 합니다. https:// 로 시작하는 주소를 입력해 주세요.',
		'... and plain http is refused too');
	due_now($n);
	notify_once();
	is(delivery($n)->{status}, 'delivered', 'with allow_private = 1 it goes through');
}

# ------------------------------------------------------------------ http only to loopback or private addresses
{
	my $u = $s->add_user('nora');
	my $r = $s->post('/me/webhook', "csrf=$u->{csrf}&action=save&url=" . enc('http://8.8.8.8/hook'),
		{ cookie => $u->{cookie}, origin => $ORIGIN });
	is($r->{status}, 422, 'allow_private = 1: http to a public address is refused on save');
	like(decode('UTF-8', $r->{content}), qr/http 웹훅은 내부망·루프백 주소에만 쓸 수 있습니다\. 공인 주소에는 https:\/\/ 주소를 입력해 주세요/,
		'... saying to use https');
	user('olga', "http://127.0.0.1:$RPORT/ok/olga");
	# as if saved while the name pointed inside: now it is public (8.8.8.8, never reached:
	# the socket is refused before it connects)
	sql("UPDATE user_webhooks SET url = 'http://8.8.8.8:9/ok/olga' WHERE user_id = $U{olga}{id}");
	my $n = alert('olga');
	notify_once();
	my $d = delivery($n);
	is("$d->{status} $d->{attempts} $d->{last_error}", 'pending 1 허용되지 않은 주소 8.8.8.8 '
		. '(http로는 공인 주소에 보내지 않습니다: https 주소를 쓰세요)', '... and at delivery, before connecting');
}

# ------------------------------------------------------------------ concurrent notifiers: each delivery once
{
	user('kate', "http://127.0.0.1:$RPORT/ok/kate");
	my @n = map { alert('kate') } 1 .. 12;
	my @kids;
	for (1 .. 3) {
		my $k = fork() // die;
		if (!$k) { my $r = RevlensTest::run_cmd([$NOTIFIER, '-c', $conf, '--once']); POSIX::_exit($r->{exit}) }
		push @kids, $k;
	}
	my $bad = 0;
	for (@kids) { waitpid($_, 0); $bad++ if $? }
	is($bad, 0, 'three notifiers ran at once');
	my %seen;
	$seen{ $json->decode($_->{body})->{id} }++ for received('/ok/kate');
	is_deeply([sort { $a <=> $b } keys %seen], [sort { $a <=> $b } @n], '... every delivery was sent');
	is(scalar(grep { $_ != 1 } values %seen), 0, '... each exactly once');
	is(sql("SELECT count(*) FROM webhook_deliveries WHERE user_id = $U{kate}{id} AND status = 'delivered'"), 12, '... and recorded delivered');
}

# ------------------------------------------------------------------ the daemon; TERM
{
	my $pid = fork() // die;
	if (!$pid) { exec($NOTIFIER, '-c', $conf) or POSIX::_exit(127) }
	user('liam', "http://127.0.0.1:$RPORT/ok/liam");
	my $n = alert('liam');
	my $end = time + 20;
	sleep 0.1 while delivery($n)->{status} ne 'delivered' && time < $end;
	is(delivery($n)->{status}, 'delivered', 'the daemon delivers a new alert without being asked');
	# HUP: the configuration read again (a shorter timeout, logged at start-up's format)
	RevlensTest::write_file($conf, RevlensTest::read_file($conf) . "webhook.timeout_ms = 400\n");
	kill 'HUP', $pid;
	$end = time + 20;
	sleep 0.1 while RevlensTest::read_file($log) !~ /HUP: configuration reloaded/ && time < $end;
	like(RevlensTest::read_file($log), qr/HUP: configuration reloaded/, 'HUP: the configuration is read again');
	user('mona', "http://127.0.0.1:$RPORT/slow");
	my $m = alert('mona');
	$end = time + 20;
	sleep 0.1 while delivery($m)->{attempts} == 0 && time < $end;
	is(delivery($m)->{last_error}, '400 ms 안에 응답이 없음', '... and the new timeout is the one used');
	kill 'TERM', $pid;
	waitpid($pid, 0);
	is($?, 0, 'TERM: it exits 0');
	like(RevlensTest::read_file($log), qr/revlens-notifier stopped: \d+ deliveries attempted/, '... saying so in its log');
}

my @alarms = grep { /AddressSanitizer|runtime error:|LeakSanitizer/ } split /\n/, RevlensTest::read_file($log) . $stderr;
is_deeply([$s->log_alarms, @alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
