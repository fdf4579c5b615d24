// The dashboard's load time in Debian's Chromium: node bench/dashboard.mjs BASE TOKEN RUNS.
// For each of the public view and a token's, RUNS page loads in fresh browser contexts
// (no HTTP cache), each timed from navigation start to every chart drawn (the page's
// "wiqaya-ready" mark: all answers in and drawn); the first load of a token view is the
// server's first sight of its queries (SQL, noise, ledger), the later ones its cache.
import { chromium } from 'playwright-core';

const [base, token, runs = '5'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });

async function load(withToken) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  if (withToken) await context.addInitScript((t) => sessionStorage.setItem('wiqaya.token', t), token);
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 300000 });
  const r = await page.evaluate(() => {
    const mark = performance.getEntriesByType('mark').find((m) => m.name.startsWith('wiqaya-ready'));
    const nav = performance.getEntriesByType('navigation')[0];
    const drawn = document.querySelectorAll('figure.card[data-state="drawn"]').length;
    const bytes = performance.getEntriesByType('resource').reduce((s, e) => s + (e.transferSize || 0), nav.transferSize || 0);
    return { ms: mark.startTime, dcl: nav.domContentLoadedEventEnd, drawn, requests: performance.getEntriesByType('resource').length, bytes };
  });
  await context.close();
  return r;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, withToken] of [['public view', false], ['token view', true]]) {
  const all = [];
  for (let i = 0; i < Number(runs); i++) all.push(await load(withToken));
  const ms = all.map((r) => r.ms);
  console.log(
    `${name.padEnd(12)} ${all[0].drawn} charts drawn: first load ${Math.round(ms[0])} ms, then min ${Math.round(Math.min(...ms.slice(1)))} / median ${Math.round(median(ms.slice(1)))} / max ${Math.round(Math.max(...ms.slice(1)))} ms over ${ms.length - 1} loads; DOMContentLoaded ${Math.round(all[0].dcl)} ms; ${all[0].requests} requests, ${Math.round(all[0].bytes / 1024)} KiB transferred`,
  );
}
await browser.close();
