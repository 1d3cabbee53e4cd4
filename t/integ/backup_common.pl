# backup_common.pl — what the restore drills (t/integ/backup_*.t) share: a stack filled
# with the demo data and a finished analysis, scripts/backup and scripts/restore on it,
# and the facts a restore must bring back (counts, a user's requests and results).
use strict;
use warnings;
use utf8;
use Encode qw(encode decode);
use JSON::PP;
use Time::HiRes qw(sleep time);
use Test::More;

our $JSON = JSON::PP->new->utf8->canonical;
my $SRC = RevlensTest::srcdir();

# sql($s, $query): psql as revlens, decoded
sub sql { my ($s, $q) = @_; decode('UTF-8', $s->psql(encode('UTF-8', $q))) }

# script($s, 'backup'|'restore', @args): scripts/NAME on this stack; { exit, out, err }
sub script {
	my ($s, $name, @args) = @_;
	my $r = RevlensTest::run_cmd(["$SRC/scripts/$name", @args],
		env => { REVLENS_RUNDIR => $s->rundir, REVLENS_PORT => undef });
	$r->{$_} = decode('UTF-8', $r->{$_}) for qw(out err);
	return $r;
}

# api($s, $user, METHOD, PATH): a bearer request; the decoded JSON in {json}
sub api {
	my ($s, $u, $method, $path) = @_;
	my %h = (authorization => "Bearer $u->{token}");
	my $o = { headers => \%h };
	if ($method eq 'POST') { $h{'content-type'} = 'application/json'; $o->{content} = '{}' }
	my $r = $s->request($method, $path, $o);
	$r->{json} = eval { $JSON->decode($r->{content}) } || {};
	return $r;
}

# fill($s): the demo data (scripts/load-demo), user alice, and one analysis of the
# first demo product carried to done by the stack's worker. Returns
# { alice, product, request, result } (result: GET /api/requests/{id} when done).
sub fill {
	my ($s) = @_;
	my $r = RevlensTest::run_cmd(["$SRC/scripts/load-demo", $s->conf],
		env => { REVLENS_BUILDDIR => RevlensTest::builddir() });
	die "scripts/load-demo failed: $r->{out}$r->{err}" if $r->{exit} != 0;
	my $alice = $s->add_user('alice');
	my $pid = sql($s, 'SELECT id FROM products WHERE coupang_product_id = 8800000001');
	$r = api($s, $alice, 'POST', "/api/products/$pid/analyses");
	my $rid = ($r->{json}{request} // $r->{json})->{id}
		or die "POST /api/products/$pid/analyses: $r->{status} $r->{content}";
	my $t0 = time;
	my $got;
	while (time - $t0 < 120) {
		$got = api($s, $alice, 'GET', "/api/requests/$rid");
		last if ($got->{json}{status} // '') =~ /^(done|failed)$/ && $got->{json}{result};
		sleep 0.25;
	}
	die "request $rid did not finish: " . ($got->{content} // '') unless ($got->{json}{status} // '') eq 'done';
	# the request is done once its result is stored; the worker goes on writing the
	# keyword documents until it logs the job done (the stand-in answers slowly meanwhile)
	my $log = $s->rundir . '/logs/worker.log';
	for (1 .. 240) {
		last if (eval { RevlensTest::read_file($log) } // '') =~ /request $rid: done/;
		sleep 0.25;
	}
	return { alice => $alice, product => $pid, request => $rid, result => $got->{json} };
}

# counts($s): rows of the tables a restore must bring back
sub counts {
	my ($s) = @_;
	my %c;
	$c{$_} = sql($s, "SELECT count(*) FROM $_") for qw(users products analysis_requests analysis_results
		price_observations user_sessions);
	return \%c;
}

# demo_reviews($s): stored reviews per demo product, by `revlens reviews --coupang`
sub demo_reviews {
	my ($s) = @_;
	my %n;
	for my $cp (8800000001 .. 8800000007) {
		my $r;
		for my $try (1 .. 3) {    # the stand-in's H2 file can stall a connection for a second
			$r = $s->cli('reviews', '--coupang', $cp);
			last unless $r->{exit} != 0 && $r->{err} =~ /No suitable servers/;
			sleep 1;
		}
		die "revlens reviews --coupang $cp: $r->{err}" if $r->{exit} != 0;
		$n{$cp} = scalar grep { /\S/ } split /\n/, $r->{out};
	}
	return \%n;
}

# what users see after a restore: the form log-in works, the request and its result
# are what they were, the product page answers
sub check_user_view {
	my ($s, $f, $label) = @_;
	my $cookie = $s->login($f->{alice}{email}, $f->{alice}{password});
	ok($cookie, "$label: alice logs in through the form");
	my $me = $cookie ? $s->get('/me', { cookie => $cookie }) : { status => 0 };
	is($me->{status}, 200, "$label: ... and her /me page answers");
	my $r = api($s, $f->{alice}, 'GET', "/api/requests/$f->{request}");
	is($r->{status}, 200, "$label: GET /api/requests/$f->{request} answers");
	is($r->{json}{status}, 'done', "$label: ... the request is done");
	is_deeply($r->{json}{result}, $f->{result}{result}, "$label: ... with the same result");
	$r = api($s, $f->{alice}, 'GET', "/api/products/$f->{product}/summary");
	is($r->{json}{request_id}, $f->{request}, "$label: the product summary is that result");
}

# kill_hard($pid): SIGKILL, then wait (5 s at most) until it is gone or a zombie
sub kill_hard {
	my ($pid) = @_;
	kill 'KILL', $pid;
	for (1 .. 100) {
		open(my $fh, '<', "/proc/$pid/stat") or return 1;
		my $st = <$fh> // '';
		return 1 if $st =~ /\) Z /;
		sleep 0.05;
	}
	return 0;
}

1;
