// t/browser/results.mjs — an analysis result in the browser (issue 12, part 4): the done
// request's page and the product page as a user and a visitor see them, with and without
// JavaScript, on a desk and a phone. t/integ/browser.t writes the result (a done request
// of REVLENS_RESULT_PRODUCT for REVLENS_USER_EMAIL, REVLENS_RESULT_REQUEST, with
// t/browser/result-summary.json as its summary: 1,234 reviews, 876 positive, 136 neutral,
// 222 negative) as revlens-worker would.
//
//   node t/browser/results.mjs BASE_URL SCREENSHOT_DIR
import { main, ok, is, has, note, url, newContext, newPage, pageErrors, shot, login } from './lib.mjs';

const EMAIL = process.env.REVLENS_USER_EMAIL;
const PASSWORD = process.env.REVLENS_USER_PASSWORD;
const RID = process.env.REVLENS_RESULT_REQUEST;
const PID = process.env.REVLENS_RESULT_PRODUCT;

const text = async (loc) => ((await loc.innerText()) ?? '').replace(/\s+/g, ' ').trim();

// What the result looks like on `page`; `where` names it in the points.
async function checkResult(page, where, phone) {
	const card = page.locator('main section.card.result');
	is(await card.count(), 1, `${where}: one result card`);
	has(await text(card.locator('.sample')), '리뷰 1,234개 기준, 2024-01-03 ~ 2024-06-30',
		`${where}: the sample statement`);
	has(await text(card.locator('h2')), '71%', `${where}: the headline says 71% positive`);
	const bar = card.locator('svg.sharebar');
	is(await bar.getAttribute('role'), 'img', `${where}: the share bar is an image`);
	is(await bar.getAttribute('aria-label'), '리뷰 감성 비율: 긍정 71%, 중립 11%, 부정 18%',
		`${where}: ... labelled with the three shares`);
	// the drawn widths are the shares (the bar is sized in percent, no script involved)
	const w = await bar.evaluate((svg) => {
		const all = svg.getBoundingClientRect().width;
		return [...svg.querySelectorAll('rect.seg')].map((r) => r.getBoundingClientRect().width / all);
	});
	ok(w.length === 3 && Math.abs(w[0] - 0.71) < 0.01 && Math.abs(w[1] - 0.11) < 0.01 && Math.abs(w[2] - 0.18) < 0.01,
		`${where}: the segments are drawn 71 / 11 / 18 % wide`, JSON.stringify(w));
	const box = await bar.boundingBox();
	ok(box && box.height >= 30, `${where}: the share bar is visible (${box && Math.round(box.width)}×${box && box.height})`);
	has(await text(card.locator('ul.legend')), '부정 18% 222개', `${where}: the legend gives shares and counts`);
	has(await text(card.locator('.rating')), '4.21', `${where}: the average rating`);
	if (!phone) {
		const r = await card.locator('.rating').boundingBox();
		ok(r && box && r.x > box.x + box.width, `${where}: the rating stands beside the bar on a wide screen`);
	}
	is(await page.locator('main li.aspect').count(), 3, `${where}: three aspects`);
	has(await text(page.locator('main li.aspect').first()), '배송 긍정 82%', `${where}: 배송 긍정 82%`);
	is(await page.locator('main table.kw tbody tr').count(), 4, `${where}: four keywords`);
	is(await page.locator('main .question').count(), 2, `${where}: two survey questions`);
	has(await text(page.locator('main .question').first()), '아주 맛있어요 72%', `${where}: an answer with its percent`);
	is(await page.locator('main article.review').count(), 5, `${where}: five representative reviews`);
	has(await text(page.locator('main .reviews.neg article.review').first()), '<script>alert("x")</script> 포장이 & 엉망',
		`${where}: markup in a review reads as text`);
	is(await page.locator('main script:not([src])').count(), 0, `${where}: no script element came from a review`);
	// nothing of the result sticks out of the screen
	const vw = page.viewportSize().width;
	const over = await page.evaluate((vw) => [...document.querySelectorAll('main section.card')]
		.filter((e) => e.getBoundingClientRect().right > vw + 1).map((e) => e.className), vw);
	is(over.join(','), '', `${where}: every card fits in ${vw} px`);
}

await main('results.mjs', async (browser) => {
	if (!EMAIL || !PASSWORD || !RID || !PID) {
		ok(false, 'REVLENS_USER_EMAIL, REVLENS_USER_PASSWORD, REVLENS_RESULT_REQUEST and REVLENS_RESULT_PRODUCT are set');
		return;
	}
	const dialogs = [];

	// a. the user who asked: /requests/{id}
	const ctx = await newContext(browser);
	const page = await newPage(ctx);
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
	await page.goto(url(`/login?next=${encodeURIComponent(`/requests/${RID}`)}`));
	await login(page, EMAIL, PASSWORD);
	await page.goto(url(`/requests/${RID}`));
	is(await page.locator('main section.card.request .status').textContent(), '완료', 'request page: 완료');
	await checkResult(page, 'request page', false);
	has(await text(page.locator('main .reviews.pos article.review').first()), '2024-05-11',
		"request page: a review's date in the user's zone (Seoul)");
	await shot(page, 'result-request.png');
	await page.locator('main section.card.result').screenshot({ path: `${process.argv[3]}/result-overview.png` });
	note(`screenshot: ${process.argv[3]}/result-overview.png`);
	await ctx.close();

	// b. a visitor, without JavaScript: the product page
	const anon = await newContext(browser, { javaScriptEnabled: false });
	const ap = await newPage(anon);
	await ap.goto(url(`/products/${PID}`));
	await checkResult(ap, 'product page without JavaScript', false);
	await shot(ap, 'result-product.png');
	await anon.close();

	// c. a phone
	const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const pp = await newPage(phone);
	await pp.goto(url(`/products/${PID}`));
	await checkResult(pp, 'product page on a phone', true);
	await shot(pp, 'result-phone.png');
	await phone.close();

	is(dialogs.join(' | '), '', 'no dialog opened (no review text ran as script)');
	is(pageErrors.join(' | '), '', 'no script errors on the pages');
});
