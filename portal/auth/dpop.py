"""Keys for the OpenID Connect client: the client's own signing key (``private_key_jwt``) and
DPoP proofs (RFC 9449) that bind tokens to a key only this sign-in holds."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time

from joserfc import jws
from joserfc.jwk import ECKey, OKPKey, RSAKey

PrivateKey = RSAKey | ECKey | OKPKey


def import_private_key(text: str) -> PrivateKey:
    """A private key given as PEM or as a JWK (JSON)."""
    stripped = text.strip()
    key: PrivateKey
    if stripped.startswith("{"):
        data = json.loads(stripped)
        kinds: dict[str, type[PrivateKey]] = {"RSA": RSAKey, "EC": ECKey, "OKP": OKPKey}
        key = kinds[data["kty"]].import_key(data)
    else:
        for kind in (RSAKey, ECKey, OKPKey):
            try:
                key = kind.import_key(stripped)
                break
            except (ValueError, TypeError):
                continue
        else:
            raise ValueError("not a PEM private key")
    if not key.is_private:
        raise ValueError("the key is a public key; the client needs its private key")
    return key


def signing_alg(key: PrivateKey) -> str:
    if key.get("alg"):
        return str(key.get("alg"))
    if isinstance(key, ECKey):
        return {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[str(key.get("crv"))]
    if isinstance(key, OKPKey):
        return "EdDSA"
    return "RS256"


def new_private_key() -> ECKey:
    """A fresh P-256 key for one sign-in's DPoP proofs."""
    return ECKey.generate_key("P-256", private=True)


def proof(key: ECKey, method: str, url: str, nonce: str | None = None,
          access_token: str | None = None) -> str:
    """A DPoP proof JWT for one HTTP request."""
    claims: dict[str, object] = {
        "jti": secrets.token_urlsafe(16),
        "htm": method,
        "htu": url.split("?", 1)[0].split("#", 1)[0],
        "iat": int(time.time()),
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jws.serialize_compact(header, json.dumps(claims, separators=(",", ":")), key)
