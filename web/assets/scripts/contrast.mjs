// Prints WCAG 2.x contrast ratios for the palette pairs we rely on and fails
// if any is below its threshold (4.5 text, 3 non-text/large). `npm run contrast`
const hex = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255)
  .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
const lum = (h) => { const [r, g, b] = hex(h); return 0.2126 * r + 0.7152 * g + 0.0722 * b }
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05) }

const pairs = [
  // [foreground, background, minimum, what]
  ['#ffffff', '#12284c', 4.5, 'header text on navy'],
  ['#d3dced', '#12284c', 4.5, 'header tagline on navy'],
  ['#41b6a6', '#12284c', 3, 'teal rule / mark on navy (non-text)'],
  ['#ffbf47', '#12284c', 3, 'amber focus / mark on navy (non-text)'],
  ['#0b0c0c', '#ffbf47', 4.5, 'focused link text on amber'],
  ['#0b0c0c', '#ffffff', 4.5, 'body text'],
  ['#4d5761', '#ffffff', 4.5, 'secondary text'],
  ['#4d5761', '#eef2f7', 4.5, 'secondary text on tint'],
  ['#0b5f80', '#ffffff', 4.5, 'link'],
  ['#0b5f80', '#eef2f7', 4.5, 'link on tint (footer)'],
  ['#6a3d8f', '#ffffff', 4.5, 'visited link'],
  ['#07405a', '#ffffff', 4.5, 'hover link'],
  ['#12284c', '#eef2f7', 4.5, 'navigation link on tint'],
  ['#0b0c0c', '#eef2f7', 4.5, 'footer text on tint'],
  ['#ffffff', '#0a6b6b', 4.5, 'button / panel text on teal'],
  ['#b92d1f', '#ffffff', 4.5, 'error text'],
  ['#ffffff', '#d4351c', 4.5, 'warning button text (GOV.UK red)'],
  ['#0b0c0c', '#ffe3ad', 4.5, 'amber tag'],
  ['#12284c', '#ffffff', 3, 'chart bar 1 (non-text)'],
  ['#0a6b6b', '#ffffff', 3, 'chart bar 2 (non-text)'],
  ['#b06a00', '#ffffff', 3, 'chart bar 3 (non-text)'],
  ['#b06a00', '#eef2f7', 3, 'chart bar 3 on track (non-text)'],
  ['#7a8aa3', '#ffffff', 3, 'navigation border (non-text)'],
  ['#0b0c0c', '#ffffff', 3, 'focus underline bar vs page (non-text)']
]
let bad = 0
for (const [fg, bg, min, what] of pairs) {
  const r = ratio(fg, bg)
  if (r < min) bad++
  console.log(`${r.toFixed(2).padStart(6)}:1  ${r >= min ? 'ok ' : 'LOW'}  ${fg} on ${bg}  ${what}`)
}
if (bad) { console.error(`${bad} pair(s) below threshold`); process.exit(1) }
