// Builds dist/ from src/: one ES module entry (plus lazily loaded chunks such
// as Mermaid) and one stylesheet, with content-hashed names so the server can
// cache /assets/* forever; index.html is written last with those names.
import * as esbuild from 'esbuild';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, 'dist');

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  assetNames: '[name]-[hash]',
  logLevel: 'warning',
});

let script = '';
let style = '';
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint !== 'src/main.js') continue;
  script = relative(out, join(here, file));
  if (meta.cssBundle) style = relative(out, join(here, meta.cssBundle));
}
if (!script || !style) throw new Error('build.mjs: the entry script or stylesheet is missing from the build');

const html = readFileSync(join(here, 'src/index.html'), 'utf8')
  .replace('{{script}}', `/${script}`)
  .replace('{{style}}', `/${style}`);
writeFileSync(join(out, 'index.html'), html);
