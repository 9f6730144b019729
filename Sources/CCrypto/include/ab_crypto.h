/*
 * ab_crypto.h — the few cryptographic operations alertbridge needs, over
 * OpenSSL's libcrypto (Debian libssl-dev).
 *
 * Why a shim rather than calling libcrypto from Swift: OpenSSL 3's API is
 * wide, full of macros and ownership rules; four functions with plain
 * (pointer, length) arguments keep that inside one small C file that can be
 * read whole. Why OpenSSL: swift-crypto is not available here, and
 * signatures (RSA, for Amazon SNS) are not something to write by hand.
 *
 * Every function is safe to call from any thread concurrently.
 */
#ifndef AB_CRYPTO_H
#define AB_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The digest a signature is made over. */
typedef enum {
    AB_DIGEST_SHA1 = 1,
    AB_DIGEST_SHA256 = 2,
} ab_digest;

/* HMAC-SHA256 of data keyed with key into out (32 bytes). Returns 1, or 0 on failure. */
int ab_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len, uint8_t out[32]);

/* Outcomes of ab_verify_with_certificate. */
typedef enum {
    AB_VERIFY_OK = 0,
    AB_VERIFY_BAD_SIGNATURE = 1,
    AB_VERIFY_BAD_CERTIFICATE = 2, /* not a PEM X.509 certificate, or no usable public key */
    AB_VERIFY_CERTIFICATE_NOT_VALID_NOW = 3, /* before notBefore or after notAfter */
    AB_VERIFY_ERROR = 4, /* anything else (allocation, unsupported digest) */
} ab_verify_result;

/*
 * Verifies signature over data with the public key of the PEM certificate
 * (RSA PKCS#1 v1.5, or whatever key type the certificate holds), using
 * digest. The certificate's validity period is checked against the current
 * time; its chain is not (the caller trusts it by where it came from).
 */
ab_verify_result ab_verify_with_certificate(
    const char *certificate_pem, size_t certificate_len, ab_digest digest, const uint8_t *data, size_t data_len,
    const uint8_t *signature, size_t signature_len);

/*
 * Signs data with the PEM private key, for tests that play a signer.
 * On entry *signature_len is the capacity of signature; on success it is
 * the signature's length and 1 is returned; 0 on any failure.
 */
int ab_sign_with_private_key(
    const char *key_pem, size_t key_len, ab_digest digest, const uint8_t *data, size_t data_len, uint8_t *signature,
    size_t *signature_len);

#ifdef __cplusplus
}
#endif

#endif
