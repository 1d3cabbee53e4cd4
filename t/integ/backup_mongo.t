# backup_mongo.t — the MongoDB restore drill (docs/backup.md) on the stand-in with its
# H2 file: a stack with the demo data and a finished analysis is backed up
# (scripts/backup: `revlens dump` into the backup set), the stand-in is killed and its
# data file deleted, and `scripts/restore mongo` starts it again and loads the dump
# (`revlens restore --drop`, indexes re-created): every demo product has all its
# reviews again (`revlens reviews`), the request and its result are intact, and the
# worker analyses another product from the restored reviews. A backup set without a
# MongoDB dump is refused before anything is touched.
use strict;
use warnings;
use utf8;
use FindBin ();
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Time::HiRes qw(sleep time);
require "$FindBin::Bin/backup_common.pl";

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
plan skip_all => 'needs root (services run as postgres and www-data)' unless $> == 0;
plan skip_all => 'pgbackrest is not installed (scripts/install-deps)' unless -x '/usr/bin/pgbackrest';

my $s = RevlensTest->start(workers => 2, worker => 1, backup => 1, mongo_backend => 'h2', mongo_heap => '512m',
	conf_append => "worker.collect_timeout = 0\n");
my $R = $s->rundir;

my $f = fill($s);
my $reviews = demo_reviews($s);
is(scalar(grep { $_ >= 150 } values %$reviews), 7, 'every demo product has its reviews stored');
my $before = counts($s);

my $t0 = time;
my $b = script($s, 'backup');
is($b->{exit}, 0, 'scripts/backup: exit 0') or diag($b->{out}, $b->{err});
note(sprintf 'scripts/backup took %.1f s', time - $t0);
my ($dir) = $b->{out} =~ m{^(/\S+)\n\z}m;
ok($dir && -s "$dir/mongo/manifest.json", 'the backup holds the MongoDB dump (mongo/manifest.json)');
ok(-s "$dir/mongo/product_reviews_raw.bson", '... with the raw reviews');
like($b->{out}, qr/^backup: mongo: .*done/m, '... as the output says');

# ---- lose the store: kill the stand-in, delete its data file
my ($mpid) = RevlensTest::read_file("$R/mongo/mongo.pid") =~ /^(\d+)/;
kill_hard($mpid);
my @files = glob("$R/mongo/revlens.*");
ok(scalar(grep { /revlens\.mv/ } @files), 'the stand-in kept its data in ' . join(', ', map { s{.*/}{}r } @files));
unlink @files;
ok(!glob("$R/mongo/revlens.*"), 'the stand-in is killed and its data file deleted');
is($s->get('/healthz')->{status}, 503, 'the site reports the loss (/healthz 503)');

{
	my $nodump = "$R/backup-without-mongo";
	RevlensTest::run_cmd(['cp', '-a', $dir, $nodump]);
	RevlensTest::run_cmd(['rm', '-rf', "$nodump/mongo"]);
	my $r = script($s, 'restore', 'mongo', '--from', $nodump);
	is($r->{exit}, 1, 'a backup set without a MongoDB dump: exit 1');
	like($r->{err}, qr/holds no mongo\/manifest\.json/, '... saying what it lacks');
}

$t0 = time;
my $r = script($s, 'restore', 'mongo');
is($r->{exit}, 0, 'scripts/restore mongo: exit 0') or diag($r->{out}, $r->{err});
note(sprintf 'scripts/restore mongo took %.1f s', time - $t0);
like($r->{out}, qr/mongo restored:/, '... and says so');
like($s->stack('status')->{out}, qr/^mongo\s+\d+\s+running/m, 'the stand-in runs');
is($s->get('/healthz')->{status}, 200, '/healthz is 200 again');
is_deeply(demo_reviews($s), $reviews, 'every product has all its reviews again (revlens reviews)');
is_deeply(counts($s), $before, 'PostgreSQL was not touched');
check_user_view($s, $f, 'after the restore');

# the worker reads the restored reviews
{
	my $p2 = sql($s, 'SELECT id FROM products WHERE coupang_product_id = 8800000002');
	my $q = api($s, $f->{alice}, 'POST', "/api/products/$p2/analyses");
	my $rid = ($q->{json}{request} // $q->{json})->{id};
	my $got = {};
	for (1 .. 480) {
		$got = api($s, $f->{alice}, 'GET', "/api/requests/$rid")->{json};
		last if ($got->{status} // '') =~ /^(done|failed)$/ && ($got->{status} eq 'failed' || $got->{result});
		sleep 0.25;
	}
	is($got->{status}, 'done', 'a new analysis after the restore is done');
	is($got->{result}{review_count}, $reviews->{8800000002}, "... over the product's $reviews->{8800000002} restored reviews");
}

is_deeply([$s->log_alarms], [], 'no [alert], [emerg] or sanitizer lines in the logs');
done_testing;
