# kr_cli.t — `revlens analyze` end to end: JSON per review, invalid UTF-8
# handling, --eval numbers on a fixed file, the aspect-set floor,
# aggregation, model errors, and byte-identical retraining.
use strict;
use warnings;
use Test::More;
use JSON::PP;
use File::Temp qw(tempdir);
use IPC::Open3;
use Symbol qw(gensym);

my $src = $ENV{REVLENS_SRCDIR} || '.';
my $build = $ENV{REVLENS_BUILDDIR} || '.';
my $model = "$src/data/kr/sentiment.model";
my $tmp = tempdir(CLEANUP => 1);

my @cli = ("$build/revlens", 'analyze');

# run(ARGV, STDIN) -> (stdout, stderr, exit status)
sub run {
	my ($argv, $in) = @_;
	my $err = gensym;
	my $pid = open3(my $w, my $r, $err, @$argv);
	binmode $w;
	print $w $in;
	close $w;
	local $/;
	my $out = <$r> // '';
	my $e = <$err> // '';
	waitpid($pid, 0);
	return ($out, $e, $? >> 8);
}

# 1. one JSON object per review, invalid UTF-8 reported and skipped
{
	my $in = "배송은 빠른데 포장이 엉망이네요\n\xff\xfe broken\n\n5\tpos\t맛있어요 재구매 할게요\n";
	my ($out, $err, $rc) = run([@cli, '--model', $model], $in);
	is($rc, 0, 'exit status 0 despite an invalid line');
	like($err, qr/^line 2: invalid UTF-8, skipped$/m, 'invalid UTF-8 reported with its line number');
	my @lines = split /\n/, $out;
	is(scalar @lines, 2, 'two JSON lines (invalid and empty lines skipped)');
	my @j = map { eval { JSON::PP->new->utf8->decode($_) } } @lines;
	is(scalar(grep { ref } @j), 2, 'every line is a JSON object');
	is($j[0]{line}, 1, 'first review keeps line 1');
	is($j[1]{line}, 4, 'TSV review keeps line 4');
	is($j[0]{label}, 'neg', 'contrast review: overall negative');
	my %asp = map { $_->{aspect} => $_->{polarity} } @{ $j[0]{aspects} };
	is($asp{"\x{bc30}\x{c1a1}"}, 'pos', '배송 positive in its clause');
	is($asp{"\x{d3ec}\x{c7a5}"}, 'neg', '포장 negative in its clause');
	ok((grep { $_->{stem} eq "\x{bc30}\x{c1a1}" && $_->{aspect} eq "\x{bc30}\x{c1a1}" } @{ $j[0]{keywords} }),
	    'keyword 배송 carries its aspect');
	is($j[1]{label}, 'pos', 'TSV text field analysed (rating ignored)');
	ok($j[1]{score} > 0.5 && $j[1]{confidence} >= 0 && $j[1]{confidence} <= 1, 'score and confidence');
}

# 2. --eval on a fixed file
{
	my ($out, $err, $rc) = run([@cli, '--model', $model, '--eval', "$src/t/kr/small.tsv"], '');
	is($rc, 0, '--eval exit status');
	like($out, qr/^reviews: 12 \(not TSV: 1, invalid UTF-8: 1\)$/m, 'counts reviews, non-TSV and invalid lines');
	like($out, qr/^accuracy: 1\.0000$/m, 'accuracy on the fixed file');
	like($out, qr/^macro_f1: 1\.0000$/m, 'macro-F1 on the fixed file');
	like($out, qr/^gold_pos\s+6\s+0$/m, 'confusion row gold_pos');
	like($out, qr/^gold_neg\s+0\s+6$/m, 'confusion row gold_neg');
	like($err, qr/^line 14: invalid UTF-8, skipped$/m, 'invalid line named');
}

# 3. the hand-checked aspect set stays above the measured floor
{
	my ($out, $err, $rc) = run([@cli, '--model', $model, '--aspect-eval', "$src/t/kr/aspects.tsv"], '');
	is($rc, 0, '--aspect-eval exit status');
	my ($p, $r) = $out =~ /^aspect precision: ([\d.]+) recall: ([\d.]+)/m;
	note($out);
	ok(defined $p && $p >= 0.75, "aspect precision $p >= 0.75");
	ok(defined $r && $r >= 0.65, "aspect recall $r >= 0.65");
	like($out, qr/^reviews: 220$/m, 'all 220 annotated reviews evaluated');
}

# 4. aggregation
{
	my $in = "배송이 빠르고 좋아요\n배송이 너무 느려요 최악\n맛있어요 배송도 빨라요\n";
	my ($out, $err, $rc) = run([@cli, '--model', $model, '--aggregate'], $in);
	my @lines = split /\n/, $out;
	my $agg = eval { JSON::PP->new->utf8->decode($lines[-1]) };
	ok($agg && $agg->{reviews} == 3, 'aggregate counts 3 reviews');
	my ($k) = grep { $_->{stem} eq "\x{bc30}\x{c1a1}" } @{ $agg->{keywords} || [] };
	ok($k && $k->{count} == 3 && $k->{pos} == 2 && $k->{neg} == 1, 'keyword 배송: 3 mentions, 2 pos, 1 neg');
	is_deeply($agg->{representative}{neg}, [2], 'representative negative review is line 2');
}

# 5. unusable model files
{
	my ($out, $err, $rc) = run([@cli, '--model', "$tmp/none.model"], '');
	is($rc, 1, 'missing model: exit 1');
	like($err, qr/none\.model: No such file/, 'missing model named');
	open my $fh, '>:raw', "$tmp/trunc.model" or die;
	open my $in, '<:raw', $model or die;
	read($in, my $buf, 5000);
	print $fh $buf;
	close $fh;
	($out, $err, $rc) = run([@cli, '--model', "$tmp/trunc.model", '--lexicon', "$src/data/kr/aspects.tsv"], '');
	is($rc, 1, 'truncated model: exit 1');
	like($err, qr/truncated/, 'truncated model explained');
}

# 6. training is reproducible byte for byte
SKIP: {
	my $train = "$build/revlens-kr-train";
	skip 'revlens-kr-train not built', 7 unless -x $train;
	my @args = ("--bits", "16", "--epochs", "2", "--bag", "2", "--polarity", "$src/data/kr/polarity.tsv",
	    "$src/t/kr/train-small.tsv:3");
	my (undef, $e1, $rc1) = run([$train, '-o', "$tmp/a.model", @args], '');
	my (undef, $e2, $rc2) = run([$train, '-o', "$tmp/b.model", @args], '');
	is($rc1 + $rc2, 0, 'two training runs succeed') or diag($e1);
	ok(-s "$tmp/a.model" == 64 + 2 * 65536, 'model has header + 2^16 int16 weights');
	is(system('cmp', '-s', "$tmp/a.model", "$tmp/b.model"), 0, 'same input -> byte-identical model');
	# the polarity lexicon is part of the model: it must sit beside it, unchanged
	my ($out, $err, $rc) = run([@cli, '--model', "$tmp/a.model", '--lexicon', "$src/data/kr/aspects.tsv"],
	    "좋아요\n");
	is($rc, 1, 'model without its polarity.tsv: exit 1');
	like($err, qr/polarity\.tsv: No such file/, 'missing polarity lexicon named');
	system('cp', "$src/data/kr/polarity.tsv", "$tmp/polarity.tsv") == 0 or die;
	($out, $err, $rc) = run([@cli, '--model', "$tmp/a.model", '--lexicon', "$src/data/kr/aspects.tsv"],
	    "좋아요\n");
	like($out, qr/"label":/, 'freshly trained model loads and analyses');
	open my $fh, '>>', "$tmp/polarity.tsv" or die;
	print $fh "새단어\tpos\n";
	close $fh;
	($out, $err, $rc) = run([@cli, '--model', "$tmp/a.model", '--lexicon', "$src/data/kr/aspects.tsv"],
	    "좋아요\n");
	like($err, qr/polarity\.tsv: does not match the model/, 'edited polarity lexicon refused');
}

done_testing();
