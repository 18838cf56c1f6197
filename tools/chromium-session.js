'use strict';
/**
 * Headless Chromium driven over the DevTools protocol with Node's WebSocket (Node 20 needs
 * `--experimental-websocket`): what the page tools share (tools/web/classify-in-chromium.js,
 * tools/mlflow/screenshot-ui.js, tools/mlflow/screenshot-page.js). CHROMIUM overrides the browser
 * binary (default /usr/bin/chromium).
 *
 *   const page = await openChromium({ windowSize: '1400,900' });
 *   try { await page.navigate(url); await page.waitFor('…', 'the table'); await page.screenshot('x.png'); }
 *   finally { await page.close(); }
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Chromium writes the port it chose (--remote-debugging-port=0) into its profile: no port guessing. */
async function devToolsPort(profile) {
  const file = path.join(profile, 'DevToolsActivePort');
  for (let i = 0; i < 240; i++) {
    if (fs.existsSync(file)) {
      const [port] = fs.readFileSync(file, 'utf8').split('\n');
      if (port) return Number(port);
    }
    await sleep(250);
  }
  throw new Error('Chromium did not open its DevTools port');
}

async function openChromium({ windowSize = '1400,900' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-chromium-'));
  const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${profile}`];
  args.push(`--window-size=${windowSize}`, '--remote-debugging-port=0', 'about:blank');
  const chrome = spawn(process.env.CHROMIUM ?? '/usr/bin/chromium', args, { stdio: 'ignore' });
  const close = async () => {
    chrome.kill('SIGKILL');
    await sleep(300);
    fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    const port = await devToolsPort(profile);
    const pages = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const socket = new WebSocket(pages.find((p) => p.type === 'page').webSocketDebuggerUrl);
    await new Promise((resolve) => socket.addEventListener('open', resolve));
    let next = 0;
    const waiting = new Map();
    /** Uncaught exceptions of the page (after Runtime.enable), for error messages. */
    const pageErrors = [];
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(event.data);
      if (message.id && waiting.has(message.id)) waiting.get(message.id)(message);
      if (message.method === 'Runtime.exceptionThrown') {
        const details = message.params.exceptionDetails;
        pageErrors.push(details.exception?.description ?? JSON.stringify(details).slice(0, 300));
      }
    });
    const send = (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    /** The value of a page expression (a promise is awaited); an exception in the page throws here. */
    const evaluate = async (expression) => {
      const answer = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      if (answer.result?.exceptionDetails) throw new Error(`page: ${answer.result.exceptionDetails.exception?.description ?? 'exception'}`);
      return answer.result?.result?.value;
    };
    /** Polls `expression` every `everyMs` until it is truthy; `describe()` adds to the timeout's message. */
    const waitFor = async (expression, what, { steps = 240, everyMs = 500, describe = async () => '' } = {}) => {
      for (let i = 0; i < steps; i++) {
        if (await evaluate(expression)) return;
        await sleep(everyMs);
      }
      throw new Error(`timed out waiting for ${what}${await describe()}`);
    };
    const screenshot = async (file) => {
      const { result } = await send('Page.captureScreenshot', { format: 'png' });
      fs.writeFileSync(file, Buffer.from(result.data, 'base64'));
    };
    const click = async (x, y) => {
      await send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
      for (const type of ['mousePressed', 'mouseReleased']) await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 });
    };
    const navigate = async (url) => {
      await send('Runtime.enable');
      await send('Page.enable');
      await send('Page.navigate', { url });
    };
    return {
      send,
      evaluate,
      waitFor,
      screenshot,
      click,
      navigate,
      pageErrors,
      close: async () => {
        socket.close();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Closes MLflow 3.17's assistant side panel (a third of the width) when it is open. */
const CLOSE_MLFLOW_ASSISTANT = `(() => { const b = [...document.querySelectorAll('button')].find((e) => /^close$/i.test(e.getAttribute('aria-label') || '')); if (b) b.click(); return Boolean(b); })()`;

module.exports = { openChromium, sleep, CLOSE_MLFLOW_ASSISTANT };
