// Generates the Pall Mall Process mark: three interlocking (Borromean) rings,
// standing for the states, industry and civil society taking part in the
// Process: take any one away and the other two fall apart.
// Usage: node scripts/mark.mjs  (rewrites src/images/*.svg and prints the
// inline header <svg> snippet). Output is deterministic.
import { writeFileSync } from 'node:fs'

const f = (n) => Number(n.toFixed(2)).toString()

/**
 * @param {object} o
 * @param {number} o.cx centre x
 * @param {number} o.cy centre y
 * @param {number} o.r ring radius
 * @param {number} o.d distance from the mark's centre to each ring's centre
 * @param {number} o.sw ring stroke width
 * @param {number} o.gap gap either side of an over-strand
 * @returns {{ rings: string[], patches: string[] }} path data
 */
function geometry ({ cx, cy, r, d, sw, gap }) {
  const centres = [-90, 30, 150].map((deg) => {
    const t = (deg * Math.PI) / 180
    return [cx + d * Math.cos(t), cy + d * Math.sin(t)]
  })
  const crossings = (p, q) => {
    const mx = (p[0] + q[0]) / 2
    const my = (p[1] + q[1]) / 2
    const dx = q[0] - p[0]
    const dy = q[1] - p[1]
    const len = Math.hypot(dx, dy)
    const h = Math.sqrt(r * r - (len / 2) ** 2)
    return [
      [mx - (dy / len) * h, my + (dx / len) * h],
      [mx + (dy / len) * h, my - (dx / len) * h]
    ]
  }
  const arc = (c, pt, spread) => {
    const t = Math.atan2(pt[1] - c[1], pt[0] - c[0])
    const a = t - spread
    const b = t + spread
    return `M${f(c[0] + r * Math.cos(a))} ${f(c[1] + r * Math.sin(a))}A${f(r)} ${f(r)} 0 0 1 ${f(c[0] + r * Math.cos(b))} ${f(c[1] + r * Math.sin(b))}`
  }
  const circle = (c) =>
    `M${f(c[0] - r)} ${f(c[1])}a${f(r)} ${f(r)} 0 1 0 ${f(2 * r)} 0a${f(r)} ${f(r)} 0 1 0 ${f(-2 * r)} 0`
  const [A, B, C] = centres
  const spread = 0.32
  // Borromean over/under: A passes over B, B over C, C over A. Each ring is
  // drawn whole, but masked where the ring above it crosses, leaving a gap.
  return {
    rings: [circle(A), circle(B), circle(C)],
    cuts: [
      crossings(A, C).map((pt) => arc(C, pt, spread)),
      crossings(A, B).map((pt) => arc(A, pt, spread)),
      crossings(B, C).map((pt) => arc(B, pt, spread))
    ]
  }
}

const colours = { a: '#ffffff', b: '#ffbf47', c: '#41b6a6' }
const navy = '#12284c'

function svgBody ({ sw, gap, cls, id }) {
  const g = geometry({ cx: 32, cy: 32, r: 14, d: 9.5, sw, gap })
  const out = ['<defs>']
  g.cuts.forEach((cuts, i) => {
    out.push(`<mask id="${id}-${'abc'[i]}" maskUnits="userSpaceOnUse" x="0" y="0" width="64" height="64">`)
    out.push('<rect width="64" height="64" fill="#fff"/>')
    cuts.forEach((d) => out.push(`<path d="${d}" fill="none" stroke="#000" stroke-width="${sw + gap * 2}"/>`))
    out.push('</mask>')
  })
  out.push('</defs>')
  out.push(`<g fill="none" stroke-width="${sw}">`)
  g.rings.forEach((d, i) => {
    const k = 'abc'[i]
    const paint = cls ? `class="pm-mark__${k}"` : `stroke="${colours[k]}"`
    out.push(`<path ${paint} mask="url(#${id}-${k})" d="${d}"/>`)
  })
  out.push('</g>')
  return out.join('')
}

const mark = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">` +
  `<rect width="64" height="64" rx="12" fill="${navy}"/>` + svgBody({ sw: 4.5, gap: 1.5, id: 'm' }) + `</svg>\n`
writeFileSync(new URL('../src/images/favicon.svg', import.meta.url), mark)
writeFileSync(new URL('../src/images/pallmall-mark.svg', import.meta.url), mark)

// Full-bleed square with the mark inside the maskable-icon safe zone; also the
// source of the PNG icons (apple-touch-icon.png, icon-192.png, icon-512.png),
// rendered by scripts/icons.sh.
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">` +
  `<rect width="64" height="64" fill="${navy}"/><g transform="translate(8.64 8.64) scale(0.73)">` +
  svgBody({ sw: 4.5, gap: 1.5, id: 'k' }) + `</g></svg>\n`
writeFileSync(new URL('../src/images/icon-mask.svg', import.meta.url), maskable)

// Inline version for the header: colours come from CSS classes so that the
// mark follows forced-colors (high contrast) mode.
const inline = `<svg class="pm-header__mark" xmlns="http://www.w3.org/2000/svg" viewBox="4 4 56 56" width="40" height="40" aria-hidden="true" focusable="false">` +
  svgBody({ sw: 4.5, gap: 1.5, cls: true, id: 'pm-mark' }) + `</svg>`
writeFileSync(new URL('../src/mark-inline.svg.html', import.meta.url), inline + '\n')
console.log(inline)
