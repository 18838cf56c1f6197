/**
 * Files attached to each pipeline's MLflow run: a
 * confusion-matrix heatmap as SVG (MLflow's artifact viewer shows SVG images inline).
 */

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Matplotlib's "Blues", light to dark, for counts from 0 to the largest cell. */
const BLUES: [number, number, number][] = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

function blue(t: number): string {
  const scaled = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const [r, g, b] = BLUES[i].map((c, k) => Math.round(c + (BLUES[i + 1][k] - c) * f));
  return `rgb(${r},${g},${b})`;
}

/** A confusion-matrix heatmap (rows: true class, columns: predicted class) as a standalone SVG. */
export function confusionMatrixSvg(classes: string[], matrix: number[][], title = 'Confusion matrix'): string {
  const cell = 56;
  const n = classes.length;
  const longest = Math.max(4, ...classes.map((c) => c.length));
  const labelSpace = Math.min(220, 12 + longest * 7);
  const left = 40 + labelSpace;
  const top = 44 + Math.round(labelSpace * 0.72);
  // Column labels are rotated up and to the right: leave room for the last one.
  const width = left + n * cell + Math.max(24, Math.round(labelSpace * 0.72) - cell / 2 + 12);
  const height = top + n * cell + 44;
  const max = Math.max(1, ...matrix.flat());
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, 'DejaVu Sans', sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i < n; i++) {
    const y = top + i * cell;
    parts.push(`<text x="${left - 8}" y="${y + cell / 2 + 4}" text-anchor="end" font-size="12">${escapeXml(classes[i])}</text>`);
    for (let j = 0; j < n; j++) {
      const x = left + j * cell;
      const value = matrix[i]?.[j] ?? 0;
      const t = value / max;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(t)}" stroke="white"><title>true ${escapeXml(classes[i])}, predicted ${escapeXml(classes[j])}: ${value}</title></rect>`,
      );
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + 5}" text-anchor="middle" font-size="14" fill="${t > 0.55 ? 'white' : 'black'}">${value}</text>`,
      );
    }
  }
  for (let j = 0; j < n; j++) {
    const x = left + j * cell + cell / 2;
    parts.push(`<text transform="translate(${x + 4},${top - 8}) rotate(-45)" font-size="12">${escapeXml(classes[j])}</text>`);
  }
  parts.push(`<text x="${left + (n * cell) / 2}" y="${top + n * cell + 30}" text-anchor="middle" font-size="13">Predicted label</text>`);
  parts.push(`<text transform="translate(16,${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="13">True label</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
