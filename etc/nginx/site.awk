# etc/nginx/site.awk — the nginx site of an installed revlens, made from the template
# of the local stack and the tests (nginx/revlens.conf.in), so that both serve the same
# locations (with their nchan traps) and only one file is edited when they change.
#
# Keeps what is inside the template's http { } block and drops what a distribution's
# nginx.conf already sets at that level (a second copy is an error there, or would
# apply to every other site): mime types, default type, sendfile, tcp_nopush,
# keepalive_timeout, server_tokens, the temp paths and the access log. The public
# server gets its own charset and access log instead. Placeholders stay for sed
# (etc/local.mk). Fails when the template no longer has the shape this relies on.
BEGIN { inhttp = 0; depth = 0; servers = 0; listen = 0 }
!inhttp && /^http[ \t]*\{/ { inhttp = 1; depth = 1; next }
!inhttp { next }
{
	line = $0
	opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
	if (depth == 1 && closes > opens && $0 ~ /^\}/) { inhttp = 0; done = 1; next }
	if (depth == 1 && $0 ~ /^    (include \/etc\/nginx\/mime\.types|default_type|charset|sendfile|tcp_nopush|keepalive_timeout|server_tokens|client_body_temp_path|proxy_temp_path|fastcgi_temp_path|uwsgi_temp_path|scgi_temp_path|access_log)[ \t;]/)
		{ dropped++; depth += opens - closes; next }
	if (depth == 1 && $0 ~ /^    server[ \t]*\{/) servers++
	sub(/^    /, "")
	print
	if ($0 ~ /^    listen 127\.0\.0\.1:@HTTP_PORT@/) {
		listen++
		print "    # the site as installed: edit the listen line above (and server_name) to serve"
		print "    # it publicly, with TLS (docs/packaging.md)"
		print "    charset utf-8;"
		print "    server_tokens off;"
		print "    access_log @NGINX_LOGDIR@/revlens-access.log revlens;"
	}
	depth += opens - closes
}
END {
	if (!done || servers != 3 || listen != 1 || dropped < 10) {
		printf "site.awk: nginx/revlens.conf.in changed shape (http block %s, %d servers, %d public listen lines, %d dropped): update etc/nginx/site.awk\n", done ? "closed" : "not closed", servers, listen, dropped > "/dev/stderr"
		exit 1
	}
}
