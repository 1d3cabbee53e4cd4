# revlens-crawler against the fake Coupang server (t/fake-coupang) and a real stack:
# crawl requests from `revlens crawl`, every scenario of the fake (normal paging, empty,
# an edited review, 429 with Retry-After, Akamai's 403, malformed JSON, 503), the pace
# between requests, the early stop at already-stored reviews, a request past its
# deadline, TERM in the middle of a crawl, and usage and configuration errors.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use FakeCoupang;
use Test::More;
use Encode qw(encode decode);
use JSON::PP;
use POSIX ();
use Time::HiRes qw(sleep time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $B = RevlensTest::builddir();
die "$B/revlens-crawler is not built (run make)\n" unless -x "$B/revlens-crawler";

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 2);
my $fc = FakeCoupang->start(dir => $s->rundir . '/fake-coupang');
my $tok = $s->service_token('crawl');
my $R = $s->rundir;


RevlensTest::write_file("$R/crawler.token", "$tok\n", 0600);
(my $revlens = $s->url('')) =~ s{/+$}{};
my $base_conf = RevlensTest::read_file($s->conf) . join('', map { "$_\n" }
	'',
	'# revlens-crawler for this test (later lines win)',
	'log.file = -',
	'crawler.coupang_url = ' . $fc->url,
	'crawler.ca_file = ' . $fc->ca,
	"crawler.revlens_url = $revlens",
	"crawler.token_file = $R/crawler.token",
	'crawler.page_interval_ms = 200',
	'crawler.backoff_ms = 200',
	'crawler.max_retries = 2',
	'crawler.timeout_ms = 5000');
my $conf = "$R/crawler.conf";
RevlensTest::write_file($conf, $base_conf);

sub sql { my ($q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

# products 1001..1007 as a user would have registered them
my %P;
for my $cp (1001 .. 1007) {
	$P{$cp} = sql("INSERT INTO products (coupang_product_id, url, name) VALUES "
		. "($cp, 'https://www.coupang.com/vp/products/$cp', '상품 $cp') RETURNING id");
}

sub crawl_request {
	my ($cp, @opt) = @_;
	my $r = $s->cli('crawl', @opt, $P{$cp});
	is($r->{exit}, 0, "revlens crawl $cp") or diag $r->{err};
}
sub crawler {
	my (@args) = @_;
	my $r = RevlensTest::run_cmd(["$B/revlens-crawler", @args]);
	$r->{err} = decode('UTF-8', $r->{err});
	return $r;
}
sub run_once {
	my ($what) = @_;
	my $r = crawler('-c', $conf, '--once');
	is($r->{exit}, 0, "revlens-crawler --once ($what) exits 0") or diag $r->{err};
	unlike($r->{err}, qr/AddressSanitizer|runtime error:|LeakSanitizer/, "... no sanitizer report");
	return $r;
}
sub status {
	my ($cp) = @_;
	my $row = sql("SELECT s.state || '|' || s.collector || '|' || coalesce(s.pages::text, '') || '|' "
		. "|| coalesce(s.reviews::text, '') || '|' || coalesce(s.message, '') "
		. "FROM product_crawl_status s WHERE s.product_id = $P{$cp}");
	my %st;
	@st{qw(state collector pages reviews message)} = split /\|/, $row, 5;
	return \%st;
}
sub reviews {
	my ($cp) = @_;
	my $r = $s->cli('reviews', '--coupang', $cp);
	die "revlens reviews --coupang $cp: $r->{err}" if $r->{exit} != 0;
	return [ map { $json->decode($_) } grep { /\S/ } split /\n/, $r->{out} ];
}
# the fake's log: requests of one product's reviews (in order)
sub review_requests {
	my ($log, $cp) = @_;
	return [ grep { $_->{path} eq '/next-api/review' && ($_->{query}{productId} // '') eq $cp } @$log ];
}
sub pending { $s->redis_cli('XPENDING', 'revlens:crawl', 'crawlers') =~ /^(\d+)/ ? $1 : -1 }

# ------------------------------------------------------------------ usage and configuration
{
	my $r = crawler('--bogus');
	is($r->{exit}, 2, 'an unknown option: exit 2');
	like($r->{err}, qr/unknown argument "--bogus".*usage: revlens-crawler/s, '... with the usage');
	$r = crawler('-c');
	is($r->{exit}, 2, '-c without a file: exit 2');
	$r = crawler('-c', "$R/no-such.conf", '--once');
	is($r->{exit}, 2, 'a missing configuration file: exit 2');
	like($r->{err}, qr/no-such\.conf/, '... naming it');
	RevlensTest::write_file("$R/nokey.conf", RevlensTest::read_file($s->conf) . "log.file = -\ncrawler.token_file =\n");
	$r = crawler('-c', "$R/nokey.conf", '--once');
	is($r->{exit}, 2, 'no crawler.token_file: exit 2');
	like($r->{err}, qr/crawler\.token_file is not set.*revlens token create --ingest/s, '... saying how to make one');
	RevlensTest::write_file("$R/bad.token", "hunter2\n", 0600);
	RevlensTest::write_file("$R/badtok.conf", "$base_conf\ncrawler.token_file = $R/bad.token\n");
	$r = crawler('-c', "$R/badtok.conf", '--once');
	is($r->{exit}, 2, 'a token file without an ingest token: exit 2');
	like($r->{err}, qr/does not hold an ingest token/, '... says so');
	RevlensTest::write_file("$R/unread.conf", "$base_conf\ncrawler.token_file = $R/none.token\n");
	$r = crawler('-c', "$R/unread.conf", '--once');
	is($r->{exit}, 2, 'an unreadable token file: exit 2');
	like($r->{err}, qr{crawler\.token_file: \Q$R\E/none\.token}, '... naming it');
	RevlensTest::write_file("$R/short.token", "rli_short\n", 0600);
	RevlensTest::write_file("$R/short.conf", "$base_conf\ncrawler.token_file = $R/short.token\n");
	$r = crawler('-c', "$R/short.conf", '--once');
	is($r->{exit}, 2, 'a token file with a cut token (rli_ and 5 characters): exit 2');
	like($r->{err}, qr/does not hold an ingest token/, '... says so at start');
	RevlensTest::write_file("$R/open.token", "  $tok \n", 0644);
	RevlensTest::write_file("$R/open.conf", "$base_conf\ncrawler.token_file = $R/open.token\n");
	$r = crawler('-c', "$R/open.conf", '--once');
	is($r->{exit}, 0, 'a token between blanks in a file others may read: used (the stream is empty)') or diag $r->{err};
	like($r->{err}, qr{crawler\.token_file \Q$R\E/open\.token can be read by other users.*chmod 600}, '... with a warning saying what to do');
	my $h = crawler('--help');
	is($h->{exit}, 0, '--help: exit 0');
	like($h->{out}, qr/--once/, '... lists --once');
}

# ------------------------------------------------------------------ every scenario in one run
$fc->control('/__reset');
crawl_request($_) for 1001, 1002, 1004, 1005, 1006, 1007, 1003;
my $run = run_once('seven products');
my $log = $fc->log;
is(pending(), 0, 'every entry was acknowledged');

# nothing but the two Coupang endpoints was asked for, always with size=10
my @odd = grep { $_->{path} !~ m{^/vp/products/\d+$} && $_->{path} ne '/next-api/review' } @$log;
is_deeply(\@odd, [], 'only product pages and the review endpoint were requested');
my @badsize = grep { $_->{path} eq '/next-api/review' && ($_->{query}{size} // '') ne '10' } @$log;
is_deeply(\@badsize, [], 'every review page asked with size=10');

# the pace: at least crawler.page_interval_ms (200) between two requests (from the end
# of one to the start of the next, so arrivals too are at least that far apart; 5 ms
# for the two clocks' rounding)
{
	my @gaps = map { $log->[$_]{at_ms} - $log->[$_ - 1]{at_ms} } 1 .. $#$log;
	my @short = grep { $_ < 195 } @gaps;
	ok(@$log >= 20, scalar(@$log) . ' requests to the fake Coupang');
	is_deeply(\@short, [], 'no two requests closer than the page interval') or diag "gaps: @gaps";
}

# 1001: normal, 4 pages
{
	my $rq = review_requests($log, 1001);
	is_deeply([ map { $_->{query}{page} } @$rq ], [1, 2, 3, 4], '1001: pages 1 to 4, once each');
	is(scalar(grep { $_->{path} eq '/vp/products/1001' } @$log), 1, '1001: the product page once (for its cookies)');
	my $rv = reviews(1001);
	is(scalar @$rv, 35, '1001: 35 reviews stored');
	my $st = status(1001);
	is($st->{state}, 'done', '1001: done');
	is($st->{collector}, 'crawler', '1001: by the crawler');
	is($st->{pages}, 4, '1001: 4 pages');
	is($st->{reviews}, 35, '1001: 35 reviews');
	like($st->{message}, qr/리뷰 35개를 수집했습니다/, '1001: the message counts them');
	my $pool = $json->decode(RevlensTest::read_file(RevlensTest::srcdir() . '/t/fake-coupang/fixtures/reviews-soymilk.json'));
	my ($first) = grep { $_->{review_id} eq '801001000' } @$rv;
	ok($first, '1001: review 801001000 is there') or diag explain $rv->[0];
	SKIP: {
		skip 'no review 801001000', 5 unless $first;
		is($first->{text}, $pool->[0]{content}, '1001: its text is the fixture\'s');
		is($first->{rating}, $pool->[0]{rating}, '1001: its rating');
		is($first->{author}, $pool->[0]{author}, '1001: its author (member.name)');
		is($first->{option}, '오리지널 190ml × 24개', '1001: its option (itemName)');
		is($first->{collector}, 'crawler', '1001: its collector');
	}
}

# 1002: no reviews
{
	my $st = status(1002);
	is($st->{state}, 'done', '1002: done');
	is($st->{reviews}, 0, '1002: 0 reviews');
	like($st->{message}, qr/리뷰가 없습니다/, '1002: the message says there are none');
	is(scalar @{ review_requests($log, 1002) }, 1, '1002: one page asked');
}

# 1004: 429 twice on page 2 with Retry-After: 1
{
	my $rq = review_requests($log, 1004);
	is_deeply([ map { "$_->{query}{page}:$_->{status}" } @$rq ], ['1:200', '2:429', '2:429', '2:200', '3:200'],
		'1004: page 2 asked again after each 429, then on to page 3');
	my @waits = map { $rq->[$_ + 1]{at_ms} - $rq->[$_]{at_ms} } grep { $rq->[$_]{status} == 429 } 0 .. $#$rq - 1;
	is(scalar(grep { $_ >= 950 } @waits), 2, '1004: Retry-After: 1 honoured both times') or diag "waits: @waits";
	is(scalar @{ reviews(1004) }, 25, '1004: all 25 reviews stored');
	is(status(1004)->{state}, 'done', '1004: done');
}

# 1005: Akamai's 403 — one request, no retry, blocked with a message the user can act on
{
	my $rq = review_requests($log, 1005);
	is(scalar @$rq, 1, '1005: exactly one review request');
	is($rq->[0]{status}, 403, '1005: answered 403');
	my $st = status(1005);
	is($st->{state}, 'blocked', '1005: blocked');
	like($st->{message}, qr/쿠팡이 서버에서의 수집을 막았습니다\(403\)/, '1005: the message says Coupang blocked us');
	like($st->{message}, qr/브라우저 확장 프로그램 'revlens로 보내기'/, '1005: ... and what to do instead');
	is(scalar @{ reviews(1005) }, 0, '1005: nothing stored');
}

# 1006: page 2 is truncated JSON — page 1 kept, failed, no retry of a bad page
{
	my $rq = review_requests($log, 1006);
	is_deeply([ map { $_->{query}{page} } @$rq ], [1, 2], '1006: pages 1 and 2, page 2 once');
	my $st = status(1006);
	is($st->{state}, 'failed', '1006: failed');
	like($st->{message}, qr/쿠팡의 응답을 읽을 수 없습니다\(2쪽\)/, '1006: the message says the answer was unreadable');
	like($st->{message}, qr/리뷰 10개는 저장했습니다/, '1006: ... and that page 1 was kept');
	is(scalar @{ reviews(1006) }, 10, '1006: page 1\'s 10 reviews stored');
	is($st->{reviews}, 10, '1006: the status counts 10');
}

# 1007: 503 always — 1 + crawler.max_retries tries with back-off, then failed
{
	my $rq = review_requests($log, 1007);
	is(scalar @$rq, 3, '1007: page 1 tried 3 times (max_retries 2)');
	my @waits = map { $rq->[$_]{at_ms} - $rq->[$_ - 1]{at_ms} } 1 .. $#$rq;
	ok(@waits == 2 && $waits[0] >= 190 && $waits[1] >= 390, '1007: back-off 200 ms, then doubled')
		or diag "waits: @waits";
	my $st = status(1007);
	is($st->{state}, 'failed', '1007: failed');
	like($st->{message}, qr/쿠팡 서버가 오류로 답했습니다\(503\).*잠시 후 다시 요청해 주세요/, '1007: the message');
	is(scalar @{ reviews(1007) }, 0, '1007: nothing stored');
}

# 1003: 12 reviews; after Coupang's edit, crawled again: still 12, the edit stored
{
	is(scalar @{ reviews(1003) }, 12, '1003: 12 reviews');
	my $r = $fc->control('/__control/edit?productId=1003');
	is($r->{status}, 200, 'the fake edits one review of 1003');
	crawl_request(1003);
	run_once('1003 again');
	my $rv = reviews(1003);
	is(scalar @$rv, 12, '1003: still 12 reviews after the second crawl');
	my ($ed) = grep { $_->{review_id} eq '801003004' } @$rv;
	like($ed->{text} // '', qr/^\(수정\) .*별 하나 더 드려요\.$/, '1003: the edited text is stored');
	is($ed->{rating}, 4, '1003: the edited rating is stored');
	is(status(1003)->{state}, 'done', '1003: done');
}

# ------------------------------------------------------------------ early stop at stored reviews
{
	$fc->control('/__reset');
	crawl_request(1001);   # newest_review_at: the newest stored review, on page 1
	run_once('1001 again');
	my $rq = review_requests($fc->log, 1001);
	is_deeply([ map { $_->{query}{page} } @$rq ], [1, 2],
		'1001 again: stops at page 2, whose reviews are all older than the newest stored');
	is(scalar @{ reviews(1001) }, 35, '1001 again: still 35');
	is(status(1001)->{state}, 'done', '1001 again: done');
}

# ------------------------------------------------------------------ past its deadline
{
	$fc->control('/__reset');
	crawl_request(1001, '--deadline', 1);
	sleep 2.1;
	run_once('expired request');
	is_deeply($fc->log, [], 'a request past its deadline fetches nothing');
	my $st = status(1001);
	is($st->{state}, 'failed', '... is failed');
	like($st->{message}, qr/기한이 지나 수집하지 않았습니다/, '... saying why');
	is(pending(), 0, '... and acknowledged');
}

# ------------------------------------------------------------------ an empty stream
{
	my $r = run_once('nothing to do');
	like($r->{err}, qr/0 crawl requests handled/, 'an empty stream: nothing handled');
}

# ------------------------------------------------------------------ daemon: TERM mid-crawl
{
	$fc->control('/__reset');
	my $err = "$R/daemon.err";
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDOUT, '>', '/dev/null');
		open(STDERR, '>', $err);
		{ no warnings 'exec'; exec "$B/revlens-crawler", '-c', $conf; }
		POSIX::_exit(127);
	}
	sleep 0.5;
	crawl_request(1004);   # page 2 answers 429 with Retry-After: 1
	my $deadline = time + 15;
	my $saw429;
	while (time < $deadline) {
		last if $saw429 = grep { $_->{status} == 429 } @{ $fc->log };
		sleep 0.1;
	}
	ok($saw429, 'the running crawler took the new request (blocking read) and met the 429');
	kill 'TERM', $pid;
	my $t = time;
	my $gone;
	while (time - $t < 10) {
		last if $gone = waitpid($pid, POSIX::WNOHANG()) == $pid;
		sleep 0.05;
	}
	my $exit = $?;
	ok($gone, 'TERM: the crawler exits');
	is($exit >> 8, 0, '... with status 0') if $gone;
	kill 'KILL', $pid unless $gone;
	my $e = decode('UTF-8', RevlensTest::read_file($err));
	like($e, qr/stopping after 1 pages; the request stays pending/, '... after the page in progress')
		or diag $e;
	is(pending(), 1, '... leaving the request pending for another crawler');
	my $st = status(1004);
	is($st->{state}, 'running', '... its state still running');
	like($st->{message}, qr/수집기가 종료되어 멈췄습니다/, '... saying the crawler stopped');
	my @rq = @{ review_requests($fc->log, 1004) };
	is(scalar(grep { $_->{query}{page} == 3 } @rq), 0, '... and page 3 was never asked');
}

# ------------------------------------------------------------------ a plain-HTTP stand-in
# Retry-After forms, TERM with --once, a redirect, an endless answer. The stand-in answers
# product pages 200 and review pages: 1001 429 with a Retry-After of 20 digits (capped at
# 600 s, not ignored), 1002 429 with an HTTP-date 100 s ahead, 1003 a redirect to
# another path, 1006 an answer that never ends; it logs the paths asked. The wait is read from the crawler's log, then TERM ends the
# back-off of the --once run, which exits 0 with the request pending. The entry is touched
# when the back-off begins (and every minute of it).
{
	require IO::Socket::INET;
	my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1)
		or die "listen: $!";
	my $port = $srv->sockport;
	my $spid = fork() // die "fork: $!";
	if ($spid == 0) {
		$SIG{$_} = 'DEFAULT' for qw(TERM INT);   # not the stack's handler
		$SIG{PIPE} = 'IGNORE';
		while (my $c = $srv->accept) {
			my $req = '';
			while (defined(my $l = <$c>)) { $req .= $l; last if $l =~ /^\r?\n$/; }
			if (open(my $lf, '>>', "$R/stand-in.log")) { print $lf $req =~ /^GET (\S+)/ ? "$1\n" : "?\n"; close $lf }
			my ($cp) = $req =~ m{^GET /next-api/review\?productId=(\d+)};
			if (defined $cp && $cp == 1003) {
				print $c "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:$port/elsewhere?productId=1003\r\n"
					. "Content-Length: 0\r\nConnection: close\r\n\r\n";
			} elsif (defined $cp && $cp == 1006) {   # an endless answer
				print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
					. '{"rData":{"paging":{"contents":[';
				my $chunk = '{"reviewId":1,"rating":5},' x 1000;
				1 while print $c $chunk;
			} elsif (!defined $cp) {
				print $c "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
			} else {
				my $ra = $cp == 1001 ? '99999999999999999999'
					: POSIX::strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime(int(time) + 100));
				print $c "HTTP/1.1 429 Too Many Requests\r\nRetry-After: $ra\r\nContent-Length: 0\r\n"
					. "Connection: close\r\n\r\n";
			}
			close $c;
		}
		POSIX::_exit(0);
	}
	close $srv;
	my $conf2 = "$R/crawler-ra.conf";
	RevlensTest::write_file($conf2, "$base_conf\ncrawler.coupang_url = http://127.0.0.1:$port\n"
		. "crawler.max_retries = 1\ncrawler.page_interval_ms = 3000\n");
	for my $case ([1001, 'a 20-digit Retry-After', 600000, 600000], [1002, 'an HTTP-date Retry-After', 90000, 100000]) {
		my ($cp, $what, $min, $max) = @$case;
		crawl_request($cp);
		my $err = "$R/ra-$cp.err";
		my $pid = fork() // die "fork: $!";
		if ($pid == 0) {
			open(STDOUT, '>', '/dev/null');
			open(STDERR, '>', $err);
			{ no warnings 'exec'; exec "$B/revlens-crawler", '-c', $conf2, '--once'; }
			POSIX::_exit(127);
		}
		my ($wait, $e);
		my $deadline = time + 15;
		while (time < $deadline) {
			$e = -e $err ? decode('UTF-8', RevlensTest::read_file($err)) : '';
			last if ($wait) = $e =~ /answered 429; again in (\d+) ms/;
			sleep 0.1;
		}
		ok(defined $wait && $wait >= $min && $wait <= $max, "$cp: $what: waits $min..$max ms")
			or diag "wait: " . ($wait // 'none') . "\n$e";
		# the entry was touched as the back-off began (at the page's start it was, then
		# came the pace of 3 s): a long Retry-After does not make it look orphaned
		my @p = split /\n/, $s->redis_cli('XPENDING', 'revlens:crawl', 'crawlers', '-', '+', '100');
		my $idle = @p >= 4 ? $p[-2] : -1;
		ok($idle >= 0 && $idle < 2000, "$cp: its entry touched for the back-off") or diag "XPENDING: @p";
		kill 'TERM', $pid;
		my $t = time;
		my $gone;
		while (time - $t < 10) {
			last if $gone = waitpid($pid, POSIX::WNOHANG()) == $pid;
			sleep 0.05;
		}
		my $exit = $?;
		ok($gone, "$cp: TERM in the back-off of --once: the crawler exits");
		is($exit >> 8, 0, '... with status 0') if $gone;
		kill 'KILL', $pid unless $gone;
		$e = decode('UTF-8', RevlensTest::read_file($err));
		unlike($e, qr/AddressSanitizer|runtime error:|LeakSanitizer/, '... no sanitizer report');
		like(status($cp)->{message}, qr/수집기가 종료되어 멈췄습니다/, '... the request left pending, running');
	}

	# a redirect is not followed (blocked), an endless answer is cut at 4 MiB (failed)
	crawl_request($_) for 1003, 1006;
	my $r = crawler('-c', $conf2, '--once');
	is($r->{exit}, 0, 'a redirect and an endless answer: --once exits 0') or diag $r->{err};
	unlike($r->{err}, qr/AddressSanitizer|runtime error:|LeakSanitizer/, '... no sanitizer report');
	my $st = status(1003);
	is($st->{state}, 'blocked', '1003 redirected: blocked');
	like($st->{message}, qr/\(302, 다른 주소로 보냄\)/, '... saying so');
	my @asked = split /\n/, RevlensTest::read_file("$R/stand-in.log");
	is(scalar(grep { m{^/elsewhere} } @asked), 0, '... the redirect not followed');
	is(scalar(grep { m{^/next-api/review\?productId=1003&} } @asked), 1, '... nor the page asked again');
	$st = status(1006);
	is($st->{state}, 'failed', '1006 endless: failed');
	like($st->{message}, qr/쿠팡의 응답이 너무 커서 1쪽을 읽지 않았습니다/, '... the answer too big');
	like($r->{err}, qr/answer over 4194304 bytes/, '... cut at 4 MiB');
	is(scalar(grep { m{^/next-api/review\?productId=1006&} } @asked), 1, '... and not asked again');
	kill 'TERM', $spid;
	waitpid($spid, 0);
}

is_deeply([$s->log_alarms], [], 'no alarms in the logs');
done_testing();
