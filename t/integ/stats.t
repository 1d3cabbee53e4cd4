# `revlens stats`, `revlens stats queries`, the aggregator's daily capacity sample and the
# slow-query logs (docs/capacity.md) against a real stack: every table's rows equal
# count(*) and its bytes pg_total_relation_size, an estimated table shows reltuples and
# says so; every collection's documents equal a direct count; the Redis roles that share
# one server are one entry with DBSIZE's keys; no samples says so; an older sample
# inserted by hand and a run's sample give the growth per day of each store, and the
# disk's projection is floor(free / growth); the run records once a day and keeps 400
# days; `stats record` replaces the day; disks that are not known say why; the query
# report lists a statement run here and says what to do without pg_stat_statements; a
# statement slower than postgres.slow_query_ms is logged with its text and without its
# parameter values, a MongoDB find slower than mongodb.slow_query_ms with its filter's
# keys and without its values, and nothing is logged with the thresholds at 0; bad
# arguments get the usage and exit 2.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use Encode qw(decode);
use JSON::PP;
use POSIX qw(floor);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $B = RevlensTest::builddir();
my $PROBE = "$B/t/unit/stats_probe";
die "$PROBE is not built (make check builds it)\n" unless -x $PROBE;

my $json = JSON::PP->new->utf8->canonical;
my $s = RevlensTest->start(workers => 1);
my $R = $s->rundir;
my $MONGO = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';
my $base = RevlensTest::read_file($s->conf);

# A configuration of the stack's plus lines; its path.
my $nconf = 0;
sub conf_with {
	my ($extra) = @_;
	my $f = "$R/stats-" . ++$nconf . '.conf';
	RevlensTest::write_file($f, "$base\n$extra\n");
	return $f;
}
# every store's disk is the rundir's
my $conf = conf_with("stats.postgres_path = $R\nstats.mongodb_path = $R\nstats.redis_path = $R\n"
	. "log.file = $R/logs/stats-aggregator.log");

my $stderr = '';    # every run's standard error, checked for sanitizer reports at the end
sub run {
	my ($argv, %o) = @_;
	my $r = RevlensTest::run_cmd($argv, %o);
	$r->{out} = decode('UTF-8', $r->{out});
	$r->{err} = decode('UTF-8', $r->{err});
	$stderr .= $r->{err};
	return $r;
}
sub stats { my ($c, @a) = @_; run(["$B/revlens", '-c', $c, 'stats', @a]) }
sub stats_json {
	my ($c, @a) = @_;
	my $r = stats($c, '--json', @a);
	is($r->{exit}, 0, "revlens stats --json @a: exit 0") or diag($r->{err});
	return JSON::PP->new->decode($r->{out});
}
sub aggregate {
	my $r = run(["$B/revlens-aggregator", '-c', $conf]);
	ok($r->{exit} == 0 || $r->{exit} == 3, "revlens-aggregator: exit 0 or 3 (got $r->{exit})") or diag($r->{err});
}
sub sql { decode('UTF-8', $s->psql($_[0])) }
sub probe {
	my $r = run([$PROBE, $MONGO, 'revlens', @_]);
	die "stats_probe @_: $r->{err}" if $r->{exit} != 0;
	chomp(my $out = $r->{out});
	return $out;
}
sub near { my ($got, $want, $tol) = @_; return abs($got - $want) <= $tol }

# ------------------------------------------------------------------ data in every store
$s->add_user("stats$_") for 1 .. 3;     # users, sessions in Redis
my @items;
for my $cp (800001, 800002) {
	push @items, { kind => 'review', product_id => $cp, review_id => "st-$cp-$_", rating => 1 + $_ % 5,
		content => "리뷰 $_: 배송이 빨라요", written_at => sprintf('2024-06-%02dT10:00:00+09:00', 1 + $_ % 28) }
		for 1 .. 15;
	push @items, { kind => 'price', product_id => $cp, price => 9900, observed_at => '2024-06-01T12:00:00+09:00' };
	push @items, { kind => 'tag', product_id => $cp, question => '맛', answer => '아주 맛있어요', percent => 70,
		observed_at => '2024-06-01' };
}
my $imp = $s->cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
is($imp->{exit}, 0, 'import 30 reviews, 2 prices, 2 survey tags') or diag("$imp->{out}$imp->{err}");

# ------------------------------------------------------------------ sizes against direct counts
my $st = stats_json($conf);
my @tables = split /\n/, sql("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	. "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1");
is_deeply([ map { $_->{name} } @{ $st->{postgres}{tables} } ], \@tables, 'every table of the schema is listed');
my ($rows_ok, $bytes_ok, $exact) = (0, 0, 0);
for my $t (@{ $st->{postgres}{tables} }) {
	my $n = sql(qq{SELECT count(*) FROM "$t->{name}"});
	my $b = sql(qq{SELECT pg_total_relation_size('"$t->{name}"')});
	$exact++ if $t->{rows_exact};
	$rows_ok++ if $t->{rows} == $n;
	# autovacuum may add a map fork between the two reads
	$bytes_ok++ if near($t->{bytes}, $b, 65536);
	diag("$t->{name}: rows $t->{rows} vs count(*) $n, bytes $t->{bytes} vs $b")
		unless $t->{rows} == $n && near($t->{bytes}, $b, 65536);
}
is($exact, scalar @tables, 'small tables are counted exactly (rows_exact)');
is($rows_ok, scalar @tables, 'every table: rows = count(*)');
is($bytes_ok, scalar @tables, 'every table: bytes = pg_total_relation_size (indexes and TOAST included)');
my ($users) = grep { $_->{name} eq 'users' } @{ $st->{postgres}{tables} };
is($users->{rows}, 3, 'users: the 3 accounts');
my $sum = 0;
$sum += $_->{bytes} for @{ $st->{postgres}{tables} };
is($st->{postgres}{bytes}, $sum, 'the PostgreSQL total is the sum of its tables');

my %coll = map { $_->{name} => $_ } @{ $st->{mongodb}{collections} };
ok(exists $coll{$_}, "collection $_ is listed") for qw(product_reviews_raw coupang_keyword_tags keywords);
my $docs_ok = 0;
for my $c (values %coll) {
	my $n = probe('count', $c->{name});
	$docs_ok++ if $c->{documents} == $n;
	diag("$c->{name}: $c->{documents} documents vs a direct count of $n") unless $c->{documents} == $n;
}
is($docs_ok, scalar keys %coll, 'every collection: documents = a direct count');
is($coll{product_reviews_raw}{documents}, 30, 'product_reviews_raw: the 30 imported reviews');
ok($coll{product_reviews_raw}{bytes} > 30 * 20, 'product_reviews_raw has a size');
like($coll{product_reviews_raw}{bytes_source}, qr/^(collStats|추정)/, '... and says where it comes from');

# Redis: the roles the configuration puts on one address are one server (the local stack
# may run one Redis or one per group of roles)
my %role_at = map { /^redis\.(sessions|cache|queue|pubsub)\s*=\s*(\S+)/ ? ($1 => $2) : () } split /\n/, $base;
my %at_roles;
push @{ $at_roles{$role_at{$_}} }, $_ for sort keys %role_at;
my %srv = map { join('+', sort @{ $_->{roles} }) => $_ } @{ $st->{redis}{servers} };
is(scalar keys %srv, scalar keys %at_roles, 'Redis: one entry per server (' . join(', ', map { join('+', @$_) } values %at_roles) . ')');
for my $at (sort keys %at_roles) {
	my $name = join('+', @{ $at_roles{$at} });
	my $e = $srv{$name};
	ok($e, "$name: one entry naming its roles") or next;
	is($e->{endpoint}, $at, '... with its address');
	is($e->{shared} ? 1 : 0, @{ $at_roles{$at} } > 1 ? 1 : 0, '... shared when it holds several roles');
	my @cli = ('redis-cli', $at =~ /^unix:(.*)/ ? ('-s', $1) : ('-h', (split /:/, $at)[0], '-p', (split /:/, $at)[1]));
	(my $dbsize = run([@cli, 'DBSIZE'])->{out}) =~ s/\s+//g;
	is($e->{keys}, $dbsize + 0, "... keys = DBSIZE ($dbsize)");
	my ($used) = run([@cli, 'INFO', 'memory'])->{out} =~ /^used_memory:(\d+)/m;
	ok(near($e->{used_memory}, $used, $used / 2), "... used_memory $e->{used_memory} near INFO's $used");
}

# the planner's estimate above stats.exact_count_max
sql('ANALYZE users');
my $est = stats_json(conf_with('stats.exact_count_max = 0'));
($users) = grep { $_->{name} eq 'users' } @{ $est->{postgres}{tables} };
ok(!$users->{rows_exact}, 'above stats.exact_count_max a table is estimated (rows_exact false)');
is($users->{rows}, sql("SELECT reltuples::bigint FROM pg_class WHERE relname = 'users'"), '... showing reltuples');
my $text = stats(conf_with('stats.exact_count_max = 0'));
like($text->{out}, qr/^\s+users\s+3 \(추정\)/m, '... and the text report says 추정');

# ------------------------------------------------------------------ the text report, no samples yet
$text = stats($conf);
is($text->{exit}, 0, 'revlens stats: exit 0');
like($text->{out}, qr/^PostgreSQL\n/m, 'the text report has PostgreSQL');
like($text->{out}, qr/^\s+product_reviews_raw\s+30\s/m, '... the collections with their documents');
like($text->{out}, qr/^\s+sessions\S*\s+\d+\s+[\d.]+ (KiB|MiB)\s+\S+, maxmemory/m, '... the Redis servers with their roles');
like($text->{out}, qr/표본이 아직 없습니다/, 'no samples yet: it says so');
like($text->{out}, qr/가득 차는 날: 알 수 없음/, '... and the disk projection is unknown');
is_deeply($st->{growth}, [], '--json: growth is empty');

# ------------------------------------------------------------------ growth from two samples
my $today = sql("SELECT (now() AT TIME ZONE 'Asia/Seoul')::date");
sql("INSERT INTO capacity_samples (day, store, object, rows, bytes) VALUES "
	. "('$today'::date - 10, 'postgres', 'users', 1, 100000), ('$today'::date - 10, 'mongodb', 'product_reviews_raw', 0, 0), "
	. "('$today'::date - 401, 'postgres', 'users', 1, 1)");
aggregate();
my $nobj = @tables + keys(%coll) + keys(%at_roles);
is(sql("SELECT count(*) FROM capacity_samples WHERE day = '$today'"), $nobj,
	"the run recorded today's sample: every table, collection and Redis server ($nobj)");
is(sql("SELECT rows || ' ' || rows_exact FROM capacity_samples WHERE day = '$today' AND object = 'users'"), '3 true',
	'... users with its 3 rows');
is(sql("SELECT count(*) FROM capacity_samples WHERE day < '$today'::date - 400"), 0, 'samples older than 400 days are deleted');
my $taken = sql("SELECT max(taken_at) FROM capacity_samples WHERE day = '$today'");
aggregate();
is(sql("SELECT max(taken_at) FROM capacity_samples WHERE day = '$today'"), $taken, 'a second run the same day records nothing');

my %today = map { my ($k, $b, $r) = split /\|/; $k => [$b, $r] }
	split /\n/, sql("SELECT store, sum(bytes), sum(rows) FROM capacity_samples WHERE day = '$today' GROUP BY store");
$st = stats_json($conf);
my %g = map { $_->{store} => $_ } @{ $st->{growth} };
is($g{postgres}{days}, 10, 'postgres: growth over 10 days');
is($g{postgres}{from}, sql("SELECT ('$today'::date - 10)::text"), '... from the older sample');
ok(near($g{postgres}{bytes_per_day}, ($today{postgres}[0] - 100000) / 10, 1e-6),
	"... bytes a day = (today's $today{postgres}[0] - 100000) / 10");
ok(near($g{postgres}{rows_per_day}, ($today{postgres}[1] - 1) / 10, 1e-6), '... rows a day likewise');
ok(near($g{mongodb}{bytes_per_day}, $today{mongodb}[0] / 10, 1e-6), 'mongodb: bytes a day = today / 10');
is($g{redis}{days}, 0, 'redis: one sample day only, no growth yet');
# every object of a store with two sample days: (today - the older day, or 0) / 10, top 20
my @want;
for my $row (split /\n/, sql("SELECT n.store, n.object, n.bytes - COALESCE(o.bytes, 0) FROM capacity_samples n "
	. "LEFT JOIN capacity_samples o ON o.store = n.store AND o.object = n.object AND o.day = '$today'::date - 10 "
	. "WHERE n.day = '$today' AND n.store IN ('postgres', 'mongodb')")) {
	my ($store, $object, $delta) = split /\|/, $row;
	push @want, [$store, $object, $delta / 10];
}
@want = (sort { $b->[2] <=> $a->[2] || $a->[0] cmp $b->[0] || $a->[1] cmp $b->[1] } @want)[0 .. 19];
is_deeply([ map { [$_->{store}, $_->{object}, $_->{bytes_per_day}] } @{ $st->{growth_objects} } ], \@want,
	'growth_objects: the 20 objects that grew most a day, each (today - the older day or 0) / 10');
ok(!grep({ $_->{store} eq 'redis' } @{ $st->{growth_objects} }), '... none of a store with one sample day');
is($g{redis}{bytes_per_day}, undef, '... bytes_per_day null');

my @d = @{ $st->{disks} };
is(scalar @d, 1, 'one disk: the three paths are on the same file system');
is_deeply([ sort @{ $d[0]{stores} } ], [qw(mongodb postgres redis)], '... holding every store');
ok(near($d[0]{growth_bytes_per_day}, $g{postgres}{bytes_per_day} + $g{mongodb}{bytes_per_day}, 1e-6),
	"... growing by the stores' growth with a known rate");
is($d[0]{stores_without_growth}, 1, '... redis counted as unknown');
is($d[0]{days_to_full}, floor($d[0]{free_bytes} / $d[0]{growth_bytes_per_day}), '... days_to_full = floor(free / growth)');
my $df = run(['df', '-B1', '--output=avail', $R]);
my ($avail) = $df->{out} =~ /(\d+)\s*\z/;
# (tests running beside this one write to the same disk: near, in bytes and not blocks)
my $tol = $avail / 20 > 1 << 30 ? $avail / 20 : 1 << 30;
ok(near($d[0]{free_bytes}, $avail, $tol), "... free_bytes near df's $avail");
$text = stats($conf);
like($text->{out}, qr/PostgreSQL\s+하루 [\d.]+ (B|KiB|MiB), [\d.]+행 \(\S+ ~ \Q$today\E, 10일\)/, 'the text shows the growth per day');
like($text->{out}, qr/씩 늘면 \d+일 뒤 가득 찹니다/, '... and the days until the disk is full');
like($text->{out}, qr/가장 빨리 크는 것:\n\s+(PostgreSQL|MongoDB)\s+\S+\s+하루 /, '... and the fastest-growing objects');

# disks that are not known
$st = stats_json(conf_with("stats.postgres_path = $R\nstats.mongodb_path =\nstats.redis_path = $R/no-such-dir"));
my %u = map { $_->{store} => $_ } @{ $st->{unknown_disks} };
like($u{mongodb}{reason}, qr/stats\.mongodb_path/, 'an empty path: the disk is unknown, naming the key');
like($u{redis}{reason}, qr/\Q$R\E\/no-such-dir.*stats\.redis_path/, 'a missing directory: unknown, naming it and the key');

# stats record replaces today's sample
my $r = stats($conf, 'record');
is($r->{exit}, 0, 'revlens stats record: exit 0') or diag($r->{err});
isnt(sql("SELECT max(taken_at) FROM capacity_samples WHERE day = '$today'"), $taken, "... replaced today's sample");
is(sql("SELECT count(*) FROM capacity_samples WHERE day = '$today'"), $nobj, '... with one row per object');

# a store that cannot be reached: reported, the rest measured; the run's sample keeps the
# others, logs why and the run's outcome does not change
my $deaf = conf_with("redis.pubsub = 127.0.0.1:1\nstats.postgres_path = $R\nlog.file = $R/logs/stats-deaf.log");
$r = stats($deaf, '--json');
is($r->{exit}, 1, 'revlens stats with one Redis role unreachable: exit 1');
my $part = JSON::PP->new->decode($r->{out});
ok(!$part->{redis}{ok} && $part->{redis}{error} =~ /pubsub.*127\.0\.0\.1:1/, '... redis.ok false, the error naming the role and address');
ok($part->{postgres}{ok} && $part->{mongodb}{ok} && @{ $part->{postgres}{tables} } == @tables,
	'... PostgreSQL and MongoDB still measured');
like($r->{err}, qr/redis\.\*/, '... and standard error says which settings to fix');
sql("DELETE FROM capacity_samples WHERE day = '$today'");
$r = run(["$B/revlens-aggregator", '-c', $deaf]);
ok($r->{exit} == 0 || $r->{exit} == 3, "an aggregator run with the role unreachable: exit $r->{exit} (0 or 3)") or diag($r->{err});
like(RevlensTest::read_file("$R/logs/stats-deaf.log"), qr/ error .*capacity sample: Redis pubsub \(127\.0\.0\.1:1\).*\(not sampled\)/,
	'... logs the sample error');
is(sql("SELECT string_agg(DISTINCT store, ',' ORDER BY store) FROM capacity_samples WHERE day = '$today'"), 'mongodb,postgres',
	'... and records the stores it could measure');
is(sql("SELECT outcome FROM aggregator_runs ORDER BY id DESC LIMIT 1"), $r->{exit} == 0 ? 'ok' : 'nothing',
	"... the run's outcome unchanged");
$r = stats($conf, 'record');
is(sql("SELECT count(*) FROM capacity_samples WHERE day = '$today'"), $nobj, 'stats record completes the day again');

# ------------------------------------------------------------------ stats queries
# (pg_stat_statements keeps the first text of a shape: aliases and constants do not count)
sql('SELECT count(*) FROM users u1 JOIN users stats_t_marker ON stats_t_marker.id = u1.id');
$r = stats($conf, 'queries', '--json', '--limit', 1000);
is($r->{exit}, 0, 'revlens stats queries --json: exit 0') or diag($r->{err});
my ($q) = grep { $_->{query} =~ /stats_t_marker/ } @{ JSON::PP->new->decode($r->{out}) };
ok($q, 'a statement run here is listed');
ok($q && $q->{calls} >= 1 && defined $q->{total_ms} && defined $q->{mean_ms} && $q->{rows} >= 1,
	'... with calls, total and mean time and rows');
$r = stats($conf, 'queries', '--limit', 1000);
like($r->{out}, qr/^\s+\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+\d+\s+SELECT count\(\*\) FROM users u1 JOIN users stats_t_marker ON stats_t_marker\.id = u1\.id$/m,
	'the text report shows it on one line');
$r = stats($conf, 'queries', '--limit', 2);
is(scalar(() = $r->{out} =~ /^\s+\d+\s+\d+\s+[\d.]+/mg), 2, '--limit 2: two statements');

# ------------------------------------------------------------------ slow statements
my $secret = 'slow-secret@example.com';
my $pass = 'Slow passphrase 91735';
sql(q{CREATE FUNCTION stats_t_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NEW; END $$});
sql('CREATE TRIGGER stats_t_slow BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION stats_t_slow()');
$r = run(["$B/revlens", '-c', conf_with('postgres.slow_query_ms = 1'), 'user', 'add', $secret], stdin => "$pass\n");
is($r->{exit}, 0, 'user add with postgres.slow_query_ms = 1') or diag($r->{err});
like($r->{err}, qr/ warn .*PostgreSQL: slow statement: \d+ ms \(postgres\.slow_query_ms = 1\).*parameters \(values not logged\): WITH u AS \(INSERT INTO users \(email, password_hash/,
	'the slow INSERT is logged with its duration and text');
unlike($r->{err}, qr/\Q$secret\E/, '... without the e-mail address');
unlike($r->{err}, qr/\Q$pass\E|argon2/, '... without the password or its hash');
$r = run(["$B/revlens", '-c', conf_with('postgres.slow_query_ms = 0'), 'user', 'add', "x$secret"], stdin => "$pass\n");
is($r->{exit}, 0, 'user add with postgres.slow_query_ms = 0') or diag($r->{err});
unlike($r->{err}, qr/slow statement/, '... logs no slow statement');
sql('DROP TRIGGER stats_t_slow ON users');

# a find the stand-in takes long over (a regular expression that backtracks a lot)
my $owner = 'owner-secret-4471';
# (canonical JSON: the server checks n, owner, then t, so the expression runs)
my @find = ('stats_probe', $json->encode({ t => ('a' x 28) . '!', owner => $owner, n => 1 }),
	$json->encode({ t => { '$regex' => '^(.*a){7}$' }, owner => $owner, n => { '$in' => [1, 2] } }));
$r = run([$PROBE, $MONGO, 'revlens', 'slowfind', 1, @find]);
is($r->{exit}, 0, 'a slow find with mongodb.slow_query_ms = 1') or diag($r->{err});
like($r->{err}, qr/ warn .*MongoDB: slow command: \d+ ms \(mongodb\.slow_query_ms = 1\): find on revlens\.stats_probe, filter \{n: \{\$in: \[\?, \?\]\}, owner: \?, t: \?\}/,
	'is logged with the collection and the filter keys, every value ?');
unlike($r->{err}, qr/\Q$owner\E|\(\.\*a\)/, '... and none of its values');
# an update's q and an aggregate's pipeline are shown the same way
my $slow_q = { n => { '$in' => [1, 2] }, owner => $owner, t => { '$regex' => '^(.*a){7}$' } };
$r = run([$PROBE, $MONGO, 'revlens', 'slowcmd', 1, $json->encode({ update => 'stats_probe',
	updates => [{ q => $slow_q, u => { '$set' => { seen => $owner } } }] })]);
is($r->{exit}, 0, 'a slow update') or diag($r->{err});
like($r->{err}, qr/MongoDB: slow command: \d+ ms .*: update on revlens\.stats_probe, q \{n: \{\$in: \[\?, \?\]\}, owner: \?, t: \?\}/,
	'... is logged with the shape of its q');
unlike($r->{err}, qr/\Q$owner\E/, '... without its values');
$r = run([$PROBE, $MONGO, 'revlens', 'slowcmd', 1, $json->encode({ aggregate => 'stats_probe', cursor => {},
	pipeline => [{ '$match' => $slow_q }, { '$count' => 'k' }] })]);
is($r->{exit}, 0, 'a slow aggregate') or diag($r->{err});
like($r->{err}, qr/aggregate on revlens\.stats_probe, pipeline \[\{\$match: \{n: \{\$in: \[\?, \?\]\}, owner: \?, t: \?\}\}, \{\$count: \?\}\]/,
	'... with its pipeline stages and keys');
unlike($r->{err}, qr/\Q$owner\E/, '... without its values');
$r = run([$PROBE, $MONGO, 'revlens', 'slowfind', 0, @find]);
is($r->{exit}, 0, 'the same find with mongodb.slow_query_ms = 0');
unlike($r->{err}, qr/slow command/, '... logs nothing');

# ------------------------------------------------------------------ bad input
for my $bad (['bogus'], ['queries', '--limit', 0], ['queries', '--limit', 'x'], ['queries', '--limit'],
	['record', '--json'], ['--limit', 5]) {
	$r = stats($conf, @$bad);
	is($r->{exit}, 2, "revlens stats @$bad: exit 2");
	like($r->{err}, qr/usage: revlens \[-c CONF\] stats/, '... with the usage');
}

# ------------------------------------------------------------------ no pg_stat_statements
my $psql = -x '/usr/lib/postgresql/15/bin/psql' ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
my @su = ($psql, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $s->port('pg'),
	'-U', 'postgres', '-d', 'revlens', '-c');
$r = run([@su, 'DROP EXTENSION pg_stat_statements']);
is($r->{exit}, 0, 'pg_stat_statements dropped') or diag($r->{err});
$r = stats($conf, 'queries');
is($r->{exit}, 1, 'stats queries without the extension: exit 1');
like($r->{err}, qr/pg_stat_statements 확장이 없습니다.*shared_preload_libraries.*CREATE EXTENSION pg_stat_statements/,
	'... saying what to do');
run([@su, 'CREATE EXTENSION pg_stat_statements']);

unlike($stderr, qr/AddressSanitizer|runtime error:|LeakSanitizer/, 'no sanitizer report');
done_testing();
