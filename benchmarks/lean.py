"""A deliberately minimal DynamoDB client: SigV4 by hand over one ``http.client``
keep-alive connection.  A *reference* for the call benchmarks, not a product.

It shows what a pure-Python call can cost when nothing but the essential work is done:
serialize the JSON body, sign it (SigV4 with the signing key cached per day), send it,
read the response, check its CRC32 and parse the JSON.  It has no retries, no
credential refresh, no endpoint resolution and no error mapping, so it is an estimate
of the room left above ``Transport``, not a replacement for it.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import zlib
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LeanClient"]

_SIGNED_HEADERS = "content-type;host;x-amz-date;x-amz-target"
_CONTENT_TYPE = "application/x-amz-json-1.0"
_encode = json.JSONEncoder(separators=(",", ":")).encode


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


class LeanClient:
    """``LeanClient(endpoint_url, access_key, secret_key, region).call(op, request)``."""

    def __init__(
        self, endpoint_url: str, access_key: str, secret_key: str, region: str
    ) -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"LeanClient speaks plain http only, not {endpoint_url}")
        self._host = parts.netloc
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port)
        self._access_key = access_key
        self._secret_key = secret_key
        self._region = region
        self._day = ""
        self._signing_key = b""

    def _key_for(self, day: str) -> bytes:
        if day != self._day:
            key = _hmac(f"AWS4{self._secret_key}".encode(), day)
            for part in (self._region, "dynamodb", "aws4_request"):
                key = _hmac(key, part)
            self._day, self._signing_key = day, key
        return self._signing_key

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Send a wire-form ``request`` to ``operation``; the wire-form response body."""
        body = _encode(request).encode("utf-8")
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        day = amz_date[:8]
        target = "DynamoDB_20120810." + operation
        canonical = (
            f"POST\n/\n\ncontent-type:{_CONTENT_TYPE}\nhost:{self._host}\n"
            f"x-amz-date:{amz_date}\nx-amz-target:{target}\n\n{_SIGNED_HEADERS}\n"
            + hashlib.sha256(body).hexdigest()
        )
        scope = f"{day}/{self._region}/dynamodb/aws4_request"
        to_sign = (
            f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n"
            + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        )
        signature = hmac.new(
            self._key_for(day), to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": _CONTENT_TYPE,
            "X-Amz-Date": amz_date,
            "X-Amz-Target": target,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential={self._access_key}/{scope}, "
                f"SignedHeaders={_SIGNED_HEADERS}, Signature={signature}"
            ),
        }
        self._connection.request("POST", "/", body, headers)
        response = self._connection.getresponse()
        data = response.read()
        crc = response.getheader("x-amz-crc32")
        if crc is not None and int(crc) != zlib.crc32(data):
            raise ValueError(f"{operation}: CRC32 mismatch")
        if response.status >= 300:
            raise RuntimeError(f"{operation}: HTTP {response.status}: {data[:200]!r}")
        decoded: dict[str, Any] = json.loads(data)
        return decoded

    def close(self) -> None:
        self._connection.close()
