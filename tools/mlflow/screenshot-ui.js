#!/usr/bin/env node
'use strict';
/**
 * Screenshots of MLflow's UI as a user sees it (headless Chromium, driven over the DevTools
 * protocol with Node's WebSocket): an experiment's runs with the child rows expanded, then its
 * chart view. Used for docs/mlflow-ui-*.png.
 *
 *   node --experimental-websocket tools/mlflow/screenshot-ui.js http://127.0.0.1:5000 <experiment-id> <out-prefix>
 */
const path = require('node:path');
const { openChromium, sleep, CLOSE_MLFLOW_ASSISTANT } = require(path.join(__dirname, '..', 'chromium-session'));

const [base, experimentId, prefix] = process.argv.slice(2);

async function main() {
  const page = await openChromium({ windowSize: '1500,1000' });
  const shoot = async (file) => {
    await page.screenshot(file);
    console.log(`wrote ${file}`);
  };
  try {
    await page.navigate(`${base}/#/experiments/${experimentId}?workflowType=machine_learning`);
    await page.waitFor(`document.body?.innerText.includes('matching runs')`, 'the runs table');
    await page.evaluate(CLOSE_MLFLOW_ASSISTANT);
    // Show the first parent run's children: its expander (the + before its name) in the first row.
    // MLflow 3.17's layout at 1500×1000 with the assistant panel closed: the first row's + at (319, 265).
    await page.click(Number(process.env.EXPAND_X ?? 319), Number(process.env.EXPAND_Y ?? 265));
    await sleep(5000);
    await shoot(`${prefix}-runs.png`);
    // The chart view: the second button of the table / chart / evaluation switch.
    await page.click(296, 120);
    await sleep(3000);
    // The chart view's run list: the first row's + at (350, 233).
    await page.click(350, 233);
    await sleep(8000);
    await shoot(`${prefix}-charts.png`);
  } finally {
    await page.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
