import assert from 'node:assert/strict'
import { test } from 'node:test'
import { base64UrlDecode, base64UrlEncode, decodeJwtPayload, rotationInfoOf } from '../src/jwt.js'

const jwt = (payload) => `e30.${base64UrlEncode(new TextEncoder().encode(JSON.stringify(payload)))}.sig`

test('decodes the payload and the rotation claims, and refuses what is not a JWT', () => {
  assert.deepEqual(decodeJwtPayload(jwt({ sub: 'ü', n: 1 })), { sub: 'ü', n: 1 })
  assert.deepEqual(rotationInfoOf(jwt({ rtr_gen: 3, rtr_fam: 'f' })), { generation: 3, family: 'f' })
  assert.deepEqual(rotationInfoOf('garbage'), { generation: null, family: null })
  assert.throws(() => decodeJwtPayload('a.b'), /Invalid JWT/)
  assert.throws(() => decodeJwtPayload(jwt([1])), /not a JSON object/)
  assert.deepEqual([...base64UrlDecode('AP8')], [0, 255])
})
