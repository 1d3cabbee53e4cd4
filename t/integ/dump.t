# revlens dump / revlens restore (docs/backup.md, "MongoDB") against a private stack:
# the collections filled by `revlens import` (reviews, review_days, survey tags), the
# aggregator (daily and monthly rollups) and documents of every BSON type the probe
# can write (keywords, realtime_sessions); a dump; the stand-in restarted empty (the
# store lost); a restore; every collection compared document for document (a second
# dump byte-identical to the first, the CLI's readers and the _id lists as before,
# the indexes back); a dump SIGKILLed mid-collection (with half a document written)
# and re-run gives the identical files; Ctrl-C stops at a checkpoint and a re-run
# continues; an altered, a truncated and a non-BSON file are refused before anything
# is written; a second restore (with and without --drop) changes nothing; a restore
# SIGKILLed mid-collection continues; bad arguments and directories.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use JSON::PP;
use POSIX qw(strftime WNOHANG);
use Time::HiRes qw(sleep);
use File::Copy qw(copy);
use File::Path qw(make_path);
use Digest::SHA ();
use Encode ();

my $s = RevlensTest->start(web => 0);
my $B = RevlensTest::builddir();
my $R = $s->rundir;
my $PROBE = "$B/t/unit/aggregator_probe";
my $MPROBE = "$B/t/unit/mongo_probe";
my $MONGO = 'mongodb://127.0.0.1:' . $s->port('mongo') . '/?serverSelectionTimeoutMS=3000';
my $json = JSON::PP->new->canonical->utf8;
my @COLLS = qw(product_reviews_raw review_days coupang_keyword_tags keywords
	product_analysis_daily product_analysis_monthly realtime_sessions);
my @ERRS;

sub cli { my $r = $s->cli(@_); push @ERRS, $r->{err}; $r }
sub probe {
	my $r = RevlensTest::run_cmd([$PROBE, $MONGO, 'revlens', @_]);
	die "aggregator_probe @_: $r->{err}" if $r->{exit} != 0;
	return $r->{out};
}
sub ids { [split /\n/, probe('ids', $_[0])] }
sub slurp { RevlensTest::read_file($_[0]) }
sub manifest { $json->decode(slurp("$_[0]/manifest.json")) }
sub same_files {
	my ($a, $b, $name) = @_;
	my @diff = grep { !-f "$b/$_.bson" || slurp("$a/$_.bson") ne slurp("$b/$_.bson") } @COLLS;
	is_deeply(\@diff, [], "$name: every collection file is byte-identical");
}

# ------------------------------------------------------------------ the data
my @items;
my $n = 0;
for my $cp (7001, 7002, 7003) {
	for my $d (0 .. 59) {
		my $day = strftime('%Y-%m-%d', gmtime(1_725_000_000 + $d * 86400));
		for my $k (0 .. 6) {
			push @items, { kind => 'review', product_id => $cp, review_id => "r$cp-$d-$k",
				rating => 1 + ($n++ % 5), content => ($k % 2 ? '배송이 빠르고 맛있어요' : '맛이 별로예요. 너무 짜요'),
				written_at => "${day}T0$k:10:00+09:00", title => "제목 $k", author => "작성자$k" };
		}
		push @items, { kind => 'price', product_id => $cp, price => 10000 + 10 * $d, observed_at => "${day}T12:00:00+09:00" };
		push @items, { kind => 'tag', product_id => $cp, question => '맛', answer => '아주 맛있어요',
			percent => 50 + $d % 40, observed_at => "${day}T13:00:00+09:00" } if $d % 10 == 0;
	}
}
my $NREV = 3 * 60 * 7;
my $imp = cli({ stdin => join('', map { $json->encode($_) . "\n" } @items) }, 'import', '-');
is($imp->{exit}, 0, 'import') or diag("$imp->{out}$imp->{err}");
my $agg = RevlensTest::run_cmd(["$B/revlens-aggregator", '-c', $s->conf]);
is($agg->{exit}, 0, 'aggregator run') or diag("$agg->{out}$agg->{err}");
# keywords and realtime_sessions as the worker and the web tier write them, with every
# BSON type the stand-in keeps (ObjectId, Date, int64, double, decimal, binary, null,
# nested documents and arrays, a key with a dot)
for my $i (1 .. 40) {
	probe('insert', 'keywords', $json->encode({ _id => { '$oid' => sprintf('65a1%020x', $i) },
		product_id => { '$numberLong' => "$i" }, keyword => "키워드$i", frequency => $i,
		positive => { '$numberLong' => '3' }, sentiment_ratio => { '$numberDouble' => '0.25' },
		tags => ['맛', { nested => [1, undef, 'x'] }], price => { '$numberDecimal' => '12.50' },
		raw => { '$binary' => { base64 => 'AAECAwQ=', subType => '00' } }, 'a.b' => JSON::PP::true,
		updated_at => { '$date' => { '$numberLong' => '1733000000123' } } }));
	probe('insert', 'realtime_sessions', $json->encode({ request_id => { '$numberLong' => "$i" },
		kind => 'subscribe', state => 'live', at => { '$date' => { '$numberLong' => '1733000000000' } },
		expires_at => { '$date' => { '$numberLong' => '4102444800000' } } }));
}
my %before = map { $_ => ids($_) } qw(product_reviews_raw review_days coupang_keyword_tags
	product_analysis_daily product_analysis_monthly);
is(scalar @{ $before{product_reviews_raw} }, $NREV, "$NREV reviews stored");
ok(@{ $before{$_} } > 0, "$_ has documents") for qw(review_days coupang_keyword_tags
	product_analysis_daily product_analysis_monthly);
my @PIDS = map { $s->psql("SELECT id FROM products WHERE coupang_product_id = $_") } 7001, 7002, 7003;
sub readers {
	join '', map { my $p = $_; join '', map { cli(@$_, $p)->{out} }
		['reviews', '--limit', 1000], ['keywords'], ['rollups'], ['rollups', '--month'] } @PIDS;
}
my $READERS = readers();
ok(index($READERS, Encode::encode('UTF-8', '배송이 빠르고')) >= 0 && $READERS =~ /"month":"2024-09"/,
	'the CLI readers print the reviews and the rollups');

# ------------------------------------------------------------------ dump
my $D1 = "$R/dump1";
my $r = cli('dump', '--batch', 100, $D1);
is($r->{exit}, 0, 'dump') or diag("$r->{out}$r->{err}");
my $m = manifest($D1);
is_deeply([map { $_->{name} } @{ $m->{collections} }], \@COLLS, 'the manifest lists every collection in dump order');
is($m->{format} . '/' . $m->{version}, 'revlens-dump/1', 'format and version');
is($m->{consistency}, 'none', 'the stand-in gives no snapshot, and the manifest says so');
ok($m->{server}{hosts} =~ /127\.0\.0\.1:\d+/ && $m->{started_at} && $m->{finished_at}, 'server and times');
my %mc = map { $_->{name} => $_ } @{ $m->{collections} };
is($mc{product_reviews_raw}{documents}, $NREV, 'reviews counted');
is($mc{keywords}{documents}, 40, 'keywords counted');
is($mc{$_}{documents}, scalar @{ $before{$_} }, "$_ counted") for keys %before;
is($mc{$_}{bytes}, -s "$D1/$_.bson", "$_: size recorded") for @COLLS;
ok(!-e "$D1/dump.progress", 'no progress file once finished');
$r = cli('dump', $D1);
isnt($r->{exit}, 0, 'dump into a finished dump refused');
like($r->{err}, qr/already holds a finished dump/, '... saying so');

# ------------------------------------------------------------------ SIGKILL mid-dump
my $D2 = "$R/dump2";
$r = $s->cli({ env => { REVLENS_DUMP_TEST_KILL => 4 } }, 'dump', '--batch', 100, $D2);
is($r->{exit}, 137, 'dump killed (SIGKILL) after its 4th checkpoint');
ok(-e "$D2/dump.progress" && !-e "$D2/manifest.json", 'killed: progress, no manifest');
ok(-s "$D2/product_reviews_raw.bson" > 400 * 50, 'killed: part of the reviews written');
$r = cli('restore', $D2);
is($r->{exit}, 1, 'restore of an unfinished dump refused');
like($r->{err}, qr/unfinished dump/, '... saying how to finish it');
$r = cli('dump', '--batch', 100, $D2);
is($r->{exit}, 0, 'the dump re-run finishes') or diag("$r->{out}$r->{err}");
like($r->{out}, qr/product_reviews_raw: continuing after 400 documents/, 'it continued after the last checkpoint');
same_files($D1, $D2, 'resumed dump');
is_deeply([map { $_->{sha256} } @{ manifest($D2)->{collections} }],
	[map { $_->{sha256} } @{ $m->{collections} }], 'resumed dump: the same checksums');
ok((grep { $_->{name} eq 'product_reviews_raw' && $_->{resumed} } @{ manifest($D2)->{collections} }),
	'the manifest says which collection was resumed');

# ------------------------------------------------------------------ Ctrl-C
my $D3 = "$R/dump3";
my $pid = fork() // die;
if ($pid == 0) {
	open(STDOUT, '>', "$R/dump3.out"); open(STDERR, '>', "$R/dump3.err");
	exec("$B/revlens", '-c', $s->conf, 'dump', '--batch', 1, $D3) or POSIX::_exit(127);
}
for (1 .. 600) {
	last if -s "$D3/dump.progress" && slurp("$D3/dump.progress") =~ /"documents"\s*:\s*[1-9]/;
	sleep 0.02;
}
kill 'STOP', $pid;      # where it is now: inside a collection, after a checkpoint
like(slurp("$D3/dump.progress"), qr/"current"/, 'Ctrl-C: the dump is inside a collection');
kill 'INT', $pid;
kill 'CONT', $pid;
waitpid($pid, 0);
is($? >> 8, 130, 'Ctrl-C: dump stops with 130') or diag(slurp("$R/dump3.err"));
like(slurp("$R/dump3.err"), qr/interrupted in \w+ after \d+ documents; run the same command again/, 'Ctrl-C: says how to go on');
$r = cli('dump', '--batch', 500, $D3);
is($r->{exit}, 0, 'Ctrl-C: the re-run finishes') or diag("$r->{out}$r->{err}");
same_files($D1, $D3, 'dump after Ctrl-C');

# ------------------------------------------------------------------ refusals
sub copy_dump {
	my ($from, $to) = @_;
	make_path($to);
	copy("$from/$_", "$to/$_") or die "copy $_: $!" for (map({ "$_.bson" } @COLLS), 'manifest.json');
}
# one review less on the server: a refused restore must not bring it back
my $gone = $before{product_reviews_raw}[17];
probe('delete', 'product_reviews_raw', $gone);
my $count_before = scalar @{ ids('product_reviews_raw') };
my %bad;
copy_dump($D1, $bad{altered} = "$R/altered");
{
	open(my $fh, '+<:raw', "$R/altered/product_reviews_raw.bson") or die;
	seek($fh, 30000, 0); my $c; read($fh, $c, 1); seek($fh, 30000, 0);
	print {$fh} chr(ord($c) ^ 0x20); close $fh;
}
copy_dump($D1, $bad{truncated} = "$R/truncated");
truncate("$R/truncated/product_analysis_daily.bson", (-s "$R/truncated/product_analysis_daily.bson") - 7) or die;
copy_dump($D1, $bad{notbson} = "$R/notbson");
{
	my $junk = Encode::encode('UTF-8', "이건 BSON이 아닙니다\n" x 50);
	RevlensTest::write_file("$R/notbson/keywords.bson", $junk);
	my $mf = manifest("$R/notbson");
	for (@{ $mf->{collections} }) {
		next unless $_->{name} eq 'keywords';
		$_->{bytes} = length($junk);
		$_->{sha256} = Digest::SHA::sha256_hex($junk);
	}
	RevlensTest::write_file("$R/notbson/manifest.json", $json->encode($mf));
}
my %why = (altered => qr/product_reviews_raw\.bson: (\d+ documents with SHA-256|not a BSON dump file).*altered|nothing was restored/,
	truncated => qr/product_analysis_daily\.bson: \d+ bytes, the manifest says \d+: the file was truncated/,
	notbson => qr/keywords\.bson: not a BSON dump file/);
for my $k (sort keys %bad) {
	$r = cli('restore', '--drop', $bad{$k});
	is($r->{exit}, 1, "$k file: restore refused");
	like($r->{err}, $why{$k}, "$k file: the message names the file and the fault");
	like($r->{err}, qr/nothing was restored/, "$k file: says nothing was restored");
	is(scalar @{ ids('product_reviews_raw') }, $count_before, "$k file: nothing dropped or written");
}

$r = cli('restore', "$R/no-such-dir");
is($r->{exit}, 1, 'missing DIR: exit 1');
like($r->{err}, qr/no-such-dir: No such file/, 'missing DIR: said');
make_path("$R/empty");
$r = cli('restore', "$R/empty");
is($r->{exit}, 1, 'not a dump: exit 1');
like($r->{err}, qr/is not a revlens dump \(no manifest\.json\)/, 'not a dump: said');
RevlensTest::write_file("$R/empty/manifest.json", '{"format": "something-else"}');
$r = cli('restore', "$R/empty");
like($r->{err}, qr/not a revlens dump manifest/, 'a foreign manifest: refused');
$r = cli('dump', '--collections', 'product_reviews_raw,users', "$R/x");
is($r->{exit}, 2, 'unknown collection: usage error');
like($r->{err}, qr/unknown collection "users"; the collections are: product_reviews_raw review_days/, '... listing the known ones');
ok(!-e "$R/x", '... and nothing made');
$r = cli('restore', '--collections', 'bogus', $D1);
is($r->{exit}, 2, 'restore: unknown collection: usage error');
make_path("$R/foreign");
RevlensTest::write_file("$R/foreign/notes.txt", "x\n");
$r = cli('dump', "$R/foreign");
like($r->{err}, qr/not empty and not an unfinished dump/, 'dump into a foreign non-empty directory refused');

# ------------------------------------------------------------------ the store lost
sub lose_mongo {
	$s->stop_service('mongo');
	$s->start_service('mongo');
	# (revlens reviews, not the probe's ids: its qsort of an empty list upsets UBSan)
	is(cli('reviews', '--limit', 5, $PIDS[0])->{out}, '', 'the stand-in restarted empty: MongoDB lost');
}
sub check_restored {
	my ($name) = @_;
	my $D = "$R/check-" . ++$n;
	my $rr = cli('dump', $D);
	is($rr->{exit}, 0, "$name: dump again") or diag($rr->{err});
	same_files($D1, $D, $name);
	is_deeply({ map { $_ => ids($_) } keys %before }, \%before, "$name: the same _ids in every collection");
	my $now = readers();
	ok($now eq $READERS, "$name: revlens reviews / keywords / rollups print the same")
		or diag(length($now) . " bytes now, " . length($READERS) . " before");
}
lose_mongo();
$r = cli('restore', $D1);
is($r->{exit}, 0, 'restore into the empty server') or diag("$r->{out}$r->{err}");
like($r->{out}, qr/product_reviews_raw: $NREV documents, checksum ok/, 'restore verified the files first');
like($r->{out}, qr/re-created index product_reviews_raw\.review_uid/, 'restore re-created the indexes through revlens migrate');
check_restored('restored');
my $ix = RevlensTest::run_cmd([$MPROBE, $MONGO, 'revlens', 'indexes', 'product_reviews_raw']);
like($ix->{out}, qr/^review_uid\tproduct_id:1,review_id:1\tunique=1/m, 'the unique index is back');
ok(!-e "$D1/restore.progress", 'no restore progress once finished');

$r = cli('restore', $D1);
is($r->{exit}, 0, 'restore twice') or diag("$r->{out}$r->{err}");
like($r->{out}, qr/product_reviews_raw: $NREV documents restored \($NREV replaced an existing _id\), $NREV on the server/,
	'the second restore replaced every document by _id');
check_restored('restored twice');
# a review under another _id with the same unique key (product_id, review_id): an _id
# replace cannot settle that; restore says to use --drop
my ($dpid, $drid) = $before{product_reviews_raw}[5] =~ /^(\d+):(.+)$/ or die;
probe('delete', 'product_reviews_raw', $before{product_reviews_raw}[5]);
probe('insert', 'product_reviews_raw', $json->encode({ _id => 'other', product_id => { '$numberLong' => $dpid },
	review_id => $drid }));
$r = cli('restore', $D1);
is($r->{exit}, 1, 'a unique key taken under another _id: restore fails');
like($r->{err}, qr/product_reviews_raw: .*another _id holds the same unique key: restore with --drop/,
	'... and says to restore with --drop');
probe('insert', 'review_days', '{"_id": "extra", "ids": []}');
$r = cli('restore', '--drop', $D1);
is($r->{exit}, 0, 'restore --drop') or diag("$r->{out}$r->{err}");
like($r->{out}, qr/review_days: \d+ documents restored \(0 replaced/, '--drop emptied the collection first');
check_restored('restored with --drop');

# ------------------------------------------------------------------ SIGKILL mid-restore
lose_mongo();
$r = $s->cli({ env => { REVLENS_RESTORE_TEST_KILL => 3 } }, 'restore', '--batch', 100, $D1);
is($r->{exit}, 137, 'restore killed (SIGKILL) after its 3rd batch');
ok(-e "$D1/restore.progress", 'killed: restore.progress kept');
is(scalar @{ ids('product_reviews_raw') }, 300, 'killed: three batches were in');
$r = cli('restore', '--batch', 100, $D1);
is($r->{exit}, 0, 'the restore re-run finishes') or diag("$r->{out}$r->{err}");
like($r->{out}, qr/product_reviews_raw: continuing after 300 documents/, 'it continued after the last batch');
check_restored('restore continued after SIGKILL');

# a restore killed, then the server's data lost again before the re-run (as when a
# restore of the local stack moves the stand-in's data file aside once more): the
# progress file is trusted only as far as the server agrees
{
	my $nrev = scalar @{ $before{product_reviews_raw} };
	my $batches = int(($nrev + 99) / 100) + 1;     # past the reviews: they are done
	lose_mongo();
	$r = $s->cli({ env => { REVLENS_RESTORE_TEST_KILL => $batches } }, 'restore', '--batch', 100, $D1);
	is($r->{exit}, 137, "restore killed after its ${batches}th batch, the reviews done");
	lose_mongo();
	$r = cli('restore', '--batch', 100, $D1);
	is($r->{exit}, 0, '... the server emptied, the re-run: exit 0') or diag("$r->{out}$r->{err}");
	like($r->{out}, qr/product_reviews_raw was restored before but the server holds 0 of its $nrev documents: restoring it again/,
		'... it restores the reviews again instead of trusting its progress file');
	check_restored('restore re-run after the server lost what it had restored');
	lose_mongo();
	$r = $s->cli({ env => { REVLENS_RESTORE_TEST_KILL => 2 } }, 'restore', '--batch', 100, $D1);
	is($r->{exit}, 137, 'restore killed inside the reviews');
	lose_mongo();
	$r = cli('restore', '--batch', 100, $D1);
	is($r->{exit}, 0, '... the server emptied, the re-run: exit 0') or diag("$r->{out}$r->{err}");
	like($r->{out}, qr/product_reviews_raw: the server holds 0 of the 200 documents restored before: restoring it from the beginning/,
		'... it starts the collection in progress again');
	check_restored('restore re-run from the beginning of the collection in progress');
}

# ------------------------------------------------------------------ a subset
$r = cli('dump', '--collections', 'keywords,review_days', "$R/subset");
is($r->{exit}, 0, 'dump --collections');
is_deeply([map { $_->{name} } @{ manifest("$R/subset")->{collections} }], [qw(review_days keywords)],
	'the subset manifest lists only those');
$r = cli('restore', '--collections', 'product_reviews_raw', "$R/subset");
is($r->{exit}, 1, 'restoring a collection the dump lacks is refused');
like($r->{err}, qr/product_reviews_raw is not in this dump/, '... saying so');

my @san = grep { /AddressSanitizer|runtime error:|LeakSanitizer/ } @ERRS;
is_deeply(\@san, [], 'no sanitizer reports');
done_testing;
