# t/integ/migrate.t — `revlens migrate` against a real PostgreSQL: apply (from the source
# tree when no directory is given), no-op, broken file rolled back with file:line, edited
# file refused, advisory lock, CHECKs.
use strict;
use warnings;

use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use RevlensTest;

plan skip_all => 'revlens is not built' unless RevlensTest::have_cli();
# Until src/cli/main.c dispatches `migrate`, say so instead of failing every check.
my $probe = RevlensTest::run_cmd([RevlensTest::builddir() . '/revlens', '-c', '/dev/null',
	'migrate', '--help']);
plan skip_all => 'revlens has no migrate command yet (src/cli/main.c)'
	if $probe->{err} =~ /unknown command "migrate"/;

my $src = RevlensTest::srcdir();
my @files = map { (split m{/}, $_)[-1] } sort glob("$src/sql/*.sql");
my @nine = qw(users user_profiles user_sessions products analysis_requests analysis_results
	search_history watch_list system_config);
my $mongo_dir = "$src/mongo-indexes";

my $s = RevlensTest->start(migrate => 0, web => 0);

# A copy of sql/ plus extra files, for the failure cases.
sub sql_copy {
	my (%extra) = @_;
	my $dir = tempdir('revlens-migrate-t.XXXXXX', TMPDIR => 1, CLEANUP => 1);
	copy("$src/sql/$_", "$dir/$_") or die "copy $_: $!" for @files;
	for my $name (keys %extra) {
		open(my $fh, '>', "$dir/$name") or die "$dir/$name: $!";
		print {$fh} $extra{$name};
		close $fh;
	}
	return $dir;
}

sub migrate { $s->cli('migrate', '--mongo-dir', $mongo_dir, @_) }
sub table_exists { $s->psql("SELECT to_regclass('public.$_[0]') IS NOT NULL") eq 't' }

# ---- dry run on an empty database changes nothing
my $r = migrate('--sql-dir', "$src/sql", '--dry-run');
is($r->{exit}, 0, 'dry run exits 0') or diag($r->{err});
like($r->{out}, qr/would apply \S*\Q$files[0]\E/, 'dry run lists the first migration');
ok(!table_exists('users') && !table_exists('schema_migrations'), 'dry run created no table');

# ---- first run applies every file and creates all nine tables. It runs as a developer
#      runs it from a build tree: no --sql-dir/--mongo-dir and no REVLENS_SRCDIR, so the
#      tree's sql/ and mongo-indexes/ are found from where the binary lives (the build
#      directory is the source root or up to two levels below it; from anywhere else the
#      installed copy is used, which this test cannot rely on).
my ($build_real, $src_real) = (abs_path(RevlensTest::builddir()), abs_path($src));
my $near = grep { $_ eq $src_real } $build_real, dirname($build_real), dirname(dirname($build_real));
$r = $near ? $s->cli({ env => { REVLENS_SRCDIR => undef } }, 'migrate')
	: migrate('--sql-dir', "$src/sql");
is($r->{exit}, 0, 'migrate on an empty database exits 0') or diag($r->{out}, $r->{err});
like($r->{out}, qr/^applied \S*\Q$_\E \(\d+ statements?\)$/m, "output names $_") for @files;
SKIP: {
	skip "the build directory $build_real is not inside the source tree", 4 unless $near;
	like($r->{out}, qr{^revlens migrate: SQL migrations from \Q$src_real\E/sql \(the source tree}m,
		'without --sql-dir: says it reads the source tree\'s sql/');
	like($r->{out}, qr{^revlens migrate: MongoDB index specs from \Q$src_real\E/mongo-indexes \(}m,
		'without --mongo-dir: says it reads the source tree\'s mongo-indexes/');
	like($r->{out}, qr{^applied \Q$src_real\E/sql/\Q$files[0]\E }m, 'and applied the files from there');
	like($r->{out}, qr/^created index /m, 'and created the MongoDB indexes');
}
my $tables = $s->psql("SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM "
	. "information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
my %have = map { $_ => 1 } split / /, $tables;
ok($have{$_}, "table $_ exists") for @nine;
is($s->psql('SELECT count(*) FROM schema_migrations'), scalar(@files),
	'one schema_migrations row per file');
like($s->psql("SELECT checksum FROM schema_migrations ORDER BY version LIMIT 1"),
	qr/^[0-9a-f]{64}$/, 'checksum recorded as SHA-256 hex');

# ---- second run is a no-op
my $before = $s->psql("SELECT string_agg(version || ' ' || applied_at, ',' ORDER BY version) "
	. 'FROM schema_migrations');
$r = migrate('--sql-dir', "$src/sql");
is($r->{exit}, 0, 'second run exits 0');
like($r->{out}, qr/nothing pending/, 'second run says nothing is pending');
unlike($r->{out}, qr/^applied /m, 'second run applies nothing');
is($s->psql("SELECT string_agg(version || ' ' || applied_at, ',' ORDER BY version) "
	. 'FROM schema_migrations'), $before, 'schema_migrations unchanged');

# ---- a good pending file then a broken one: the good one stays, the broken one rolls back
my $broken = "-- valid first, then invalid: the whole file must roll back\n"   # line 1
	. "CREATE TABLE broken_first (id int);\n"                                   # line 2
	. "\n"                                                                      # line 3
	. "INSERT INTO broken_first VALUES (1);\n"                                  # line 4
	. "SELECT no_such_column\n"                                                 # line 5
	. "  FROM broken_first;\n";
my $dir = sql_copy('998_good.sql' => "CREATE TABLE good_before (id int);\n",
	'999_broken.sql' => $broken);
$r = migrate('--sql-dir', $dir);
isnt($r->{exit}, 0, 'broken migration exits non-zero');
is($r->{exit}, 1, 'exit status 1');
like($r->{err}, qr{^revlens migrate: \S*999_broken\.sql:5: column "no_such_column" does not exist$}m,
	'message names the file, the statement line and the server error') or diag($r->{err});
like($r->{err}, qr/in statement: SELECT no_such_column$/m, 'message shows the statement');
ok(!table_exists('broken_first'), 'the valid statement of the broken file was rolled back');
ok(table_exists('good_before'), 'the migration before it stays applied');
is($s->psql("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations "
	. "WHERE version >= '998'"), '998', '998 recorded, 999 not');
ok(table_exists('users'), 'earlier migrations untouched');

# fixing the file lets the next run apply it
$dir = sql_copy('998_good.sql' => "CREATE TABLE good_before (id int);\n",
	'999_broken.sql' => "CREATE TABLE broken_first (id int);\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 0, 'fixed migration applies') or diag($r->{err});
like($r->{out}, qr/^applied \S*999_broken\.sql/m, 'only the fixed file is applied');
unlike($r->{out}, qr/998_good/, 'the applied one is not re-run');

# ---- a SET in one file leaks neither into the next file nor into the bookkeeping
$dir = sql_copy('998_good.sql' => "CREATE TABLE good_before (id int);\n",
	'999_broken.sql' => "CREATE TABLE broken_first (id int);\n",
	'9990_setpath.sql' => "CREATE SCHEMA app;\nSET search_path TO app;\nCREATE TABLE in_app (id int);\n",
	'9991_after.sql' => "CREATE TABLE after_set (id int);\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 0, 'a migration that changes search_path applies') or diag($r->{err});
is($s->psql("SELECT table_schema FROM information_schema.tables WHERE table_name = 'in_app'"),
	'app', 'its own statements see its SET');
is($s->psql("SELECT table_schema FROM information_schema.tables WHERE table_name = 'after_set'"),
	'public', 'the next file starts from the default search_path');
is($s->psql("SELECT count(*) FROM public.schema_migrations WHERE version IN ('9990', '9991')"),
	'2', 'both recorded in public.schema_migrations');

# ---- an applied file that changed is refused, and nothing is applied after it
$dir = sql_copy('998_good.sql' => "CREATE TABLE good_before (id int); -- edited\n",
	'999_broken.sql' => "CREATE TABLE broken_first (id int);\n",
	'9999_later.sql' => "CREATE TABLE later (id int);\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 1, 'edited applied migration: exit 1');
like($r->{err}, qr/998_good\.sql was changed after it was applied/, 'names the edited file');
ok(!table_exists('later'), 'nothing applied while an applied file differs');

# ---- malformed files are refused before the database is touched (exit 2)
$dir = sql_copy('9999_later.sql' => "CREATE TABLE later (id int);\nSELECT 'unterminated;\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 2, 'unterminated string: exit 2');
like($r->{err}, qr{9999_later\.sql:2: unterminated quoted string}, 'names file:line');
ok(!table_exists('later'), 'nothing applied');
$dir = sql_copy('9999_later.sql' => "BEGIN;\nCREATE TABLE later (id int);\nCOMMIT;\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 2, 'transaction control in a file: exit 2');
like($r->{err}, qr{9999_later\.sql:1: transaction control}, 'says why');
$dir = sql_copy('later.sql' => "SELECT 1;\n");
$r = migrate('--sql-dir', $dir);
is($r->{exit}, 2, 'badly named file: exit 2');
like($r->{err}, qr{later\.sql: name must be NNN_name\.sql}, 'says how to name it');
$r = migrate('--sql-dir', $dir, '--bogus');
is($r->{exit}, 2, 'unknown option: exit 2');

# ---- the advisory lock: a second migrator waits for the first
my $lock_key = '7234011594523623';
my $pid = fork() // die "fork: $!";
if ($pid == 0) {
	my $psql = -x '/usr/lib/postgresql/15/bin/psql' ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
	open(STDOUT, '>', '/dev/null');
	my @argv = ($psql, '-X', '-q', '-h', '127.0.0.1', '-p', $s->port('pg'), '-U', 'revlens',
		'-d', 'revlens', '-c', "SELECT pg_advisory_lock($lock_key); SELECT pg_sleep(2);");
	{ no warnings 'exec'; exec @argv; }
	POSIX::_exit(127);
}
my $deadline = time + 10;
sleep 0.1 until time > $deadline
	|| $s->psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted") > 0;
$dir = sql_copy('998_good.sql' => "CREATE TABLE good_before (id int);\n",
	'999_broken.sql' => "CREATE TABLE broken_first (id int);\n",
	'9999_later.sql' => "CREATE TABLE later (id int);\n");
my $t0 = time;
$r = migrate('--sql-dir', $dir);
my $waited = time - $t0;
waitpid($pid, 0);
is($r->{exit}, 0, 'migrate after the lock is released succeeds') or diag($r->{err});
like($r->{err}, qr/another migration is running; waiting/, 'says it waits for the lock');
cmp_ok($waited, '>=', 1, 'it did wait');
ok(table_exists('later'), 'and then applied the pending file');

# ---- CHECK and unique constraints reject bad data
sub rejects {
	my ($sql, $what, $re) = @_;
	my $ok = eval { $s->psql($sql); 1 };
	ok(!$ok, "rejected: $what");
	like($@ // '', $re, "  with the expected error ($what)");
}
$s->psql("INSERT INTO users (email, password_hash, display_name) VALUES ('Kim\@example.kr', 'h', 'kim')");
my $uid = $s->psql("SELECT id FROM users WHERE email = 'Kim\@example.kr'");
$s->psql("INSERT INTO products (coupang_product_id, url, name, price) "
	. "VALUES (123, 'https://www.coupang.com/vp/products/123', 'p', 19900)");
my $pid2 = $s->psql('SELECT id FROM products WHERE coupang_product_id = 123');
rejects("INSERT INTO users (email, password_hash, display_name, status) "
	. "VALUES ('x\@example.kr', 'h', 'x', 'bogus')", 'bad user status', qr/users_status_check/);
rejects("INSERT INTO users (email, password_hash, display_name, role) "
	. "VALUES ('x\@example.kr', 'h', 'x', 'root')", 'bad role', qr/users_role_check/);
rejects("INSERT INTO users (email, password_hash, display_name) "
	. "VALUES ('kim\@EXAMPLE.kr', 'h', 'k2')", 'email differing only in case',
	qr/users_email_lower_key/);
rejects("INSERT INTO analysis_requests (user_id, product_id, status) VALUES ($uid, $pid2, 'paused')",
	'bad request status', qr/analysis_requests_status_check/);
rejects("INSERT INTO analysis_requests (user_id, product_id, progress) VALUES ($uid, $pid2, 101)",
	'progress above 100', qr/analysis_requests_progress_check/);
$s->psql("INSERT INTO analysis_requests (user_id, product_id) VALUES ($uid, $pid2)");
rejects("INSERT INTO analysis_requests (user_id, product_id) VALUES ($uid, $pid2)",
	'second active request for the same product', qr/analysis_requests_one_active_product/);
rejects("UPDATE analysis_requests SET status = 'done'",
	'queued straight to done (the transition trigger)', qr/queued -> done is not allowed/);
rejects("UPDATE analysis_requests SET status = 'failed', finished_at = now()",
	'failed without an error message', qr/analysis_requests_failed_reason_check/);
rejects("INSERT INTO watch_list (user_id, product_id, target_price) VALUES ($uid, $pid2, 0)",
	'zero target price', qr/watch_list_target_price_check/);
rejects("INSERT INTO products (coupang_product_id, url, name) "
	. "VALUES (123, 'https://www.coupang.com/vp/products/123?x', 'dup')",
	'same Coupang product twice', qr/products_coupang_product_id_key/);
rejects("INSERT INTO products (coupang_product_id, coupang_item_id, url, name) "
	. "VALUES (123, 456, 'https://www.coupang.com/vp/products/123?itemId=456', 'dup')",
	'the same Coupang product with other item ids', qr/products_coupang_product_id_key/);
my $rid = $s->psql('SELECT id FROM analysis_requests LIMIT 1');
rejects("INSERT INTO analysis_results (request_id, product_id, review_count, positive_count, "
	. "negative_count, neutral_count, model_version) VALUES ($rid, $pid2, 10, 5, 5, 0, 'm1')",
	'a non-empty result without its date range', qr/analysis_results_sample_range_check/);
$s->psql("INSERT INTO products (coupang_product_id, url, name, price) "
	. "VALUES (456, 'https://www.coupang.com/vp/products/456', 'other', 5000)");
my $pid3 = $s->psql('SELECT id FROM products WHERE coupang_product_id = 456');
rejects("INSERT INTO analysis_results (request_id, product_id, review_count, positive_count, "
	. "negative_count, neutral_count, model_version) VALUES ($rid, $pid3, 0, 0, 0, 0, 'm1')",
	"a result for another product than its request's", qr/analysis_results_request_product_fkey/);

$s->stop;
done_testing();
