// t/browser/trends.mjs — the product page's 가격과 평가 추이 section in headless Chromium
// (docs/aggregator.md, "Trends"): the charts are drawn with their aria-labels, the
// tables say what GET /api/products/{id}/trends says, the 일별/월별 links switch the
// view, everything is there without JavaScript and fits a phone. t/integ/trends.t
// imports the data, runs revlens-aggregator and passes:
//   TRENDS_PRODUCT (a product with rollups), TRENDS_EMPTY (one without),
//   TRENDS_EMAIL / TRENDS_PASSWORD (a user with a watch-list target), TRENDS_TOKEN (its API token).
// Screenshots: trends-day.png, trends-month.png, trends-table.png, trends-phone.png,
// trends-empty.png (the section alone, clipped from the whole page).
//
//   node t/browser/trends.mjs BASE_URL SCREENSHOT_DIR
import { main, ok, is, has, note, url, newContext, newPage, pageErrors, login, shotDir } from './lib.mjs';
import { join } from 'node:path';

const PID = process.env.TRENDS_PRODUCT;
const EMPTY = process.env.TRENDS_EMPTY;
const EMAIL = process.env.TRENDS_EMAIL;
const PASSWORD = process.env.TRENDS_PASSWORD;
const TOKEN = process.env.TRENDS_TOKEN;

const text = async (loc) => ((await loc.innerText()) ?? '').replace(/\s+/g, ' ').trim();
const won = (v) => `${Number(v).toLocaleString('en-US')}원`;
const pct = (v) => `${Math.round(v * 100)}%`;

async function sectionShot(page, name) {
	await page.evaluate(() => window.scrollTo(0, 0));     // the sticky header stays at the top
	const clip = await page.locator('main section.card.trends').evaluate((e) => {
		const r = e.getBoundingClientRect();
		return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: r.height };
	});
	const file = join(shotDir, name);
	await page.screenshot({ path: file, fullPage: true, clip });
	note(`screenshot: ${file}`);
}

async function api(ctx, query) {
	const r = await ctx.request.get(url(`/api/products/${PID}/trends${query}`),
		{ headers: { authorization: `Bearer ${TOKEN}` } });
	ok(r.status() === 200, `GET /api/products/${PID}/trends${query}: 200`, String(r.status()));
	return r.json();
}

// Runs of prices the line joins: periods at most 8 days (or 1 month) apart.
function segments(j) {
	const month = j.period === 'month';
	const key = (p) => month ? Number(p.period.slice(0, 4)) * 12 + Number(p.period.slice(5, 7))
		: Date.UTC(Number(p.period.slice(0, 4)), Number(p.period.slice(5, 7)) - 1, Number(p.period.slice(8, 10))) / 86400000;
	const ps = j.points.filter((p) => p.price_min !== null);
	const runs = [];
	ps.forEach((p, i) => {
		if (i === 0 || key(p) - key(ps[i - 1]) > (month ? 1 : 8)) runs.push([p]);
		else runs[runs.length - 1].push(p);
	});
	return { lines: runs.filter((r) => r.length > 1).length, lone: runs.filter((r) => r.length === 1).length };
}

// The price and volume tables against the API's points (newest first).
async function checkTables(page, j, where) {
	const month = j.period === 'month';
	const rows = await page.locator('main table.price-table tbody tr').evaluateAll((trs) => trs.map((tr) =>
		[tr.dataset.period, ...[...tr.querySelectorAll('td')].map((td) => td.textContent.trim())]));
	const want = [...j.points].reverse().map((p) => [p.period,
		p.price_min === null ? '–' : won(month ? p.price_avg : p.price_last),
		p.price_min === null ? '–' : won(p.price_min), p.price_max === null ? '–' : won(p.price_max),
		p.price_change === null ? '–' : (p.price_change > 0 ? '+' : '') + won(p.price_change),
		p.positive_share === null ? '–' : pct(p.positive_share)]);
	is(JSON.stringify(rows), JSON.stringify(want), `${where}: the price table is the API's points (${want.length} rows)`);
	const vrows = await page.locator('main table.volume-table tbody tr').evaluateAll((trs) => trs.map((tr) =>
		[tr.dataset.period, tr.querySelector('td').textContent.trim()]));
	is(JSON.stringify(vrows), JSON.stringify([...j.points].reverse().map((p) => [p.period, `${p.review_count}개`])),
		`${where}: the volume table has the API's review counts`);
	// each survey question's table: a row per snapshot, the answers' percents
	const figs = page.locator('main figure.survey-q');
	for (let i = 0; i < await figs.count(); i++) {
		const q = (await figs.nth(i).locator('figcaption').textContent()).trim();
		const heads = await figs.nth(i).locator('table.survey-table thead th').evaluateAll((ths) => ths.slice(1).map((t) => t.textContent));
		const got = await figs.nth(i).locator('table.survey-table tbody tr').evaluateAll((trs) => trs.map((tr) =>
			[tr.dataset.period, ...[...tr.querySelectorAll('td')].map((td) => td.textContent.trim())]));
		const want = [...j.points].reverse().filter((p) => p.survey && p.survey.questions.some((x) => x.question === q))
			.map((p) => {
				const qq = p.survey.questions.find((x) => x.question === q);
				return [p.period, ...heads.map((h) => {
					const a = qq.answers.find((x) => x.answer === h);
					return a ? `${Math.round(a.percent)}%` : '–';
				})];
			});
		ok(want.length > 0 && JSON.stringify(got) === JSON.stringify(want),
			`${where}: the survey table of ‘${q}’ is the API's snapshots (${want.length})`,
			`got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`);
	}
}

// The charts: drawn, labelled, sized.
async function checkCharts(page, j, where) {
	const sec = page.locator('main section.card.trends');
	for (const [cls, n] of [['price-chart', 1], ['volume-chart', 1], ['survey-chart', 2]]) {
		const svgs = sec.locator(`svg.trend-chart.${cls}`);
		is(await svgs.count(), n, `${where}: ${n} ${cls}`);
		for (let i = 0; i < n; i++) {
			const s = svgs.nth(i);
			is(await s.getAttribute('role'), 'img', `${where}: ${cls} ${i + 1} is an image`);
			const label = await s.getAttribute('aria-label');
			ok(label && label.length > 20, `${where}: ${cls} ${i + 1} has an aria-label`, label);
			is(await s.locator(':scope > title').textContent(), label, `${where}: ... repeated as its <title>`);
			const box = await s.boundingBox();
			ok(box && box.width > 250 && box.height >= 120, `${where}: ${cls} ${i + 1} is drawn `
				+ `(${box && Math.round(box.width)}×${box && Math.round(box.height)})`);
		}
	}
	const label = await sec.locator('svg.price-chart').getAttribute('aria-label');
	has(label, `최저가 ${won(j.lowest_price.price)} (${j.lowest_price.date})`, `${where}: the price chart's label names the lowest price`);
	// the price line breaks where periods are missing (more than 7 days, any month), and a
	// price with no neighbour is a dot
	const seg = segments(j);
	const drawn = await sec.locator('svg.price-chart').evaluate((svg) => {
		const p = svg.querySelector('path.line.price');
		return { lines: p ? (p.getAttribute('d').match(/M/g) || []).length : 0,
			dots: svg.querySelectorAll('circle.dot.price').length,
			span: p ? p.getBoundingClientRect().width / svg.getBoundingClientRect().width : 0 };
	});
	is(`${drawn.lines} lines, ${drawn.dots} dots`, `${seg.lines} lines, ${seg.lone} dots`,
		`${where}: the price line has a piece per run of periods and a dot per lone price`);
	if (j.period === 'day')
		ok(drawn.span > 0.5, `${where}: the price line is drawn across the timeline (${drawn.span.toFixed(2)} of the width)`);
	const bars = await sec.locator('svg.volume-chart rect.bar').count();
	is(bars, j.points.filter((p) => p.review_count > 0).length, `${where}: a bar per period with reviews (${bars})`);
	const low = sec.locator('svg.price-chart circle.mark.low');
	is(await low.count(), 1, `${where}: one lowest-price mark`);
	const lb = await low.boundingBox();
	ok(lb && lb.width > 4, `${where}: ... visible`);
	const targets = j.points.filter((p) => j.target_price !== null && p.price_min !== null && p.price_min <= j.target_price).length;
	is(await sec.locator('svg.price-chart circle.mark.target').count(), targets, `${where}: ${targets} 목표가 이하 marks`);
	has(await text(sec.locator('ul.trend-facts')), `목표가 ${won(j.target_price)}`, `${where}: the target fact`);
	// nothing sticks out of the screen
	const vw = page.viewportSize().width;
	const over = await page.evaluate((vw) => [...document.querySelectorAll('main section.card, main svg.trend-chart')]
		.filter((e) => e.getBoundingClientRect().right > vw + 1).map((e) => e.className.baseVal ?? e.className), vw);
	is(over.join(','), '', `${where}: the section and its charts fit in ${vw} px`);
}

await main('trends.mjs', async (browser) => {
	const ctx = await newContext(browser);
	const page = await newPage(ctx);
	await page.goto(url(`/login?next=%2Fproducts%2F${PID}`));
	await login(page, EMAIL, PASSWORD);
	await page.goto(url(`/products/${PID}#trends`));
	const day = await api(ctx, '');
	const month = await api(ctx, '?period=month');

	const sec = page.locator('main section.card.trends');
	is(await sec.count(), 1, 'the product page has the trends section');
	has(await text(sec.locator('h2')), '가격과 평가 추이', '... headed 가격과 평가 추이');
	is(await sec.locator('nav.toggle a[aria-current="page"]').textContent(), '일별', 'the day view is the default');
	await checkCharts(page, day, 'day view');
	await checkTables(page, day, 'day view');
	has(await text(sec.locator('ul.trend-facts li.low')), `최근 90일 최저가 ${won(day.lowest_price.price)}`,
		'the 최근 90일 최저가 fact');
	await sectionShot(page, 'trends-day.png');

	// the tables open without script (they are <details>)
	await sec.locator('details.trend-data summary').first().click();
	ok(await sec.locator('table.price-table').first().isVisible(), 'the price table opens');
	await page.evaluate(() => window.scrollTo(0, 0));
	const tclip = await sec.locator('details.trend-data').first().evaluate((e) => {
		const r = e.getBoundingClientRect();
		return { x: r.x + window.scrollX, y: r.y + window.scrollY, width: r.width, height: Math.min(r.height, 460) };
	});
	await page.screenshot({ path: join(shotDir, 'trends-table.png'), fullPage: true, clip: tclip });
	note(`screenshot: ${join(shotDir, 'trends-table.png')}`);

	// the toggle: a link to ?period=month
	await Promise.all([page.waitForURL(/period=month/), sec.locator('nav.toggle a', { hasText: '월별' }).click()]);
	ok(new URL(page.url()).search === '?period=month', '월별 goes to ?period=month', page.url());
	is(await sec.locator('nav.toggle a[aria-current="page"]').textContent(), '월별', '... and marks 월별 current');
	has(await text(sec.locator('ul.trend-facts li.low')), '최근 24개월 최저가', '... with the 24-month lowest');
	await checkCharts(page, month, 'month view');
	await checkTables(page, month, 'month view');
	has(await sec.locator('svg.price-chart text.axis.x').first().textContent(), '-',
		'month view: the axis says YYYY-MM');
	await sectionShot(page, 'trends-month.png');
	await Promise.all([page.waitForURL(/period=day/), sec.locator('nav.toggle a', { hasText: '일별' }).click()]);
	is(await sec.locator('nav.toggle a[aria-current="page"]').textContent(), '일별', '일별 goes back to the days');

	// without JavaScript: the same charts (they are server-rendered)
	const noJs = await newContext(browser, { javaScriptEnabled: false });
	const p2 = await newPage(noJs);
	await p2.goto(url(`/products/${PID}`));
	is(await p2.locator('main section.card.trends svg.trend-chart').count(), 4, 'without JavaScript: the four charts are there');

	// a phone
	const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
		storageState: await ctx.storageState() });
	const p3 = await newPage(phone);
	await p3.goto(url(`/products/${PID}#trends`));
	await checkCharts(p3, day, 'phone');
	const fs = await p3.locator('main svg.price-chart text.axis').first().evaluate((t) => parseFloat(getComputedStyle(t).fontSize));
	ok(fs >= 11, `phone: the axis labels are readable (${fs}px)`);
	await sectionShot(p3, 'trends-phone.png');

	// a product without rollups
	await page.goto(url(`/products/${EMPTY}`));
	has(await text(page.locator('main section.card.trends')), '아직 추이 데이터가 없습니다', 'a product without rollups: the empty state');
	await sectionShot(page, 'trends-empty.png');

	is(pageErrors.join('\n'), '', 'no script errors on the pages');
	await noJs.close();
	await phone.close();
	await ctx.close();
});
