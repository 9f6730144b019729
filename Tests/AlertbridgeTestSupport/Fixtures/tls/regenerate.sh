#!/bin/sh
# Recreates the TLS test material for the syslog TLS listener tests.
# Everything is valid for 100 years; the CA keys are not kept.
#
#   ca.pem                 test CA
#   server.pem server.key  server certificate (CN localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1), signed by ca
#   client.pem client.key  client certificate signed by ca
#   other-ca.pem           an unrelated CA
#   other-client.pem other-client.key   client certificate signed by other-ca
#   wrong.key              a key that matches none of the certificates
set -eu
cd "$(dirname "$0")"
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ca() { # name subject
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days $days \
        -subj "$2" -keyout "$tmp/$1.key" -out "$1.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name ca subject extensions
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$3" \
        -keyout "$1.key" -out "$tmp/$1.csr" 2>/dev/null
    printf '%s\n' "$4" > "$tmp/$1.ext"
    openssl x509 -req -in "$tmp/$1.csr" -CA "$2.pem" -CAkey "$tmp/$2.key" -CAcreateserial \
        -days $days -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

ca ca "/CN=alertbridge test CA"
ca other-ca "/CN=alertbridge unrelated test CA"
leaf server ca "/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
leaf client ca "/CN=syslog-relay" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
leaf other-client other-ca "/CN=stranger" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out wrong.key 2>/dev/null
rm -f ./*.srl
chmod 644 ./*.key  # test keys, readable like the rest
