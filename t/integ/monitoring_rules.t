# The alert rules and the Prometheus configuration template (docs/monitoring.md), without
# a stack: `promtool check rules` on monitoring/alerts.yml, `promtool test rules` on
# monitoring/alerts_test.yml and alerts_test_daily.yml (every rule fires on a bad series
# and stays silent on a good one; a broken rule fails), `promtool check config` on monitoring/prometheus.yml.in filled the way
# scripts/monitoring fills it; every rule has a unit test, a severity, the three
# annotations, and a section of docs/monitoring.md that its runbook annotation names.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use File::Temp qw(tempdir);
use Encode qw(decode);

my $SRC = RevlensTest::srcdir();
my $PROMTOOL = `command -v promtool 2>/dev/null`;
chomp $PROMTOOL;
plan skip_all => 'promtool is not installed (scripts/install-deps installs prometheus)' unless $PROMTOOL;

my $rules = "$SRC/monitoring/alerts.yml";
my $tests = "$SRC/monitoring/alerts_test.yml";
my $daily = "$SRC/monitoring/alerts_test_daily.yml";
sub text { decode('UTF-8', RevlensTest::read_file($_[0])) }
binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $r = RevlensTest::run_cmd([$PROMTOOL, 'check', 'rules', $rules]);
is($r->{exit}, 0, 'promtool check rules monitoring/alerts.yml') or diag($r->{out} . $r->{err});
like($r->{out}, qr/SUCCESS: (\d+) rules found/, '... and it finds the rules');

$r = RevlensTest::run_cmd([$PROMTOOL, 'test', 'rules', $tests, $daily]);
is($r->{exit}, 0, 'promtool test rules monitoring/alerts_test.yml alerts_test_daily.yml') or diag($r->{out} . $r->{err});

# A broken rule must fail its test: the suite above is no tautology.
{
	my $dir = tempdir(CLEANUP => 1);
	(my $bad = RevlensTest::read_file($rules)) =~ s/expr: redis_up == 0/expr: redis_up == 2/
		or BAIL_OUT('alerts.yml has no RevlensRedisDown expression to break');
	RevlensTest::write_file("$dir/alerts.yml", $bad);
	RevlensTest::write_file("$dir/alerts_test.yml", RevlensTest::read_file($tests));
	$r = RevlensTest::run_cmd([$PROMTOOL, 'test', 'rules', "$dir/alerts_test.yml"]);
	isnt($r->{exit}, 0, 'a rule that no longer fires fails its unit test');
	like($r->{out} . $r->{err}, qr/RevlensRedisDown/, '... naming the alert');
}

# Every rule: tested, labelled, annotated, documented.
my $text = text($rules);
my $ttext = text($tests) . text($daily);
my $doc = -r "$SRC/docs/monitoring.md" ? text("$SRC/docs/monitoring.md") : '';
my @blocks = split /\n(?=[ ]+- alert: )/, $text;
shift @blocks;
my %seen;
ok(@blocks >= 15, scalar(@blocks) . ' alert rules');
for my $b (@blocks) {
	my ($name) = $b =~ /- alert: (\S+)/;
	ok(!$seen{$name}++, "$name: one rule of this name");
	like($ttext, qr/alertname: \Q$name\E\n\s+exp_alerts:\n\s+- exp_labels:/, "$name: a unit test expects it to fire");
	like($b, qr/severity: (critical|warning)\n/, "$name: severity critical or warning");
	like($b, qr/summary: "[^"]*\p{Hangul}/, "$name: a Korean summary");
	like($b, qr/description: "[^"]*\p{Hangul}/, "$name: a Korean description");
	my ($anchor) = $b =~ /runbook: "docs\/monitoring\.md#([a-z0-9-]+)"/;
	is($anchor, lc $name, "$name: its runbook is its section of docs/monitoring.md");
	like($doc, qr/^### \Q$name\E$/m, "$name: docs/monitoring.md has that section");
}

# The template, filled as scripts/monitoring fills it (two Redis servers), is valid.
{
	my $dir = tempdir(CLEANUP => 1);
	my $t = RevlensTest::read_file("$SRC/monitoring/prometheus.yml.in");
	my %v = (SCRAPE_INTERVAL => '15s', SCRAPE_TIMEOUT => '10s', EVALUATION_INTERVAL => '15s',
		RULES => $rules, WEB_TARGETS => "'127.0.0.1:8480'", WORKER_TARGETS => "'127.0.0.1:8491'",
		POSTGRES_TARGETS => "'127.0.0.1:8492'", NGINX_TARGETS => "'127.0.0.1:8493'",
		NODE_TARGETS => "'127.0.0.1:8494'", PROMETHEUS_TARGETS => "'127.0.0.1:8490'");
	my $redis = "      - targets: ['127.0.0.1:8495']\n        labels: {roles: 'sessions,queue'}\n"
		. "      - targets: ['127.0.0.1:8496']\n        labels: {roles: 'cache,pubsub'}";
	$t =~ s/^\@REDIS_STATIC_CONFIGS\@$/$redis/m;
	my @unknown;
	$t =~ s/\@([A-Z_]+)\@/exists $v{$1} ? $v{$1} : do { push @unknown, $1; '' }/ge;
	is_deeply(\@unknown, [], 'the template has only the placeholders scripts/monitoring fills');
	RevlensTest::write_file("$dir/prometheus.yml", $t);
	$r = RevlensTest::run_cmd([$PROMTOOL, 'check', 'config', "$dir/prometheus.yml"]);
	is($r->{exit}, 0, 'promtool check config on the filled template (rules included)') or diag($r->{out} . $r->{err});
	# scripts/monitoring fills the same placeholders
	my $script = RevlensTest::read_file("$SRC/scripts/monitoring");
	for my $k (sort keys %v) {
		like($script, qr/\b\Q$k\E "/, "scripts/monitoring fills \@$k\@");
	}
}

done_testing();
