// @ts-check
/**
 * @file `WWW-Authenticate` parsing (RFC 9110 §11.6.1) and the one question the client asks of it: did the API reject the
 * access token itself (RFC 6750 §3.1 / RFC 9449 §7.1 `error="invalid_token"`), so that a refresh can help?
 */

/** @typedef {{ scheme: string, params: Record<string, string>, token68: string|null }} AuthChallenge */

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/

/**
 * Parses a `WWW-Authenticate` header (RFC 9110 §11.6.1 / RFC 6750 §3) into challenges. Scheme and
 * parameter names are lower-cased (they are case-insensitive); quoted-string values are unescaped.
 * Parsing stops at the first syntax error and returns what was understood until then.
 * @param {string|null|undefined} header
 * @returns {AuthChallenge[]}
 */
export function parseWwwAuthenticate (header) {
  /** @type {AuthChallenge[]} */
  const challenges = []
  if (typeof header !== 'string') return challenges
  const s = header
  const n = s.length
  let i = 0
  /** @type {AuthChallenge|null} */
  let current = null
  const skipSpaces = () => { while (i < n && (s[i] === ' ' || s[i] === '\t')) i++ }
  const readToken = () => {
    const start = i
    while (i < n && TCHAR.test(s[i])) i++
    return s.slice(start, i)
  }
  const readQuoted = () => {
    let value = ''
    i++ // opening quote
    while (i < n) {
      const c = s[i++]
      if (c === '"') return value
      if (c === '\\') {
        if (i >= n) return null
        value += s[i++]
      } else {
        value += c
      }
    }
    return null // unterminated
  }

  while (i < n) {
    skipSpaces()
    if (s[i] === ',') { i++; continue }
    if (i >= n) break
    const token = readToken()
    if (token === '') break
    const afterToken = i
    skipSpaces()
    if (current != null && s[i] === '=') {
      // auth-param: name BWS "=" BWS ( token / quoted-string )
      i++
      skipSpaces()
      const value = s[i] === '"' ? readQuoted() : readToken()
      if (value == null) break
      const name = token.toLowerCase()
      if (!(name in current.params)) current.params[name] = value
      skipSpaces()
      if (i < n && s[i] !== ',') break
      continue
    }
    current = { scheme: token.toLowerCase(), params: {}, token68: null }
    challenges.push(current)
    if (i > afterToken) {
      const match = TOKEN68.exec(s.slice(i))
      if (match && /^[ \t]*(,|$)/.test(s.slice(i + match[0].length))) {
        current.token68 = match[0]
        i += match[0].length
      }
    }
  }
  return challenges
}

/**
 * True for a 401 whose `WWW-Authenticate` has a Bearer or DPoP challenge with `error="invalid_token"`: the only answer for
 * which a new access token can help. Not for 400, 403, 503, nor for a 401 without that error.
 * @param {{ status: number, headers: { get(name: string): string|null } }} response
 */
export function isInvalidTokenChallenge (response) {
  if (response == null || response.status !== 401) return false
  return parseWwwAuthenticate(response.headers.get('WWW-Authenticate'))
    .some((c) => (c.scheme === 'bearer' || c.scheme === 'dpop') && c.params.error === 'invalid_token')
}

/**
 * True for a 401 asking for a DPoP proof with a server nonce (RFC 9449 §9: `DPoP error="use_dpop_nonce"`).
 * @param {{ status: number, headers: { get(name: string): string|null } }} response
 */
export function isDpopNonceChallenge (response) {
  if (response == null || response.status !== 401) return false
  return parseWwwAuthenticate(response.headers.get('WWW-Authenticate'))
    .some((c) => c.scheme === 'dpop' && c.params.error === 'use_dpop_nonce')
}
