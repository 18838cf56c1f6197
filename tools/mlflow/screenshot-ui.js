#!/usr/bin/env node
'use strict';
/**
 * Screenshots of MLflow's UI as a user sees it (headless Chromium, driven over the DevTools
 * protocol with Node's WebSocket): an experiment's runs with the child rows expanded, then its
 * chart view. Used for docs/mlflow-ui-*.png.
 *
 *   node --experimental-websocket tools/mlflow/screenshot-ui.js http://127.0.0.1:5000 <experiment-id> <out-prefix>
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [base, experimentId, prefix] = process.argv.slice(2);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const port = 9300 + Math.floor(Math.random() * 500);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-chromium-'));
  const chrome = spawn(
    'chromium',
    [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      '--window-size=1500,1000',
      `--remote-debugging-port=${port}`,
      'about:blank',
    ],
    { stdio: 'ignore' },
  );
  try {
    let pages;
    for (let i = 0; i < 120 && !pages; i++) {
      try {
        pages = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      } catch {
        await sleep(500);
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
    const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true })).result?.result?.value;
    const waitFor = async (expression, what) => {
      for (let i = 0; i < 240; i++) {
        if (await evaluate(expression)) return;
        await sleep(500);
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const shoot = async (file) => {
      const { result } = await send('Page.captureScreenshot', { format: 'png' });
      fs.writeFileSync(file, Buffer.from(result.data, 'base64'));
      console.log(`wrote ${file}`);
    };

    await send('Page.enable');
    await send('Page.navigate', { url: `${base}/#/experiments/${experimentId}?workflowType=machine_learning` });
    await waitFor(`document.body.innerText.includes('matching runs')`, 'the runs table');
    // The assistant side panel takes a third of the width: close it.
    await evaluate(
      `(() => { const b = [...document.querySelectorAll('button')].find((e) => e.getAttribute('aria-label') === 'Close' || e.getAttribute('aria-label') === 'close'); if (b) b.click(); return Boolean(b); })()`,
    );
    // Show the first parent run's children: its expander (the + before its name) in the first row.
    const click = async (x, y) => {
      await send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
      for (const type of ['mousePressed', 'mouseReleased']) await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
    };
    // MLflow 3.17's layout at 1500×1000 with the assistant panel closed: the first row's + at (319, 265).
    const box = { x: Number(process.env.EXPAND_X ?? 319), y: Number(process.env.EXPAND_Y ?? 265) };
    await click(box.x, box.y);
    await sleep(5000);
    await shoot(`${prefix}-runs.png`);
    // The chart view: the second button of the table / chart / evaluation switch.
    const chart = { x: 296, y: 120 };
    await click(chart.x, chart.y);
    await sleep(3000);
    // The chart view's run list: the first row's + at (350, 233).
    await click(350, 233);
    await sleep(8000);
    await shoot(`${prefix}-charts.png`);
    socket.close();
  } finally {
    chrome.kill('SIGKILL');
    await sleep(500);
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
