// t/fake-coupang/server.mjs — a small local HTTPS stand-in for www.coupang.com, for the
// collector tests (the browser extension in collector/, revlens-crawler).  No npm
// dependencies: node:https and the fixtures in ./fixtures.
//
//   node t/fake-coupang/server.mjs --port P --cert CERT.pem --key KEY.pem [--log FILE]
//
// Binds 127.0.0.1:P (0: a free port) and prints `listening <port>` on stdout once ready.
// Make the certificates with t/fake-coupang/mkcert.sh DIR.  --log FILE appends one JSON
// line per request (the entries of /__log).
//
// Routes
//   GET  /vp/products/<id>       the product page (fixtures/product.html filled from
//                                fixtures/products.json; its selectors are documented there)
//   GET  /image/<name>.svg       the product's main image (a drawn placeholder)
//   GET  /next-api/review?productId=<id>&page=<n>&size=<k>&sortBy=ORDER_SCORE_ASC
//                       &ratingSummary=true&ratings=&market=
//                                one page of reviews: {"rCode","rMessage","rData":{"paging":
//                                {"contents":[{reviewId, productId, itemId, vendorItemId,
//                                itemName, member:{name}, rating, reviewAt (epoch ms),
//                                title, content, ...}], "totalPage", "currentPage",
//                                "totalCount", "pageSize", "isNext"}, "ratingSummaryTotal"}}
//                                Pages count from 1; a page past the last has no contents.
//                                size other than 10 → 403 Access Denied (as Akamai does);
//                                a missing/bad productId or page → 400; unknown product → 404.
//   GET  /__log                  JSON array of every request since the start or the last
//                                /__reset (except /__log and /__reset themselves):
//                                {method, path, query: {name: value}, at_ms, status}
//   POST /__reset                clears the log and every scenario's state
//   POST /__control/edit?productId=1003   edits one review of 1003 (see below)
//
// Scenarios per product id (reviews: how many the product has; pages of 10)
//
//   id    scenario       reviews  behaviour of /next-api/review
//   1001  normal            35    4 pages (10, 10, 10, 5)
//   1002  empty              0    totalPage 0, contents []
//   1003  edited            12    after POST /__control/edit?productId=1003 the 5th review
//                                 (page 1, same reviewId) has rating 4 (was 3) and new content
//   1004  rate-limited      25    page 2 answers 429 with Retry-After: 1 the first 2 times
//                                 it is asked, then 200
//   1005  blocked           10    every request answers 403 with an HTML "Access Denied"
//                                 challenge page like Akamai's (the product page loads)
//   1006  malformed         25    page 2 answers 200 application/json with a truncated body
//   1007  server error      10    page 1 answers 503 every time
//
// Review i (0-based) of a product is entry i of the product's pool file, with reviewId
// 800000000 + id * 1000 + i, itemName options[i % options.length], and reviewAt
// 2025-03-01 12:00 KST minus i × 26 h 17 min.  Everything is deterministic.
import { createServer } from 'node:https';
import { readFileSync, appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const PAGE_SIZE = 10;
const BASE_AT = Date.UTC(2025, 2, 1, 3, 0, 0); // 2025-03-01 12:00 KST
const STEP_MS = (26 * 60 + 17) * 60 * 1000;
const EDITED = 4; // index of the review 1003's edit changes

// ---------------------------------------------------------------- arguments

function usage(msg) {
	if (msg) process.stderr.write(`server.mjs: ${msg}\n`);
	process.stderr.write('usage: node server.mjs --port P --cert CERT.pem --key KEY.pem [--log FILE]\n');
	process.exit(2);
}

const opt = {};
{
	const a = process.argv.slice(2);
	for (let i = 0; i < a.length; i++) {
		const k = a[i];
		if (!['--port', '--cert', '--key', '--log'].includes(k)) usage(`unknown argument ${k}`);
		if (i + 1 >= a.length) usage(`${k} needs a value`);
		opt[k.slice(2)] = a[++i];
	}
	if (opt.port === undefined || !opt.cert || !opt.key) usage();
	if (!/^\d+$/.test(opt.port) || Number(opt.port) > 65535) usage(`bad port ${opt.port}`);
}

// ---------------------------------------------------------------- fixtures

const products = JSON.parse(readFileSync(join(FIXTURES, 'products.json'), 'utf8'));
const template = readFileSync(join(FIXTURES, 'product.html'), 'utf8');
const pools = {};
for (const [id, p] of Object.entries(products)) {
	if (id.startsWith('_') || !p.reviews || pools[p.reviews]) continue;
	pools[p.reviews] = JSON.parse(readFileSync(join(FIXTURES, p.reviews), 'utf8'));
}

// scenario state, cleared by /__reset
let state;
function reset() {
	state = { edited: new Set(), asked: new Map() };
}
reset();
let log = [];

function reviewsOf(id) {
	const p = products[id];
	const out = [];
	for (let i = 0; i < p.count; i++) {
		const r = pools[p.reviews][i];
		const rev = {
			reviewId: 800000000 + Number(id) * 1000 + i,
			productId: Number(id),
			itemId: Number(id) * 10 + 1,
			vendorItemId: Number(id) * 100 + 1,
			itemName: p.options[i % p.options.length],
			rating: r.rating,
			reviewAt: BASE_AT - i * STEP_MS,
			title: r.title,
			content: r.content,
			member: { name: r.author, id: `m${id}${i}` },
			helpfulTrueCount: (i * 7) % 13,
			attachments: [],
		};
		if (i === EDITED && state.edited.has(id)) {
			rev.rating = 4;
			rev.content = '(수정) ' + r.content + ' 며칠 더 마셔 보니 처음보다 괜찮아서 별 하나 더 드려요.';
		}
		out.push(rev);
	}
	return out;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) =>
	({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const won = (n) => Number(n).toLocaleString('en-US');

function surveyHtml(p) {
	if (!p.survey.questions.length) return '  <!-- no survey for this product -->';
	const qs = p.survey.questions.map((q) => [
		`    <div class="sdp-review__survey__question">`,
		`      <span class="sdp-review__survey__question__title">${esc(q.question)}</span>`,
		`      <ul>`,
		...q.answers.map(([a, pct]) =>
			`        <li class="sdp-review__survey__answer"><span class="sdp-review__survey__answer__label">${esc(a)}</span>` +
			`<span class="sdp-review__survey__answer__percent">${pct}%</span></li>`),
		`      </ul>`,
		`    </div>`].join('\n'));
	return [`  <section class="sdp-review__survey">`,
		`    <h3 class="sdp-review__survey__title">구매자 설문<span class="sdp-review__survey__count">응답 ${won(p.survey.respondents)}명</span></h3>`,
		...qs, `  </section>`].join('\n');
}

function productPage(id) {
	const p = products[id];
	const slots = {
		id, name: esc(p.name), price: won(p.price), original_price: won(p.original_price),
		discount: Math.round((1 - p.price / p.original_price) * 100), image: p.image,
		count: p.count, survey: surveyHtml(p),
	};
	return template.replace(/\{\{(\w+)\}\}/g, (_, k) => String(slots[k]));
}

const IMAGE_COLOURS = { soymilk: ['#f3ead6', '#c8a96a'], tangerine: ['#fff1dc', '#f08a24'],
	seaweed: ['#e3eee2', '#2d4a2b'], dumpling: ['#f7efe6', '#b98b5a'], water: ['#e5f2fb', '#2f7fc1'] };
function imageSvg(name) {
	const [bg, fg] = IMAGE_COLOURS[name] || ['#eeeeee', '#999999'];
	return `<svg xmlns="http://www.w3.org/2000/svg" width="420" height="420" viewBox="0 0 420 420">` +
		`<rect width="420" height="420" fill="${bg}"/>` +
		`<rect x="130" y="90" width="160" height="240" rx="18" fill="${fg}"/>` +
		`<rect x="150" y="150" width="120" height="80" rx="8" fill="#ffffff" opacity="0.85"/>` +
		`<text x="210" y="198" font-family="sans-serif" font-size="22" text-anchor="middle" fill="${fg}">${esc(name)}</text>` +
		`</svg>`;
}

const ACCESS_DENIED = (path) => `<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
 
You don't have permission to access "http&#58;&#47;&#47;www&#46;coupang&#46;com${esc(path)}" on this server.<P>
Reference&#32;&#35;18&#46;5c3e1002&#46;1740790800&#46;1a2b3c4d
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5c3e1002&#46;1740790800&#46;1a2b3c4d</P>
</BODY>
</HTML>
`;

// ---------------------------------------------------------------- the review API

// Returns [status, headers, body].
function reviewApi(q, rawPath) {
	const id = q.get('productId') ?? '';
	const pageStr = q.get('page') ?? '';
	const html = { 'content-type': 'text/html; charset=utf-8' };
	if (q.get('size') !== String(PAGE_SIZE)) return [403, html, ACCESS_DENIED(rawPath)];
	if (!/^[1-9]\d{0,15}$/.test(id) || !/^\d{1,6}$/.test(pageStr))
		return [400, { 'content-type': 'application/json' },
			JSON.stringify({ rCode: 'RET0400', rMessage: 'bad request', rData: null })];
	if (!products[id] || id.startsWith('_'))
		return [404, { 'content-type': 'application/json' },
			JSON.stringify({ rCode: 'RET0404', rMessage: 'not found', rData: null })];
	const page = Number(pageStr);

	if (id === '1005') return [403, html, ACCESS_DENIED(rawPath)];
	if (id === '1007' && page === 1)
		return [503, html, '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>\n'];
	if (id === '1004' && page === 2) {
		const n = (state.asked.get('1004:2') || 0) + 1;
		state.asked.set('1004:2', n);
		if (n <= 2)
			return [429, { ...html, 'retry-after': '1' },
				'<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1></body></html>\n'];
	}

	const all = reviewsOf(id);
	const totalPage = Math.ceil(all.length / PAGE_SIZE);
	const contents = page >= 1 ? all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE) : [];
	const sum = all.reduce((s, r) => s + r.rating, 0);
	const body = JSON.stringify({
		rCode: 'RET0000', rMessage: 'SUCCESS',
		rData: {
			paging: { isNext: page < totalPage, currentPage: page, totalPage, totalCount: all.length,
				pageSize: PAGE_SIZE, contents },
			ratingSummaryTotal: { ratingCount: all.length,
				ratingAverage: all.length ? Math.round(sum / all.length * 10) / 10 : 0 },
		},
	});
	const json = { 'content-type': 'application/json;charset=UTF-8' };
	if (id === '1006' && page === 2) return [200, json, body.slice(0, Math.floor(body.length * 0.6))];
	return [200, json, body];
}

// ---------------------------------------------------------------- the server

function route(req, u) {
	const text = { 'content-type': 'text/plain; charset=utf-8' };
	const m = u.pathname.match(/^\/vp\/products\/(\d+)$/);
	if (req.method === 'GET' && m) {
		if (!products[m[1]]) return [404, text, '상품을 찾을 수 없습니다.\n'];
		return [200, { 'content-type': 'text/html; charset=utf-8' }, productPage(m[1])];
	}
	const im = u.pathname.match(/^\/image\/([a-z]+)\.svg$/);
	if (req.method === 'GET' && im) return [200, { 'content-type': 'image/svg+xml' }, imageSvg(im[1])];
	if (req.method === 'GET' && u.pathname === '/next-api/review')
		return reviewApi(u.searchParams, u.pathname + u.search);
	if (req.method === 'GET' && u.pathname === '/__log')
		return [200, { 'content-type': 'application/json' }, JSON.stringify(log)];
	if (req.method === 'POST' && u.pathname === '/__reset') {
		reset();
		log = [];
		return [200, text, 'reset\n'];
	}
	if (req.method === 'POST' && u.pathname === '/__control/edit') {
		const id = u.searchParams.get('productId');
		if (!products[id] || !products[id].count) return [404, text, 'no such product with reviews\n'];
		state.edited.add(id);
		return [200, text, 'edited\n'];
	}
	return [404, text, 'not found\n'];
}

const server = createServer({ cert: readFileSync(opt.cert), key: readFileSync(opt.key) }, (req, res) => {
	const at = Date.now();
	const u = new URL(req.url, 'https://www.coupang.com');
	let status, headers, body;
	try {
		[status, headers, body] = route(req, u);
	} catch (e) {
		[status, headers, body] = [500, { 'content-type': 'text/plain' }, `${e.stack}\n`];
		process.stderr.write(`server.mjs: ${e.stack}\n`);
	}
	if (u.pathname !== '/__log' && u.pathname !== '/__reset') {
		const entry = { method: req.method, path: u.pathname,
			query: Object.fromEntries(u.searchParams), at_ms: at, status };
		log.push(entry);
		if (opt.log) appendFileSync(opt.log, JSON.stringify(entry) + '\n');
	}
	req.resume();
	res.writeHead(status, { ...headers, 'cache-control': 'no-store',
		'content-length': Buffer.byteLength(body) });
	res.end(body);
});
server.on('tlsClientError', () => {}); // a client refusing the test CA is not our error
server.listen(Number(opt.port), '127.0.0.1', () => {
	process.stdout.write(`listening ${server.address().port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
