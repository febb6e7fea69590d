// Progressive enhancement for GOV.UK Frontend components. Loaded as
//   <script type="module" src="/assets/init.<hash>.js"></script>
// at the end of <body>. Every page works without it.
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('govuk-frontend-supported')
initAll()
