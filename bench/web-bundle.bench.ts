// The web app's size as the browser downloads it: every JS and CSS file in dist/web, gzipped (level 9,
// as the server sends them, and level 6, a common default). The peer, built in the same run with the
// same Vite: React and ReactDOM rendering one element, the floor of any React app.
// Budget (issue 4): the app's JavaScript under 300 KB gzipped. Quick look: `npx tsx bench/run.ts web-bundle`.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { ensureWebBuild, ROOT } from '../test/e2e/support/web-build.js';
import { type Benchmark, fixed } from './harness.js';

const BUDGET_KB = 300;

interface Sizes {
  files: number;
  raw: number;
  gzip9: number;
  gzip6: number;
}

function measure(dir: string, ext: string): Sizes {
  const sizes: Sizes = { files: 0, raw: 0, gzip9: 0, gzip6: 0 };
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (extname(entry.name) === ext) {
        const body = readFileSync(path);
        sizes.files++;
        sizes.raw += body.length;
        sizes.gzip9 += gzipSync(body, { level: 9 }).length;
        sizes.gzip6 += gzipSync(body, { level: 6 }).length;
      }
    }
  };
  walk(dir);
  return sizes;
}

/** React + ReactDOM rendering one element, built by the same Vite with its defaults. */
async function reactFloor(): Promise<Sizes> {
  // Inside the repository so that `react` resolves from its node_modules.
  const folder = join(ROOT, 'node_modules', '.cache', 'opsroom-bench-react-floor');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  // Vite compares real paths (node_modules may be a link).
  const root = realpathSync(folder);
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html><div id="root"></div><script type="module" src="./main.js"></script>',
  );
  writeFileSync(
    join(root, 'main.js'),
    "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
      "createRoot(document.getElementById('root')).render(createElement('div', null, 'hello'));\n",
  );
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: { outDir: join(root, 'dist'), emptyOutDir: true, target: 'es2022' },
  });
  const sizes = measure(join(root, 'dist'), '.js');
  rmSync(root, { recursive: true, force: true });
  return sizes;
}

export const benchmark: Benchmark = {
  id: 'web-bundle',
  async run() {
    const dir = ensureWebBuild();
    const js = measure(dir, '.js');
    const css = measure(dir, '.css');
    const floor = await reactFloor();
    const kb = (bytes: number) => fixed(bytes / 1024, 1);
    const markdown = `Every file of \`dist/web\` (\`vite build\` of \`web/\`), gzipped as the server sends it (level 9) and at
level 6. The peer is React 19 and ReactDOM rendering one element, built by the same Vite in this run:
what any React app costs before its first feature.

| | files | raw (KB) | gzip -9 (KB) | gzip -6 (KB) |
| --- | ---: | ---: | ---: | ---: |
| Opsroom app JavaScript | ${js.files} | ${kb(js.raw)} | ${kb(js.gzip9)} | ${kb(js.gzip6)} |
| Opsroom app CSS | ${css.files} | ${kb(css.raw)} | ${kb(css.gzip9)} | ${kb(css.gzip6)} |
| peer: React + ReactDOM, one element | ${floor.files} | ${kb(floor.raw)} | ${kb(floor.gzip9)} | ${kb(floor.gzip6)} |

The app's JavaScript is ${fixed(js.gzip6 / floor.gzip6, 2)}× the React floor (gzip -6); its own code and libraries (Markdown,
sanitiser) add ${kb(js.gzip6 - floor.gzip6)} KB to it. Budget: under ${BUDGET_KB} KB gzipped (${js.gzip6 / 1024 < BUDGET_KB ? 'met' : '**missed**'}: ${kb(js.gzip6)} KB).
`;
    return { id: 'web-bundle', title: 'Web app: JavaScript size', markdown };
  },
};

if (import.meta.url === `file://${process.argv[1]}`) console.log((await benchmark.run()).markdown);
