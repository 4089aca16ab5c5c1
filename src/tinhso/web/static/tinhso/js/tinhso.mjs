// tinhso's page script: marks the page as JavaScript-capable and starts GOV.UK Frontend's
// components (skip link, service navigation, error summary, …). Loaded as a module, so it never
// runs in browsers that GOV.UK Frontend does not support, and needs no inline script (CSP).
import { initAll } from './govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
