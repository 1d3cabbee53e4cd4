#!/bin/sh
# t/fake-coupang/mkcert.sh DIR — certificates for the fake Coupang server (tests only).
#
# Makes, with openssl, in DIR:
#   ca.pem, ca.key          a throw-away test CA (valid 30 days)
#   server.pem, server.key  a server certificate for www.coupang.com, localhost and
#                           127.0.0.1, signed by that CA
#   spki.txt                base64 of the SHA-256 of the server key's SubjectPublicKeyInfo,
#                           for Chromium's --ignore-certificate-errors-spki-list
# Nothing here is a secret: the keys live only in the test's temporary directory.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
cd "$dir"
umask 077

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
	-keyout ca.key -out ca.pem -subj '/O=revlens tests/CN=revlens fake-coupang test CA' \
	-addext 'basicConstraints=critical,CA:TRUE' \
	-addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null

openssl req -newkey rsa:2048 -nodes -sha256 \
	-keyout server.key -out server.csr -subj '/O=revlens tests/CN=www.coupang.com' 2>/dev/null

cat > server.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:www.coupang.com,DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-days 30 -sha256 -extfile server.ext -out server.pem 2>/dev/null
rm -f server.csr server.ext ca.srl

openssl pkey -in server.key -pubout -outform DER 2>/dev/null \
	| openssl dgst -sha256 -binary | openssl base64 -A > spki.txt
echo >> spki.txt
chmod 0644 ca.pem server.pem spki.txt
