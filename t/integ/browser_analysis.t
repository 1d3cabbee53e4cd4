# An analysis end to end in headless Chromium (issue 12, "Tests"): a user asks for the
# analysis of a demo product from its page, watches the live progress bar while
# revlens-worker runs the job, and reads the result on the request's page and on the
# product page; what the pages show is checked against an independent count.
#
# The stack runs revlens-worker (worker => 1, worker.collect_timeout = 0: no crawl,
# worker.batch_size = 10: a progress message every ten reviews) with the demo data
# (scripts/load-demo). t/browser/analysis.mjs runs twice:
#
#   watch   logs in, opens the product page, clicks 분석 요청, lands on /requests/{id}
#           queued and subscribed to its nchan channel; only then is the worker started
#           (it was stopped before the click, so that the page sees every step of the
#           job instead of racing it), and the bar is followed to 완료 and the reload.
#   result  the done request's page and the product page, checked against
#           t/browser/analysis-expect.json's numbers, which this file computes in
#           between from `revlens reviews PRODUCT` (the stored reviews with the labels,
#           keywords and aspects the worker wrote) and from data/demo/demo.jsonl.gz
#           (count, dates, ratings, the survey tags of the latest day), formatted as
#           src/web/result.c prints them (1,234; whole percents adding up to 100).
#
# Without the worker nothing moves: the watch run fails waiting for 완료, and the result
# run is not started. Screenshots (analysis-*.png) go to $REVLENS_SCREENSHOTS, or
# $BUILDDIR/screenshots. A missing browser or node_modules is a failure, as in browser.t.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode ();
use File::Path qw(make_path);
use IO::Uncompress::Gunzip qw($GunzipError);
use JSON::PP;
use POSIX qw(strftime);
use Time::Local qw(timegm);
use Time::HiRes qw(sleep time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $src   = RevlensTest::srcdir();
my $build = RevlensTest::builddir();
my $shots = $ENV{REVLENS_SCREENSHOTS} || "$build/screenshots";
my $json  = JSON::PP->new->utf8->canonical;
my $COUPANG = 8800000001;    # the demo's 떡갈비: three survey questions, ~500 reviews

my @missing;
push @missing, '/usr/bin/chromium (Debian package chromium; run scripts/install-deps)'
	unless -x '/usr/bin/chromium';
push @missing, "$src/t/browser/node_modules/playwright-core (run scripts/install-deps, "
	. "or npm ci --prefix t/browser)"
	unless -f "$src/t/browser/node_modules/playwright-core/package.json";
my $node = (grep { -x } map { "$_/node" } split /:/, $ENV{PATH} // '')[0];
push @missing, 'node (Node.js 18 or later)' unless $node;
if (@missing) {
	fail("browser tests can run: missing $_") for @missing;
	done_testing();
	exit 1;
}
make_path($shots);

# ------------------------------------------------------------------ the demo file, read here

# Epoch seconds of an ISO 8601 time with a zone (Z or ±hh:mm).
sub epoch {
	my ($t) = @_;
	my ($y, $mo, $d, $h, $mi, $s, $z, $zs, $zh, $zm) =
		$t =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|([+-])(\d\d):?(\d\d))$/
		or die "not an ISO 8601 time: $t";
	my $off = $z eq 'Z' ? 0 : ($zs eq '-' ? -1 : 1) * ($zh * 3600 + $zm * 60);
	return timegm($s, $mi, $h, $d, $mo - 1, $y) - $off;
}
# The date in Asia/Seoul (UTC+9, no daylight saving time) of epoch seconds.
sub seoul_date { strftime('%Y-%m-%d', gmtime($_[0] + 9 * 3600)) }

my (%file_review, %tags_by_day, $name);
{
	my $z = IO::Uncompress::Gunzip->new("$src/data/demo/demo.jsonl.gz") or BAIL_OUT($GunzipError);
	while (my $line = <$z>) {
		my $o = $json->decode($line);
		next unless $o->{product_id} == $COUPANG;
		if ($o->{kind} eq 'review') {
			$file_review{ $o->{review_id} } = { rating => $o->{rating}, at => epoch($o->{written_at}) };
		} elsif ($o->{kind} eq 'tag') {
			push @{ $tags_by_day{ seoul_date(epoch($o->{observed_at})) } }, $o;
		} elsif ($o->{kind} eq 'price') {
			$name //= $o->{name};
		}
	}
}
my $nfile = keys %file_review;
cmp_ok($nfile, '>', 100, "the demo file holds $nfile reviews of product $COUPANG");
ok(defined $name && keys %tags_by_day, "... its name ($name) and survey tags");

# ------------------------------------------------------------------ the stack, the data, the user

my $s = RevlensTest->start(workers => 2, worker => 1,
	conf_append => "worker.collect_timeout = 0\nworker.batch_size = 10\n");
my $worker_log = $s->rundir . '/logs/worker.log';
my $r = RevlensTest::run_cmd(["$src/scripts/load-demo", $s->conf], env => { REVLENS_BUILDDIR => $build });
is($r->{exit}, 0, 'scripts/load-demo loads the demo data') or diag($r->{out}, $r->{err});
my $pid = $s->psql("SELECT id FROM products WHERE coupang_product_id = $COUPANG");
like($pid, qr/^\d+\z/, "the demo product $COUPANG is stored");
my $user = $s->add_user('analysis-watcher');

# The watch run starts the worker itself once the page is subscribed: stop it now.
$s->stop_service('worker');
is($s->psql("SELECT count(*) FROM analysis_requests"), 0, 'no analysis request yet');

(my $base = $s->url('/')) =~ s{/\z}{};
my $expect_file = $s->rundir . '/analysis-expect.json';
my %env = (NODE_OPTIONS => undef, PLAYWRIGHT_BROWSERS_PATH => undef,
	REVLENS_USER_EMAIL => $user->{email}, REVLENS_USER_PASSWORD => $user->{password},
	REVLENS_PRODUCT_ID => $pid,
	REVLENS_PRODUCT_NAME => Encode::encode('UTF-8', $name),
	# scripts/stack start-service worker, with this stack's settings
	REVLENS_WORKER_START => $json->encode({ argv => ["$src/scripts/stack", 'start-service', 'worker'],
		env => $s->stack_env }),
	REVLENS_ANALYSIS_EXPECT => $expect_file);

# Run t/browser/analysis.mjs in `phase` and pass its TAP through; its exit status and
# plan are points too. `timeout` is a second bound behind the script's own 120 s watchdog.
sub run_script {
	my ($phase) = @_;
	my $t0 = time;
	my $rr = RevlensTest::run_cmd(['timeout', '-k', '10', '180', $node, "$src/t/browser/analysis.mjs",
		$base, $shots], env => { %env, REVLENS_ANALYSIS_PHASE => $phase });
	my $secs = sprintf('%.1f', time - $t0);
	my ($plan, $seen) = (undef, 0);
	for my $line (split /\n/, Encode::decode('UTF-8', $rr->{out})) {
		if ($line =~ /^(not )?ok (\d+)(?: - (.*))?$/) {
			my ($bad, $num, $desc) = ($1, $2, $3 // '');
			$seen++;
			ok(!$bad, "$phase: $desc") or diag("(analysis.mjs $phase point $num)");
		} elsif ($line =~ /^1\.\.(\d+)$/) {
			$plan = $1;
		} elsif ($line =~ /^#\s?(.*)$/) {
			note($1);
		} elsif ($line =~ /\S/) {
			note("analysis.mjs: $line");
		}
	}
	is($rr->{exit}, 0, "analysis.mjs $phase exits 0 (took $secs s)")
		or diag("exit $rr->{exit}" . ($rr->{exit} == 124 ? ' (killed by timeout)' : '')
			. ($rr->{err} ne '' ? "; stderr:\n" . Encode::decode('UTF-8', $rr->{err}) : ''));
	ok(defined $plan && $plan == $seen && $seen > 0, "analysis.mjs $phase printed its plan and every point of it")
		or diag('plan ' . ($plan // 'missing') . ", $seen points seen");
	return $rr->{exit} == 0;
}

# ------------------------------------------------------------------ watch
my $watched = run_script('watch');
my $req = $s->psql("SELECT id || ' ' || status FROM analysis_requests WHERE product_id = $pid");
like($req, qr/^\d+ done\z/, 'one request of the product, done')
	or diag("request: '$req'; worker log:\n" . (eval { RevlensTest::read_file($worker_log) } // '(none)'));
my ($rid) = $req =~ /^(\d+) done\z/;
unless ($rid && $watched) {
	fail('the result is read only after the watched analysis ended done');
	done_testing();
	exit 1;
}
my $wlog = Encode::decode('UTF-8', RevlensTest::read_file($worker_log));
like($wlog, qr/request $rid: done: $nfile reviews \($nfile analysed, 0 unchanged\)/,
	"the worker analysed the $nfile reviews of the file");

# ------------------------------------------------------------------ the independent count
$r = $s->cli('reviews', $pid);
is($r->{exit}, 0, 'revlens reviews PRODUCT') or diag($r->{err});
my @stored = map { $json->decode($_) } grep { /\S/ } split /\n/, $r->{out};
is(scalar @stored, $nfile, "it lists the $nfile reviews of the file");
is_deeply([sort map { $_->{review_id} } @stored], [sort keys %file_review], '... the same review ids');
is_deeply([grep { !defined $_->{sentiment}{label} || $_->{sentiment}{label} !~ /^(pos|neg|neutral)\z/ } @stored],
	[], '... each with a label pos, neg or neutral');
is_deeply([grep { !exists $file_review{ $_->{review_id} }
		|| epoch($_->{review_date}) != $file_review{ $_->{review_id} }{at}
		|| $_->{rating} != $file_review{ $_->{review_id} }{rating} } @stored],
	[], '... with the dates and ratings of the file');

# 1234567 -> "1,234,567" (layout_count)
sub commas { my $n = reverse "$_[0]"; $n =~ s/(\d{3})(?=\d)/$1,/g; return scalar reverse $n }
# Whole percents of n[0..2] adding up to 100, by largest remainder (result.c percents())
sub percents {
	my @n = @_;
	my $t = $n[0] + $n[1] + $n[2];
	return (0, 0, 0) unless $t;
	my @p = map { int($_ * 100 / $t) } @n;
	my @rem = map { ($_ * 100) % $t } @n;
	my $sum = $p[0] + $p[1] + $p[2];
	while ($sum < 100) {
		my $best = 0;
		for my $i (1, 2) { $best = $i if $rem[$i] > $rem[$best] }
		$p[$best]++;
		$rem[$best] = -1;
		$sum++;
	}
	return @p;
}

my %label;
$label{ $_->{sentiment}{label} }++ for @stored;
my @n = map { $label{$_} // 0 } qw(pos neutral neg);
my @pct = percents(@n);
my @at = sort { $a <=> $b } map { $_->{at} } values %file_review;
my ($from, $to) = (seoul_date($at[0]), seoul_date($at[-1]));
my $rsum = 0;
$rsum += $_->{rating} for values %file_review;
note("independent count: $nfile reviews, positive $n[0], neutral $n[1], negative $n[2] "
	. "($pct[0] / $pct[1] / $pct[2] %), $from ~ $to");

# a stored polarity as a key: pos, neg, or neutral for anything else
sub pol { my $p = $_[0] // ''; $p eq 'pos' || $p eq 'neg' ? $p : 'neutral' }

# keywords: the clauses each stem appeared in, by polarity; the 30 most frequent
my (%kw, %asp);
for my $v (@stored) {
	for my $k (@{ $v->{keywords} // [] }) {
		my $e = $kw{ $k->{stem} } //= { count => 0, pos => 0, neg => 0, neutral => 0, aspects => {} };
		$e->{count}++;
		$e->{ pol($k->{polarity}) }++;
		$e->{aspects}{ $k->{aspect} } = 1 if defined $k->{aspect};
	}
	for my $h (@{ $v->{aspects} // [] }) {
		my $e = $asp{ $h->{aspect} } //= { reviews => 0, pos => 0, neg => 0, neutral => 0 };
		$e->{reviews}++;
		$e->{ pol($h->{polarity}) }++;
	}
}
my @kw = (sort { $kw{$b}{count} <=> $kw{$a}{count} || $a cmp $b } keys %kw)[0 .. 29];
@kw = grep { defined } @kw;
my $mentions = 0;
$mentions += $_->{reviews} for values %asp;

# the survey tags of the file's latest day: questions by their text, answers by percent
my $day = (sort keys %tags_by_day)[-1];
my %q;
push @{ $q{ $_->{question} } }, $_ for @{ $tags_by_day{$day} };
my @survey = map {
	my $qq = $_;
	{ question => $qq, answers => [map { [$_->{answer}, sprintf('%.0f%%', $_->{percent})] }
		sort { $b->{percent} <=> $a->{percent} } @{ $q{$qq} }] }
} sort keys %q;

my %expect = (
	request_id => $rid,
	sample     => sprintf('리뷰 %s개 기준, %s ~ %s', commas($nfile), $from, $to),
	verdict    => "리뷰의 $pct[0]%가 긍정적입니다",
	aria       => "리뷰 감성 비율: 긍정 $pct[0]%, 중립 $pct[1]%, 부정 $pct[2]%",
	shares     => [@pct],
	legend     => ["긍정 $pct[0]% " . commas($n[0]) . '개', "중립 $pct[1]% " . commas($n[1]) . '개',
		"부정 $pct[2]% " . commas($n[2]) . '개'],
	rating     => sprintf('%.2f', $rsum / $nfile),
	stored     => sprintf('저장된 리뷰 %s개 작성일 %s ~ %s', commas($nfile), $from, $to),
	keywords   => [map { { keyword => $_, count => commas($kw{$_}{count}), positive => commas($kw{$_}{pos}),
		negative => commas($kw{$_}{neg}), aspects => [sort keys %{ $kw{$_}{aspects} }] } } @kw],
	aspects    => { map {
		my $e = $asp{$_};
		my @p = percents($e->{pos}, $e->{neutral}, $e->{neg});
		($_ => { reviews => $e->{reviews}, head => "긍정 $p[0]%",
			meta => "부정 $p[2]% · 리뷰 " . commas($e->{reviews}) . '개 · 언급 비중 '
				. sprintf('%.0f%%', sprintf('%.4f', $e->{reviews} / $mentions) * 100) })
	} keys %asp },
	survey_day => $day,
	survey     => \@survey,
	positives  => $n[0],
	negatives  => $n[2],
	reviews    => [map { { id => $_->{review_id}, text => $_->{text}, label => $_->{sentiment}{label},
		rating => $_->{rating}, date => seoul_date(epoch($_->{review_date})),
		aspects => [map { "$_->{aspect}:" . pol($_->{polarity}) } @{ $_->{aspects} // [] }] } } @stored],
);
RevlensTest::write_file($expect_file, $json->encode(\%expect));
cmp_ok(scalar @kw, '>', 0, 'the stored reviews have keywords');
cmp_ok(scalar keys %asp, '>', 0, '... and aspects');

# ------------------------------------------------------------------ result
run_script('result');
is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
# (log_alarms reads nginx's and the web's logs; the worker's are its own)
my @worker_alarms = grep { /AddressSanitizer|LeakSanitizer|runtime error:/ }
	map { split /\n/, (-e $_ ? RevlensTest::read_file($_) : '') } map { $s->rundir . "/logs/$_" } qw(worker.log worker.out);
is_deeply(\@worker_alarms, [], 'no sanitizer reports in the worker\'s logs');

done_testing();
