/** index.html of an exported page: a text box, the predicted label and a bar per class. */
export function pageHtml(title: string): string {
  const escaped = title.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escaped}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
  h1 { font-size: 1.3rem; margin-bottom: .2rem; }
  .meta { color: #5b6475; font-size: .85rem; margin-bottom: 1rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 6rem; font: inherit; padding: .6rem; border: 1px solid #c5cbd6; border-radius: 6px; }
  #label { font-size: 1.6rem; font-weight: 600; margin: 1rem 0 .5rem; min-height: 2.4rem; }
  .row { display: grid; grid-template-columns: 9rem 1fr 4rem; gap: .6rem; align-items: center; margin: .2rem 0; font-size: .9rem; }
  .bar { background: #e7ebf2; border-radius: 4px; height: .9rem; overflow: hidden; }
  .bar span { display: block; height: 100%; background: #3d6fd8; }
  .row.best .bar span { background: #d8643d; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<h1>${escaped}</h1>
<div class="meta" id="meta">loading the model…</div>
<textarea id="text" dir="auto" placeholder="Type or paste a text to classify" disabled></textarea>
<div id="label" aria-live="polite"></div>
<div id="bars"></div>
<script src="mlspec-web.js"></script>
<script>
  const base = new URL('.', location.href).href;
  const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const text = document.getElementById('text');
  const meta = document.getElementById('meta');
  // For scripts and tests: the loaded classifier, once ready.
  window.classifier = mlspecWeb.loadClassifier(base).then((classifier) => {
    meta.textContent = 'pipeline ' + classifier.name + ' · ' + classifier.classes.length + ' classes · TensorFlow.js ' + classifier.backend + ' backend, in this page';
    text.disabled = false;
    text.focus();
    const show = () => {
      if (!text.value.trim()) { document.getElementById('label').textContent = ''; document.getElementById('bars').innerHTML = ''; return; }
      const result = classifier.classify(text.value);
      document.getElementById('label').textContent = result.label;
      document.getElementById('bars').innerHTML = classifier.classes.map((c) => {
        const p = result.probabilities[c];
        return '<div class="row' + (c === result.label ? ' best' : '') + '"><span>' + esc(c) + '</span><div class="bar"><span style="width:' + (p * 100).toFixed(1) + '%"></span></div><span class="num">' + (p * 100).toFixed(1) + '%</span></div>';
      }).join('');
      document.body.dataset.label = result.label;
    };
    text.addEventListener('input', show);
    show();
    return classifier;
  }, (error) => { meta.textContent = 'could not load the model: ' + error.message; throw error; });
</script>
</body>
</html>
`;
}
