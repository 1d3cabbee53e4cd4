# t/integ/mongo_indexes.t — `revlens migrate` creates every mongo-indexes/ spec on the
# Mongo stand-in, unique keys reject duplicates, reruns are no-ops, the TTL fallback is
# loud, missing indexes come back and malformed specs are refused.
use strict;
use warnings;

use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use JSON::PP ();
use Test::More;
use RevlensTest;

plan skip_all => 'revlens is not built' unless RevlensTest::have_cli();
my $probe = RevlensTest::builddir() . '/t/unit/mongo_probe';
plan skip_all => 't/unit/mongo_probe is not built (make check builds it)' unless -x $probe;
my $help = RevlensTest::run_cmd([RevlensTest::builddir() . '/revlens', '-c', '/dev/null',
	'migrate', '--help']);
plan skip_all => 'revlens has no migrate command yet (src/cli/main.c)'
	if $help->{err} =~ /unknown command "migrate"/;

my $src = RevlensTest::srcdir();
my $sql_dir = "$src/sql";
my $spec_dir = "$src/mongo-indexes";

# The specs, read independently of the C loader: JSON::PP for the values, and the raw
# text for the order of the key fields (a Perl hash forgets it).
my %specs;
for my $path (sort glob("$spec_dir/*.json")) {
	open(my $fh, '<', $path) or die "$path: $!";
	my $raw = do { local $/; <$fh> };
	my $spec = JSON::PP->new->decode($raw);
	my @keys = $raw =~ /"key"\s*:\s*\{([^}]*)\}/g;
	die "$path: cannot match key objects" unless @keys == @{ $spec->{indexes} };
	for my $i (0 .. $#keys) {
		my @pairs = $keys[$i] =~ /"([^"]+)"\s*:\s*(-?1)/g;
		my @fields;
		push @fields, shift(@pairs) . ':' . shift(@pairs) while @pairs;
		$spec->{indexes}[$i]{keystr} = join(',', @fields);
	}
	$specs{ $spec->{collection} } = $spec;
}
is_deeply([sort keys %specs], [sort qw(keywords product_reviews_raw product_analysis_daily
	product_analysis_monthly coupang_keyword_tags realtime_sessions)],
	'one spec per collection of the design');
my $nindexes = 0;
$nindexes += @{ $_->{indexes} } for values %specs;

my $s = RevlensTest->start(migrate => 0, web => 0);

my $dbname = 'revlens';
if (open(my $fh, '<', $s->conf)) {
	while (<$fh>) { $dbname = $1 if /^\s*mongodb\.database\s*=\s*(\S+)/ }
}
my $uri = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';

sub probe { RevlensTest::run_cmd([$probe, $uri, $dbname, @_]) }
sub migrate { $s->cli('migrate', '--sql-dir', $sql_dir, '--mongo-dir', @_ ? $_[0] : $spec_dir) }

# name => { key => 'f:1,g:-1', unique => 0|1, ttl => N|-1 } as the server reports it
sub server_indexes {
	my ($coll) = @_;
	my $r = probe('indexes', $coll);
	die "mongo_probe indexes $coll: $r->{err}" if $r->{exit} != 0;
	my %ix;
	for (split /\n/, $r->{out}) {
		my ($name, $key, $u, $t) = split /\t/;
		$ix{$name} = { key => $key, unique => ($u =~ /=(\d+)/)[0], ttl => ($t =~ /=(-?\d+)/)[0] };
	}
	return \%ix;
}

# ---- first run creates every index of every spec
my $r = migrate();
is($r->{exit}, 0, 'migrate exits 0') or diag($r->{out}, $r->{err});
for my $coll (sort keys %specs) {
	my $have = server_indexes($coll);
	for my $ix (@{ $specs{$coll}{indexes} }) {
		my $n = "$coll.$ix->{name}";
		like($r->{out}, qr/^created index \Q$n\E$/m, "output reports $n");
		ok($have->{ $ix->{name} }, "$n exists on the server") or next;
		is($have->{ $ix->{name} }{key}, $ix->{keystr}, "$n has the spec's key, in order");
		is($have->{ $ix->{name} }{unique}, $ix->{unique} ? 1 : 0, "$n uniqueness as specified");
	}
}
is($s->psql('SELECT count(*) FROM mongo_index_migrations'), $nindexes,
	'every index recorded in mongo_index_migrations');

# ---- TTL: either the server keeps it, or migrate said so and recorded ttl_native = false
my $native = $s->psql("SELECT ttl_native FROM mongo_index_migrations "
	. "WHERE collection = 'realtime_sessions' AND index_name = 'expires_at'");
if ($native eq 't') {
	is(server_indexes('realtime_sessions')->{expires_at}{ttl}, 0,
		'TTL recorded native: the server reports expireAfterSeconds 0');
	unlike($r->{err}, qr/TTL index/, 'no TTL notice when the server keeps it');
} else {
	is($native, 'f', 'TTL not native: recorded as false');
	like($r->{err}, qr/TTL index realtime_sessions\.expires_at not supported by the server/,
		'and migrate said so');
}
is($s->psql("SELECT count(*) FROM mongo_index_migrations WHERE ttl_native IS NOT NULL"), 1,
	'only the TTL index carries ttl_native');

# ---- unique keys make ingestion idempotent: a duplicate review is refused (E11000)
$r = probe('dupkey');
is($r->{exit}, 0, 'dupkey probe ran') or diag($r->{err});
like($r->{out}, qr/^insert 1 ok$/m, 'first review inserted');
like($r->{out}, qr/^insert 2 error 11000:/m, 'same (product_id, review_id) rejected with 11000');
like($r->{out}, qr/^insert 3 ok$/m, 'another review of the same product inserted');

# ---- second run is a no-op
my $before = $s->psql("SELECT string_agg(collection || '.' || index_name || ' ' || applied_at, ','"
	. ' ORDER BY collection, index_name) FROM mongo_index_migrations');
$r = migrate();
is($r->{exit}, 0, 'second run exits 0');
like($r->{out}, qr/nothing pending \(\d+ SQL migrations? applied, $nindexes Mongo indexes up to date\)/,
	'second run: nothing pending, every index up to date');
unlike($r->{out}, qr/^created /m, 'second run creates nothing');
is($s->psql("SELECT string_agg(collection || '.' || index_name || ' ' || applied_at, ','"
	. ' ORDER BY collection, index_name) FROM mongo_index_migrations'), $before,
	'mongo_index_migrations unchanged');

# ---- an index dropped on the server is re-created
is(probe('dropindex', 'product_reviews_raw', 'product_date')->{exit}, 0, 'dropped an index by hand');
$r = migrate();
is($r->{exit}, 0, 'migrate after the drop exits 0');
like($r->{out}, qr/^re-created index product_reviews_raw\.product_date/m, 'says it re-created it');
ok(server_indexes('product_reviews_raw')->{product_date}, 'the index is back');

# ---- a server without the TTL: index kept without it, loud notice, ttl_native = false
is(probe('dropindex', 'realtime_sessions', 'expires_at')->{exit}, 0, 'dropped the TTL index');
is(probe('plainindex', 'realtime_sessions', 'expires_at', 'expires_at')->{exit}, 0,
	'put back a plain index (what a server without TTL support keeps)');
$s->psql("DELETE FROM mongo_index_migrations WHERE index_name = 'expires_at'");
$r = migrate();
is($r->{exit}, 0, 'migrate still succeeds') or diag($r->{err});
like($r->{err}, qr/^revlens migrate: notice: TTL index realtime_sessions\.expires_at not supported by the server.*expired documents will be purged by revlens-aggregator$/m,
	'prints the TTL notice');
is($s->psql("SELECT ttl_native FROM mongo_index_migrations WHERE index_name = 'expires_at'"), 'f',
	'records ttl_native = false');
$r = migrate();
like($r->{err}, qr/TTL index realtime_sessions\.expires_at not supported/,
	'the notice is repeated on later runs, never silently dropped');

# ---- a server index that expires documents differently is a conflict, never adopted
probe('dropindex', 'realtime_sessions', 'expires_at');
is(probe('plainindex', 'realtime_sessions', 'expires_at', 'expires_at', 3600)->{exit}, 0,
	'staged an index with another TTL');
$s->psql("DELETE FROM mongo_index_migrations WHERE index_name = 'expires_at'");
$r = migrate();
is($r->{exit}, 1, 'a TTL that differs from the spec is refused');
like($r->{err}, qr/index realtime_sessions\.expires_at exists on the server with a different definition/,
	'and named');
probe('dropindex', 'realtime_sessions', 'expires_at');
$r = migrate();
is($r->{exit}, 0, 'dropped by hand, migrate creates it as specified') or diag($r->{err});
is(server_indexes('realtime_sessions')->{expires_at}{ttl}, '0', 'with the TTL of the spec');

# ---- malformed or conflicting specs are errors naming the file
my $dir = tempdir('revlens-mongo-t.XXXXXX', TMPDIR => 1, CLEANUP => 1);
copy($_, $dir) or die "copy $_: $!" for glob("$spec_dir/*.json");
open(my $fh, '>', "$dir/keywords.json") or die;
print {$fh} qq({"collection": "keywords", "description": "d", "indexes": [{"name": "x", "key": {"k": 1},}]});
close $fh;
$r = migrate($dir);
is($r->{exit}, 2, 'malformed JSON: exit 2');
like($r->{err}, qr{\Q$dir\E/keywords\.json: not valid JSON}, 'names the file');

copy($_, $dir) or die "copy $_: $!" for glob("$spec_dir/*.json");
open($fh, '>', "$dir/keywords.json") or die;
print {$fh} qq({"collection": "keywords", "description": "d", "indexes": [{"name": "keyword", "key": {"keyword": -1}}]});
close $fh;
$r = migrate($dir);
is($r->{exit}, 1, 'changed index definition: exit 1');
like($r->{err}, qr{keywords\.json: index keywords\.keyword was changed after it was applied},
	'refuses to rebuild an applied index silently');

$s->stop;
done_testing();
