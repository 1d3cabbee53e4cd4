# backup_redis.t — Redis per role and its restore drill (docs/backup.md). The stack runs
# two Redis servers: sessions and the queue on one that keeps an AOF (fsync every
# second) and RDB snapshots, cache and pubsub on one without persistence that evicts
# by LRU. A kill -9 of the durable server loses no session older than a second; a
# restart of the cache server empties it and the site goes on. Then the drill: a stack
# with the demo data and a finished analysis is backed up (scripts/backup), the durable
# server is killed and its directory deleted, and `scripts/restore redis` brings back
# every key: a browser session made before the backup still works, the request and its
# result are intact, the job stream and its consumer group are back and the worker
# takes a new job. A session made after the backup is gone (the restore is the backup's
# state); a damaged or missing backup is refused. Last, `scripts/restore all` puts every
# store back to the set (the request made after the backup is gone from PostgreSQL and
# its job from Redis; MongoDB keeps every review).
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

my $s = RevlensTest->start(workers => 2, worker => 1, backup => 1,
	conf_append => "worker.collect_timeout = 0\n");
my $R = $s->rundir;
sub durable { $s->redis_cli({ server => 'redis' }, @_) }
sub cache   { $s->redis_cli({ server => 'cache' }, @_) }
sub config  { my ($f, $k) = @_; (split /\n/, $f->('CONFIG', 'GET', $k))[1] // '' }
sub pid_of  { my ($f) = @_; (RevlensTest::read_file($f) =~ /^(\d+)/)[0] }
sub me_ok {
	my ($cookie) = @_;
	my $r = $s->get('/me', { cookie => $cookie });
	return $r->{status} == 200 && ($r->{content} // '') =~ /alice/;
}

# ---- each role on the server its data needs
{
	my $conf = RevlensTest::read_file($s->conf);
	like($conf, qr{^redis\.sessions = unix:\Q$R\E/redis/redis\.sock$}m, 'sessions on the durable server');
	like($conf, qr{^redis\.queue = unix:\Q$R\E/redis/redis\.sock$}m, 'the queue on the durable server');
	like($conf, qr{^redis\.cache = unix:\Q$R\E/redis-cache/redis\.sock$}m, 'the cache on the volatile server');
	like($conf, qr{^redis\.pubsub = unix:\Q$R\E/redis-cache/redis\.sock$}m, 'pubsub on the volatile server');
	like(RevlensTest::read_file("$R/nginx/nginx.conf"), qr{nchan_redis_server "redis://127\.0\.0\.1:${\ $s->port('cache')}"},
		"nchan's channels on the volatile server");
	is(config(\&durable, 'appendonly'), 'yes', 'durable: AOF on');
	is(config(\&durable, 'appendfsync'), 'everysec', 'durable: fsync every second');
	like(config(\&durable, 'save'), qr/^\d+ \d+/, 'durable: RDB snapshots too');
	is(config(\&durable, 'maxmemory-policy'), 'noeviction', 'durable: never evicts');
	is(config(\&cache, 'appendonly'), 'no', 'volatile: no AOF');
	is(config(\&cache, 'save'), '', 'volatile: no RDB');
	is(config(\&cache, 'maxmemory-policy'), 'allkeys-lru', 'volatile: evicts the least recently used keys');
	is(config(\&cache, 'maxmemory'), 32 * 1024 * 1024, 'volatile: at maxmemory (REVLENS_CACHE_MAXMEMORY)');
}

my $f = fill($s);
my $cookie = $s->login($f->{alice}{email}, $f->{alice}{password});
ok($cookie && me_ok($cookie), 'alice has a browser session');

# ---- a crash of the durable server: the AOF keeps what was written a second ago
{
	my $fresh = $s->login($f->{alice}{email}, $f->{alice}{password});
	ok($fresh, 'a new session just before the crash');
	sleep 1.5;    # appendfsync everysec
	kill_hard(pid_of("$R/redis/redis.pid"));
	$s->stack('stop-service', 'redis');    # clears the pidfile's process
	my $r = $s->stack('start-service', 'redis');
	is($r->{exit}, 0, 'the durable server starts again after kill -9') or diag($r->{out}, $r->{err});
	ok(me_ok($fresh), 'the session made just before the crash still works (AOF)');
	ok(me_ok($cookie), '... and the older one');
	like(durable('XINFO', 'GROUPS', 'revlens:jobs'), qr/\bworkers\b/, 'the job stream and its consumer group survived');
}

# ---- the cache server keeps nothing: a restart empties it, the site goes on
{
	my $r = api($s, $f->{alice}, 'GET', "/api/products/$f->{product}");
	is($r->{status}, 200, 'a product read fills the cache');
	ok(cache('EXISTS', "c:p:$f->{product}"), '... c:p:<id> is on the cache server');
	is(durable('EXISTS', "c:p:$f->{product}"), 0, '... not on the durable one');
	kill_hard(pid_of("$R/redis-cache/redis.pid"));
	$s->stack('stop-service', 'redis-cache');
	is($s->stack('start-service', 'redis-cache')->{exit}, 0, 'the cache server starts again after kill -9');
	is(cache('DBSIZE'), 0, '... empty: it keeps nothing on disk');
	is(api($s, $f->{alice}, 'GET', "/api/products/$f->{product}")->{status}, 200, 'the product is served from PostgreSQL again');
	ok(me_ok($cookie), 'sessions did not notice');
}

# ---- the backup
# keys that outlive the drill (some rate-limit counters expire within seconds)
sub lasting_keys { sort grep { my $t = durable('PTTL', $_); $t == -1 || $t > 300_000 } split /\n/, durable('--scan') }
my @keys_before = lasting_keys();
my $xlen = durable('XLEN', 'revlens:jobs');
my $pg_before = counts($s);
my $reviews = demo_reviews($s);
ok(@keys_before > 3, scalar(@keys_before) . ' keys on the durable server');
my $t0 = time;
my $b = script($s, 'backup');
is($b->{exit}, 0, 'scripts/backup: exit 0') or diag($b->{out}, $b->{err});
note(sprintf 'scripts/backup took %.1f s', time - $t0);
my ($dir) = $b->{out} =~ m{^(/\S+)\n\z}m;
ok($dir && -s "$dir/redis/dump.rdb", 'the backup holds redis/dump.rdb');
is(RevlensTest::run_cmd(['redis-check-rdb', "$dir/redis/dump.rdb"])->{exit}, 0, '... an RDB that checks');
like(RevlensTest::read_file("$dir/counts"), qr/^redis\.keys \d+$/m, 'counts records the keys');

my $after = $s->login($f->{alice}{email}, $f->{alice}{password});
ok($after && me_ok($after), 'a session made after the backup');

# ---- lose the store
kill_hard(pid_of("$R/redis/redis.pid"));
RevlensTest::run_cmd(['rm', '-rf', "$R/redis"]);
ok(!-e "$R/redis", 'the durable server is killed and its directory deleted');
is($s->get('/healthz')->{status}, 503, 'the site reports the loss (/healthz 503)');

{
	my $r = script($s, 'restore', 'redis', '--from', "$R/no-such-backup");
	is($r->{exit}, 1, 'a missing backup directory: exit 1');
	like($r->{err}, qr/no-such-backup does not exist/, '... naming it');
	my $bad = "$R/damaged-backup";
	RevlensTest::run_cmd(['cp', '-a', $dir, $bad]);
	RevlensTest::run_cmd(['truncate', '-s', '100', "$bad/redis/dump.rdb"]);
	$r = script($s, 'restore', 'redis', '--from', $bad);
	is($r->{exit}, 1, 'a damaged backup: exit 1');
	like($r->{err}, qr/does not match its SHA256SUMS/, '... found by its checksums before anything is stopped');
	$r = script($s, 'restore', 'redis', '--time', '2026-01-01 00:00:00+00');
	is($r->{exit}, 2, '--time is for postgres only: exit 2');
}

$t0 = time;
my $r = script($s, 'restore', 'redis');
is($r->{exit}, 0, 'scripts/restore redis: exit 0') or diag($r->{out}, $r->{err});
note(sprintf 'scripts/restore redis took %.1f s', time - $t0);
like($r->{out}, qr/redis restored: \d+ keys \(at backup time: \d+\)/, '... and says how many keys');
is_deeply([lasting_keys()], \@keys_before, 'every key of the backup is back, nothing else');
is(config(\&durable, 'appendonly'), 'yes', 'the restored server writes its AOF again');
ok(-s "$R/redis/appendonlydir/appendonly.aof.manifest", '... in a new AOF');
is(durable('XLEN', 'revlens:jobs'), $xlen, "the job stream has its $xlen entries");
like(durable('XINFO', 'GROUPS', 'revlens:jobs'), qr/\bworkers\b/, '... and its consumer group');

ok(me_ok($cookie), 'the session from before the backup still works after the restore');
ok(!me_ok($after), 'the session made after the backup is gone (the backup\'s state)');
check_user_view($s, $f, 'after the restore');

# the queue works: the worker takes a new job
{
	my $p2 = sql($s, 'SELECT id FROM products WHERE coupang_product_id = 8800000002');
	my $q = api($s, $f->{alice}, 'POST', "/api/products/$p2/analyses");
	my $rid = ($q->{json}{request} // $q->{json})->{id};
	ok($rid, 'a new analysis is queued after the restore');
	my $st = '';
	for (1 .. 480) {
		$st = api($s, $f->{alice}, 'GET', "/api/requests/$rid")->{json}{status} // '';
		last if $st eq 'done' || $st eq 'failed';
		sleep 0.25;
	}
	is($st, 'done', '... and the worker carries it to done');
	is(durable('XLEN', 'revlens:jobs'), $xlen + 1, '... through the restored job stream');
}

# ---- every store from the set at once: the whole stack as it was at the backup
{
	my $t1 = time;
	my $r = script($s, 'restore', 'all');
	is($r->{exit}, 0, 'scripts/restore all: exit 0') or diag($r->{out}, $r->{err});
	note(sprintf 'scripts/restore all took %.1f s', time - $t1);
	like($r->{out}, qr/every store restored from \Q$dir\E/, '... from the newest set');
	is_deeply(counts($s), $pg_before, 'PostgreSQL as at the backup: the later request is gone');
	is(durable('XLEN', 'revlens:jobs'), $xlen, '... and its job too: Redis as at the backup');
	is_deeply([lasting_keys()], \@keys_before, '... every key of the backup, nothing else');
	is_deeply(demo_reviews($s), $reviews, 'MongoDB holds every review');
	ok(me_ok($cookie), 'the session from before the backup works');
	check_user_view($s, $f, 'after restore all');
	like($s->stack('status')->{out}, qr/^worker\s+\S+\s+running/m, 'the worker runs again');
}

is_deeply([$s->log_alarms], [], 'no [alert], [emerg] or sanitizer lines in the logs');
done_testing;
