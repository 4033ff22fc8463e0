import { build } from 'esbuild';
const entry = process.argv[2];
const r = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  metafile: true,
  write: false,
  logLevel: 'error',
});
const out = Object.values(r.metafile.outputs)[0];
const byPkg = {};
for (const [f, v] of Object.entries(out.inputs)) {
  const m = f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const k = m ? m[1] : f.split('/').slice(0, 3).join('/');
  byPkg[k] = (byPkg[k] || 0) + v.bytesInOutput;
}
console.log('total', out.bytes);
console.log(
  Object.entries(byPkg)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([k, v]) => `${(v / 1024).toFixed(1)}K ${k}`)
    .join('\n'),
);
