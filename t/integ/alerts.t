# Price alerts (docs/aggregator.md "Price alerts") against a real stack: prices ingested
# through POST /api/ingest/prices fire a watch entry once per crossing of its target
# (not on wobbles; re-armed 1 % above the target), concurrent ingests of one crossing fire
# once, entries without a target or with notify off never fire; the notification is on
# /watchlist (unread, then 읽음 표시), is pushed live to /live/users/me (nchan, only to its
# user), and queues a webhook delivery for a user with a webhook; /me/webhook refuses
# URLs that are not https, carry userinfo or point at loopback/private addresses (this
# stack keeps webhook.allow_private = 0), and shows a new secret once; in Chromium, a
# crossing ingested while /watchlist is open appears without a reload (static/notify.js).
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use IO::Select;
use IO::Socket::INET;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 4);
our $ORIGIN = 'http://127.0.0.1:' . $s->port;

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }
sub enc { my ($v) = @_; $v = encode('UTF-8', $v); $v =~ s/([^A-Za-z0-9\-_.~])/sprintf('%%%02X', ord $1)/ge; $v }

my %U = map { $_ => $s->add_user($_) } qw(alice bob carol dave);
my $tok = $s->ingest_token($U{alice}{email});

sub page { my ($who, $path) = @_; my $r = $s->get($path, { cookie => $U{$who}{cookie} }); $r->{text} = decode('UTF-8', $r->{content} // ''); $r }
sub form {
	my ($who, $path, %f) = @_;
	my $body = join '&', "csrf=$U{$who}{csrf}", map { enc($_) . '=' . enc($f{$_}) } sort keys %f;
	my $r = $s->post($path, $body, { cookie => $U{$who}{cookie}, origin => $ORIGIN });
	$r->{text} = decode('UTF-8', $r->{content} // '');
	return $r;
}
my $clock = 1_764_000_000;    # observed_at of the next price, one minute apart
sub price {
	my ($cp, $won) = @_;
	$clock += 60;
	my $r = $s->request('POST', '/api/ingest/prices', { headers => { 'content-type' => 'application/json',
		authorization => "Bearer $tok" }, content => $json->encode({ collector => 'test', items => [
		{ product_id => $cp, price => $won, observed_at => $clock * 1000, name => "알림 상품 $cp" } ] }) });
	die "ingest $cp $won: $r->{status} $r->{content}" unless $r->{status} == 200;
	return $r;
}
sub uid { sql("SELECT id FROM users WHERE email = '$U{$_[0]}{email}'") }
sub fired { my ($who, $pid) = @_; sql("SELECT count(*) FROM notifications WHERE user_id = " . uid($who) . " AND product_id = $pid") }

# A raw HTTP/1.1 request on a fresh connection; returns (socket, status, headers).
sub open_stream {
	my ($path, %h) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $s->port, Timeout => 5) or die $!;
	print {$sock} "GET $path HTTP/1.1\r\nHost: 127.0.0.1:" . $s->port . "\r\n"
		. join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
	my ($head, $sel, $end) = ('', IO::Select->new($sock), time + 5);
	while ($head !~ /\r\n\r\n/ && time < $end) {
		last unless $sel->can_read($end - time);
		sysread($sock, my $buf, 1) or last;
		$head .= $buf;
	}
	my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
	return ($sock, $status // 0, $head);
}
sub read_until {
	my ($sock, $secs, $done) = @_;
	my ($buf, $sel, $end) = ('', IO::Select->new($sock), time + $secs);
	while (time < $end && !$done->($buf)) {
		last unless $sel->can_read($end - time);
		sysread($sock, my $chunk, 65536) or last;
		$buf .= $chunk;
	}
	return $buf;
}
sub events { map { eval { $json->decode($_) } || () } $_[0] =~ /^data: (\{.*\})\r?$/mg }

# ------------------------------------------------------------------ set-up
price(910001, 10000);
my $pid = sql("SELECT id FROM products WHERE coupang_product_id = 910001");
die 'no product' unless $pid;
# preconditions (the watch list is older than the alerts): alice watches it with a target
# of 9,950원, bob without a target, carol with a target and notify off
sub watch { my ($who, $p, $t) = @_; my $r = form($who, '/watchlist', product_id => $p, target_price => $t);
	die "watch $who $p: $r->{status}" unless $r->{status} == 303 }
watch('alice', $pid, '9950');
watch('bob', $pid, '');
watch('carol', $pid, '9950');
sql("UPDATE watch_list SET notify = false WHERE user_id = " . uid('carol'));

# ------------------------------------------------------------------ live channel: who may subscribe
my ($live, $live_st) = open_stream('/live/users/me', Accept => 'text/event-stream', Cookie => $U{alice}{cookie});
is($live_st, 200, 'alice subscribes to /live/users/me over EventSource');
my ($blive, $blive_st) = open_stream('/live/users/me', Accept => 'text/event-stream', Cookie => $U{bob}{cookie});
is($blive_st, 200, 'bob subscribes to his own');
{
	my (undef, $st) = open_stream('/live/users/me', Accept => 'text/event-stream');
	is($st, 403, 'no session: 403');
	# (a precondition: true without the alerts too) the auth route answers nobody but
	# nginx's internal auth server
	die 'GET /_auth/live/user answered a client' unless $s->get('/_auth/live/user', { cookie => $U{alice}{cookie} })->{status} == 404;
}

# ------------------------------------------------------------------ once per crossing
price(910001, 9900);
is(fired('alice', $pid), 1, '10,000 → 9,900 (at or below 9,950): fires');
my @ev = events(read_until($live, 15, sub { $_[0] =~ /"price_alert"/ }));
is(scalar @ev, 1, 'the notification is pushed live to alice');
my $e = $ev[0] || {};
is("$e->{type} $e->{price} $e->{target_price} $e->{product}{id}", "price_alert 9900 9950 $pid", '... type, price, target, product');
is($e->{product}{name}, '알림 상품 910001', '... and its name');
like($e->{created_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, '... and when (UTC)');
price(910001, 9950);
is(fired('alice', $pid), 1, '9,950: no second alert (not re-armed)');
price(910001, 9900);
is(fired('alice', $pid), 1, '9,900 again: still one');
price(910001, 10040);
is(fired('alice', $pid), 1, '10,040 (less than 1 % above): not re-armed ...');
price(910001, 9900);
is(fired('alice', $pid), 1, '... so 9,900 does not fire');
price(910001, 10200);
is(sql("SELECT alert_armed FROM watch_list WHERE user_id = " . uid('alice')), 't', '10,200 (≥ 1 % above): re-armed');
price(910001, 9800);
is(fired('alice', $pid), 2, '9,800: fires again');
is(sql("SELECT price || ' ' || target_price FROM notifications WHERE user_id = " . uid('alice') . " ORDER BY id DESC LIMIT 1"),
	'9800 9950', '... with its price and target');
is(sql("SELECT alert_fired_price FROM watch_list WHERE user_id = " . uid('alice')), 9800, 'the entry records the price it fired at');
is(fired('bob', $pid), 0, 'no target: never fires');
is(fired('carol', $pid), 0, 'notify off: never fires');
@ev = events(read_until($live, 15, sub { $_[0] =~ /"price":9800/ }));
is_deeply([map { $_->{price} } @ev], [9800], 'the second alert is pushed live too, once');
{
	# bob's own alert, on a product of his: his channel carries it and none of alice's
	price(910005, 500);
	my $pb = sql("SELECT id FROM products WHERE coupang_product_id = 910005");
	watch('bob', $pb, '450');
	price(910005, 440);
	my $nb = sql("SELECT id FROM notifications WHERE user_id = " . uid('bob'));
	my @bev = events(read_until($blive, 15, sub { $_[0] =~ /"price":440/ }));
	is_deeply([map { $_->{id} } @bev], [$nb], "bob's channel carries his own alert and none of alice's");
}
close $live;
close $blive;

# ------------------------------------------------------------------ concurrent ingests fire once
{
	price(910002, 6000);
	my $p2 = sql("SELECT id FROM products WHERE coupang_product_id = 910002");
	is(form('alice', '/watchlist', product_id => $p2, target_price => '5000')->{status}, 303, 'alice watches a second product, target 5,000원');
	my @kids;
	for my $i (1 .. 8) {
		my $pid_ = fork() // die;
		if (!$pid_) {
			$clock += $i * 7;
			# the parent's kept-alive connection is not the child's to use
			$s->{http} = HTTP::Tiny->new(max_redirect => 0, timeout => 60);
			my $ok = eval { price(910002, 4900); 1 };
			POSIX::_exit($ok ? 0 : 1);
		}
		push @kids, $pid_;
	}
	my $bad = 0;
	for (@kids) { waitpid($_, 0); $bad++ if $? }
	is($bad, 0, 'eight concurrent ingests of 4,900원 all stored');
	is(fired('alice', $p2), 1, '... and fired one alert');
}

# ------------------------------------------------------------------ the watch-list page
{
	my $r = page('alice', '/watchlist');
	is($r->{status}, 200, '/watchlist');
	my @items = $r->{text} =~ /(<li class="notification[^"]*" data-notification-id="\d+">.*?<\/li>)/g;
	is(scalar @items, 3, 'lists her three notifications');
	like($items[-1], qr/9,900원 — 목표가 9,950원 이하로 내려갔습니다/, '... in Korean, with price and target');
	is(scalar(grep { /class="notification unread"/ } @items), 3, '... all unread');
	like($r->{text}, qr/읽지 않음 <span class="n">3<\/span>/, '... counted');
	like($r->{text}, qr/<script src="\/static\/notify.js" defer><\/script>/, '... and the page listens live');
	is($s->get('/static/notify.js')->{status}, 200, 'its script is served');
	my $bt = page('bob', '/watchlist')->{text};
	my @bob = $bt =~ /data-notification-id="(\d+)"/g;
	is_deeply(\@bob, [sql("SELECT id FROM notifications WHERE user_id = " . uid('bob'))], 'bob sees only his own');
	is($s->post('/watchlist/notifications/read', '', { cookie => $U{alice}{cookie}, origin => $ORIGIN })->{status},
		403, '읽음 표시 without a CSRF token: 403');
	my $unread = "SELECT count(*) FROM notifications WHERE read_at IS NULL AND user_id = " . uid('alice');
	is(sql($unread), 3, '... nothing marked');
	$r = form('alice', '/watchlist/notifications/read');
	is($r->{status}, 303, '읽음 표시');
	is(sql($unread), 0, '... marks them read');
	is(sql("SELECT count(*) FROM notifications WHERE read_at IS NULL"), 1, "... and not bob's");
	$r = page('alice', '/watchlist?read=1');
	ok($r->{text} =~ /알림을 모두 읽음으로 표시했습니다/ && $r->{text} !~ /class="notification unread"/
		&& (() = $r->{text} =~ /class="notification"/g) == 3, '... the page says so and no longer marks them');
}

# ------------------------------------------------------------------ /me/webhook (allow_private = 0)
{
	my $r = page('dave', '/me/webhook');
	is($r->{status}, 200, 'GET /me/webhook');
	like($r->{text}, qr/아직 웹훅이 없습니다/, '... none yet');
	my @refused = (
		[ 'https://127.0.0.1/hook', qr/사설 주소/, 'loopback' ],
		[ 'https://127.0.0.1:8443/hook', qr/사설 주소/, 'loopback with a port' ],
		[ 'https://localhost/hook', qr/사설 주소/, 'a name that resolves to loopback' ],
		[ 'https://10.1.2.3/hook', qr/사설 주소/, 'a private address' ],
		[ 'https://169.254.169.254/latest', qr/사설 주소/, 'link-local (cloud metadata)' ],
		[ 'https://[::1]/hook', qr/사설 주소/, 'IPv6 loopback' ],
		[ 'https://[::ffff:127.0.0.1]/hook', qr/사설 주소/, 'IPv4-mapped loopback' ],
		[ 'http://127.0.0.1:9/hook', qr/https여야 합니다/, 'http' ],
		[ 'https://user:pw@example.com/hook', qr/사용자 이름이나 비밀번호/, 'userinfo' ],
		[ 'ftp://example.com/hook', qr/https:\/\/ 로 시작해야/, 'another scheme' ],
		[ 'https://2130706433/hook', qr/점으로 나눈 숫자 네 개/, 'a decimal IPv4 address' ],
	);
	for my $c (@refused) {
		$r = form('dave', '/me/webhook', action => 'save', url => $c->[0]);
		is($r->{status}, 422, "$c->[2] ($c->[0]): refused");
		like($r->{text}, $c->[1], '... with a Korean message saying what to do');
	}
	like($r->{text}, qr/value="https:\/\/2130706433\/hook"[^>]*aria-invalid="true"/, 'the typed URL is kept');
	is(sql("SELECT count(*) FROM user_webhooks"), 0, 'nothing saved');
	$r = $s->post('/me/webhook', 'action=save&url=https%3A%2F%2F8.8.8.8%2Fhook', { cookie => $U{dave}{cookie}, origin => $ORIGIN });
	is($r->{status}, 403, 'no CSRF token: 403');
	$r = form('dave', '/me/webhook', action => 'save', url => 'https://8.8.8.8/revlens/hook');
	is($r->{status}, 201, 'a public https address is saved');
	my ($secret) = $r->{text} =~ /id="fresh-secret"/ ? $r->{text} =~ /value="(rlwh_[A-Za-z0-9_-]{43})"/ : ();
	ok($secret, '... and its new secret shown once');
	is(sql("SELECT url || ' ' || secret FROM user_webhooks"), "https://8.8.8.8/revlens/hook $secret", '... stored');
	$r = page('dave', '/me/webhook');
	ok($r->{text} =~ m{<code class="webhook-url">https://8\.8\.8\.8/revlens/hook</code>} && $r->{text} !~ /\Q$secret\E/,
		'the page shows the URL, not the secret again');
	$r = form('dave', '/me/webhook', action => 'save', url => 'HTTPS://8.8.4.4/hook');
	is($r->{status}, 303, 'changing the URL (a scheme in capitals)');
	is(sql("SELECT url || ' ' || secret FROM user_webhooks"), "https://8.8.4.4/hook $secret",
		'... stored with its scheme in lower case, and keeps the secret');
	$r = form('dave', '/me/webhook', action => 'secret');
	my ($s2) = $r->{text} =~ /value="(rlwh_[A-Za-z0-9_-]{43})"/;
	ok($s2 && $s2 ne $secret, '새 비밀 키 만들기 shows a new secret');
	is(sql("SELECT secret FROM user_webhooks"), $s2, '... which replaces the old one');

	# an alert of a user with a webhook queues a delivery
	price(910003, 3000);
	my $p3 = sql("SELECT id FROM products WHERE coupang_product_id = 910003");
	form('dave', '/watchlist', product_id => $p3, target_price => '2500');
	form('alice', '/watchlist', product_id => $p3, target_price => '2500');
	price(910003, 2400);
	is(fired('dave', $p3) . ' ' . fired('alice', $p3), '1 1', 'a crossing fires for both watchers');
	is(sql("SELECT count(*) || ' ' || min(status) || ' ' || min(attempts) FROM webhook_deliveries d "
		. "JOIN notifications n ON n.id = d.notification_id WHERE n.user_id = " . uid('dave')), '1 pending 0',
		'... a pending delivery for dave (his webhook)');
	is(sql("SELECT count(*) FROM webhook_deliveries WHERE user_id = " . uid('alice')), 0, '... none for alice (no webhook)');
	like(page('dave', '/watchlist')->{text}, qr/웹훅 보내는 중/, 'his watch list says it is being sent');
	$r = form('dave', '/me/webhook', action => 'delete');
	is($r->{status}, 303, '웹훅 삭제');
	is(sql("SELECT count(*) FROM user_webhooks"), 0, '... deleted');
	is(sql("SELECT status FROM webhook_deliveries"), 'abandoned', '... and what was not sent is given up');
}

# ------------------------------------------------------------------ all watched products (the aggregator's call)
{
	price(910004, 7000);
	my $p4 = sql("SELECT id FROM products WHERE coupang_product_id = 910004");
	form('bob', '/watchlist', product_id => $p4, target_price => '6000');
	sql("UPDATE products SET price = 5900 WHERE id = $p4");     # a price that reached it without ingestion
	is(fired('bob', $p4), 0, 'a price changed behind ingestion fires nothing by itself');
	is(sql("SELECT count(*) FROM revlens_price_alerts(NULL)"), 1, 'revlens_price_alerts(NULL) checks every watched product: one new alert');
	is(fired('bob', $p4), 1, '... for bob');
	is(sql("SELECT count(*) FROM revlens_price_alerts(NULL)"), 0, '... and not twice');
}

# ------------------------------------------------------------------ in Chromium: shown without a reload
# static/notify.js on an open /watchlist: a crossing ingested while the page is open
# appears in the list, unread and counted, in the user's time zone. A missing browser or
# node_modules is a failure, not a skip (as in browser.t).
{
	my $src = RevlensTest::srcdir();
	my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0];
	my $mods = "$src/t/browser/node_modules";
	die "alerts.t needs node, /usr/bin/chromium and $mods/playwright-core (scripts/install-deps)"
		unless $node && -x '/usr/bin/chromium' && -f "$mods/playwright-core/package.json";
	my $script = $s->rundir . '/notify_live.cjs';
	RevlensTest::write_file($script, <<'JS');
const { chromium } = require('playwright-core');
(async () => {
	const [base, cookie, shot] = process.argv.slice(2);
	const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
	try {
		const ctx = await b.newContext({ viewport: { width: 1100, height: 800 } });
		const eq = cookie.indexOf('=');
		await ctx.addCookies([{ name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: base }]);
		const p = await ctx.newPage();
		await p.goto(base + '/watchlist');
		await p.waitForSelector('[data-live-user][data-transport="eventsource"]', { timeout: 20000 });
		console.log('READY ' + await p.locator('.notification').count());
		await p.waitForSelector('.notification.live', { timeout: 20000 });
		console.log('LIVE ' + (await p.locator('.notification.live').innerText()).replace(/\s+/g, ' '));
		console.log('COUNT ' + await p.locator('.unread-count .n').innerText() + ' ' +
			(await p.locator('.mark-read').isVisible() ? 'form' : 'noform') + ' ' +
			(await p.locator('.notifications .empty').isVisible() ? 'empty' : 'noempty'));
		await p.screenshot({ path: shot });
	} catch (e) {
		console.log('ERROR ' + String(e.message).split('\n')[0]);
	}
	await b.close();
})();
JS
	my $mia = $s->add_user('mia');
	$U{mia} = $mia;
	price(910006, 2000);
	my $p6 = sql("SELECT id FROM products WHERE coupang_product_id = 910006");
	watch('mia', $p6, '1800');
	my $shot = (RevlensTest::builddir()) . '/screenshots/alerts-live.png';
	mkdir((RevlensTest::builddir()) . '/screenshots');
	local $ENV{NODE_PATH} = $mods;
	open(my $n, '-|', 'timeout', '-k', '10', '120', $node, $script, $ORIGIN, $mia->{cookie}, $shot) or die "node: $!";
	my %out;
	while (my $l = <$n>) {
		$l = decode('UTF-8', $l);
		chomp $l;
		my ($k, $v) = split / /, $l, 2;
		$out{$k} = $v // '';
		if ($k eq 'READY') {
			$clock = int(time()) - 90;    # price() adds a minute: observed 30 s ago
			price(910006, 1750);
		}
	}
	close $n;
	diag("browser: $out{ERROR}") if defined $out{ERROR};
	is($out{READY}, 0, 'Chromium: /watchlist open with no notification, listening on /live/users/me');
	my $nid = sql("SELECT id FROM notifications WHERE user_id = " . uid('mia'));
	my $local = sql("SELECT to_char(created_at AT TIME ZONE 'Asia/Seoul', 'YYYY-MM-DD HH24:MI') FROM notifications WHERE id = " . ($nid || 0));
	is($out{LIVE}, "새 알림 알림 상품 910006: 1,750원 — 목표가 1,800원 이하로 내려갔습니다. $local",
		'... a crossing ingested meanwhile appears without a reload, in Korean, in her zone (Asia/Seoul)');
	is($out{COUNT}, '1 form noempty', '... counted unread, with 읽음 표시 and without the "none yet" line');
}

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
done_testing();
