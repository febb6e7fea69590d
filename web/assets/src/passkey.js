// Passkeys: sign in, and add a passkey on the account page. Loaded only
// where a page has elements with data-passkey; without JavaScript, or in
// a browser without WebAuthn, those elements stay hidden and password and
// security code remain.

const b64urlToBytes = (s) => {
  const pad = '='.repeat((4 - (s.length % 4)) % 4)
  const bin = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

const bytesToB64url = (buf) => {
  const bin = String.fromCharCode(...new Uint8Array(buf))
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const creationOptions = (o) => {
  const pk = o.publicKey
  pk.challenge = b64urlToBytes(pk.challenge)
  pk.user.id = b64urlToBytes(pk.user.id)
  for (const c of pk.excludeCredentials || []) c.id = b64urlToBytes(c.id)
  return o
}

const requestOptions = (o) => {
  const pk = o.publicKey
  pk.challenge = b64urlToBytes(pk.challenge)
  for (const c of pk.allowCredentials || []) c.id = b64urlToBytes(c.id)
  return o
}

const credentialJSON = (cred) => {
  const r = cred.response
  const out = { id: cred.id, rawId: bytesToB64url(cred.rawId), type: cred.type, response: { clientDataJSON: bytesToB64url(r.clientDataJSON) } }
  if (r.attestationObject) {
    out.response.attestationObject = bytesToB64url(r.attestationObject)
    if (r.getTransports) out.response.transports = r.getTransports()
  }
  if (r.authenticatorData) {
    out.response.authenticatorData = bytesToB64url(r.authenticatorData)
    out.response.signature = bytesToB64url(r.signature)
    if (r.userHandle) out.response.userHandle = bytesToB64url(r.userHandle)
  }
  return out
}

const post = async (url, body, headers = {}) => {
  const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : '{}' })
  const data = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(data.message || res.statusText)
  return data
}

const run = async (el) => {
  const status = document.getElementById(el.dataset.passkeyStatus)
  const say = (text) => { if (status) status.textContent = text }
  try {
    say(el.dataset.passkeyWorking || '')
    const begin = await post(el.dataset.passkeyOptions)
    let cred
    if (el.dataset.passkey === 'create') {
      cred = await navigator.credentials.create(creationOptions(begin.options))
    } else {
      cred = await navigator.credentials.get(requestOptions(begin.options))
    }
    const nameInput = el.dataset.passkeyName ? document.getElementById(el.dataset.passkeyName) : null
    const done = await post(el.dataset.passkeyFinish, credentialJSON(cred), {
      'X-Passkey-Token': begin.token,
      'X-Passkey-Name': nameInput ? encodeURIComponent(nameInput.value) : ''
    })
    window.location.assign(done.redirect)
  } catch (e) {
    say((el.dataset.passkeyFailed || 'Failed') + (e && e.message ? ' (' + e.message + ')' : ''))
  }
}

if (window.PublicKeyCredential) {
  for (const el of document.querySelectorAll('[data-passkey]')) {
    for (const hidden of document.querySelectorAll('[data-passkey-block]')) hidden.hidden = false
    el.addEventListener('click', () => run(el))
  }
}
