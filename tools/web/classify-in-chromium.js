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
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const [site, textsFile, screenshot] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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
  const port = 9800 + Math.floor(Math.random() * 150);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-chromium-'));
  const chrome = spawn(
    process.env.CHROMIUM ?? '/usr/bin/chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--window-size=900,620',
      `--remote-debugging-port=${port}`,
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  try {
    let pages;
    for (let i = 0; i < 240 && !pages; i++) {
      try {
        pages = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      } catch {
        await sleep(250);
      }
    }
    if (!pages) throw new Error('Chromium did not open its DevTools port');
    const socket = new WebSocket(pages.find((p) => p.type === 'page').webSocketDebuggerUrl);
    await new Promise((resolve) => socket.addEventListener('open', resolve));
    let next = 0;
    const waiting = new Map();
    const console = [];
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.id && waiting.has(message.id)) waiting.get(message.id)(message);
      if (message.method === 'Runtime.exceptionThrown')
        console.push(message.params.exceptionDetails.exception?.description ?? JSON.stringify(message.params.exceptionDetails).slice(0, 300));
    });
    const send = (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    const evaluate = async (expression) => {
      const answer = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      if (answer.result?.exceptionDetails) throw new Error(`page: ${answer.result.exceptionDetails.exception?.description ?? 'exception'}`);
      return answer.result?.result?.value;
    };
    const waitFor = async (expression, what) => {
      for (let i = 0; i < Number(process.env.WAIT_STEPS ?? 600); i++) {
        if (await evaluate(expression)) return;
        await sleep(100);
      }
      throw new Error(
        `timed out waiting for ${what}; page errors: ${console.join('\n')}; meta: ${await evaluate("document.getElementById('meta').textContent")}`,
      );
    };

    await send('Runtime.enable');
    await send('Page.enable');
    await send('Page.navigate', { url });
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
      if (i === 0 && screenshot) {
        const { result } = await send('Page.captureScreenshot', { format: 'png' });
        fs.writeFileSync(screenshot, Buffer.from(result.data, 'base64'));
      }
    }
    process.stdout.write(`${JSON.stringify(results)}\n`);
    socket.close();
  } finally {
    chrome.kill('SIGKILL');
    server.close();
    await sleep(300);
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
