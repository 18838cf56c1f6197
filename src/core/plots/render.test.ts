import { pngSize, renderVegaLite } from './render';

/** The pixel size on the SVG root element. */
function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!root) throw new Error('SVG root has no width/height');
  return { width: Number(root[1]), height: Number(root[2]) };
}

const bars = {
  title: 'Class Counts',
  width: 200,
  height: 120,
  data: {
    values: [
      { c: 'alpha', n: 3 },
      { c: 'beta', n: 5 },
    ],
  },
  mark: 'bar',
  encoding: { x: { field: 'c', type: 'nominal' }, y: { field: 'n', type: 'quantitative' } },
};

describe('renderVegaLite', () => {
  it('renders SVG and a PNG at twice its size, in DejaVu Sans', async () => {
    const { svg, png, warnings } = await renderVegaLite(bars);
    expect(svg).toContain('Class Counts');
    expect(svg).toContain('alpha');
    expect(svg).toContain('font-family="DejaVu Sans"');
    expect(warnings).toEqual([]);
    const size = svgSize(svg);
    expect(size.width).toBeGreaterThan(200);
    expect(pngSize(png)).toEqual({ width: 2 * size.width, height: 2 * size.height });
  });

  it('is deterministic', async () => {
    const [a, b] = [await renderVegaLite(bars), await renderVegaLite(bars)];
    expect(a.svg).toBe(b.svg);
    expect(a.png.equals(b.png)).toBe(true);
  });

  it('lets a spec override the base config', async () => {
    const { svg } = await renderVegaLite({ ...bars, config: { background: '#fafafa', title: { fontSize: 20 } } });
    expect(svg).toContain('fill="#fafafa"');
    expect(svg).toMatch(/font-size="20px"[^>]*>Class Counts/);
  });

  it('never loads data from the network', async () => {
    const remote = { ...bars, data: { url: 'https://example.com/data.json' } };
    await expect(renderVegaLite(remote)).rejects.toThrow(/offline.*https:\/\/example\.com\/data\.json/);
  });

  it('reports Vega-Lite warnings instead of printing them', async () => {
    const { warnings } = await renderVegaLite({ ...bars, encoding: { ...bars.encoding, shape: { field: 'n', type: 'quantitative' } } });
    expect(warnings.join('\n')).toMatch(/shape/i);
  });
});

describe('pngSize', () => {
  it('rejects what is not a PNG', () => {
    expect(() => pngSize(Buffer.from('<svg/>'))).toThrow(/not a PNG/);
  });
});
