// t/browser/analysis.mjs — an analysis end to end in a real browser (headless Debian
// chromium driven by playwright-core), run twice by t/integ/browser_analysis.t:
//
//   REVLENS_ANALYSIS_PHASE=watch   log in through the form, open the demo product's page,
//       click 분석 요청, land on /requests/{id} (queued, subscribed to nchan), start
//       revlens-worker (REVLENS_WORKER_START: {argv, env}, scripts/stack start-service
//       worker) and follow the bar live through the worker's stages to 완료 and the
//       reload that shows the result.
//   REVLENS_ANALYSIS_PHASE=result  read the result on /requests/{id} and on the product
//       page and check every number against REVLENS_ANALYSIS_EXPECT (a JSON file the .t
//       computed from `revlens reviews` and the demo file, already formatted as the page
//       prints it).
//
//   node t/browser/analysis.mjs BASE_URL SCREENSHOT_DIR
//
// Also from the .t: REVLENS_USER_EMAIL, REVLENS_USER_PASSWORD, REVLENS_PRODUCT_ID,
// REVLENS_PRODUCT_NAME. Screenshots analysis-*.png. TAP and exit status as lib.mjs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
	main, ok, is, has, note, url, pathOf, newContext, newPage, shot, submit, login, pageErrors,
	TIMEOUT,
} from './lib.mjs';

const PHASE = process.env.REVLENS_ANALYSIS_PHASE;
const EMAIL = process.env.REVLENS_USER_EMAIL;
const PASSWORD = process.env.REVLENS_USER_PASSWORD;
const PID = process.env.REVLENS_PRODUCT_ID;
const NAME = process.env.REVLENS_PRODUCT_NAME;
const START = process.env.REVLENS_WORKER_START;
const EXPECT = process.env.REVLENS_ANALYSIS_EXPECT;
// How long the job may take from the worker's start to 완료 (lib.mjs' watchdog stops the
// whole run at 120 s); a plain build needs about 2 s, an ASan build about three times that.
const DONE_MS = 75000;

const norm = (s) => String(s ?? '').replace(/\s+/g, ' ').trim();
const text = async (loc) => norm(await loc.first().textContent({ timeout: TIMEOUT }).catch(() => ''));
const texts = async (loc) => (await loc.allTextContents()).map(norm);

// Reject after ms (every wait here is bounded).
const within = (ms, what, p) => Promise.race([p, new Promise((_, no) =>
	setTimeout(() => no(new Error(`${what}: nothing within ${ms / 1000} s`)), ms))]);

// Run argv with env added to this process's environment minus its REVLENS_* settings
// (as RevlensTest::run_stack does); resolves to { code, out }.
function run({ argv, env }, ms) {
	const e = Object.fromEntries(Object.entries(process.env)
		.filter(([k]) => !/^REVLENS_/.test(k) || /^REVLENS_(SRCDIR|BUILDDIR)$/.test(k)));
	const child = spawn(argv[0], argv.slice(1), { env: { ...e, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { out += d; });
	const timer = setTimeout(() => child.kill('SIGKILL'), ms);
	return new Promise((resolve) => {
		child.on('error', (err) => { clearTimeout(timer); resolve({ code: -1, out: out + String(err) }); });
		child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
	});
}

// Record every change of the request card in node: each mutation reports the bar's value,
// the badge, the stage and message texts, data-status, data-transport and a token of the
// document it happened in (a reload makes a new one). Returns { seen, install, waitFor }.
async function recorder(page) {
	const seen = [];
	const waiters = [];
	await page.exposeFunction('__revlensSeen', (v) => {
		v.at = Date.now();
		seen.push(v);
		for (const w of [...waiters])
			if (w.pred(v)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(v); }
	});
	return {
		seen,
		async install() {
			await page.evaluate(() => {
				const root = document.querySelector('[data-live-request]');
				const token = Math.random().toString(36).slice(2);
				const report = () => window.__revlensSeen({
					token, value: root.querySelector('progress').value,
					status: root.getAttribute('data-status'),
					badge: root.querySelector('.status').textContent,
					stage: root.querySelector('.stage').textContent,
					percent: root.querySelector('.percent').textContent,
					message: root.querySelector('.message').textContent,
					transport: root.getAttribute('data-transport'),
				});
				new MutationObserver(report).observe(root,
					{ attributes: true, childList: true, subtree: true, characterData: true });
				report();
			});
		},
		waitFor(pred, what, ms = TIMEOUT) {
			const hit = seen.find(pred);
			if (hit) return Promise.resolve(hit);
			return within(ms, what, new Promise((resolve) => waiters.push({ pred, resolve })));
		},
	};
}

// Console errors and warnings of a page (the missing /favicon.ico only noted).
function watchConsole(page, msgs) {
	page.on('console', (m) => {
		if (m.type() !== 'error' && m.type() !== 'warning')
			return;
		const msg = `${m.type()}: ${m.text()} (${m.location().url || pathOf(page)})`;
		if (/\/favicon\.ico$/.test(m.location().url ?? ''))
			note(msg);
		else
			msgs.push(msg);
	});
	page.on('response', (r) => {
		if (r.status() >= 400) note(`HTTP ${r.status()} for ${new URL(r.url()).pathname}`);
	});
}

// ---------------------------------------------------------------- watch

async function watch(browser) {
	ok(EMAIL && PASSWORD && PID && NAME && START, 'the .t passed the user, the product and how to start the worker');
	if (!(EMAIL && PASSWORD && PID && NAME && START))
		return;
	const ctx = await newContext(browser);
	const page = await newPage(ctx);
	const consoleMsgs = [];
	watchConsole(page, consoleMsgs);
	const navs = [];
	page.on('framenavigated', (f) => { if (f === page.mainFrame()) navs.push(f.url()); });
	const rec = await recorder(page);

	// a. log in through the form
	await page.goto(url('/login'));
	await login(page, EMAIL, PASSWORD);
	is(pathOf(page), '/', 'log-in: the user is in');

	// b. the product page, never analysed
	await page.goto(url(`/products/${PID}`));
	has(await text(page.locator('main h1')), NAME, 'product page: its name from the demo data');
	const card = page.locator('main section.card', { has: page.locator('h2', { hasText: /^분석$/ }) });
	has(await text(card), '아직 분석한 적이 없습니다', 'product page: 아직 분석한 적이 없습니다');
	is(await page.locator('main section.card.result').count(), 0, 'product page: no result yet');
	await shot(page, 'analysis-product-before.png');

	// c. 분석 요청: the request page, queued, subscribed over EventSource
	const button = `main form[action="/products/${PID}/analyze"] button:has-text("분석 요청")`;
	is(await page.locator(button).count(), 1, 'product page: the button 분석 요청');
	const resp = await submit(page, button, `/products/${PID}/analyze`);
	is(resp.status(), 303, '분석 요청 answers 303');
	const m = /^\/requests\/(\d+)$/.exec(pathOf(page));
	ok(m, 'lands on /requests/{id}', pathOf(page));
	if (!m)
		return;
	const rid = m[1];
	note(`request ${rid}`);
	const live = page.locator(`main section.card.request[data-live-request="${rid}"]`);
	is(await live.getAttribute('data-status'), 'queued', 'request page: data-status="queued"');
	is(await text(live.locator('.status')), '대기 중', 'request page: the badge says 대기 중');
	is(await live.locator('progress.bar').evaluate((b) => b.value), 0, 'request page: the bar at 0');
	has(await text(live.locator('h1')), NAME, "request page: the product's name");
	const sub = await page.locator(`[data-live-request="${rid}"][data-transport="eventsource"]`)
		.waitFor({ timeout: TIMEOUT }).then(() => true, () => false);
	ok(sub, 'request page: the EventSource opens (data-transport="eventsource")',
		`data-transport=${await live.getAttribute('data-transport')}; console:\n${consoleMsgs.join('\n')}`);
	await shot(page, 'analysis-queued.png');

	// d. the worker starts and runs the job; the bar follows it in the same document
	await rec.install();
	const navsBefore = navs.length;
	const t0 = Date.now();
	const started = await run(JSON.parse(START), 60000);
	is(started.code, 0, 'scripts/stack start-service worker exits 0', started.out);
	// one deadline for the whole job, whatever it shows on the way
	const left = () => Math.max(1, t0 + DONE_MS - Date.now());
	const mid = (s) => s.status === 'running' && s.value > 0 && s.value < 100;
	const first = await rec.waitFor((s) => mid(s) || s.status !== 'queued' && s.status !== 'running',
		'a running state between 0 and 100 %', left()).catch((e) => { note(e.message); return null; });
	const running = first && mid(first) ? first : rec.seen.find(mid);
	if (first && mid(first)) {
		// best effort: the plain build runs the whole job in about a second
		await shot(page, 'analysis-running.png');
		const now = rec.seen.at(-1);
		note(`analysis-running.png: ${now.status} ${now.value}% "${now.stage}" ` +
			`(${Date.now() - t0} ms after the worker was started)`);
	}
	ok(running, 'the bar shows the job running between 0 and 100 %', JSON.stringify(rec.seen.slice(-5)));
	const end = await rec.waitFor((s) => s.status !== 'queued' && s.status !== 'running', 'the end of the job', left())
		.catch((e) => { note(e.message); return null; });
	const done = end && end.status === 'done' ? end : null;
	ok(done, `the request reaches 완료 within ${DONE_MS / 1000} s of the worker's start`,
		`last states seen: ${JSON.stringify(rec.seen.slice(-3))}\n` + (end
			? `the job ended ${end.status}: "${end.message}" (see logs/worker.log of the stack)`
			: 'nothing finished the job: is revlens-worker running? (see logs/worker.log of the stack)'));
	if (!done)
		return;
	const navsAtDone = navs.length;
	const reloaded = await within(TIMEOUT, 'the reload', new Promise((resolve) => {
		const check = () => (navs.length > navsAtDone ? resolve(true) : setTimeout(check, 50));
		check();
	})).catch((e) => { note(e.message); return false; });
	await page.waitForLoadState('load');
	note(`${Date.now() - t0} ms from the worker's start to the reloaded page`);

	const values = rec.seen.map((s) => s.value).filter((v, i, a) => i === 0 || v !== a[i - 1]);
	const stages = rec.seen.map((s) => s.stage).filter((v, i, a) => v !== '' && (i === 0 || v !== a[i - 1]));
	note(`bar values seen live: ${values.join(' → ')}`);
	note(`stages seen live: ${stages.join(' → ')}`);
	const inter = values.filter((v) => v > 0 && v < 100);
	ok(inter.length >= 3, 'at least 3 values between 0 and 100 % seen live', values.join(','));
	ok(values.every((v, i) => i === 0 || v > values[i - 1]), 'the values only go up', values.join(','));
	is(values[0], 0, 'the bar starts at 0 (queued)');
	is(values.at(-1), 100, 'and ends at 100');
	ok(stages.includes('분석'), 'the stage 분석 was shown while it ran', stages.join(','));
	ok(stages.length >= 2, 'the stage text changed while it ran', stages.join(','));
	const order = ['리뷰 수집', '분석', '요약'];
	ok(stages.every((v, i) => order.includes(v) && (i === 0 || order.indexOf(v) > order.indexOf(stages[i - 1]))),
		'the stages in the order 리뷰 수집 → 분석 → 요약, each once', stages.join(' → '));
	const badges = [...new Set(rec.seen.map((s) => s.badge))];
	ok(badges[0] === '대기 중' && badges.includes('분석 중') && badges.at(-1) === '완료',
		'the badge went 대기 중 → 분석 중 → 완료', badges.join(' → '));
	ok(rec.seen.some((s) => s.status === 'running' && s.message !== ''),
		"the worker's message was shown while it ran",
		[...new Set(rec.seen.map((s) => s.message))].join(' | '));
	is(new Set(rec.seen.map((s) => s.token)).size, 1, 'every state was seen in one document');
	is(navsAtDone, navsBefore, 'no navigation while the bar moved', navs.slice(navsBefore).join('\n'));
	ok(rec.seen.every((s) => s.transport === 'eventsource'), 'over EventSource all along',
		[...new Set(rec.seen.map((s) => s.transport))].join(','));
	ok(done.badge === '완료' && done.percent === '100%', 'the live badge 완료 and 100%', JSON.stringify(done));

	// e. the reloaded page: done, with the result under the card
	ok(reloaded, 'the page reloads itself after the end');
	is(pathOf(page), `/requests/${rid}`, 'still /requests/{id} after the reload');
	is(await live.getAttribute('data-status'), 'done', 'reloaded as data-status="done"');
	is(await text(live.locator('.status')), '완료', 'reloaded with the badge 완료');
	is(await text(live.locator('.percent')), '100%', 'reloaded with 100%');
	is(await page.locator('script[src="/static/live.js"]').count(), 0, 'no live script any more');
	is(await page.locator('main section.card.result').count(), 1, 'the result is under the card');
	await shot(page, 'analysis-done.png');
	await ctx.close();

	ok(consoleMsgs.length === 0, 'no console errors or warnings', consoleMsgs.join('\n'));
	ok(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join('\n'));
}

// ---------------------------------------------------------------- result

// The stored review a shown text is (the worker cuts texts at 500 bytes).
function findReview(x, shown, pred) {
	const t = norm(shown);
	return x.reviews.find((r) => pred(r) && (norm(r.text) === t ||
		(Buffer.byteLength(r.text) > 500 && t.length > 0 && norm(r.text).startsWith(t))));
}

async function checkResult(page, x, where) {
	const card = page.locator('main section.card.result');
	is(await card.count(), 1, `${where}: one result card`);
	is(await text(card.locator('.sample strong')), x.sample, `${where}: the sample statement`);
	is(await text(card.locator('h2.verdict')), x.verdict, `${where}: the headline`);
	const bar = card.locator('svg.sharebar').first();
	is(await bar.getAttribute('aria-label'), x.aria, `${where}: the share bar is labelled with the three shares`);
	const w = await bar.evaluate((svg) => {
		const all = svg.getBoundingClientRect().width;
		return [...svg.querySelectorAll('rect.seg')].map((r) => r.getBoundingClientRect().width / all);
	});
	const want = x.shares.filter((p) => p > 0).map((p) => p / 100);
	ok(w.length === want.length && w.every((v, i) => Math.abs(v - want[i]) < 0.01),
		`${where}: the segments are drawn ${x.shares.join(' / ')} % wide`, JSON.stringify(w));
	is(JSON.stringify(await texts(card.locator('ul.legend li'))), JSON.stringify(x.legend),
		`${where}: the legend gives the shares and counts`);
	is(await text(card.locator('.rating .big')), `${x.rating} / 5`, `${where}: the mean rating of the file`);

	// aspects: every one, in order of mentions, each with its shares and examples
	const items = page.locator('main li.aspect');
	const names = await texts(items.locator('h3'));
	is(JSON.stringify([...names].sort()), JSON.stringify(Object.keys(x.aspects).sort()),
		`${where}: every aspect the reviews mention (${names.length})`);
	ok(names.every((n, i) => i === 0 || (x.aspects[names[i - 1]]?.reviews ?? 0) >= (x.aspects[n]?.reviews ?? 0)),
		`${where}: aspects by mentions, most first`, names.join(','));
	const badAsp = [], badEx = [];
	let examples = 0;
	for (let i = 0; i < names.length; i++) {
		const li = items.nth(i), a = x.aspects[names[i]];
		if (!a)
			continue;
		const head = await text(li.locator('.aspect-pct')), meta = await text(li.locator('.aspect-meta'));
		if (head !== a.head || meta !== a.meta)
			badAsp.push(`${names[i]}: "${head}" / "${meta}", expected "${a.head}" / "${a.meta}"`);
		for (const [cls, tag, pol] of [['positive', '좋아요', 'pos'], ['negative', '아쉬워요', 'neg']]) {
			const q = li.locator(`blockquote.example.${cls}`);
			if (await q.count() === 0)
				continue;
			examples++;
			const t = await text(q);
			const shown = t.startsWith(`${tag} `) ? t.slice(tag.length + 1) : null;
			if (shown === null || !findReview(x, shown, (r) => r.aspects.includes(`${names[i]}:${pol}`)))
				badEx.push(`${names[i]} ${cls}: "${t.slice(0, 80)}" is no stored review mentioning it ${pol}`);
		}
	}
	is(badAsp.join('\n'), '', `${where}: each aspect's 긍정 %, 부정 %, reviews and share of mentions`);
	ok(examples > 0, `${where}: aspects have example sentences (${examples})`);
	is(badEx.join('\n'), '', `${where}: each example is a stored review mentioning the aspect with that polarity`);

	// keywords: the 30 most frequent, most frequent first, 12 at once
	const rows = page.locator('main table.kw tbody tr');
	const got = [];
	for (let i = 0; i < await rows.count(); i++) {
		const row = rows.nth(i);
		got.push({
			keyword: norm(await row.locator('th').evaluate((th) => th.firstChild.textContent)),
			chip: await row.locator('th .chip').count() ? await text(row.locator('th .chip')) : null,
			cells: await texts(row.locator('td.num')),
		});
	}
	is(got.length, x.keywords.length, `${where}: ${x.keywords.length} keywords`);
	const badKw = [];
	x.keywords.forEach((k, i) => {
		const g = got[i];
		// the chip names the keyword's aspect unless it is the keyword itself (result.c)
		const chipOk = g && (g.chip === null ? k.aspects.length === 0 || k.aspects.includes(k.keyword)
			: g.chip !== k.keyword && k.aspects.includes(g.chip));
		if (!g || g.keyword !== k.keyword || !chipOk || g.cells.join('|') !== [k.count, k.positive, k.negative].join('|'))
			badKw.push(`row ${i + 1}: ${JSON.stringify(g)}, expected ${JSON.stringify(k)}`);
	});
	is(badKw.join('\n'), '', `${where}: each keyword with its aspect, mentions, positive and negative counts`);
	is(await page.locator('main section.keywords > table.kw tbody tr').count(), Math.min(12, x.keywords.length),
		`${where}: the first 12 keywords at once, the rest behind 더 보기`);

	// survey tags of the latest day
	const survey = page.locator('main section.card.survey');
	has(await text(survey.locator('p.muted')), `(${x.survey_day} 기준)`, `${where}: the survey's day`);
	const qs = survey.locator('.question');
	const shownQ = [];
	for (let i = 0; i < await qs.count(); i++) {
		const q = qs.nth(i), answers = [];
		const lis = q.locator('ul.answers li');
		for (let j = 0; j < await lis.count(); j++)
			answers.push([await text(lis.nth(j).locator('.answer')), await text(lis.nth(j).locator('.answer-pct'))]);
		shownQ.push({ question: await text(q.locator('h3')), answers });
	}
	is(JSON.stringify(shownQ), JSON.stringify(x.survey.map((q) => ({ question: q.question, answers: q.answers }))),
		`${where}: the survey questions and answers with their percents, as in the file`);

	// representative reviews: stored reviews of that label, with their stars and dates
	for (const [cls, label, n] of [['pos', 'pos', x.positives], ['neg', 'neg', x.negatives]]) {
		const arts = page.locator(`main .reviews.${cls} article.review`);
		const count = await arts.count();
		is(count, Math.min(5, n), `${where}: ${Math.min(5, n)} representative ${cls} reviews`);
		const bad = [];
		for (let i = 0; i < count; i++) {
			const a = arts.nth(i);
			const t = await text(a.locator('.review-text'));
			const r = findReview(x, t, (v) => v.label === label);
			const stars = await a.locator('.stars').getAttribute('aria-label');
			const date = await text(a.locator('time'));
			if (!r || stars !== `별점 ${r.rating}점` || date !== r.date)
				bad.push(`"${t.slice(0, 60)}" ${stars} ${date}: ${r ? `stored ${r.rating}점 ${r.date}` : `no stored ${label} review`}`);
		}
		is(bad.join('\n'), '', `${where}: each ${cls} review is a stored ${label} one, with its rating and date`);
	}
	has(await text(page.locator('main p.model')), '분석 모델', `${where}: the model statement`);
	const vw = page.viewportSize().width;
	const over = await page.evaluate((vw) => [...document.querySelectorAll('main section.card')]
		.filter((e) => e.getBoundingClientRect().right > vw + 1).map((e) => e.className), vw);
	is(over.join(','), '', `${where}: every card fits in ${vw} px`);
}

// A screenshot of the card section.card.{sel} alone: a clip of the whole page (an
// element's own screenshot scrolls, and the sticky header then covers its top).
async function cardShot(page, sel, name) {
	const clip = await page.locator(`main section.card.${sel}`).first().evaluate((e) => {
		const r = e.getBoundingClientRect();
		return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
	});
	await page.screenshot({ path: `${process.argv[3]}/${name}`, fullPage: true, clip });
	note(`screenshot: ${process.argv[3]}/${name}`);
}

async function result(browser) {
	let x = null;
	try {
		x = JSON.parse(readFileSync(EXPECT, 'utf8'));
	} catch (e) {
		note(`${EXPECT}: ${e.message}`);
	}
	ok(EMAIL && PASSWORD && PID && x, 'the .t passed the user, the product and the expected result');
	if (!(EMAIL && PASSWORD && PID && x))
		return;
	const consoleMsgs = [];
	const dialogs = [];
	const ctx = await newContext(browser);
	const page = await newPage(ctx);
	watchConsole(page, consoleMsgs);
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });

	// a. the request's page, as the user who asked
	await page.goto(url(`/login?next=${encodeURIComponent(`/requests/${x.request_id}`)}`));
	await login(page, EMAIL, PASSWORD);
	is(pathOf(page), `/requests/${x.request_id}`, 'log-in goes on to the request page');
	is(await text(page.locator('main section.card.request .status')), '완료', 'request page: 완료');
	await checkResult(page, x, 'request page');
	await shot(page, 'analysis-result.png');
	// each card of the result on its own, at full size
	for (const [sel, name] of [['result', 'overview'], ['aspects', 'aspects'], ['keywords', 'keywords'],
		['survey', 'survey'], ['representative', 'reviews']]) {
		await cardShot(page, sel, `analysis-${name}.png`);
	}
	// everything behind 더 보기, opened
	const more = page.locator('main details.more > summary');
	for (let i = 0; i < await more.count(); i++)
		await more.nth(i).click();
	is(await page.locator('main details.more:not([open])').count(), 0, 'request page: 더 보기 opens the rest');
	// (scrolled back up: a full-page screenshot would show the sticky header where the page was)
	await page.evaluate(() => window.scrollTo(0, 0));
	await shot(page, 'analysis-result-open.png');
	await cardShot(page, 'aspects', 'analysis-aspects-open.png');
	await cardShot(page, 'keywords', 'analysis-keywords-open.png');

	// b. the product page: its analysis card, the same result, what is stored
	await page.goto(url(`/products/${PID}`));
	const card = page.locator('main section.card', { has: page.locator('h2', { hasText: /^분석$/ }) });
	has(await text(card), '최근 분석 요청: 완료 · ', 'product page: the analysis card says 완료 (no percent once finished)');
	is(await page.locator(`main form[action="/products/${PID}/analyze"] button`).textContent(), '분석 요청',
		'product page: 분석 요청 can be asked again');
	await checkResult(page, x, 'product page');
	has(await text(page.locator('main section.card.crawl .stored')), x.stored,
		'product page: the stored reviews and their dates');
	await shot(page, 'analysis-product.png');
	await page.evaluate(() => window.scrollTo(0, 0));
	await page.screenshot({ path: `${process.argv[3]}/analysis-product-top.png` });
	note(`screenshot: ${process.argv[3]}/analysis-product-top.png`);
	await ctx.close();

	// c. the product page on a phone, as a visitor
	const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const pp = await newPage(phone);
	await pp.goto(url(`/products/${PID}`));
	is(await text(pp.locator('main section.card.result .sample strong')), x.sample, 'phone: the sample statement');
	const over = await pp.evaluate(() => [...document.querySelectorAll('main section.card')]
		.filter((e) => e.getBoundingClientRect().right > 391).map((e) => e.className));
	is(over.join(','), '', 'phone: every card fits in 390 px');
	await shot(pp, 'analysis-phone.png');
	for (const sel of ['result', 'aspects', 'keywords', 'representative'])
		await cardShot(pp, sel, `analysis-phone-${sel}.png`);
	await phone.close();

	is(dialogs.join(' | '), '', 'no dialog opened (no review text ran as script)');
	ok(consoleMsgs.length === 0, 'no console errors or warnings', consoleMsgs.join('\n'));
	ok(pageErrors.length === 0, 'no JavaScript errors on any page', pageErrors.join('\n'));
}

await main('analysis.mjs', async (browser) => {
	if (PHASE === 'watch')
		await watch(browser);
	else if (PHASE === 'result')
		await result(browser);
	else
		ok(false, `REVLENS_ANALYSIS_PHASE is watch or result (not ${JSON.stringify(PHASE)})`);
});
