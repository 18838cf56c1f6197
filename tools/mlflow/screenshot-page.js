#!/usr/bin/env node
'use strict';
/**
 * A screenshot of one page of MLflow's UI (headless Chromium over the DevTools protocol), once the
 * page shows `text`. Used for docs/mlflow-registered-model.png.
 *
 *   node --experimental-websocket tools/mlflow/screenshot-page.js <url> <text to wait for> <out.png>
 */
const path = require('node:path');
const { openChromium, sleep, CLOSE_MLFLOW_ASSISTANT } = require(path.join(__dirname, '..', 'chromium-session'));

const [url, text, out] = process.argv.slice(2);

async function main() {
  const page = await openChromium({ windowSize: '1400,900' });
  try {
    await page.navigate(url);
    await page.waitFor(`document.body?.innerText.includes(${JSON.stringify(text)})`, `the page to show "${text}"`);
    await page.evaluate(CLOSE_MLFLOW_ASSISTANT);
    await sleep(3000);
    await page.screenshot(out);
  } finally {
    await page.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
