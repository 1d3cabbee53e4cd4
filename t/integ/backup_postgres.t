# backup_postgres.t — the PostgreSQL restore drill (docs/backup.md): a stack that archives
# its WAL to pgBackRest, filled with the demo data and a finished analysis, is backed up
# with scripts/backup (full, then incremental); PostgreSQL is then killed and its data
# directory deleted, and `scripts/restore postgres` brings back everything the backups
# and the archived WAL hold (counts, the form log-in, the request and its result, a
# user made after the last backup). Then a point-in-time restore to just before
# `DELETE FROM products` brings the products, requests and results back and leaves out
# what came after that time, and `--from` the incremental set gives exactly its state.
# Bad input (unknown store, no backup yet, a time before the first backup, a time
# without a zone, a missing backup directory, no stack) fails with a message and a
# non-zero exit.
use strict;
use warnings;
use utf8;
use FindBin ();
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);
require "$FindBin::Bin/backup_common.pl";

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
plan skip_all => 'needs root (services run as postgres and www-data)' unless $> == 0;
plan skip_all => 'pgbackrest is not installed (scripts/install-deps)' unless -x '/usr/bin/pgbackrest';

my $s = RevlensTest->start(workers => 2, worker => 1, backup => 1,
	conf_append => "worker.collect_timeout = 0\n");
my $R = $s->rundir;

# ---- before any backup: nothing to restore
{
	my $r = script($s, 'restore', 'postgres');
	is($r->{exit}, 1, 'restore postgres before any backup: exit 1');
	like($r->{err}, qr/holds no backup: make one with scripts\/backup/, '... saying to make a backup');
	$r = script($s, 'restore', 'mysql');
	is($r->{exit}, 2, 'an unknown store: exit 2');
	like($r->{err}, qr/unknown store 'mysql' \(postgres, redis, mongo or all\)/, '... naming the stores');
	is($s->psql('SELECT 1'), '1', 'a refused restore leaves PostgreSQL running');
}

my $f = fill($s);
my $before = counts($s);
ok($before->{products} >= 7 && $before->{analysis_results} >= 1, "filled: $before->{products} products, $before->{analysis_results} result(s)");
is($s->psql("SHOW archive_mode"), 'on', 'the stack archives its WAL');

# ---- the backup
my $t0 = time;
my $b = script($s, 'backup', '--full');
is($b->{exit}, 0, 'scripts/backup --full: exit 0') or diag($b->{out}, $b->{err});
my ($dir) = $b->{out} =~ m{^(/\S+)\n\z}m;
ok($dir && -d $dir, 'the last line names the backup directory');
note(sprintf 'scripts/backup took %.1f s', time - $t0);
my $label = RevlensTest::read_file("$dir/postgres/label");
like($label, qr/^\d{8}-\d{6}F\n\z/, 'postgres/label names a full pgBackRest backup');
chomp $label;
like($b->{out}, qr/postgres: pgBackRest backup \Q$label\E \(full\)/, '... as the output says');
{
	my $c = RevlensTest::run_cmd(['sh', '-c', "cd '$dir' && sha256sum --quiet -c SHA256SUMS"]);
	is($c->{exit}, 0, 'every file of the backup matches SHA256SUMS') or diag($c->{out}, $c->{err});
	like(RevlensTest::read_file("$dir/counts"), qr/^postgres\.products $before->{products}$/m, 'counts records the products');
}
my $info = RevlensTest::run_cmd(["$ENV{REVLENS_SRCDIR}/scripts/stack", 'pgbackrest', 'info'],
	env => { REVLENS_RUNDIR => $R });
like($info->{out}, qr/full backup: \Q$label\E/, 'pgbackrest info lists the backup');

# an incremental backup (on the full one) with one more user
$s->add_user('dave');
$b = script($s, 'backup');
is($b->{exit}, 0, 'scripts/backup (incremental): exit 0') or diag($b->{out}, $b->{err});
my ($dir2) = $b->{out} =~ m{^(/\S+)\n\z}m;
my $label2 = $dir2 ? RevlensTest::read_file("$dir2/postgres/label") : '';
chomp $label2;
like($label2, qr/^\Q$label\E_\d{8}-\d{6}I$/, "... an incremental pgBackRest backup on the full one ($label2)");

# a user made after the backups, whose WAL is archived before the crash
$s->add_user('frank');
my $r = RevlensTest::run_cmd(["$ENV{REVLENS_SRCDIR}/scripts/stack", 'pgbackrest', 'check'], env => { REVLENS_RUNDIR => $R });
is($r->{exit}, 0, 'pgbackrest check: the current WAL segment is archived') or diag($r->{out}, $r->{err});
$before->{users} += 2;
$before->{user_sessions} = sql($s, 'SELECT count(*) FROM user_sessions');

# ---- lose the store: kill PostgreSQL, delete its data directory
my ($pgpid) = RevlensTest::read_file("$R/pg/data/postmaster.pid") =~ /^(\d+)/;
kill_hard($pgpid);
RevlensTest::run_cmd(['rm', '-rf', "$R/pg/data"]);
ok(!-e "$R/pg/data", 'the data directory is gone');
is($s->get('/healthz')->{status}, 503, 'the site reports the loss (/healthz 503)');
$r = $s->stack('start-service', 'postgres');
isnt($r->{exit}, 0, 'scripts/stack will not make an empty database over a lost one');
like($r->{err}, qr/run scripts\/restore postgres/, '... and says to restore');

$t0 = time;
$r = script($s, 'restore', 'postgres');
is($r->{exit}, 0, 'scripts/restore postgres: exit 0') or diag($r->{out}, $r->{err});
note(sprintf 'scripts/restore postgres took %.1f s', time - $t0);
like($r->{out}, qr/postgres restored: users $before->{users}, products $before->{products}/, '... and says what is there');
is_deeply(counts($s), $before, 'every count is back, the user made after the backup too');
is(sql($s, "SELECT count(*) FROM users WHERE email = 'frank\@example.com'"), 1, 'frank (after the last backup, WAL archived) is there');
is($s->psql('SELECT pg_is_in_recovery()'), 'f', 'PostgreSQL is promoted: read-write');
check_user_view($s, $f, 'after the restore');
like($s->stack('status')->{out}, qr/^worker\s+\S+\s+running/m, 'the worker runs again');

# ---- point in time: just before a destructive change
my $pit = sql($s, "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'");
sleep 1.2;    # the target has whole seconds: every later commit is in a later second
$s->add_user('erin');    # after the target: the restore must leave it out
my $deleted = sql($s, 'WITH d AS (DELETE FROM products RETURNING 1) SELECT count(*) FROM d');
is($deleted, $before->{products}, "DELETE FROM products removed all $deleted");
is(sql($s, 'SELECT count(*) FROM analysis_results'), 0, '... and with them every result (ON DELETE CASCADE)');

$r = script($s, 'restore', 'postgres', '--time', '2020-01-01 00:00:00+00');
is($r->{exit}, 1, 'a time before the first backup: exit 1');
like($r->{err}, qr/before the end of the first backup \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00\): nothing earlier can be restored/,
	'... saying when the first backup ended');
$r = script($s, 'restore', 'postgres', '--time', '2026-01-01 00:00:00');
is($r->{exit}, 1, 'a time without a zone: exit 1');
like($r->{err}, qr/a time zone offset is required/, '... saying a zone is required');
$r = script($s, 'restore', 'postgres', '--time', 'yesterday');
is($r->{exit}, 1, 'a time that is not one: exit 1');
$r = script($s, 'restore', 'postgres', '--from', "$R/no-such-backup");
is($r->{exit}, 1, 'a missing backup directory: exit 1');
like($r->{err}, qr/no-such-backup does not exist/, '... naming it');
is(sql($s, 'SELECT count(*) FROM products'), 0, 'the refused restores changed nothing');

$t0 = time;
$r = script($s, 'restore', 'postgres', '--time', $pit);
is($r->{exit}, 0, "scripts/restore postgres --time '$pit': exit 0") or diag($r->{out}, $r->{err});
note(sprintf 'scripts/restore postgres --time took %.1f s', time - $t0);
is(sql($s, 'SELECT count(*) FROM products'), $before->{products}, 'the products are back');
is(sql($s, 'SELECT count(*) FROM analysis_results'), $before->{analysis_results}, '... their results too');
is(sql($s, 'SELECT count(*) FROM price_observations'), $before->{price_observations}, '... and their prices');
is(sql($s, "SELECT count(*) FROM users WHERE email = 'erin\@example.com'"), 0, 'erin, made after the target time, is not');
my @kept = glob("$R/pg/data.before-restore-*");
ok(@kept >= 1, 'the replaced data directory is kept beside the new one');
check_user_view($s, $f, 'after the point-in-time restore');

# ---- exactly the backup set: the state at the end of the backup, no later WAL
$r = script($s, 'restore', 'postgres', '--from', $dir2);
is($r->{exit}, 0, 'scripts/restore postgres --from SET (the incremental one): exit 0') or diag($r->{out}, $r->{err});
like($r->{out}, qr/to the end of backup \Q$label2\E/, '... the backup that set names');
is(sql($s, 'SELECT count(*) FROM users'), $before->{users} - 1, '... the users of the backup');
is(sql($s, "SELECT count(*) FROM users WHERE email = 'dave\@example.com'"), 1, '... with dave, made before it');
is(sql($s, "SELECT count(*) FROM users WHERE email = 'frank\@example.com'"), 0, '... without frank, made after it');
is(sql($s, 'SELECT count(*) FROM products'), $before->{products}, '... with its products');
check_user_view($s, $f, 'after the restore of the backup set');

# ---- scripts/backup needs a stack
$r = RevlensTest::run_cmd(["$ENV{REVLENS_SRCDIR}/scripts/backup"], env => { REVLENS_RUNDIR => "$R/no-such-stack" });
is($r->{exit}, 1, 'scripts/backup without a stack: exit 1');
like($r->{err}, qr/no stack in \Q$R\E\/no-such-stack: start it with scripts\/stack up/, '... saying how to start one');
$r = RevlensTest::run_cmd(["$ENV{REVLENS_SRCDIR}/scripts/backup", '--bogus'], env => { REVLENS_RUNDIR => $R });
is($r->{exit}, 2, 'scripts/backup --bogus: exit 2');

is_deeply([$s->log_alarms], [], 'no [alert], [emerg] or sanitizer lines in the logs');
done_testing;
