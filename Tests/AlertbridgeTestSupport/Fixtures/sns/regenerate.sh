#!/bin/sh
# Recreates the test material for Amazon SNS signature verification: what
# SNS signs with is an RSA 2048 key whose certificate it serves at the
# message's SigningCertURL. Valid for 100 years.
#
#   signing.pem signing.key   the certificate and key a test "SNS" signs with
#   other.pem                 a certificate for another RSA key
set -eu
cd "$(dirname "$0")"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days $days -subj "/CN=sns.us-east-1.amazonaws.com (alertbridge test)" \
    -keyout signing.key -out signing.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days $days -subj "/CN=another signer (alertbridge test)" \
    -keyout "$tmp/other.key" -out other.pem 2>/dev/null
