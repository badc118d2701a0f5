/**
 * Encryption at rest for secrets the server stores (provider API keys): AES-256-GCM under a key
 * derived from the server secret (HKDF-SHA256), a fresh 96-bit IV per value, the record's id as
 * associated data so a ciphertext cannot be moved to another record.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { ConfigError } from '../errors/errors.js'

/** An encrypted value as stored: base64url fields. */
export interface SealedSecret {
  alg: 'A256GCM'
  iv: string
  tag: string
  data: string
}

/** Seals and opens secrets under one server secret. */
export interface SecretBox {
  seal(plaintext: string, context: string): SealedSecret
  open(sealed: SealedSecret, context: string): string
}

/** A box over the server secret (at least 32 characters). */
export function createSecretBox(secret: string): SecretBox {
  const key = Buffer.from(hkdfSync('sha256', secret, 'agentloop', 'agentloop/server secrets v1', 32))
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context))
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return {
        alg: 'A256GCM',
        iv: iv.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
        data: data.toString('base64url'),
      }
    },
    open(sealed, context) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'))
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'))
        return Buffer.concat([
          decipher.update(Buffer.from(sealed.data, 'base64url')),
          decipher.final(),
        ]).toString('utf8')
      } catch (error) {
        throw new ConfigError({
          message: `A stored secret (${context}) cannot be decrypted: the server secret (AGENTLOOP_SECRET) is not the one it was stored with. Restore that secret, or store the value again.`,
          cause: error,
        })
      }
    },
  }
}
