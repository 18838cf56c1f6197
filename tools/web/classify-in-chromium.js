#!/usr/bin/env node
'use strict';
/**
 * Types texts into a page made by `mlspec export --web` in headless Chromium and reads what the
 * page shows, as a user would: the folder is served over HTTP on 127.0.0.1, Chromium (driven over
 * the DevTools protocol with Node's WebSocket) opens it, and each text is typed into the box
 * (Input.insertText, so the page hears real input events). Prints one JSON line:
 * [{ text, label (as shown), probabilities (the page classifier's own numbers) }].
 *
 *   node --experimental-websocket tools/web/classify-in-chromium.js <site-folder> <texts.json> [screenshot.png]
 *
 * With a screenshot file, the page is captured after the first text. CHROMIUM overrides the
 * browser binary (default /usr/bin/chromium).
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { openChromium } = require(path.join(__dirname, '..', 'chromium-session'));

const [site, textsFile, screenshot] = process.argv.slice(2);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function serve(folder) {
  const server = http.createServer((req, res) => {
    const file = path.join(folder, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/$/, '/index.html'));
    if (!file.startsWith(path.resolve(folder)) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function main() {
  const texts = JSON.parse(fs.readFileSync(textsFile, 'utf8'));
  const server = await serve(path.resolve(site));
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  const page = await openChromium({ windowSize: '900,620' });
  try {
    const steps = Number(process.env.WAIT_STEPS ?? 600);
    const describe = async () =>
      `; page errors: ${page.pageErrors.join('\n')}; meta: ${await page.evaluate("document.getElementById('meta').textContent")}`;
    const waitFor = (expression, what) => page.waitFor(expression, what, { steps, everyMs: 100, describe });
    const { evaluate, send } = page;
    await page.navigate(url);
    await waitFor(`document.getElementById('text') && !document.getElementById('text').disabled`, 'the model to load');
    const results = [];
    for (const [i, text] of texts.entries()) {
      await evaluate(
        `(() => { const t = document.getElementById('text'); t.value = ''; t.focus(); delete document.body.dataset.label; return true; })()`,
      );
      await send('Input.insertText', { text });
      await waitFor(`document.body.dataset.label !== undefined`, `the label of text ${i}`);
      const shown = await evaluate(`document.getElementById('label').textContent`);
      const probabilities = await evaluate(`window.classifier.then((c) => c.classify(document.getElementById('text').value).probabilities)`);
      results.push({ text, label: shown, probabilities });
      if (i === 0 && screenshot) await page.screenshot(screenshot);
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } finally {
    await page.close();
    server.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
