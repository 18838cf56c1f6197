#!/usr/bin/env node
'use strict';
/**
 * A screenshot of one page of MLflow's UI (headless Chromium over the DevTools protocol), once the
 * page shows `text`. Used for docs/mlflow-registered-model.png.
 *
 *   node --experimental-websocket tools/mlflow/screenshot-page.js <url> <text to wait for> <out.png>
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [url, text, out] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const port = 9950 + Math.floor(Math.random() * 40);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-chromium-'));
  const chrome = spawn(
    process.env.CHROMIUM ?? '/usr/bin/chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--window-size=1400,900',
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
    const socket = new WebSocket(pages.find((p) => p.type === 'page').webSocketDebuggerUrl);
    await new Promise((resolve) => socket.addEventListener('open', resolve));
    let next = 0;
    const waiting = new Map();
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.id && waiting.has(message.id)) waiting.get(message.id)(message);
    });
    const send = (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    await send('Page.enable');
    await send('Page.navigate', { url });
    for (let i = 0; ; i++) {
      const r = await send('Runtime.evaluate', { expression: `document.body.innerText.includes(${JSON.stringify(text)})`, returnByValue: true });
      if (r.result?.result?.value) break;
      if (i > 240) throw new Error(`the page never showed "${text}"`);
      await sleep(500);
    }
    // The assistant side panel of MLflow 3.17 takes a third of the width: close it when open.
    await send('Runtime.evaluate', {
      expression: `(() => { const b = [...document.querySelectorAll('button')].find((e) => /^close$/i.test(e.getAttribute('aria-label') || '')); if (b) b.click(); })()`,
    });
    await sleep(3000);
    const { result } = await send('Page.captureScreenshot', { format: 'png' });
    fs.writeFileSync(out, Buffer.from(result.data, 'base64'));
    socket.close();
  } finally {
    chrome.kill('SIGKILL');
    await sleep(300);
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
