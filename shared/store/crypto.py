"""Encryption at rest for the store's personal data: the keys, AES-GCM for values, an HMAC blind index for lookups.

Two keys, both 32 random bytes: the data key (AES-256-GCM, `cryptography`'s AEAD; no home-made crypto) and the
index key (HMAC-SHA256 of a normalised email: equal emails give equal index values, and the value reveals
nothing without the key). They come from the environment (ISMCP_DATA_KEY / ISMCP_INDEX_KEY, base64url, for
headless machines) or the OS keyring, where they are created on first use. Neither is ever written into the
store or a config file: the store keeps only a key id (an HMAC of a fixed label) so that a wrong or missing
key is refused instead of silently starting a second key over existing data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

DATA_KEY_ENV = "ISMCP_DATA_KEY"
INDEX_KEY_ENV = "ISMCP_INDEX_KEY"
# A rotation in progress: the previous data key, still needed to read rows not yet re-encrypted.
OLD_DATA_KEY_ENV = "ISMCP_OLD_DATA_KEY"
KEYRING_SERVICE = "instantly-stripe-mcp-store"
PREFIX = "enc1:"  # every encrypted text value starts with it; JSON values are {"enc1": "..."}
JSON_KEY = "enc1"


class KeyMissing(Exception):
    """The store holds encrypted data and the key to read it is not where it is expected."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    return _b64(secrets.token_bytes(32))


def parse_key(text: str, where: str) -> bytes:
    try:
        raw = _unb64(text.strip())
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != 32:
        raise KeyMissing(f"{where} is not a key: it must be 32 bytes, base64url-encoded (make one with "
                         "`orchestrator-mcp keys generate`)")
    return raw


def _keyring() -> Any | None:
    from shared.secrets import _backend

    return _backend()


def _username(kind: str) -> str:
    """The keyring entry of a key. One data key and one index key per installation, whatever the profile: the
    store's rows of every profile are under them (the key marker is the store's, shared/store/scope.STORE_SCOPE)."""
    return kind


def load_key(kind: str, *, create: bool) -> tuple[bytes, str] | None:
    """(key, where it came from) for kind "data" or "index": the environment, then the OS keyring; with
    `create`, a new key is made and put in the keyring when there is one. None when there is no key."""
    name = DATA_KEY_ENV if kind == "data" else INDEX_KEY_ENV
    if value := os.environ.get(name, "").strip():
        return parse_key(value, f"${name}"), f"the environment variable {name}"
    backend = _keyring()
    if backend is None:
        return None
    user = _username(f"{kind}-key")
    try:
        stored = backend.get_password(KEYRING_SERVICE, user)
    except Exception:  # noqa: BLE001 - an unusable keyring is no keyring
        return None
    if stored:
        return parse_key(stored, f"the OS keyring entry {KEYRING_SERVICE}/{user}"), "the OS keyring"
    if not create:
        return None
    fresh = new_key()
    try:
        backend.set_password(KEYRING_SERVICE, user, fresh)
    except Exception:  # noqa: BLE001
        return None
    return _unb64(fresh), "the OS keyring (created now)"


def where_expected(kind: str) -> str:
    env = DATA_KEY_ENV if kind == "data" else INDEX_KEY_ENV
    return (f"the OS keyring (service {KEYRING_SERVICE}, entry {_username(kind + '-key')}) or the environment "
            f"variable {env}")


def key_id(key: bytes) -> str:
    """A public fingerprint of a key: which key encrypted the data, without revealing it."""
    return hmac.new(key, b"instantly-stripe-mcp key id", hashlib.sha256).hexdigest()[:16]


def normalize_email(email: str) -> str:
    return email.strip().lower()


@dataclass
class Keys:
    """The keys a store uses. `data` is None on a store that runs unencrypted (no key anywhere)."""

    data: bytes | None
    index: bytes
    old_data: bytes | None = None  # during a rotation: the key rows not yet re-encrypted are under

    def blind_index(self, email: str) -> str:
        """HMAC-SHA256 of the normalised email under the index key: what lookups, uniqueness and the
        suppression list use."""
        return hmac.new(self.index, normalize_email(email).encode(), hashlib.sha256).hexdigest()

    # --- values ---

    def _aead(self, key: bytes) -> Any:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(key)

    def encrypt_text(self, value: str | None) -> str | None:
        # Always encrypted, even a value that looks encrypted already: input never chooses how it is read back.
        if value is None or self.data is None:
            return value
        nonce = secrets.token_bytes(12)
        return PREFIX + _b64(nonce + self._aead(self.data).encrypt(nonce, value.encode(), None))

    def decrypt_text(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX) or (self.data is None and self.old_data is None):
            return value  # an unprotected store holds plain values only, whatever they look like
        raw = _unb64(value[len(PREFIX):])
        from cryptography.exceptions import InvalidTag

        for key in (self.data, self.old_data):
            if key is None:
                continue
            try:
                return self._aead(key).decrypt(raw[:12], raw[12:], None).decode()
            except InvalidTag:
                continue
        raise KeyMissing("a stored value does not decrypt with the configured data key: the key is not the one "
                         f"the data was encrypted with (expected in {where_expected('data')})")

    def encrypt_json(self, value: Any) -> Any:
        if self.data is None:
            return value
        return {JSON_KEY: self.encrypt_text(json.dumps(value, separators=(",", ":")))}

    def decrypt_json(self, value: Any) -> Any:
        if not is_encrypted_json(value) or (self.data is None and self.old_data is None):
            return value
        return json.loads(self.decrypt_text(value[JSON_KEY]) or "null")

    def needs_rotation(self, value: str | None) -> bool:
        """Encrypted under the old key (or not at all) rather than the current one."""
        if value is None or self.data is None:
            return False
        if not value.startswith(PREFIX):
            return True
        raw = _unb64(value[len(PREFIX):])
        from cryptography.exceptions import InvalidTag

        try:
            self._aead(self.data).decrypt(raw[:12], raw[12:], None)
            return False
        except InvalidTag:
            return True


def is_encrypted_json(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(JSON_KEY), str)


# A store with no key anywhere (no keyring, no environment variable) runs unprotected: values in plain text and
# the blind index under this public key (pseudonymous, not secret). doctor reports it; `keys rotate` protects it.
UNKEYED_INDEX = hashlib.sha256(b"instantly-stripe-mcp unkeyed index").digest()
UNPROTECTED = Keys(data=None, index=UNKEYED_INDEX)

MARKER = "store:keys"  # app_config: the ids (fingerprints) of the keys the data is under, never the keys
UNKEYED_ID = key_id(UNKEYED_INDEX)


def _old_data_key() -> bytes | None:
    found = os.environ.get(OLD_DATA_KEY_ENV, "").strip()
    if found:
        return parse_key(found, f"${OLD_DATA_KEY_ENV}")
    backend = _keyring()
    if backend is None:
        return None
    try:
        stored = backend.get_password(KEYRING_SERVICE, _username("data-key-previous"))
    except Exception:  # noqa: BLE001
        return None
    return parse_key(stored, "the OS keyring's previous data key") if stored else None


def keys_for_marker(marker: dict[str, Any] | None, where: str) -> tuple[Keys, dict[str, Any] | None]:
    """The keys for a store whose marker is `marker` (None: a store that has none yet), and the marker to save
    when it changes. Raises KeyMissing when the store's data is under a key that is not where it is expected."""
    if marker is None:
        data = load_key("data", create=True)
        index = load_key("index", create=True)
        if data is None or index is None:  # no keyring and no environment variable: unprotected, and said so
            return UNPROTECTED, {"data_key_id": None, "index_key_id": UNKEYED_ID}
        return Keys(data=data[0], index=index[0]), {"data_key_id": key_id(data[0]), "index_key_id": key_id(index[0])}
    if marker.get("index_key_id") == UNKEYED_ID and not marker.get("data_key_id"):
        return UNPROTECTED, None
    found: dict[str, bytes] = {}
    for kind, field in (("data", "data_key_id"), ("index", "index_key_id")):
        got = load_key(kind, create=False)
        if got is None:
            raise KeyMissing(f"The store {where} is encrypted and its {kind} key is missing: it is expected in "
                             f"{where_expected(kind)}. Restore that key (a new key cannot read the existing data; "
                             "none is created over it).")
        if key_id(got[0]) != marker.get(field):
            raise KeyMissing(f"The {kind} key in {got[1]} is not the key the store {where} was encrypted with "
                             f"(key id {marker.get(field)}, this one is {key_id(got[0])}). Set the right key in "
                             f"{where_expected(kind)}.")
        found[kind] = got[0]
    old = _old_data_key() if marker.get("rotating_from") else None
    if marker.get("rotating_from") and (old is None or key_id(old) != marker["rotating_from"]):
        raise KeyMissing(f"The store {where} is in the middle of a key rotation and the previous data key (key id "
                         f"{marker['rotating_from']}) is missing: it is expected in ${OLD_DATA_KEY_ENV} or the OS "
                         f"keyring entry {KEYRING_SERVICE}/{_username('data-key-previous')}. Restore it and run "
                         "`orchestrator-mcp keys rotate` to finish.")
    return Keys(data=found["data"], index=found["index"], old_data=old), None


# --- what is encrypted, applied at the repository boundary (shared/store/repository.py, events.py) ---

CONTACT_TEXT = ("email", "first_name", "last_name", "company")  # unified_contacts: AES-GCM, email also indexed


def seal_contact(keys: Keys, values: dict[str, Any]) -> dict[str, Any]:
    """Contact values on their way into the store: personal text encrypted, the email's blind index beside it."""
    out = dict(values)
    if "email" in out and out["email"] is not None:
        out["email_index"] = keys.blind_index(out["email"])
    for name in CONTACT_TEXT:
        if name in out and isinstance(out[name], str):
            out[name] = keys.encrypt_text(out[name])
    return out


def open_contact(keys: Keys, row: dict[str, Any]) -> dict[str, Any]:
    """A contact row read from the store, decrypted (the blind index is internal and left out)."""
    out = dict(row)
    out.pop("email_index", None)
    for name in CONTACT_TEXT:
        if isinstance(out.get(name), str):
            out[name] = keys.decrypt_text(out[name])
    return out


def open_row(keys: Keys, row: dict[str, Any], column: str) -> dict[str, Any]:
    """An events or audit_log row with its JSON column (payload, arguments) decrypted."""
    if is_encrypted_json(row.get(column)):
        row = {**row, column: keys.decrypt_json(row[column])}
    return row


def mentions_text(value: Any, needle: str) -> bool:
    """Whether a decrypted JSON value names `needle` (case-insensitive), as the SQL `mentions` does on plain text."""
    return needle.lower() in json.dumps(value, ensure_ascii=False).lower()
