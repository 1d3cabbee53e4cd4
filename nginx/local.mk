# The nginx front: its configuration template, the pages of the errors nginx answers
# itself (error_page in the template, served from static/errors/), and their test.
EXTRA_DIST += nginx/revlens.conf.in \
	static/errors/413.html static/errors/413.json \
	static/errors/414.html static/errors/414.json \
	static/errors/500.html static/errors/500.json \
	static/errors/502.html static/errors/502.json \
	static/errors/503.html static/errors/503.json \
	static/errors/504.html static/errors/504.json

# Integration test (needs root; starts a private stack through t/lib/RevlensTest.pm).
TESTS += t/integ/nginx_errors.t
EXTRA_DIST += t/integ/nginx_errors.t
