// Builds web/assets/static/ from src/ and node_modules. Run via `npm run build`
// (or `make assets` from the repository root). Deterministic: no source maps,
// no timestamps, files written in a fixed order, stale files removed.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, 'src')
const out = join(here, 'static')
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'images'), { recursive: true })

// 1. CSS
const result = sass.compile(join(src, 'pallmall.scss'), {
  style: 'compressed',
  loadPaths: [join(here, 'node_modules')],
  sourceMap: false,
  // GOV.UK Frontend's CSS contains a few non-ASCII characters (e.g. in
  // `content`), so Sass starts the compressed output with a UTF-8 BOM, which
  // fixes the encoding whatever Content-Type the server sends.
  charset: true,
  quietDeps: true,
  // GOV.UK Frontend 5 is written with @import and global functions.
  silenceDeprecations: ['import', 'global-builtin', 'slash-div', 'color-functions', 'if-function']
})
const css = result.css
writeFileSync(join(out, 'pallmall.css'), css + '\n')

// 2. GOV.UK Frontend JS (ESM bundle), without its sourceMappingURL comment
// (we do not ship the map, so browsers' devtools would ask for a 404).
const js = readFileSync(join(govuk, 'govuk-frontend.min.js'), 'utf8')
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
writeFileSync(join(out, 'govuk-frontend.min.js'), js)

// 3. Our JS, manifest and images, copied as they are.
copyFileSync(join(src, 'init.js'), join(out, 'init.js'))
copyFileSync(join(src, 'passkey.js'), join(out, 'passkey.js'))
copyFileSync(join(src, 'manifest.json'), join(out, 'manifest.json'))
for (const name of readdirSync(join(src, 'images')).sort()) {
  copyFileSync(join(src, 'images', name), join(out, 'images', name))
}

// 4. Every url(...) in the CSS must resolve to a file we ship.
const missing = []
for (const m of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
  const ref = m[1]
  if (ref.startsWith('data:')) continue
  if (!ref.startsWith('/assets/')) {
    missing.push(`${ref} (not under /assets/)`)
    continue
  }
  if (!existsSync(join(out, ref.slice('/assets/'.length)))) missing.push(ref)
}
if (missing.length) throw new Error('pallmall.css references missing files: ' + missing.join(', '))
// No other origin, ever: the only url()s allowed are /assets/ ones (above), and
// no @import survives compilation.
if (/@import/.test(css)) throw new Error('pallmall.css contains @import')

console.log(`built ${readdirSync(out).length} entries in static/ (pallmall.css ${css.length} bytes)`)
