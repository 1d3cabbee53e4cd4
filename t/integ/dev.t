# README command 1 (scripts/dev) end to end, on a private runtime directory and port:
# it starts every server with the analysis worker and the replay crawler on the demo
# data; a user registers a demo product by its URL, asks for an analysis
# (POST /api/products/{id}/analyses), and the request goes queued -> collect (a crawl
# request the replay crawler answers) -> analyse -> summarise -> done. The result is
# checked against an independent reading of the demo file (review count, dates, mean
# rating, the latest survey tags) and of the stored reviews (label counts). Then
# `scripts/stack status` and `down`.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(encode decode);
use File::Temp qw(tempdir);
use File::Path qw(remove_tree);
use HTTP::Tiny;
use IO::Uncompress::Gunzip qw($GunzipError);
use JSON::PP;
use POSIX qw(strftime);
use Time::Local qw(timegm);
use Time::HiRes qw(sleep time);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
plan skip_all => 'must run as root' unless $> == 0;
my $SRC = RevlensTest::srcdir();
my $json = JSON::PP->new->utf8->canonical;

# ------------------------------------------------------------------ the demo file, read here
my $COUPANG = 8800000003;
my (@ratings, @written, %tags_by_day);
{
	my $z = IO::Uncompress::Gunzip->new("$SRC/data/demo/demo.jsonl.gz") or BAIL_OUT($GunzipError);
	while (my $line = <$z>) {
		my $o = $json->decode($line);
		next unless $o->{product_id} == $COUPANG;
		if ($o->{kind} eq 'review') {
			push @ratings, $o->{rating};
			my ($y, $mo, $d, $h, $mi, $s, $zh, $zm) =
				$o->{written_at} =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\+(\d\d):(\d\d)$/ or die $o->{written_at};
			push @written, timegm($s, $mi, $h, $d, $mo - 1, $y) - ($zh * 3600 + $zm * 60);
		} elsif ($o->{kind} eq 'tag') {
			push @{ $tags_by_day{ substr($o->{observed_at}, 0, 10) } }, $o;
		}
	}
}
my $nreviews = @ratings;
cmp_ok($nreviews, '>', 100, "the demo file holds $nreviews reviews of product $COUPANG");
my ($first, $last) = (sort { $a <=> $b } @written)[0, -1];
my $iso = sub { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime $_[0]) };
my $mean = 0;
$mean += $_ / $nreviews for @ratings;

# ------------------------------------------------------------------ scripts/dev
my $run = tempdir('revlens-dev.XXXXXX', DIR => '/var/tmp', CLEANUP => 0);
chmod 0755, $run;
my $port = RevlensTest::free_base_port();
my %env = (REVLENS_RUNDIR => $run, REVLENS_PORT => $port);
my @clear = grep { /^REVLENS_/ && !/^REVLENS_(SRCDIR)$/ } keys %ENV;
my %cmd_env = ((map { $_ => undef } @clear), %env);
my $started = 0;
END {
	if ($started) {
		RevlensTest::run_cmd(["$SRC/scripts/stack", 'down'], env => \%cmd_env);
		remove_tree($run) unless $ENV{REVLENS_TEST_KEEP};
	}
}
$started = 1;
my $r = RevlensTest::run_cmd(["$SRC/scripts/dev"], env => \%cmd_env);
is($r->{exit}, 0, 'scripts/dev exits 0') or diag($r->{out}, $r->{err});
like($r->{out}, qr{revlens is running: http://127\.0\.0\.1:$port/}, '... and prints the URL');
my $log = sub { my $f = "$run/logs/$_[0].log"; -e $f ? decode('UTF-8', RevlensTest::read_file($f)) : '' };

$r = RevlensTest::run_cmd(["$SRC/scripts/stack", 'status'], env => \%cmd_env);
is($r->{exit}, 0, 'every service of the stack runs') or diag($r->{out}, $r->{err});
like($r->{out}, qr/^worker\s.*running \(pid \d+\)/m, '... the analysis worker among them');
like($r->{out}, qr/^replay\s.*running \(pid \d+\)/m, '... and the replay crawler');
like($r->{out}, qr/^notifier\s.*running \(pid \d+\)/m, '... and the webhook notifier');

# ------------------------------------------------------------------ a user asks for an analysis
my $http = HTTP::Tiny->new(timeout => 60);
my $base = "http://127.0.0.1:$port";
my $email = 'dev-t@example.com';
$r = RevlensTest::run_cmd(["$SRC/build/plain/revlens", '-c', "$run/revlens.conf", 'user', 'add',
	'--name', '시험', $email], stdin => "dev-t password 1\n");
is($r->{exit}, 0, 'an account') or diag($r->{err});
my $res = $http->post("$base/api/auth/token", { headers => { 'Content-Type' => 'application/json' },
	content => $json->encode({ email => $email, password => 'dev-t password 1' }) });
is($res->{status}, 200, 'logs in through the API') or diag($res->{content});
my $token = eval { $json->decode($res->{content})->{token} } // '';
my %auth = ('Authorization' => "Bearer $token", 'Content-Type' => 'application/json');
sub api {
	my ($method, $path, $body) = @_;
	my $x = $http->request($method, "$base$path", { headers => \%auth,
		defined $body ? (content => $json->encode($body)) : () });
	return ($x->{status}, eval { $json->decode($x->{content}) } // $x->{content});
}

my ($st, $p) = api('POST', '/api/products', { url => "https://www.coupang.com/vp/products/$COUPANG?itemId=1" });
ok($st == 200 || $st == 201, 'the demo product registers by its URL') or diag($st, explain $p);
my $pid = ref $p ? $p->{id} : 0;
my $a;
($st, $a) = api('POST', "/api/products/$pid/analyses");
ok($st == 201 || $st == 202 || $st == 200, 'POST /api/products/{id}/analyses') or diag($st, explain $a);
my $rid = ref $a ? $a->{id} : 0;

my $req;
my $t0 = time;
while (time - $t0 < 120) {
	(undef, $req) = api('GET', "/api/requests/$rid");
	last if ref $req && $req->{status} =~ /^(done|failed|cancelled)$/;
	sleep 0.1;
}
is($req->{status}, 'done', 'the request is done') or diag(explain $req, $log->('worker'), $log->('replay'));
like($log->('replay'), qr/revlens product $pid, request $rid\)/, 'the replay crawler took the crawl request of it');
like($log->('worker'), qr/request $rid: crawl done/, '... and the worker went on when it reported done');
# (the worker logs the run after it marked the request done)
$t0 = time;
sleep 0.1 while time - $t0 < 10 && $log->('worker') !~ /request $rid: done:/;
like($log->('worker'), qr/request $rid: done: $nreviews reviews/, "... analysed the $nreviews stored reviews");

# ------------------------------------------------------------------ the result
my $res_j = $req->{result} // {};
is($res_j->{review_count}, $nreviews, 'result: the number of reviews in the file');
is($res_j->{positive_count} + $res_j->{negative_count} + $res_j->{neutral_count}, $nreviews,
	'... split into positive, negative and neutral');
my ($sst, $sum) = api('GET', "/api/products/$pid/summary");
is($sst, 200, 'GET /api/products/{id}/summary');
is($sum->{review_count}, $nreviews, '... the same count');
is($sum->{first_review_at}, $iso->($first), '... the first review date of the file');
is($sum->{last_review_at}, $iso->($last), '... the last review date of the file');
ok(abs(($sum->{rating_avg} // 0) - $mean) < 0.006, "... the mean rating of the file ($mean)")
	or diag($sum->{rating_avg});
my $day = (sort keys %tags_by_day)[-1];
my %want_tags = map { ("$_->{question}|$_->{answer}" => $_->{percent}) } @{ $tags_by_day{$day} };
my %got_tags;
for my $q (@{ $sum->{survey_tags} // [] }) {
	$got_tags{"$q->{question}|$_->{answer}"} = $_->{percent} for @{ $q->{answers} };
}
is_deeply(\%got_tags, \%want_tags, "... the survey tags of the file's latest day ($day)");
ok(@{ $sum->{keywords} // [] } > 0 && @{ $sum->{aspects} // [] } > 0, '... keywords and aspects');

# the stored reviews carry the labels the result counts
$r = RevlensTest::run_cmd(["$SRC/build/plain/revlens", '-c', "$run/revlens.conf", 'reviews', $pid]);
my %labels;
for (split /\n/, $r->{out}) { my $o = $json->decode($_); $labels{ $o->{sentiment}{label} // 'none' }++ }
my %want = (pos => $res_j->{positive_count}, neg => $res_j->{negative_count}, neutral => $res_j->{neutral_count});
delete @want{ grep { !$want{$_} } keys %want };
is_deeply(\%labels, \%want, 'the stored reviews carry the labels the result counts');

# the demo data rolled up by scripts/dev: the monthly trend counts every review of the file
my ($tst, $tr) = api('GET', "/api/products/$pid/trends?period=month");
is($tst, 200, 'GET /api/products/{id}/trends?period=month');
my $sum_reviews = 0;
$sum_reviews += $_->{review_count} for @{ ref $tr ? $tr->{points} : [] };
is($sum_reviews, $nreviews, "... its months count the file's $nreviews reviews (scripts/dev rolled the demo up)");

# ------------------------------------------------------------------ down
$r = RevlensTest::run_cmd(["$SRC/scripts/stack", 'down'], env => \%cmd_env);
is($r->{exit}, 0, 'scripts/stack down');
$r = RevlensTest::run_cmd(["$SRC/scripts/stack", 'status'], env => \%cmd_env);
like($r->{out}, qr/^worker\s.*stopped/m, '... stops the worker');
like($r->{out}, qr/^replay\s.*stopped/m, '... and the replay crawler');
like($r->{out}, qr/^notifier\s.*stopped/m, '... and the notifier');
my @left = grep { my $c = eval { RevlensTest::read_file("/proc/$_/cmdline") } // ''; $c =~ /\Q$run\E/ }
	map { m{/proc/(\d+)} ? $1 : () } glob('/proc/[0-9]*');
is_deeply(\@left, [], '... and nothing naming the runtime directory is left');

done_testing();
