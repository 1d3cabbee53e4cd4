# t/integ/nginx_errors.t — the errors nginx answers without the app (413, 414, 502) are a
# Korean HTML page, or the JSON error object under /api/, with the status kept.
use strict;
use warnings;
use utf8;
use lib "$ENV{REVLENS_SRCDIR}/t/lib";
use RevlensTest;
use Test::More;
use JSON::PP;

plan skip_all => 'revlens-web is not built' unless RevlensTest::have_web();

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $json = JSON::PP->new->utf8;
my $s = RevlensTest->start(workers => 1, max_body => 65536, migrate => 0);

# The body of a response as text (nginx sends UTF-8).
sub text { my $b = $_[0]{content} // ''; utf8::decode($b); return $b }

# An HTML error page as the app renders them: status kept, Korean, the page frame.
sub html_error {
	my ($r, $status, $title, $what) = @_;
	is($r->{status}, $status, "$what: status $status");
	like($r->{headers}{'content-type'} // '', qr{^text/html; charset=utf-8$}, "$what: HTML in UTF-8");
	my $body = text($r);
	like($body, qr{<html lang="ko">}, "$what: a Korean page");
	like($body, qr{<p class="code">$status</p>\s*<h1>\Q$title\E</h1>}, "$what: heading \"$status — $title\"");
	like($body, qr{<link rel="stylesheet" href="/static/revlens\.css">}, "$what: the app's stylesheet");
	like($body, qr{<a class="button" href="/">처음으로 돌아가기</a>}, "$what: a way back");
	is($r->{headers}{'x-content-type-options'}, 'nosniff', "$what: security headers kept");
}

# A JSON error under /api/: status kept, {"error":{"code","message"}} with a Korean message.
sub json_error {
	my ($r, $status, $code, $what) = @_;
	is($r->{status}, $status, "$what: status $status");
	is($r->{headers}{'content-type'}, 'application/json', "$what: JSON");
	my $e = eval { $json->decode($r->{content} // '') } || {};
	is($e->{error}{code}, $code, "$what: error.code $code");
	like($e->{error}{message} // '', qr/\p{Hangul}/, "$what: a Korean error.message");
	is($r->{headers}{'x-content-type-options'}, 'nosniff', "$what: security headers kept");
}

# ---- 413: a body over client_max_body_size, refused by nginx before the app sees it
my $big = 'x' x 70000;
html_error($s->post('/signup', $big), 413, '요청 본문이 너무 큽니다', 'body too large for a page');
json_error($s->post('/api/version', $big), 413, 'body_too_large', 'body too large for /api/');

# ---- 414: a request line over large_client_header_buffers (8 KiB by default)
html_error($s->get('/' . ('a' x 9000)), 414, '주소가 너무 깁니다', 'URI too long');
my $r = $s->get('/api/' . ('a' x 9000));
is($r->{status}, 414, 'URI too long under /api/: still 414');
like($r->{headers}{'content-type'} // '', qr{^text/html}, '  as HTML (the request line was never read whole)');

# ---- 502: revlens-web is down
$s->stop_service('web');
html_error($s->get('/'), 502, '서비스에 연결할 수 없습니다', 'app down, a page');
json_error($s->get('/api/version'), 502, 'bad_gateway', 'app down, /api/');
json_error($s->post('/api/version', 'x=1'), 502, 'bad_gateway', 'app down, a POST to /api/');
$r = $s->request('HEAD', '/');
is($r->{status}, 502, 'app down, HEAD: 502');
is($r->{content} // '', '', '  without a body');
$s->start_service('web');

# ---- the app's own errors pass through: its 503 is not replaced by nginx's page
$s->stop_service('redis');
$r = $s->get('/healthz');
is($r->{status}, 503, "the app's 503 from /healthz");
like($r->{content}, qr/"failed":\["redis\.sessions"/, '  keeps its own body');
$s->start_service('redis');
$r = $s->get('/no/such/page');
is($r->{status}, 404, "the app's 404 still comes from the app");

# ---- every page nginx may serve exists in both forms
for my $code (qw(413 414 500 502 503 504)) {
	$r = $s->get("/static/errors/$code.html");
	like(text($r), qr{<p class="code">$code</p>\s*<h1>\p{Hangul}}, "static/errors/$code.html has its Korean heading");
	$r = $s->get("/static/errors/$code.json");
	my $e = eval { $json->decode($r->{content} // '') } || {};
	ok(length($e->{error}{code} // '') && length($e->{error}{message} // ''),
		"static/errors/$code.json is an error object");
}
$r = $s->get('/_errors/502.html');
is($r->{status}, 404, 'the internal error location is not reachable from outside');

is_deeply([$s->log_alarms], [], 'no alerts or sanitizer reports in the logs');
$s->stop;
done_testing();
