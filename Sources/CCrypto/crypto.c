#include "ab_crypto.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <limits.h>

static const EVP_MD *ab_md(ab_digest digest) {
    switch (digest) {
    case AB_DIGEST_SHA1: return EVP_sha1();
    case AB_DIGEST_SHA256: return EVP_sha256();
    }
    return NULL;
}

int ab_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t data_len, uint8_t out[32]) {
    if (key_len > INT_MAX) return 0;
    unsigned int out_len = 0;
    /* HMAC() with a NULL key is an error in OpenSSL 3; an empty key is a valid HMAC key. */
    static const uint8_t empty = 0;
    if (HMAC(EVP_sha256(), key_len ? key : &empty, (int)key_len, data_len ? data : &empty, data_len, out, &out_len) == NULL)
        return 0;
    return out_len == 32;
}

ab_verify_result ab_verify_with_certificate(
    const char *certificate_pem, size_t certificate_len, ab_digest digest, const uint8_t *data, size_t data_len,
    const uint8_t *signature, size_t signature_len) {
    const EVP_MD *md = ab_md(digest);
    if (md == NULL || certificate_len > INT_MAX) return AB_VERIFY_ERROR;

    ab_verify_result result = AB_VERIFY_ERROR;
    X509 *certificate = NULL;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *context = NULL;

    BIO *bio = BIO_new_mem_buf(certificate_pem, (int)certificate_len);
    if (bio == NULL) goto done;
    certificate = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (certificate == NULL) { result = AB_VERIFY_BAD_CERTIFICATE; goto done; }
    if (X509_cmp_current_time(X509_get0_notBefore(certificate)) >= 0
        || X509_cmp_current_time(X509_get0_notAfter(certificate)) <= 0) {
        result = AB_VERIFY_CERTIFICATE_NOT_VALID_NOW;
        goto done;
    }
    key = X509_get_pubkey(certificate);
    if (key == NULL) { result = AB_VERIFY_BAD_CERTIFICATE; goto done; }
    context = EVP_MD_CTX_new();
    if (context == NULL) goto done;
    if (EVP_DigestVerifyInit(context, NULL, md, NULL, key) != 1) goto done;
    int verified = EVP_DigestVerify(context, signature, signature_len, data, data_len);
    result = verified == 1 ? AB_VERIFY_OK : AB_VERIFY_BAD_SIGNATURE;

done:
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    X509_free(certificate);
    BIO_free(bio);
    return result;
}

int ab_sign_with_private_key(
    const char *key_pem, size_t key_len, ab_digest digest, const uint8_t *data, size_t data_len, uint8_t *signature,
    size_t *signature_len) {
    const EVP_MD *md = ab_md(digest);
    if (md == NULL || key_len > INT_MAX) return 0;
    int ok = 0;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *context = NULL;
    BIO *bio = BIO_new_mem_buf(key_pem, (int)key_len);
    if (bio == NULL) goto done;
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (key == NULL) goto done;
    context = EVP_MD_CTX_new();
    if (context == NULL) goto done;
    if (EVP_DigestSignInit(context, NULL, md, NULL, key) != 1) goto done;
    ok = EVP_DigestSign(context, signature, signature_len, data, data_len) == 1;

done:
    EVP_MD_CTX_free(context);
    EVP_PKEY_free(key);
    BIO_free(bio);
    return ok;
}
